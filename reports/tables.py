"""The table model of the funder statistics: cells, columns, rows and tables.

A `ReportTable` is what the page shows, what the chart draws and what the
CSV/XLSX download holds, so the three always agree: each is built once (in
`catalogue`), after `perturbation.publish`, and never recomputed elsewhere.
Decimals are rounded once, here (`TableCell.rounded`, half up as the page's
`floatformat`), so the chart, the table and the download print the same digits.

Counts of people are perturbed; counts of enterprises and places, turnover,
present days and amounts are not about people and are shown as they are.
Shares are computed from published (perturbed) counts only; a share or an
average whose count is not published is not published either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reports.perturbation import HIDDEN_MARK, Tally, publish
from samordning.exports import Percent


class Kind:
    """How a cell is formatted on the page and in a download."""

    COUNT = "count"  # people, perturbed
    NUMBER = "number"  # enterprises, places, days: not people
    SHARE = "share"  # per cent, one decimal
    DAYS = "days"  # one decimal
    HOURS = "hours"  # the association's working hours, one decimal
    MSEK = "msek"  # millions of kronor, one decimal
    AMOUNT = "amount"  # kronor, whole
    TEXT = "text"


ROUNDED_KINDS = {Kind.SHARE, Kind.DAYS, Kind.HOURS, Kind.MSEK}


@dataclass(frozen=True)
class TableCell:
    """A value ready to show. `value` None with a `mark`: hidden; without: not applicable."""

    value: Any
    kind: str
    mark: str = ""

    @property
    def hidden(self) -> bool:
        return self.value is None and bool(self.mark)

    @property
    def rounded(self) -> Any:
        """The value as printed: one decimal (half up) for shares, days and MSEK."""
        if self.value is None or self.kind not in ROUNDED_KINDS:
            return self.value
        return Decimal(str(self.value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def export(self) -> Any:
        if self.value is None:
            return self.mark
        if self.kind == Kind.SHARE:
            # A percentage in XLSX (32,5 %), the number of per cent in CSV.
            return Percent(float(self.rounded))
        if self.kind in ROUNDED_KINDS:
            return float(self.rounded)
        if self.kind == Kind.AMOUNT:
            return int(Decimal(str(self.value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return self.value

    def chart_value(self) -> float | None:
        if self.value is None or self.kind == Kind.TEXT:
            return None
        return float(self.rounded)


@dataclass(frozen=True)
class Column:
    label: str
    kind: str


@dataclass
class TableRow:
    label: str
    cells: list[TableCell]
    total: bool = False
    chart_label: str = ""


@dataclass
class ReportTable:
    slug: str
    caption: str
    row_header: str
    columns: list[Column]
    rows: list[TableRow]
    chart_kind: str = "hbar"  # "hbar" (categories), "bar" or "line" (over time)
    chart_columns: list[int] = field(default_factory=lambda: [0])
    chart_rows: list[int] | None = None  # None: every row but totals
    description: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def wide(self) -> bool:
        """Many columns: the table takes the full width and the chart goes below."""
        return len(self.columns) > 4

    @property
    def has_hidden(self) -> bool:
        return any(cell.hidden for row in self.rows for cell in row.cells)

    def export_header(self) -> list[str]:
        return [self.row_header, *(column.label for column in self.columns)]

    def export_rows(self) -> list[list[Any]]:
        return [[row.label, *(cell.export() for cell in row.cells)] for row in self.rows]

    def chart_categories(self) -> list[tuple[str, TableRow]]:
        if self.chart_rows is None:
            rows = [row for row in self.rows if not row.total]
        else:
            rows = [self.rows[i] for i in self.chart_rows]
        return [(row.chart_label or row.label, row) for row in rows]


def count_cell(tally: Tally) -> TableCell:
    """A count of people as published: perturbed, or hidden below the threshold."""
    value = publish(tally)
    return TableCell(value, Kind.COUNT, HIDDEN_MARK if value is None else "")


def share_cell(part: TableCell, whole: TableCell) -> TableCell:
    """part/whole in per cent, from the published counts; hidden if either is."""
    if part.hidden:
        return TableCell(None, Kind.SHARE, part.mark)
    if whole.hidden:
        return TableCell(None, Kind.SHARE, whole.mark)
    if not whole.value:
        return TableCell(None, Kind.SHARE)
    return TableCell(100 * (part.value or 0) / whole.value, Kind.SHARE)


def ratio_cell(count: TableCell, base: float | int | None) -> TableCell:
    """A published count against an exact base (places, a target) in per cent."""
    if count.hidden:
        return TableCell(None, Kind.SHARE, count.mark)
    if not base:
        return TableCell(None, Kind.SHARE)
    return TableCell(100 * (count.value or 0) / base, Kind.SHARE)


def msek(value: Decimal | int | None) -> float:
    return float(value or 0) / 1_000_000
