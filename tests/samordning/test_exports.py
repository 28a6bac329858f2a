import csv
import io
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from samordning.exports import (
    Percent,
    csv_response,
    safe_cell,
    sheet_title,
    table_response,
    xlsx_response,
)

HEADER = ["Namn", "Belopp", "Dagar", "Andel (%)", "Datum", "Tid"]
ROWS = [
    [
        "=evil()",
        3,
        2.5,
        Percent(32.5),
        date(2026, 11, 30),
        datetime(2026, 11, 30, 8, 5, tzinfo=UTC),
    ],  # noqa: E501
    ["Kök", Decimal("1450.00"), 12.0, Percent(100.0), date(2026, 1, 2), None],
]


def test_formula_like_text_is_escaped_and_numbers_are_kept():
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert safe_cell("+46") == "'+46"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@cmd") == "'@cmd"
    assert safe_cell("Café") == "Café"
    assert safe_cell(-5) == -5
    assert safe_cell(Decimal("1.5")) == Decimal("1.5")
    assert safe_cell(None) == ""


def test_csv_is_for_swedish_excel_semicolons_decimal_commas_bom():
    response = csv_response("t", HEADER, ROWS)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    raw = response.getvalue()
    assert raw.startswith("\ufeff".encode())
    read = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert read == [
        HEADER,
        # Stockholm is UTC+1 in November; no thousands separator, decimal comma.
        ["'=evil()", "3", "2,5", "32,5", "2026-11-30", "2026-11-30 09:05:00"],
        ["Kök", "1450,00", "12,0", "100,0", "2026-01-02", ""],
    ]


def test_xlsx_has_a_named_sheet_frozen_header_widths_and_typed_cells():
    response = xlsx_response("t", HEADER, ROWS, sheet="Deltagare per kön: 2026/11")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="t.xlsx"'
    book = load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["Deltagare per kön  2026 11"]
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.bold for c in sheet[1])
    # Width from the widest of header and values, within bounds.
    assert sheet.column_dimensions["A"].width == 10  # "'=evil()" is 8 characters + 2
    assert sheet.column_dimensions["D"].width == 11  # "Andel (%)"
    name, amount, days, share, day, moment = sheet[2]
    assert (name.data_type, name.value) == ("s", "'=evil()")
    assert (amount.data_type, amount.value, amount.number_format) == ("n", 3, "0")
    assert (days.data_type, days.value) == ("n", 2.5)
    assert (share.data_type, share.value, share.number_format) == ("n", 0.325, "0.0%")
    assert share.is_date is False
    assert day.is_date and day.value == datetime(2026, 11, 30) and day.number_format == "yyyy-mm-dd"
    assert moment.is_date and moment.value == datetime(2026, 11, 30, 9, 5)
    money = sheet["B3"]
    assert (money.data_type, float(money.value), money.number_format) == ("n", 1450.0, "0.00")
    assert sheet["F3"].value is None


def test_sheet_titles_follow_excels_rules():
    assert sheet_title("a" * 40) == "a" * 31
    assert sheet_title("[x]") == "x"
    assert sheet_title("///") == "Data"


def _many(count, consumed):
    for i in range(count):
        if consumed is not None:
            consumed.append(i)
        yield [f"Person {i}", i, Decimal("12.50"), date(2026, 1, 1)]


def _peak(fmt, count):
    """(bytes sent, peak traced memory) of streaming `count` rows of `fmt`."""
    tracemalloc.start()
    response = table_response(fmt, "stor", ["Namn", "Nr", "Belopp", "Datum"], _many(count, None))
    assert isinstance(response, StreamingHttpResponse)
    size = sum(len(chunk) for chunk in response.streaming_content)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    response.close()
    return size, peak


def test_csv_streams_rows_as_they_are_sent(db):  # close() signals Django
    consumed = []
    response = csv_response("t", ["Nr"], _many(1000, consumed))
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks)
    assert len(consumed) == 1  # the header, then one row: nothing read ahead
    response.close()
    # 20 000 rows are 700 kB sent; memory stays well below it.
    size, peak = _peak("csv", 20_000)
    assert size > 700_000 and peak < 400_000, (size, peak)


def test_xlsx_is_written_row_by_row(db):
    # Write-only openpyxl; the file is spooled to disk past 1 MB. (openpyxl under
    # tracemalloc is slow, so fewer rows here.)
    size, peak = _peak("xlsx", 3000)
    assert size > 60_000 and peak < 1_500_000, (size, peak)


def _xlsx_rows(response):
    data = b"".join(response.streaming_content)
    response.close()
    return [
        [cell.value for cell in row]
        for row in load_workbook(io.BytesIO(data), read_only=True).active.iter_rows()
    ]


def test_an_xlsx_cell_longer_than_excel_takes_is_cut_at_a_space_and_says_so():
    ids = " ".join(str(n) for n in range(100_000, 110_000))  # 69,999 characters
    short = "12 15"
    response = table_response("xlsx", "logg", ["Deltagare (id)"], [[ids], [short]])
    _header, (long_cell,), (short_cell,) = _xlsx_rows(response)
    assert short_cell == short
    assert len(long_cell) <= 32_767
    kept, note = long_cell.split(" … ", 1)
    assert ids.startswith(kept + " ")  # whole ids only
    assert note == f"(förkortad: {len(ids) - len(kept)} tecken till finns i CSV-filen)"
    # The CSV has it whole.
    csv_response_ = table_response("csv", "logg", ["Deltagare (id)"], [[ids]])
    text = b"".join(csv_response_.streaming_content).decode("utf-8-sig")
    assert ids in text
