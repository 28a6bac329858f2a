import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from samordning.exports import csv_response, safe_cell, xlsx_response


def test_formula_like_text_is_escaped_and_numbers_are_kept():
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert safe_cell("+46") == "'+46"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@cmd") == "'@cmd"
    assert safe_cell("Café") == "Café"
    assert safe_cell(-5) == -5
    assert safe_cell(Decimal("1.5")) == Decimal("1.5")
    assert safe_cell(None) == ""


def test_csv_and_xlsx_read_back():
    rows = [["=evil()", 3], ["Kök", Decimal("450.00")]]
    response = csv_response("t", ["Namn", "Belopp"], rows)
    text = response.content.decode("utf-8-sig")
    read = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert read == [["Namn", "Belopp"], ["'=evil()", "3"], ["Kök", "450.00"]]
    workbook = load_workbook(io.BytesIO(xlsx_response("t", ["Namn", "Belopp"], rows).content))
    values = list(workbook.active.iter_rows(values_only=True))
    assert values[1] == ("'=evil()", 3)
    assert values[2][0] == "Kök" and float(values[2][1]) == 450.0
