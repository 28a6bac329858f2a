"""The coordinator's home figures: a few grouped counts, not a query per row."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from participants.models import Participant
from placements.models import Placement, PlacementStatus, unexpired

register = template.Library()

ENDING_SOON_DAYS = 30
ENDING_SOON_SHOWN = 10


@register.simple_tag(takes_context=True)
def coordinator_overview(context: template.Context) -> dict[str, Any]:
    """Counts of the user's participants and their placements, and those ending soon."""
    user = context["request"].user
    today = timezone.localdate()
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
        .order_by("planned_end", "id")[:ENDING_SOON_SHOWN]
    )
    return {
        "participants": participants.count(),
        "ending_soon": ending_soon,
        "days": ENDING_SOON_DAYS,
        **counts,
    }
