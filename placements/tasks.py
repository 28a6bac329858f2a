"""Background tasks of the placements app (the worker is `manage.py db_worker`)."""

from __future__ import annotations

import datetime

from django.tasks import task

from placements.notifications import digests_send
from placements.services.waiting import refresh_waiting_lists


@task()
def send_daily_digests(day: str) -> int:
    """The daily round (ISO date `day`): first the places that freed without an event
    (proposals that expired) go to the waiting lists, whose coordinators are mailed;
    then the day's digests are written, each mailed by its own task."""
    today = datetime.date.fromisoformat(day)
    refresh_waiting_lists(today=today)
    return digests_send(today=today)
