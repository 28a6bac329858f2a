"""Write today's digests now (`run_scheduler` does it every morning)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from placements.notifications import digests_send


class Command(BaseCommand):
    help = "Writes the daily digest of each coordinator and manager (once per person and day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day (YYYY-MM-DD); default today.")

    def handle(self, *args: Any, date: str | None, **options: Any) -> None:
        day = datetime.date.fromisoformat(date) if date else timezone.localdate()
        count = digests_send(today=day)
        self.stdout.write(f"{count} digest(s) for {day.isoformat()}")
