"""The participant pages' reads: each person's derived status and the participant page."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models
from django.db.models import Case, Exists, OuterRef, Prefetch, Q, Value, When
from django.utils.translation import gettext_lazy as _

from participants.models import (
    Consent,
    Enrolment,
    Parking,
    Participant,
    ParticipantQuerySet,
    ResponsibilityChange,
)
from placements.models import Placement, PlacementStatus, WaitingListEntry
from samordning import policy
from samordning.expressions import InList
from samordning.models import User
from samordning.prepared import rows_for_pks


class ParticipantStatus(models.TextChoices):
    """Where a participant stands, derived from enrolments and placements."""

    WAITING = "waiting", _("Väntar på plats")
    PROPOSED = "proposed", _("Föreslagen till plats")
    ACTIVE = "active", _("Pågående arbetsträning")
    PARKED = "parked", _("Parkerad")
    ENDED = "ended", _("Avslutad")


def with_status(qs: ParticipantQuerySet, *, today: datetime.date) -> ParticipantQuerySet:
    """Annotate `status` (a ParticipantStatus code) in the same query.

    Active placement wins; then all enrolments ended means ended; then a
    pending, unexpired proposal; then parked (not suggested until a date);
    otherwise the participant is waiting.
    """
    placements = Placement.objects.filter(participant=OuterRef("pk"))
    active = placements.filter(status=PlacementStatus.ACTIVE)
    pending = placements.pending(today)
    enrolments = Enrolment.objects.filter(participant=OuterRef("pk"))
    open_enrolments = enrolments.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    parked = Parking.objects.current(today).filter(participant=OuterRef("pk"))
    return qs.annotate(
        status=Case(
            When(Exists(active), then=Value(ParticipantStatus.ACTIVE.value)),
            When(
                Exists(enrolments) & ~Exists(open_enrolments),
                then=Value(ParticipantStatus.ENDED.value),
            ),
            When(Exists(pending), then=Value(ParticipantStatus.PROPOSED.value)),
            When(Exists(parked), then=Value(ParticipantStatus.PARKED.value)),
            default=Value(ParticipantStatus.WAITING.value),
            output_field=models.CharField(),
        )
    )


def participant_list_queryset(user: User, *, today: datetime.date) -> ParticipantQuerySet:
    """The list page's rows: scoped, the municipality joined. No status and no
    coordinators: the filter adds the status when it filters or sorts by it
    (`ParticipantFilter`), otherwise `with_status_labels` reads it, and
    `with_coordinator_names` the coordinators, for the shown page only."""
    qs = Participant.objects.visible_to(user)
    if not policy.is_admin(user):
        # A caseload is read by its ids (about a thousand people at most): joined
        # to the coordinator links, PostgreSQL walked the name index of the whole
        # association and probed each person's links, to fill a page of 25. The ids
        # go as one array parameter, not a thousand (InList).
        qs = Participant.objects.filter(InList("pk", qs.values_list("pk", flat=True)))
    return qs.select_related("home_municipality")  # type: ignore[return-value]


def with_status_labels(
    participants: Iterable[Participant], *, today: datetime.date
) -> list[Participant]:
    """The given participants with `status` and its Swedish `status_label` set: one
    query for those not annotated already (the page's people, not the list's)."""
    rows = list(participants)
    missing = [p.pk for p in rows if not hasattr(p, "status")]
    if missing:
        statuses: dict[int, str] = dict(
            rows_for_pks(  # type: ignore[arg-type]
                lambda pks: with_status(
                    Participant.objects.filter(pk__in=pks), today=today
                ).values_list("pk", "status"),  # type: ignore[misc]
                missing,
                key=("participant-status", today),
            )
        )
        for participant in rows:
            if participant.pk in statuses:
                participant.status = statuses[participant.pk]  # type: ignore[attr-defined]
    labels = dict(ParticipantStatus.choices)
    for participant in rows:
        participant.status_label = labels[participant.status]  # type: ignore[attr-defined]
    return rows


def with_coordinator_names(participants: Iterable[Participant]) -> list[Participant]:
    """The given participants with `coordinator_names`: each responsible coordinator's
    full name, else username, in the users' order. One query compiled once per page
    size (rows_for_pks), where a prefetch compiled its query and built the users on
    every request (0.9 of the participant list's 14 ms of CPU)."""
    rows = list(participants)
    through = Participant.coordinators.through
    names: dict[int, list[str]] = {p.pk: [] for p in rows}
    for participant_id, first_name, last_name, username in rows_for_pks(
        lambda pks: (
            through.objects.filter(participant_id__in=pks)
            .order_by("user__last_name", "user__first_name", "user__username", "user_id")
            .values_list("participant_id", "user__first_name", "user__last_name", "user__username")
        ),
        list(names),
        key="participant-coordinator-names",
    ):
        # User.get_full_name(), else the username (as the template did).
        names[participant_id].append(f"{first_name} {last_name}".strip() or username)
    for participant in rows:
        participant.coordinator_names = names[participant.pk]  # type: ignore[attr-defined]
    return rows


def participant_detail_queryset(user: User) -> ParticipantQuerySet:
    """Everything the participant page shows, in a fixed number of queries."""
    placements = (
        Placement.objects.select_related(
            "offer", "offer__enterprise", "offer__business_area", "enrolment__insats"
        )
        .prefetch_related(Prefetch("follow_ups", to_attr="follow_up_list"))
        .order_by("-planned_start", "-id")
    )
    return (
        Participant.objects.visible_to(user)
        .select_related(  # type: ignore[return-value]
            "home_municipality", "created_by"
        )
        .prefetch_related(
            Prefetch("coordinators", to_attr="coordinator_list"),
            Prefetch("interests", to_attr="interest_list"),
            Prefetch("support_sources", to_attr="support_source_list"),
            Prefetch(
                "consents",
                queryset=Consent.objects.select_related("recorded_by").order_by("-given_on", "-id"),
                to_attr="consent_list",
            ),
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related("insats").order_by("-start_date", "-id"),
                to_attr="enrolment_list",
            ),
            Prefetch("placements", queryset=placements, to_attr="placement_list"),
            Prefetch(
                "parkings",
                queryset=Parking.objects.select_related("created_by").order_by("-since", "-id"),
                to_attr="parking_list",
            ),
            Prefetch(
                "responsibility_changes",
                queryset=ResponsibilityChange.objects.select_related(
                    "from_user", "to_user", "changed_by"
                ).order_by("-changed_at", "-id"),
                to_attr="responsibility_list",
            ),
            Prefetch(
                "waiting_list_entries",
                queryset=WaitingListEntry.objects.waiting().select_related(
                    "offer", "offer__enterprise"
                ),
                to_attr="waiting_list",
            ),
        )
    )
