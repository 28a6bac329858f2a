"""The demo has queues at full offers (one told of a freed place), parkings and a handover."""

from __future__ import annotations

import pytest
from django.utils import timezone

from participants.models import Parking, ResponsibilityChange
from placements.models import WaitingListEntry
from placements.selectors.attention import attention_items
from samordning.models import User


@pytest.mark.django_db
def test_demo_fills_the_follow_through_features(seeded_demo: str) -> None:
    today = timezone.localdate()
    assert WaitingListEntry.objects.waiting().count() >= 2
    assert WaitingListEntry.objects.waiting().filter(place_freed_at__isnull=False).exists()
    assert Parking.objects.current(today).count() >= 2
    assert ResponsibilityChange.objects.count() == 2
    coordinator = User.objects.get(username="coordinator")
    kinds = {item.kind for item in attention_items(coordinator)}
    assert "queue-freed" in kinds
