"""Background tasks of the placements app (the worker is `manage.py db_worker`)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from placements.notifications import digests_send
from placements.selectors.attention import kinds_for, store_association_counts
from placements.services.waiting import refresh_waiting_lists
from samordning.models import User
from samordning.policy import Role


@task()
def send_daily_digests(day: str) -> int:
    """The daily round (ISO date `day`): first the places that freed without an event
    (proposals that expired) go to the waiting lists, whose coordinators are mailed;
    then the day's digests are written, each mailed by its own task."""
    today = datetime.date.fromisoformat(day)
    refresh_waiting_lists(today=today)
    return digests_send(today=today)


@task()
def refresh_association_counts() -> int:
    """Count every "Att göra" kind for the whole association (an admin's start page
    reads these: AttentionCount), as an active admin sees them; the number of kinds
    counted (0 without an admin: nobody would read them)."""
    admin = (
        User.objects.filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN), is_active=True)
        .order_by("pk")
        .first()
    )
    if admin is None:
        return 0
    return len(store_association_counts(admin, kinds_for(admin), timezone.localdate()))
