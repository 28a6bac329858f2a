"""Every download, opened as Swedish Excel would: typed XLSX cells, decimal commas in CSV.

Every CSV/XLSX URL of the permission matrix is fetched as the admin (who may fetch
them all) in the access world. The XLSX is opened with openpyxl: a named sheet (not
"Data"), a bold header row frozen, every column given a width, and no cell holding a
number or a date as text. The CSV has no number with a decimal point.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from tests.samordning.test_permission_matrix import MATRIX, row_urls
from tests.worlds.access import Setup
from tests.worlds.access import access_fixture as access_fixture  # the fixture

pytestmark = pytest.mark.django_db

# Text that Excel would have wanted as a number or a date.
NUMBER_AS_TEXT = re.compile(r"^-?\d+([.,]\d+)?$|^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")


def download_urls(access: Setup, fmt: str) -> list[str]:
    return [
        url
        for name, row in MATRIX.items()
        if "unknown" not in name
        for url in row_urls(row, name, access.world)
        if re.search(rf"/{fmt}/?(\?|$)", url) or f"fmt={fmt}" in url or url.endswith(f".{fmt}")
    ]


def test_every_download_is_found(access):
    # invoice x2, caseload, register, offers, audit log, 3 report tables, insats, finsam
    assert len(download_urls(access, "csv")) >= 10
    # Every CSV has its XLSX; the ESF+ report is a workbook only (one sheet per table).
    assert len(download_urls(access, "xlsx")) >= len(download_urls(access, "csv"))


def test_every_xlsx_download_has_typed_cells(access):
    client = access.clients["admin"]
    typed = {"number": 0, "date": 0, "percent": 0}
    for url in download_urls(access, "xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert isinstance(response, StreamingHttpResponse), url
        book = load_workbook(io.BytesIO(response.getvalue()))
        for sheet in book.worksheets:
            check_sheet(sheet, url, typed)
    # The world's downloads hold numbers and dates: proof the checks above ran. (Its
    # shares are all hidden, ".."; test_exports and tests/reports check percentages.)
    assert typed["number"] and typed["date"], typed


def check_sheet(sheet, url: str, typed: dict[str, int]) -> None:
    assert sheet.title != "Data", url
    assert sheet.freeze_panes == "A2", url
    header = list(sheet[1])
    assert all(cell.font.bold and cell.data_type == "s" for cell in header), url
    for cell in header:
        assert sheet.column_dimensions[cell.column_letter].width >= 8, (url, cell.value)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.column > 1:  # column A: row labels
                assert not NUMBER_AS_TEXT.match(cell.value), (url, cell.coordinate, cell.value)
            elif isinstance(cell.value, datetime):
                assert cell.number_format.startswith("yyyy-mm-dd"), (url, cell.coordinate)
                typed["date"] += 1
            elif isinstance(cell.value, int | float):
                typed["percent" if cell.number_format.endswith("%") else "number"] += 1


def test_every_csv_download_is_for_swedish_excel(access):
    client = access.clients["admin"]
    decimals = 0
    for url in download_urls(access, "csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert isinstance(response, StreamingHttpResponse), url
        raw = response.getvalue()
        assert raw.startswith("\ufeff".encode()), url
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert len(rows[0]) > 1, url
        for row in rows[1:]:
            for value in row:
                assert not DECIMAL_POINT.match(value), (url, value)
                decimals += bool(re.match(r"^-?\d+,\d+$", value))
    assert decimals, "no decimal number in any CSV: the check above proved nothing"
