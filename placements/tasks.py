"""Background tasks of the placements app (the worker is `manage.py db_worker`)."""

from __future__ import annotations

import datetime

from django.tasks import task

from placements.notifications import digests_send


@task()
def send_daily_digests(day: str) -> int:
    """Write the day's digests (ISO date `day`); each is mailed by its own task."""
    return digests_send(today=datetime.date.fromisoformat(day))
