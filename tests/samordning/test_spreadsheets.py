"""The spreadsheet reader and the Swedish widgets, without the database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from samordning.import_widgets import ChoiceWidget, DateWidget, DecimalWidget, IntegerWidget
from samordning.spreadsheets import ROW_COLUMN, SpreadsheetRefused, check_upload, read_table


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1 234 567,50", Decimal("1234567.50")),
        ("1\u00a0234,00", Decimal("1234")),
        ("1.234,5", Decimal("1234.5")),
        ("150", Decimal("150")),
        (150.25, Decimal("150.25")),
        ("200 kr", Decimal("200")),
        (None, None),
    ],
)
def test_decimal_comma_and_thousands(cell, expected):
    assert DecimalWidget().clean(cell) == expected


@pytest.mark.parametrize("cell", ["tolv", "1,2,3", "NaN", "Infinity"])
def test_not_a_number(cell):
    with pytest.raises(ValueError, match="Ange ett tal"):
        DecimalWidget().clean(cell)


def test_integers_from_text_and_float_cells():
    assert IntegerWidget().clean("12") == 12
    assert IntegerWidget().clean(12.0) == 12
    assert IntegerWidget().clean("12,0") == 12
    with pytest.raises(ValueError, match="heltal"):
        IntegerWidget().clean("12,5")


@pytest.mark.parametrize(
    "cell", ["2026-01-15", "20260115", "15.01.2026", "15/01/2026", datetime.datetime(2026, 1, 15)]
)
def test_dates_in_the_usual_forms(cell):
    assert DateWidget().clean(cell) == datetime.date(2026, 1, 15)


def test_dates_out_of_range_and_nonsense():
    with pytest.raises(ValueError, match="utanför 1900–2100"):
        DateWidget().clean("2301-01-01")
    with pytest.raises(ValueError, match="ÅÅÅÅ-MM-DD"):
        DateWidget().clean("i morgon")


def test_choices_by_label_code_or_short_label():
    widget = ChoiceWidget([(50, "50 % (20 tim/vecka)"), (100, "100 % (40 tim/vecka)")])
    assert widget.clean("50 %") == 50
    assert widget.clean("50") == 50
    assert widget.clean("100 % (40 TIM/VECKA)") == 100
    with pytest.raises(ValueError, match="Okänt värde"):
        widget.clean("60")


def test_upload_names_and_sizes(settings):
    settings.IMPORT_MAX_BYTES = 1000
    assert check_upload("Lista.XLSX", 10) == "xlsx"
    assert check_upload("lista.csv", 10) == "csv"
    for name in ("lista.xlsm", "lista.xls", "lista.xlsb", "lista.ods", "lista"):
        with pytest.raises(SpreadsheetRefused):
            check_upload(name, 10)
    with pytest.raises(SpreadsheetRefused, match="för stor"):
        check_upload("lista.csv", 1001)


def test_csv_with_commas_and_utf8_bom(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("\ufeffNamn,År\nÅsa,2025\n,\n".encode())
    dataset = read_table(path, "csv", columns=["Namn", "År"], required=["Namn"])
    assert dataset.dict == [{"Namn": "Åsa", "År": "2025", ROW_COLUMN: 2}]


def test_xlsx_formulas_are_never_calculated(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Namn", "Antal"])
    sheet.append(['=HYPERLINK("http://example.com")', "=2+3"])
    sheet.append(["Bo", 4])
    path = tmp_path / "f.xlsx"
    book.save(path)
    dataset = read_table(path, "xlsx", columns=["Namn", "Antal"], required=["Namn"])
    # openpyxl saves no calculated value: the formula cells read as empty.
    assert dataset.dict == [{"Namn": "Bo", "Antal": 4, ROW_COLUMN: 3}]


def test_a_file_without_the_key_column_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Namn;Ålder\nBo;3\n", encoding="utf-8")
    with pytest.raises(SpreadsheetRefused, match="Personnummer"):
        read_table(path, "csv", columns=["Personnummer", "Namn"], required=["Personnummer"])
