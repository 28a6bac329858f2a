"""The start page's figures, a few grouped counts per role."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q

from enterprises.models import TrainingOffer
from placements.models import Placement, PlacementStatus, unexpired
from placements.selectors.attention import read_caseload
from placements.selectors.enterprise import enterprise_placements, open_proposals
from samordning.models import User

ENDING_SOON_DAYS = 30
HOME_LIST_SIZE = 10


@dataclass(frozen=True)
class CoordinatorOverview:
    participants: int
    proposed: int
    accepted: int
    active: int
    ending_soon: list[Placement]
    days: int = ENDING_SOON_DAYS


def coordinator_overview(user: User, *, today: datetime.date) -> CoordinatorOverview:
    """Three queries: the caseload (none when read already within
    caseload_read_once), its placements by status, those ending soon."""
    soon = today + datetime.timedelta(days=ENDING_SOON_DAYS)
    people, count = read_caseload(user)
    placements = Placement.objects.filter(participant__in=people)
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
    return CoordinatorOverview(participants=count, ending_soon=ending_soon, **counts)


@dataclass(frozen=True)
class ManagerSummary:
    proposals_waiting: int
    active_placements: int
    stale_offers: list[TrainingOffer]
    # Offers with a queue, each with `waiting` (how many wait; never who).
    queued_offers: list[TrainingOffer] = field(default_factory=list)


def manager_summary(user: User, *, today: datetime.date) -> ManagerSummary:
    """Four queries: waiting proposals, active placements, offers whose capacity is
    stale, and how many wait in each offer's queue."""
    waiting = open_proposals(user, today).count()
    active = enterprise_placements(user).filter(status=PlacementStatus.ACTIVE).count()
    stale = list(
        TrainingOffer.objects.editable_by(user)
        .capacity_stale(today)
        .select_related("enterprise")
        .order_by("last_confirmed")[:HOME_LIST_SIZE]
    )
    return ManagerSummary(waiting, active, stale, queued_counts(user))


def queued_counts(user: User) -> list[TrainingOffer]:
    """The user's offers with a waiting list, each annotated `waiting` (a count only)."""
    return list(
        TrainingOffer.objects.editable_by(user)
        .annotate(waiting=Count("waiting_list", filter=Q(waiting_list__left_at__isnull=True)))
        .filter(waiting__gt=0)
        .select_related("enterprise")
        .order_by("enterprise__name", "title", "pk")
    )
