"""Server-side SVG charts drawn from a `ReportTable` (no JavaScript, no CDN).

The chart takes its numbers from the table after perturbation, rounded as the
table prints them (`TableCell.rounded`): a count below the threshold is drawn
as absent, with its mark ("..") where the bar or point would be and a note
under the chart. Geometry is computed here; the template
`reports/_chart.html` only writes it out. Every bar and point has a <title>
("category – series: value"), and the table beside the chart is the text
alternative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from reports.tables import ReportTable

WIDTH = 640
FONT = 12
# Dark enough for 3:1 against white (WCAG 1.4.11) and apart from each other.
PALETTE = ["#0b3d62", "#b35900", "#2e7d32"]
GRID = "#c8ccd0"
MUTED = "#4a4f55"


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    fill: str = "#212529"
    title: str = ""


@dataclass
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID


@dataclass
class Polyline:
    points: str
    stroke: str


@dataclass
class Dot:
    cx: float
    cy: float
    fill: str
    title: str


@dataclass
class LegendItem:
    x: float
    y: float
    fill: str
    label: str

    @property
    def box_y(self) -> float:
        return self.y - 10

    @property
    def text_x(self) -> float:
        return self.x + 16


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    polylines: list[Polyline] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    note: str = ""

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"


@dataclass
class Series:
    name: str
    kind: str
    values: list[float | None]
    marks: list[str]


def format_value(value: float, kind: str) -> str:
    """Swedish number formatting, as in the table (space grouping, decimal comma)."""
    decimals = 1 if kind in {"share", "days", "hours", "msek"} else 0
    # Round half up as the table's floatformat does; number_format alone truncates.
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = formats.number_format(rounded, decimals, use_l10n=True, force_grouping=True)
    if kind == "share":
        return f"{text} %"
    if kind == "amount":
        return f"{text} kr"
    return text


INTEGER_KINDS = {"count", "number", "amount"}


def nice_scale(value: float, kind: str) -> tuple[float, float]:
    """(axis maximum, tick step) for four ticks above zero, on round numbers.

    Counts get whole-number steps, so an axis never shows 0, 0, 1, 1, 2.
    """
    integer = kind in INTEGER_KINDS
    raw = value / 4 if value > 0 else 0.25
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = multiple * power
        if integer and (step < 1 or step != int(step)):
            continue
        if step >= raw:
            return step * 4, step
    return 40 * power, 10 * power  # pragma: no cover - the loop always returns


def chart_for(table: ReportTable) -> Chart:
    categories = table.chart_categories()
    series = [
        Series(
            name=table.columns[i].label,
            kind=table.columns[i].kind,
            values=[row.cells[i].chart_value() for _label, row in categories],
            marks=[row.cells[i].mark if row.cells[i].hidden else "" for _label, row in categories],
        )
        for i in table.chart_columns
    ]
    labels = [label for label, _row in categories]
    chart_id = f"chart-{table.slug}"
    if table.chart_kind == "hbar":
        chart = horizontal_bars(chart_id, table.caption, labels, series)
    else:
        chart = vertical_chart(
            chart_id, table.caption, labels, series, lines=table.chart_kind == "line"
        )
    hidden = any(mark for s in series for mark in s.marks)
    desc = table.description
    if not labels:
        desc = f"{desc} {_('Inga uppgifter för perioden.')}"
    if hidden:
        chart.note = _("Antal under gränsen för att visas (..) ritas inte i diagrammet.")
        desc = f"{desc} {chart.note}"
    chart.desc = desc.strip()
    return chart


def _legend(chart: Chart, series: list[Series], top: float) -> None:
    if len(series) < 2:
        return
    x = 10.0
    for index, s in enumerate(series):
        chart.legend.append(LegendItem(x, top, PALETTE[index % len(PALETTE)], s.name))
        x += 24 + 7.2 * len(s.name)


def _shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def horizontal_bars(chart_id: str, title: str, labels: list[str], series: list[Series]) -> Chart:
    """Grouped horizontal bars: one group per category, one bar per series."""
    label_width, right_margin = 200, 70
    bar, gap = 14, 12
    top = 34 if len(series) > 1 else 10
    group = bar * len(series) + gap
    plot_height = max(group * len(labels), group)
    height = int(top + plot_height + 28)
    chart = Chart(chart_id, title, "", WIDTH, height)
    _legend(chart, series, 12)
    x0, x1 = label_width, WIDTH - right_margin
    top_value = max((v for s in series for v in s.values if v is not None), default=0)
    maximum, _step = nice_scale(top_value, series[0].kind)
    for step in range(5):
        tick = maximum * step / 4
        x = x0 + (x1 - x0) * step / 4
        chart.segments.append(Segment(x, top, x, top + plot_height))
        chart.texts.append(
            Text(x, top + plot_height + 18, format_value(tick, series[0].kind), "middle", MUTED)
        )
    for ci, label in enumerate(labels):
        y_group = top + ci * group + gap / 2
        chart.texts.append(
            Text(x0 - 8, y_group + bar * len(series) / 2 + 4, _shorten(label), "end", title=label)
        )
        for si, s in enumerate(series):
            y = y_group + si * bar
            value, mark = s.values[ci], s.marks[ci]
            name = f"{label} – {s.name}" if len(series) > 1 else label
            if value is None:
                text = mark or "–"
                chart.texts.append(
                    Text(x0 + 4, y + bar - 3, text, fill=MUTED, title=f"{name}: {text}")
                )
                continue
            width = (x1 - x0) * value / maximum
            shown = format_value(value, s.kind)
            fill = PALETTE[si % len(PALETTE)]
            if width > 0:
                chart.rects.append(Rect(x0, y + 1, width, bar - 2, fill, f"{name}: {shown}"))
            chart.texts.append(Text(x0 + width + 4, y + bar - 3, shown, title=f"{name}: {shown}"))
    chart.segments.append(Segment(x0, top, x0, top + plot_height, MUTED))
    return chart


def vertical_chart(
    chart_id: str, title: str, labels: list[str], series: list[Series], *, lines: bool
) -> Chart:
    """Bars (or lines) over time: categories along the x axis."""
    left, right, top = 70, 20, 34 if len(series) > 1 else 12
    plot_height, bottom = 200, 40
    height = top + plot_height + bottom
    chart = Chart(chart_id, title, "", WIDTH, height)
    _legend(chart, series, 12)
    x0, x1 = left, WIDTH - right
    y0 = top + plot_height
    top_value = max((v for s in series for v in s.values if v is not None), default=0)
    maximum, _step = nice_scale(top_value, series[0].kind)
    for step in range(5):
        tick = maximum * step / 4
        y = y0 - plot_height * step / 4
        chart.segments.append(Segment(x0, y, x1, y))
        chart.texts.append(Text(x0 - 6, y + 4, format_value(tick, series[0].kind), "end", MUTED))
    n = max(len(labels), 1)
    slot = (x1 - x0) / n
    # Thin the labels out so they never overlap (about 7 px a character).
    widest = max((len(label) for label in labels), default=1) * 7 + 8
    every = max(1, math.ceil(widest / slot))
    for ci, label in enumerate(labels):
        if ci % every == 0:
            chart.texts.append(Text(x0 + slot * (ci + 0.5), y0 + 18, label, "middle", title=label))
    for si, s in enumerate(series):
        fill = PALETTE[si % len(PALETTE)]
        run: list[tuple[float, float]] = []
        for ci, label in enumerate(labels):
            value, mark = s.values[ci], s.marks[ci]
            name = f"{label} – {s.name}" if len(series) > 1 else label
            if lines:
                cx = x0 + slot * (ci + 0.5)
            else:
                bar = slot * 0.8 / len(series)
                cx = x0 + slot * ci + slot * 0.1 + bar * si
            if value is None:
                text = mark or "–"
                chart.texts.append(
                    Text(
                        cx + (0 if lines else bar / 2),
                        y0 - 6,
                        text,
                        "middle",
                        MUTED,
                        f"{name}: {text}",
                    )
                )
                if run:
                    chart.polylines.append(Polyline(_points(run), fill))
                run = []
                continue
            shown = format_value(value, s.kind)
            y = y0 - plot_height * value / maximum
            if lines:
                chart.dots.append(Dot(cx, y, fill, f"{name}: {shown}"))
                run.append((cx, y))
            elif y0 - y > 0:
                chart.rects.append(Rect(cx, y, bar, y0 - y, fill, f"{name}: {shown}"))
            else:
                chart.texts.append(
                    Text(cx + bar / 2, y0 - 6, shown, "middle", MUTED, f"{name}: {shown}")
                )
        if run:
            chart.polylines.append(Polyline(_points(run), fill))
    chart.segments.append(Segment(x0, y0, x1, y0, MUTED))
    return chart


def _points(run: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
