"""Enqueue the notifications that are due again (the sweep `run_scheduler` runs every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samordning.notifications import notifications_retry


class Command(BaseCommand):
    help = "Enqueues the unsent notifications that are due (failed, or whose worker died)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            help="Seconds a notification must be old before the sweep takes it (default 60).",
        )

    def handle(self, *args: Any, min_age: int, **options: Any) -> None:
        count = notifications_retry(min_age_seconds=min_age)
        self.stdout.write(f"{count} notification(s) enqueued")
