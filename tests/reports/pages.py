"""Reading the funder pages and downloads back in tests: tables, charts, CSV and XLSX."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from samordning.exports import Percent

_TAG = re.compile(r"<[^>]+>")


def _text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment)).replace("\xa0", " ").strip()


def table_block(page: str, slug: str) -> str:
    """The HTML of one table with its chart (from its wrapper to the next one)."""
    start = page.index(f'id="tabell-{slug}"')
    end = page.find('id="tabell-', start + 1)
    return page[start : end if end != -1 else len(page)]


def page_table(page: str, slug: str) -> list[list[str]]:
    """Body rows of the table `slug` as shown: row header then cells."""
    block = table_block(page, slug)
    body = block[block.index("<tbody>") : block.index("</tbody>")]
    return [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def page_chart(page: str, slug: str) -> str:
    block = table_block(page, slug)
    return block[block.index("<svg") : block.index("</svg>") + 6]


def chart_titles(svg: str) -> list[str]:
    """<title> of every drawn bar or point (rect or circle)."""
    return [
        html.unescape(t)
        for t in re.findall(r"<(?:rect|circle)[^>]*><title>(.*?)</title>", svg, re.S)
    ]


def chart_marks(svg: str) -> list[str]:
    """<title> of every mark written instead of a hidden bar or point."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*><title>(.*?)</title>", svg, re.S)]


def as_shown(value: Any) -> str:
    """An exported value as the page formats it (Swedish: space grouping, comma)."""
    if isinstance(value, Percent):
        return as_shown(value.value)
    if value == "" or value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",")
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value)


def as_csv(value: Any) -> str:
    """An exported value as the CSV writes it for Swedish Excel: decimal comma, no grouping."""
    if isinstance(value, Percent):
        return as_csv(value.value)
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def as_xlsx(value: Any) -> Any:
    """An exported value as the XLSX holds it: a per cent value as a fraction (a percentage)."""
    if isinstance(value, Percent):
        return float(Decimal(str(value.value)) / 100)
    return value


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def read_xlsx(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
