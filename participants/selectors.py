"""Reads for the coordinator pages: the participant list's derived status and the detail page.

Participants know nothing of placements by import (the arrows point from
placements to participants), so the placement model is reached through the
reverse relation `Participant.placements`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import Case, Exists, OuterRef, Prefetch, Q, Value, When
from django.utils.translation import gettext_lazy as _

from participants.models import Consent, Enrolment, Participant, ParticipantQuerySet

# Placement status code (placements.models.PlacementStatus), spelled out here
# so that this app does not import the placements app; "pending" is asked of
# the placement queryset (`PlacementQuerySet.pending`) through the relation.
_ACTIVE = "active"


class ParticipantStatus(models.TextChoices):
    """Where a participant stands, derived from enrolments and placements."""

    WAITING = "waiting", _("Väntar på plats")
    PROPOSED = "proposed", _("Föreslagen till plats")
    ACTIVE = "active", _("Pågående arbetsträning")
    ENDED = "ended", _("Avslutad")


def placement_model() -> type[models.Model]:
    return Participant._meta.get_field("placements").related_model  # type: ignore[return-value]


def with_status(qs: ParticipantQuerySet, *, today: datetime.date) -> ParticipantQuerySet:
    """Annotate `status` (a ParticipantStatus code) in the same query.

    Active placement wins; then all enrolments ended means ended; then a
    pending, unexpired proposal; otherwise the participant is waiting.
    """
    placements = placement_model().objects.filter(participant=OuterRef("pk"))  # type: ignore[attr-defined]
    active = placements.filter(status=_ACTIVE)
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


def is_responsible(participant: Participant, user: Any) -> bool:
    """Is `user` one of the participant's coordinators (the audit log's "responsible")?

    Uses the prefetched `coordinator_list` when the participant has one."""
    listed = getattr(participant, "coordinator_list", None)
    if listed is not None:
        return any(c.pk == user.pk for c in listed)
    return participant.coordinators.filter(pk=user.pk).exists()


def participant_list_queryset(user: Any, *, today: datetime.date) -> ParticipantQuerySet:
    """The list page's rows: scoped, status annotated, related rows eager-loaded."""
    qs = Participant.objects.visible_to(user).select_related("home_municipality")
    return with_status(qs, today=today).prefetch_related(  # type: ignore[return-value]
        Prefetch("coordinators", to_attr="coordinator_list")
    )


def participant_detail_queryset(user: Any) -> ParticipantQuerySet:
    """Everything the detail page shows, in a fixed number of queries."""
    placement = placement_model()
    placements = (
        placement.objects.select_related(  # type: ignore[attr-defined]
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
