"""Reading uploaded spreadsheets into a table, and writing import templates.

Files come from Excel as people keep them: titles above the header, merged header
cells, empty rows, numbers stored as text, Windows-1252 CSV with semicolons and
decimal commas. `read_table` turns any of those into a `tablib.Dataset` whose
headers are the resource's own column names, plus the file's row number in
`ROW_COLUMN` so errors can point at the row the user sees in Excel.

Safety: formulas are read as the values Excel saved with them (openpyxl
`data_only`), never evaluated; files with macros and unknown types are refused
before they are parsed; size and row limits are settings.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tablib
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

# The extra column that carries each data row's number in the file (1 = first row).
ROW_COLUMN = "__rad__"
XLSX_SUFFIXES = (".xlsx",)
CSV_SUFFIXES = (".csv",)
# Excel files that can carry macros (or the old binary format that may): refused.
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb", ".xls")
# The header is looked for among the first rows (titles and blank rows may come first).
HEADER_SEARCH_ROWS = 20


class SpreadsheetRefused(Exception):
    """The file as a whole cannot be read; `message` says why in Swedish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_header(value: Any) -> str:
    """Compare headers without case, repeated spaces, line breaks or a "required" star."""
    return " ".join(str(value or "").split()).rstrip("*").strip().casefold()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_upload(name: str, size: int) -> str:
    """Refuse a file by its name and size before reading it; return its kind, xlsx or csv."""
    lower = name.lower()
    if size > settings.IMPORT_MAX_BYTES:
        raise SpreadsheetRefused(
            _("Filen är för stor (%(size)s kB). Största tillåtna storlek är %(max)s kB.")
            % {"size": size // 1024, "max": settings.IMPORT_MAX_BYTES // 1024}
        )
    if lower.endswith(MACRO_SUFFIXES):
        raise SpreadsheetRefused(
            _(
                "Filer med makron (eller i det gamla Excel-formatet) tas inte emot. "
                "Spara filen som Excel-arbetsbok (.xlsx) eller CSV och ladda upp den igen."
            )
        )
    if lower.endswith(XLSX_SUFFIXES):
        return "xlsx"
    if lower.endswith(CSV_SUFFIXES):
        return "csv"
    raise SpreadsheetRefused(
        _("Filtypen känns inte igen. Ladda upp en Excel-arbetsbok (.xlsx) eller en CSV-fil.")
    )


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    # An .xlsx is a zip; a macro project inside it is refused whatever the name says.
    if not zipfile.is_zipfile(path):
        raise SpreadsheetRefused(_("Filen är ingen giltig Excel-arbetsbok (.xlsx)."))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise SpreadsheetRefused(_("Filen innehåller makron och tas inte emot."))
    if "xl/workbook.xml" not in names:
        raise SpreadsheetRefused(_("Filen är ingen giltig Excel-arbetsbok (.xlsx)."))
    # read_only streams the rows (memory stays flat); data_only gives the value a
    # formula had when the file was saved, so nothing is ever calculated here.
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise SpreadsheetRefused(_("Excel-filen kunde inte läsas.")) from error
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which is what Swedish Excel saves."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _csv_rows(path: Path) -> Iterator[list[str]]:
    text = _decode(path.read_bytes())
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Swedish Excel separates with ";" (the comma is the decimal sign); the header decides.
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    if "\t" in first and first.count("\t") > max(first.count(";"), first.count(",")):
        delimiter = "\t"
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def iter_file_rows(path: Path, kind: str) -> Iterator[Sequence[Any]]:
    return _xlsx_rows(path) if kind == "xlsx" else _csv_rows(path)


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


@dataclass
class ColumnMap:
    """Where each known column sits in the file."""

    positions: dict[int, str] = field(default_factory=dict)
    header_row: int = 0


def _match_header(row: Sequence[Any], known: dict[str, str]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, value in enumerate(row):
        name = known.get(normalise_header(value))
        if name is not None and name not in found.values():
            found[index] = name
    return found


def read_table(
    path: Path,
    kind: str,
    *,
    columns: Sequence[str],
    required: Sequence[str],
    aliases: dict[str, str] | None = None,
) -> tablib.Dataset:
    """The file's data rows under the canonical `columns`, blank rows left out.

    The header row is the first of the top rows that names a required column (rows
    above it, e.g. a merged title, are skipped); cells that name no known column
    (empty parts of a merged header, notes) are ignored.
    """
    known = {normalise_header(c): c for c in columns}
    for alias, column in (aliases or {}).items():
        known.setdefault(normalise_header(alias), column)
    rows = iter_file_rows(path, kind)
    positions: dict[int, str] = {}
    header_row = 0
    for number, row in enumerate(rows, 1):
        matched = _match_header(row, known)
        if matched and set(required) <= set(matched.values()):
            positions, header_row = matched, number
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if not positions:
        raise SpreadsheetRefused(
            _(
                "Hittar ingen rubrikrad med kolumnerna %(columns)s bland de första "
                "%(rows)s raderna. Utgå från mallen."
            )
            % {"columns": ", ".join(f"”{c}”" for c in required), "rows": HEADER_SEARCH_ROWS}
        )
    headers = [positions[i] for i in sorted(positions)]
    dataset = tablib.Dataset(headers=[*headers, ROW_COLUMN])
    limit = settings.IMPORT_MAX_ROWS
    count = 0
    for number, row in enumerate(rows, header_row + 1):
        values = [_clean_cell(row[i]) if i < len(row) else None for i in sorted(positions)]
        if all(is_blank(v) for v in values):
            continue
        count += 1
        if count > limit:
            raise SpreadsheetRefused(
                _("Filen har fler än %(max)s rader. Dela upp den i mindre filer.") % {"max": limit}
            )
        dataset.append([*values, number])
    return dataset


# --- templates -----------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    example: Any = ""
    choices: Sequence[str] = ()  # a drop-down list in Excel
    help: str = ""


def template_workbook(columns: Sequence[TemplateColumn], *, sheet: str = "Import") -> bytes:
    """An .xlsx with the Swedish headers, one example row and drop-down lists."""
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet[:31]
    worksheet.append([c.header for c in columns])
    worksheet.append([c.example for c in columns])
    lists = workbook.create_sheet("Listor")
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
        if not column.choices:
            continue
        # The choices live on a second sheet: a list in the formula itself is
        # limited to 255 characters, which long Swedish labels exceed.
        for row, choice in enumerate(column.choices, 1):
            lists.cell(row=row, column=index, value=choice)
        validation = DataValidation(
            type="list",
            formula1=f"Listor!${letter}$1:${letter}${len(column.choices)}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.header,
            error=_("Välj ett värde i listan."),
        )
        validation.add(f"{letter}2:{letter}{settings.IMPORT_MAX_ROWS + 1}")
        worksheet.add_data_validation(validation)
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
