"""The enterprise manager's home page figures (the home view belongs to samordning,
which may not import placements; the template asks for the figures instead)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import timezone

from enterprises.models import TrainingOffer
from enterprises.services import stale_before
from placements.models import PlacementStatus
from placements.views.enterprise import enterprise_placements, open_proposals

register = template.Library()


@dataclass(frozen=True)
class ManagerSummary:
    proposals_waiting: int
    active_placements: int
    stale_offers: list[TrainingOffer]


@register.simple_tag
def manager_summary(user: Any) -> ManagerSummary:
    """Three queries: waiting proposals, active placements, offers whose capacity is stale."""
    today = timezone.localdate()
    placements = enterprise_placements(user)
    waiting = open_proposals(user, today).count()
    active = placements.filter(status=PlacementStatus.ACTIVE).count()
    stale = list(
        TrainingOffer.objects.editable_by(user)
        .filter(last_confirmed__lt=stale_before(today))
        .select_related("enterprise")
        .order_by("last_confirmed")[:10]
    )
    return ManagerSummary(waiting, active, stale)
