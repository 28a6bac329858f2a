"""`manage.py seed_demo [--scale N] [--password PW]`: the demo installation (idempotent)."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from placements.demo import format_summary, seed_demo


class Command(BaseCommand):
    help = (
        "Build a realistic demo installation (enterprises, offers, participants, placements) "
        "and the demo users. Running it again changes nothing but the users' passwords."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply participants and placements by N (performance work). Default 1.",
        )
        parser.add_argument(
            "--password",
            default=None,
            help="Password for the demo users. Default: $DEMO_PASSWORD, else 'demo'.",
        )

    def handle(self, *args: Any, scale: int, password: str | None, **options: Any) -> None:
        password = password or os.environ.get("DEMO_PASSWORD") or "demo"
        started = time.monotonic()
        result = seed_demo(scale=scale, password=password, stdout=self.stdout)
        self.stdout.write(format_summary(result))
        self.stdout.write(self.style.SUCCESS(f"\nKlart på {time.monotonic() - started:.1f} s."))
