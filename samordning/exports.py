"""CSV and XLSX downloads of a table for Swedish Excel, streamed, safe against formula injection.

Both kinds stream: the CSV is written row by row from the rows iterator (a
`StreamingHttpResponse`), the XLSX with openpyxl's write-only workbook into a
temporary file that is then streamed (a `FileResponse`). Memory stays flat
whatever the number of rows.

**CSV** is what Swedish Excel opens with a double click: UTF-8 with a BOM (so
å, ä, ö survive), `;` between fields and a decimal comma (`150,50`), numbers
without thousands separators, dates as ISO 8601 (`2026-11-30`), which Excel
reads as dates. A per cent value (`Percent`) is written as the number of per
cent (`32,5`), with the "%" in its column header.

**XLSX** has one sheet named after the report, a bold header row that stays
frozen, column widths from the header and the first rows, and typed cells:
numbers as numbers (whole numbers `0`, decimals with their own decimals),
dates and times as dates (`yyyy-mm-dd`), per cent values as percentages
(`0.0%`, so Excel shows `32,5 %`).

A text cell that starts with = + - @ (or a tab or carriage return) would run
as a formula in a spreadsheet program; such text gets a leading apostrophe.
Numbers stay numbers.

An XLSX cell holds at most 32,767 characters (Excel refuses or cuts a longer one):
a longer text is cut at the last space before that and says so, and how much is
left out; the CSV download has it whole.
"""

from __future__ import annotations

import csv
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from samordning.heartbeat import still_working

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
PERCENT_FORMAT = "0.0%"
# Excel's most characters in a cell.
XLSX_CELL_LIMIT = 32_767
# Column widths (in characters) come from the header and this many first rows.
WIDTH_SAMPLE = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
# Excel's limits on a sheet name: 31 characters, none of []:*?/\
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class Percent(float):
    """A value in per cent (32.5 means 32,5 %): a percentage in XLSX, the number in CSV.

    A float, so it still compares and sums as the number it is."""

    @property
    def value(self) -> float:
        return float(self)

    def __repr__(self) -> str:
        return f"Percent({float(self)!r})"


def safe_cell(value: Any) -> Any:
    """Return `value` ready for a spreadsheet: text that could be a formula is escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | date | datetime | Percent):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _decimal_text(value: float | Decimal) -> str:
    """A number the Swedish way for CSV: decimal comma, no thousands separator, no exponent."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    return format(number, "f").replace(".", ",")


def _local(moment: datetime) -> datetime:
    """A naive local time (spreadsheets have no time zones)."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None)


def csv_text(value: Any) -> str:
    """One CSV field as Swedish Excel reads it."""
    value = safe_cell(value)
    if isinstance(value, Percent):
        return _decimal_text(value.value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime):
        return f"{_local(value):%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Echo:
    """A file-like object whose write returns the line (Django's streaming CSV recipe)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow([csv_text(h) for h in header])
    for row in rows:
        still_working()
        yield writer.writerow([csv_text(v) for v in row])


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A streamed UTF-8 CSV (with BOM) with ; and decimal commas, as Swedish Excel expects."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in _csv_lines(header, rows)),
        content_type=CSV_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def sheet_title(name: str) -> str:
    """`name` as Excel allows a sheet to be called."""
    title = _SHEET_FORBIDDEN.sub(" ", name).strip().strip("'")[:31].strip()
    return title or "Data"


def _decimal_format(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "0." + "0" * places if places else "0"


def _within_cell_limit(text: str) -> str:
    """`text` if Excel takes it whole, else cut at a space with a note saying so."""
    if len(text) <= XLSX_CELL_LIMIT:
        return text
    # The note's own length depends on the number it names: reserve room for the widest.
    room = XLSX_CELL_LIMIT - len(_note(len(text)))
    cut = text.rfind(" ", 0, room + 1)
    kept = text[: cut if cut > 0 else room].rstrip()
    return kept + _note(len(text) - len(kept))


def _note(left_out: int) -> str:
    return " " + _("… (förkortad: %(count)s tecken till finns i CSV-filen)") % {"count": left_out}


def _xlsx_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    value = safe_cell(value)
    if isinstance(value, str):
        value = _within_cell_limit(value)
    if isinstance(value, Percent):
        # Via Decimal: 41.7 % is 0.417, not 0.41700000000000004.
        cell = WriteOnlyCell(sheet, value=float(Decimal(str(value.value)) / 100))
        cell.number_format = PERCENT_FORMAT
    elif isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=_local(value))
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = _decimal_format(value)
    elif isinstance(value, int):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0"
    else:
        cell = WriteOnlyCell(sheet, value=value)
    return cell


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    return max((len(line) for line in csv_text(value).splitlines()), default=0)


def _write_sheet(
    workbook: Workbook, title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> None:
    """One sheet of a write-only workbook: frozen bold header, column widths from the
    header and the first rows, typed cells."""
    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    worksheet = workbook.create_sheet(sheet_title(title))
    for index, label in enumerate(header):
        widest = max([_width(label), *(_width(row[index]) for row in sample if index < len(row))])
        width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
        worksheet.column_dimensions[get_column_letter(index + 1)].width = width
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(worksheet, value=safe_cell(label))
        cell.font = bold
        header_cells.append(cell)
    worksheet.append(header_cells)
    for row in itertools.chain(sample, rows):
        still_working()
        worksheet.append([_xlsx_cell(worksheet, v) for v in row])


def _workbook_response(workbook: Workbook, filename: str) -> FileResponse:
    # Spooled to disk past 1 MB; FileResponse streams it and closes it when sent.
    handle = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


def xlsx_response(
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str | Promise | None = None,
) -> FileResponse:
    """A streamed XLSX: a named sheet, frozen bold header, column widths, typed cells."""
    workbook = Workbook(write_only=True)
    _write_sheet(workbook, str(sheet or filename), header, rows)
    return _workbook_response(workbook, filename)


def xlsx_sheets_response(
    filename: str, sheets: Sequence[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]]
) -> FileResponse:
    """One workbook with a sheet per (title, header, rows), each written as `xlsx_response`."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        _write_sheet(workbook, str(title), header, rows)
    return _workbook_response(workbook, filename)


def table_response(
    fmt: str,
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str | Promise | None = None,
) -> StreamingHttpResponse:
    """`fmt` is "csv" or "xlsx"; anything else is a caller error (views validate first).

    `sheet` names the XLSX sheet (the report's name); without it, the file name does.
    """
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows, sheet=sheet)
    if fmt == "csv":
        return csv_response(filename, header, rows)
    raise ValueError(f"unknown export format {fmt!r}")
