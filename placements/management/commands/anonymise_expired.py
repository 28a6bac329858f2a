from typing import Any

from django.core.management.base import BaseCommand

from placements.privacy import anonymise_expired, participants_past_retention


class Command(BaseCommand):
    help = "Anonymise participants whose last activity is older than PARTICIPANT_RETENTION_DAYS."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            self.stdout.write(
                f"{participants_past_retention().count()} participants are past retention."
            )
            return
        count = anonymise_expired()
        self.stdout.write(self.style.SUCCESS(f"Anonymised {count} participants."))
