"""The periodic enqueuer beside the worker: django.tasks has no scheduler of its own.

The command `manage.py run_scheduler` lives in `reports` (the highest app whose
rounds it runs: the statistics summary's round is added there); this is the
placements' and the notifications' part. Every `--interval` seconds it runs the
notification sweep (which enqueues the unsent notifications that are due); every
two and a half minutes it asks for the admins' association-wide "Att göra" counts
(AttentionCount); once a
day, from DIGEST_HOUR local time, it enqueues the day's digests and prunes finished
task rows older than a week. It only enqueues: `manage.py db_worker` runs the tasks.
Running two schedulers is harmless (a digest is written once per person and day, and
a notification is sent once), just wasteful.
"""

from __future__ import annotations

import datetime
import logging
import time
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone

from placements.selectors.attention import ASSOCIATION_COUNTS_MAX_AGE
from placements.tasks import refresh_association_counts, send_daily_digests
from samordning.notifications import notifications_retry

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, *, interval: float) -> None:
        self.interval = interval
        self.running = True
        self.digest_day: datetime.date | None = None
        self.counts_at: datetime.datetime | None = None

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False

    def tick(self, now: datetime.datetime) -> list[str]:
        """Enqueue what is due at `now`; the names of the tasks enqueued."""
        enqueued = [f"{notifications_retry(now=now)} notification(s)"]
        # The admins' association-wide counts, well before they are too old to show.
        if self.counts_at is None or now - self.counts_at >= ASSOCIATION_COUNTS_MAX_AGE / 2:
            refresh_association_counts.enqueue()
            self.counts_at = now
            enqueued.append("refresh_association_counts")
        local = timezone.localtime(now)
        if local.hour >= settings.DIGEST_HOUR and self.digest_day != local.date():
            send_daily_digests.enqueue(local.date().isoformat())
            self.digest_day = local.date()
            enqueued.append("send_daily_digests")
            if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
                call_command("prune_db_task_results", min_age_days=7, verbosity=0)
        return enqueued

    def run(self) -> None:
        while self.running:
            close_old_connections()
            try:
                names = self.tick(timezone.now())
                logger.debug("Enqueued %s", ", ".join(names))
            except Exception:
                logger.exception("The scheduler could not enqueue; trying again")
            slept = 0.0
            while self.running and slept < self.interval:
                time.sleep(min(1.0, self.interval))
                slept += 1.0
