"""The overview's and the per-insats page's tables as the page shows them.

Built here for both ways a page gets its figures: live in the request
(`views`), or by the worker once per language when it computes the summary
(`summary`), which stores the rendered tables so a request only sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from participants.models import Insats
from reports.catalogue import INSATS_TABLES, OVERVIEW_SECTIONS, OVERVIEW_TABLES, Report
from reports.charts import Chart, chart_for
from reports.perturbation import HIDDEN_MARK
from reports.tables import ReportTable


@dataclass
class ShownTable:
    """A table with its chart and download links, as the template needs them."""

    table: ReportTable
    chart: Chart
    csv_url: str
    xlsx_url: str


def shown(table: ReportTable, url_name: str, args: list[Any], query: str) -> ShownTable:
    suffix = f"?{query}" if query else ""
    return ShownTable(
        table=table,
        chart=chart_for(table),
        csv_url=reverse(url_name, args=[*args, "csv"]) + suffix,
        xlsx_url=reverse(url_name, args=[*args, "xlsx"]) + suffix,
    )


def overview_sections(report: Report, query: str) -> list[tuple[Any, list[ShownTable]]]:
    return [
        (
            title,
            [
                shown(OVERVIEW_TABLES[slug](report), "reports:table-export", [slug], query)
                for slug in slugs
            ],
        )
        for title, slugs in OVERVIEW_SECTIONS
    ]


def insats_tables(report: Report, insats: Insats, query: str) -> list[ShownTable]:
    return [
        shown(builder(report), "reports:insats-table-export", [insats.pk, slug], query)
        for slug, builder in INSATS_TABLES.items()
    ]


def render_overview_sections(report: Report, query: str) -> str:
    return render_to_string(
        "reports/_overview_sections.html",
        {"sections": overview_sections(report, query), "hidden_mark": HIDDEN_MARK},
    )


def render_insats_tables(report: Report, insats: Insats, query: str) -> str:
    return render_to_string(
        "reports/_insats_tables.html",
        {"tables": insats_tables(report, insats, query), "hidden_mark": HIDDEN_MARK},
    )
