"""`manage.py seed_demo [--scale N] [--password PW] [--force]`: the demo installation (idempotent).

It sets the demo users' passwords, so it refuses to run with DEBUG off (a
production installation) unless `--force` says that this is really wanted.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seed import format_summary, seed_demo


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
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. It resets the demo users' passwords.",
        )

    def handle(
        self, *args: Any, scale: int, password: str | None, force: bool = False, **options: Any
    ) -> None:
        if not settings.DEBUG and not force:
            # Swedish like the rest of the command's output.
            raise CommandError(
                "DEBUG är av. seed_demo sätter om demoanvändarnas lösenord och är till för en "
                "demoinstallation: kör med DEBUG=1, eller lägg till --force om det är meningen."
            )
        password = password or os.environ.get("DEMO_PASSWORD") or "demo"
        started = time.monotonic()
        result = seed_demo(scale=scale, password=password, stdout=self.stdout)
        self.stdout.write(format_summary(result))
        self.stdout.write(self.style.SUCCESS(f"\nKlart på {time.monotonic() - started:.1f} s."))
