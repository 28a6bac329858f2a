"""`manage.py refresh_statistics`: compute the funder pages' summaries now.

Without options, every common key (this year and last year and their quarters,
the overview and every insats; `reports.summary.common_keys`) is computed in this
process, one after the other, each printed with its time: for operations after a
bulk import or a change of the statistics code. `--due` asks the worker for the
keys that are missing or stale instead (what the scheduler's round does).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from reports.summary import common_keys, refresh_due, summary_compute


class Command(BaseCommand):
    help = "Computes the statistics summaries of the funder pages (or, with --due, enqueues them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--due",
            action="store_true",
            help="Only enqueue the missing and stale ones for the worker (the scheduler's round).",
        )

    def handle(self, *args: Any, due: bool, **options: Any) -> None:
        if due:
            self.stdout.write(f"{refresh_due()} summaries enqueued")
            return
        total = 0.0
        keys = list(common_keys(timezone.localdate()))
        for key in keys:
            row = summary_compute(key=key)
            total += row.seconds or 0.0
            self.stdout.write(f"{key.text}: {row.seconds:.1f} s")
        self.stdout.write(f"{len(keys)} summaries in {total:.1f} s")
