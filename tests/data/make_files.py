"""Writes the spreadsheet fixtures of tests/data/ (run: python tests/data/make_files.py).

The files are committed; this script says exactly how they were made, so they
can be made again. Identity and organisation numbers are computed valid here
(Luhn), except where a file is meant to hold an error.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from stdnum import luhn

HERE = Path(__file__).resolve().parent


def personnummer(birth: datetime.date, serial: int) -> str:
    """A valid personnummer as ÅÅÅÅMMDD-NNNN."""
    nine = f"{birth:%y%m%d}{serial:03d}"
    return f"{birth:%Y%m%d}-{serial:03d}{luhn.calc_check_digit(nine)}"


def org_number(serial: int) -> str:
    nine = f"7696{serial:05d}"
    return f"{nine[:6]}-{nine[6:]}{luhn.calc_check_digit(nine)}"


# The participants of the messy file, as tests/participants/test_import.py expects them.
MESSY_PEOPLE = [
    (personnummer(datetime.date(1985, 3, 12), 101), "Anna", "Berg"),
    (personnummer(datetime.date(1990, 7, 1), 202), "Bo", "Ek"),
    (personnummer(datetime.date(1978, 12, 24), 303), "Cecilia", "Åström"),
    (personnummer(datetime.date(2001, 1, 5), 404), "Dan", "Öberg"),
]


def messy_participants_xlsx(path: Path) -> None:
    """As kept by hand in Excel: a merged title, a blank row, a merged header cell,
    blank rows between the data, numbers stored as text and as numbers, a formula."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Deltagare"
    sheet["A1"] = "Deltagarlista Östra Södertörn 2026"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:H1")
    # Row 2 is blank. Row 3: the header; "Folkbokföringskommun" spans two columns.
    header = [
        "Personnummer",
        "Förnamn",
        "Efternamn",
        "Folkbokföringskommun",
        None,
        "Startdatum",
        "Samtycke lämnat",
        "Koordinator",
        "Telefon",
        "Anteckning (läses inte)",
    ]
    for column, value in enumerate(header, 1):
        sheet.cell(row=3, column=column, value=value)
    sheet.merge_cells("D3:E3")
    rows = [
        # Number as text with dash; municipality code as text "0136"; a real Excel date.
        [
            MESSY_PEOPLE[0][0],
            "Anna",
            "Berg",
            "0136",
            None,
            datetime.date(2026, 1, 12),
            "2026-01-12",
            "coordinator",
            "08-123 456",
            "första",
        ],
        None,  # a blank row
        # Twelve digits stored as a number; municipality as the number 138 (Tyresö);
        # a formula in the phone cell: read as its saved value (none), never evaluated.
        [
            int(MESSY_PEOPLE[1][0].replace("-", "")),
            "  Bo ",
            "Ek",
            138,
            None,
            "2026-02-01",
            datetime.date(2026, 2, 1),
            "coordinator",
            "=1+1",
            None,
        ],
        # Ten digits as text without dash; municipality by name; date as text d.m.yyyy.
        [
            MESSY_PEOPLE[2][0][2:].replace("-", ""),
            "Cecilia",
            "Åström",
            "Nynäshamn",
            None,
            "15.03.2026",
            "2026-03-15",
            "coordinator",
            None,
            None,
        ],
        None,
        None,
        [
            MESSY_PEOPLE[3][0],
            "Dan",
            "Öberg",
            "haninge",
            None,
            "2026-04-01",
            "2026-04-01",
            "coordinator",
            None,
            None,
        ],
    ]
    for offset, row in enumerate(rows):
        if row is None:
            continue
        for column, value in enumerate(row, 1):
            sheet.cell(row=4 + offset, column=column, value=value)
    book.save(path)


def annual_figures_cp1252_csv(path: Path) -> None:
    """Swedish Excel's "CSV (semikolonavgränsad)": Windows-1252, ";", decimal comma."""
    lines = [
        "Organisationsnummer;År;Omsättning (kr);Anställda;Anställda ur målgruppen",
        f"{org_number(1)};2024;1 234 567,00;12;7",
        f"{org_number(1)};2025;1 400 000;14;8",
        ";;;;",
        f'{org_number(2).replace("-", "")};2025;987 654,00;5;"3"',
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def enterprises_cp1252_csv(path: Path) -> None:
    lines = [
        "Organisationsnummer;Namn;Juridisk form;Kommun;Startår;"
        "Integrerar människor i arbetsliv;Verksamhetsområden",
        f"{org_number(1)};Café Tyresö ekonomisk förening;Ekonomisk förening;Tyresö;2012;Ja;Café",
        f"{org_number(2)};Snickeriet i Årsta ideell förening;Ideell förening;0136;2015;Nej;",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def participants_with_errors_csv(path: Path) -> None:
    """Every row but the first has one error: nothing of the file may be saved."""
    good = personnummer(datetime.date(1980, 5, 5), 111)
    bad_check = personnummer(datetime.date(1981, 6, 6), 222)
    bad_check = bad_check[:-1] + str((int(bad_check[-1]) + 1) % 10)
    lines = [
        "Personnummer,Förnamn,Efternamn,Folkbokföringskommun,Startdatum,Samtycke lämnat,"
        "Koordinator",
        f"{good},Ella,Ok,0136,2026-01-10,2026-01-10,coordinator",  # row 2: fine
        f"{bad_check},Fel,Kontrollsiffra,0136,2026-01-10,2026-01-10,coordinator",  # row 3
        f"{personnummer(datetime.date(1982, 7, 7), 333)},Okänd,Kommun,9999,2026-01-10,"
        "2026-01-10,coordinator",  # row 4
        f"{personnummer(datetime.date(1983, 8, 8), 444)},Datum,Utanför,0136,2301-01-01,"
        "2026-01-10,coordinator",  # row 5
        f"{good},Samma,Nummer,0136,2026-01-10,2026-01-10,coordinator",  # row 6: duplicate
        f"{personnummer(datetime.date(1984, 9, 9), 555)},Utan,Samtycke,0136,2026-01-10,,"
        "coordinator",  # row 7
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    messy_participants_xlsx(HERE / "participants_messy.xlsx")
    annual_figures_cp1252_csv(HERE / "annual_figures_cp1252.csv")
    enterprises_cp1252_csv(HERE / "enterprises_cp1252.csv")
    participants_with_errors_csv(HERE / "participants_errors.csv")
    sys.stdout.write("wrote the files in tests/data/\n")


if __name__ == "__main__":
    main()
