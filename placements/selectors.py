"""Reads that pages use and that join placements to the apps below: the
participant list's derived status, the participant page, the enterprise scope
and the home page's figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Value, When
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, TrainingOffer
from participants.models import Consent, Enrolment, Participant, ParticipantQuerySet
from placements.models import Placement, PlacementQuerySet, PlacementStatus, unexpired
from samordning.models import User

ENDING_SOON_DAYS = 30
HOME_LIST_SIZE = 10


# --- the participant pages -----------------------------------------------------


class ParticipantStatus(models.TextChoices):
    """Where a participant stands, derived from enrolments and placements."""

    WAITING = "waiting", _("Väntar på plats")
    PROPOSED = "proposed", _("Föreslagen till plats")
    ACTIVE = "active", _("Pågående arbetsträning")
    ENDED = "ended", _("Avslutad")


def with_status(qs: ParticipantQuerySet, *, today: datetime.date) -> ParticipantQuerySet:
    """Annotate `status` (a ParticipantStatus code) in the same query.

    Active placement wins; then all enrolments ended means ended; then a
    pending, unexpired proposal; otherwise the participant is waiting.
    """
    placements = Placement.objects.filter(participant=OuterRef("pk"))
    active = placements.filter(status=PlacementStatus.ACTIVE)
    pending = placements.pending(today)
    enrolments = Enrolment.objects.filter(participant=OuterRef("pk"))
    open_enrolments = enrolments.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    return qs.annotate(
        status=Case(
            When(Exists(active), then=Value(ParticipantStatus.ACTIVE.value)),
            When(
                Exists(enrolments) & ~Exists(open_enrolments),
                then=Value(ParticipantStatus.ENDED.value),
            ),
            When(Exists(pending), then=Value(ParticipantStatus.PROPOSED.value)),
            default=Value(ParticipantStatus.WAITING.value),
            output_field=models.CharField(),
        )
    )


def participant_list_queryset(user: User, *, today: datetime.date) -> ParticipantQuerySet:
    """The list page's rows: scoped, status annotated, related rows eager-loaded."""
    qs = Participant.objects.visible_to(user).select_related("home_municipality")
    return with_status(qs, today=today).prefetch_related(  # type: ignore[return-value]
        Prefetch("coordinators", to_attr="coordinator_list")
    )


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
        )
    )


# --- the enterprise scope ------------------------------------------------------


def enterprise_placements(user: User) -> PlacementQuerySet:
    """Placements at the enterprises `user` manages (admins: all)."""
    return Placement.objects.visible_to(user).filter(
        offer__enterprise__in=Enterprise.objects.editable_by(user)
    )


def open_proposals(user: User, today: datetime.date) -> PlacementQuerySet:
    """Unexpired proposals at `user`'s enterprises, waiting for their answer."""
    return (
        enterprise_placements(user).filter(status=PlacementStatus.PROPOSED).filter(unexpired(today))
    )


# --- the home page's figures ---------------------------------------------------


@dataclass(frozen=True)
class CoordinatorOverview:
    participants: int
    proposed: int
    accepted: int
    active: int
    ending_soon: list[Placement]
    days: int = ENDING_SOON_DAYS


def coordinator_overview(user: User, *, today: datetime.date) -> CoordinatorOverview:
    """Three queries: the caseload, its placements by status, those ending soon."""
    soon = today + datetime.timedelta(days=ENDING_SOON_DAYS)
    participants = Participant.objects.visible_to(user)
    placements = Placement.objects.filter(participant__in=participants.values("pk"))
    counts = placements.aggregate(
        proposed=Count("pk", filter=Q(status=PlacementStatus.PROPOSED) & unexpired(today)),
        accepted=Count("pk", filter=Q(status=PlacementStatus.ACCEPTED) & unexpired(today)),
        active=Count("pk", filter=Q(status=PlacementStatus.ACTIVE)),
    )
    ending_soon = list(
        placements.filter(
            status=PlacementStatus.ACTIVE, planned_end__gte=today, planned_end__lte=soon
        )
        .select_related("participant", "offer")
        .order_by("planned_end", "id")[:HOME_LIST_SIZE]
    )
    return CoordinatorOverview(participants=participants.count(), ending_soon=ending_soon, **counts)


@dataclass(frozen=True)
class ManagerSummary:
    proposals_waiting: int
    active_placements: int
    stale_offers: list[TrainingOffer]


def manager_summary(user: User, *, today: datetime.date) -> ManagerSummary:
    """Three queries: waiting proposals, active placements, offers whose capacity is stale."""
    waiting = open_proposals(user, today).count()
    active = enterprise_placements(user).filter(status=PlacementStatus.ACTIVE).count()
    stale = list(
        TrainingOffer.objects.editable_by(user)
        .capacity_stale(today)
        .select_related("enterprise")
        .order_by("last_confirmed")[:HOME_LIST_SIZE]
    )
    return ManagerSummary(waiting, active, stale)
