"""Demo notifications, opt-outs and a calendar address, so the admin and the settings
page show something. The demo's mails are history: written as sent, so the worker
started by `make run` does not print hundreds of old events."""

from __future__ import annotations

import datetime

from django.utils import timezone

from placements.models import Placement, PlacementStatus
from placements.notifications import notify_proposal_answered, notify_proposal_made
from samordning.feeds import calendar_feed_issue
from samordning.models import CalendarFeed, Notification, NotificationKind, NotificationOptOut, User


def build_notifications(users: dict[str, User], *, today: datetime.date) -> None:
    """A few sent notifications of the demo's own events; coordinator2 has turned the
    digest off; the coordinator has a calendar address (make a new one to see it)."""
    manager = users["manager"]
    coordinator = users["coordinator"]
    proposals = Placement.objects.filter(
        status=PlacementStatus.PROPOSED, offer__enterprise__managers=manager
    ).order_by("pk")[:3]
    for placement in proposals:
        notify_proposal_made(placement)
    answered = Placement.objects.filter(
        status__in=[PlacementStatus.ACCEPTED, PlacementStatus.DECLINED],
        participant__coordinators=coordinator,
    ).order_by("pk")[:3]
    for placement in answered:
        notify_proposal_answered(placement)
    Notification.objects.filter(sent_at__isnull=True).update(sent_at=timezone.now(), attempts=1)
    NotificationOptOut.objects.get_or_create(
        user=users["coordinator2"], kind=NotificationKind.DIGEST
    )
    if not CalendarFeed.objects.filter(user=coordinator).exists():
        calendar_feed_issue(user=coordinator)
