from typing import Any

from django.core.management.base import BaseCommand

from placements.services.waiting import refresh_waiting_lists


class Command(BaseCommand):
    help = (
        "Mark the first in each waiting list whose offer has a free place again without an "
        "event (expired proposals). Run daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        marked = refresh_waiting_lists()
        self.stdout.write(self.style.SUCCESS(f"Marked {len(marked)} waiting list entries."))
