"""`manage.py run_scheduler`: the periodic enqueuer beside the worker (docs/operations.md).

The placements' and notifications' rounds (`placements.scheduler.Scheduler`), and
every STATISTICS_SUMMARY_ROUND_MINUTES the statistics round (`reports.summary`),
which asks the worker for the funder pages' summaries that are due. The command
lives here, on the highest floor whose rounds it runs.
"""

from __future__ import annotations

import datetime
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from placements.scheduler import Scheduler as BaseScheduler
from reports.summary import refresh_statistics


class Scheduler(BaseScheduler):
    def __init__(self, *, interval: float) -> None:
        super().__init__(interval=interval)
        self.statistics_at: datetime.datetime | None = None

    def tick(self, now: datetime.datetime) -> list[str]:
        enqueued = super().tick(now)
        every = datetime.timedelta(minutes=settings.STATISTICS_SUMMARY_ROUND_MINUTES)
        if settings.STATISTICS_SUMMARY and (
            self.statistics_at is None or now - self.statistics_at >= every
        ):
            refresh_statistics.enqueue()
            self.statistics_at = now
            enqueued.append("refresh_statistics")
        return enqueued


class Command(BaseCommand):
    help = (
        "Enqueues the periodic tasks (notification retries, the daily digests, "
        "the statistics summaries)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        scheduler = Scheduler(interval=interval)
        signal.signal(signal.SIGINT, scheduler.stop)
        signal.signal(signal.SIGTERM, scheduler.stop)
        self.stdout.write(
            f"Scheduler: retries every {interval:g} s, digests daily from "
            f"{settings.DIGEST_HOUR}:00, statistics every "
            f"{settings.STATISTICS_SUMMARY_ROUND_MINUTES} min"
        )
        scheduler.run()
