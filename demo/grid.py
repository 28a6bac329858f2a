"""A day-by-day ledger of free places, so the demo never promises a place twice.

The demo decides every placement's dates before writing anything, so it keeps
its own ledger instead of asking the database: for each offer, the places free
on each day from EPOCH (capacity in effect that day minus places held). A
placement is given an offer only when every day of its hold range has a place.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable

EPOCH = datetime.date(2010, 1, 1)


class PlaceLedger:
    """Free places per offer and day, between EPOCH and `horizon` (inclusive)."""

    def __init__(self, horizon: datetime.date) -> None:
        self.horizon = horizon
        self.days = (horizon - EPOCH).days + 1
        self._free: dict[Hashable, list[int]] = {}

    def _index(self, day: datetime.date) -> int:
        return min(max((day - EPOCH).days, 0), self.days - 1)

    def add_offer(
        self, key: Hashable, capacity_history: Iterable[tuple[datetime.date, int]]
    ) -> None:
        """Capacity from each (date, capacity) until the next; none before the first."""
        free = [0] * self.days
        changes = sorted(capacity_history)
        for position, (day, capacity) in enumerate(changes):
            first = self._index(day)
            last = (
                self._index(changes[position + 1][0]) if position + 1 < len(changes) else self.days
            )
            free[first:last] = [capacity] * (last - first)
        self._free[key] = free

    def fits(self, key: Hashable, start: datetime.date, end: datetime.date) -> bool:
        """One more place is free on every day of [start, end]."""
        if end > self.horizon or start < EPOCH:
            return False
        free = self._free[key]
        return min(free[self._index(start) : self._index(end) + 1]) > 0

    def take(self, key: Hashable, start: datetime.date, end: datetime.date) -> None:
        free = self._free[key]
        for index in range(self._index(start), self._index(end) + 1):
            free[index] -= 1

    def first_free_day(self, key: Hashable, start: datetime.date) -> datetime.date | None:
        """The first day on or after `start` with a free place, if any before the horizon."""
        free = self._free[key]
        for index in range(self._index(start), self.days):
            if free[index] > 0:
                return EPOCH + datetime.timedelta(days=index)
        return None
