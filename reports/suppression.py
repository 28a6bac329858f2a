"""Small-count protection for funder tables: the one function that hides cells.

Primary suppression: a count of people from 1 to threshold-1 (settings.
SMALL_COUNT_THRESHOLD, 5) is shown as "<5".

Secondary suppression: a table publishes lines that add up. When a line (a row
whose last cell is the row total, or a column whose last cell is the column
total) has exactly one hidden cell, the others would give it away by
subtraction, so the smallest non-zero visible cell of that line is hidden too
(shown as ".."). Hiding a cell can leave another line with one hidden cell, so
the rule runs until no line has exactly one. Totals are cells of their lines:
a total of 1-4 is itself "<5".

This is the usual rule of thumb (Swedish agencies differ in details). It stops
recovery by subtraction within one table; it does not try to defeat every
linear-programming attack, nor differencing between two periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

SECONDARY_MARK = ".."


@dataclass(frozen=True)
class Cell:
    """One count after suppression: `value` is None when the count is hidden."""

    value: int | None
    mark: str = ""

    @property
    def hidden(self) -> bool:
        return self.value is None

    @property
    def primary(self) -> bool:
        return self.hidden and self.mark != SECONDARY_MARK

    def __str__(self) -> str:
        return self.mark if self.hidden else str(self.value)


def primary_mark(threshold: int | None = None) -> str:
    return f"<{threshold or settings.SMALL_COUNT_THRESHOLD}"


def suppress(
    matrix: Sequence[Sequence[int]],
    *,
    row_totals: bool = False,
    col_totals: bool = False,
    threshold: int | None = None,
) -> list[list[Cell]]:
    """Hide small counts and whatever would let a reader work them out.

    `matrix` holds counts of people. With `row_totals` the last cell of each row
    is that row's total; with `col_totals` the last row holds the column totals.
    Only lines that add up are protected by secondary suppression; cells that
    add up to nothing published (e.g. "new" and "ended" side by side) get
    primary suppression only. Callers whose categories overlap (a person in
    several groups) pass the totals flag anyway: that hides more, never less.
    """
    limit = threshold if threshold is not None else settings.SMALL_COUNT_THRESHOLD
    values = [list(row) for row in matrix]
    if any(v < 0 for row in values for v in row):
        raise ValueError("counts cannot be negative")
    n_rows = len(values)
    n_cols = max((len(row) for row in values), default=0)
    if any(len(row) != n_cols for row in values):
        raise ValueError("every row needs the same number of cells")

    primary = {(r, c) for r in range(n_rows) for c in range(n_cols) if 0 < values[r][c] < limit}
    hidden = set(primary)

    lines: list[list[tuple[int, int]]] = []
    if row_totals and n_cols > 1:
        lines += [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    if col_totals and n_rows > 1:
        lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols)]

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for p in line if p in hidden) != 1:
                continue
            candidates = [p for p in line if p not in hidden]
            if not candidates:
                continue
            nonzero = [p for p in candidates if values[p[0]][p[1]] > 0]
            # The smallest other cell costs the reader least; ties go to the first.
            pick = min(nonzero or candidates, key=lambda p: (values[p[0]][p[1]], p))
            hidden.add(pick)
            changed = True

    mark = primary_mark(limit)
    return [
        [
            Cell(None, mark if (r, c) in primary else SECONDARY_MARK)
            if (r, c) in hidden
            else Cell(values[r][c])
            for c in range(n_cols)
        ]
        for r in range(n_rows)
    ]
