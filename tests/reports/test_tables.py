"""The funder tables on the hand-built data set, answers written out.

Most tests check the table logic (rows, labels, totals, shares, exact figures
that are not people) with the perturbation switched off, so every count can be
written out; the tests marked "perturbed" show what a funder really sees. The
perturbation itself is tested in test_perturbation.py.
"""

import datetime
from decimal import Decimal

import pytest

from reports import queries
from reports.catalogue import INSATS_TABLES, OVERVIEW_TABLES, Report, _pro_rata
from reports.charts import chart_for, nice_scale
from reports.perturbation import Tally
from reports.queries import Period
from tests.factories import InsatsFactory
from tests.worlds.statistics import build_small

D = datetime.date
YEAR_2024 = Period(D(2024, 1, 1), D(2024, 12, 31), "2024")
TODAY = D(2026, 1, 15)


def rows(table):
    return table.export_rows()


@pytest.fixture
def data(db):
    return build_small()


@pytest.fixture
def exact(settings):
    settings.STATISTICS_PERTURBATION = False


@pytest.fixture
def perturbed(settings):
    settings.STATISTICS_PERTURBATION = True
    settings.STATISTICS_PTABLE = ""
    settings.STATISTICS_THRESHOLD = 10


@pytest.fixture
def report(data):
    return Report(YEAR_2024, today=TODAY)


def test_participants_by_sex(report, exact):
    assert rows(report.participants_by_sex()) == [
        ["Kvinna", 4, 5, 3],
        ["Man", 4, 5, 3],
        ["Annat/ej angivet", 1, 1, 0],
        ["Totalt", 9, 11, 6],
    ]


def test_participants_by_sex_perturbed(report, perturbed):
    # The ONS 10-5 ptable: below 10 is not published, 11 becomes 10. The total is
    # its own perturbed cell, not the sum of the parts (which are not shown).
    table = report.participants_by_sex()
    assert rows(table) == [
        ["Kvinna", "..", "..", ".."],
        ["Man", "..", "..", ".."],
        ["Annat/ej angivet", "..", "..", ".."],
        ["Totalt", "..", 10, ".."],
    ]
    assert table.has_hidden


def test_participants_by_municipality(report, exact):
    assert rows(report.participants_by_municipality()) == [
        ["Haninge", 4, 6, 4],
        ["Nynäshamn", 1, 1, 0],
        ["Tyresö", 4, 4, 2],
        ["Övriga kommuner eller okänd", 0, 0, 0],
        ["Totalt", 9, 11, 6],
    ]


def test_municipalities_with_nothing_published_are_one_row(report, perturbed):
    # Under 10 everywhere (10-5): no municipality has a row that would say someone from
    # there took part; together they are a cell of their own (11 active -> 10).
    assert rows(report.participants_by_municipality()) == [
        ["Övriga kommuner eller okänd", "..", 10, ".."],
        ["Totalt", "..", 10, ".."],
    ]


def test_participants_by_education_lists_every_level(report, exact):
    assert [row[0] for row in rows(report.participants_by_education())] == [
        "Förgymnasial (ISCED 0–2)",
        "Gymnasial (ISCED 3–4)",
        "Eftergymnasial (ISCED 5–8)",
        "Okänd",
        "Totalt",
    ]
    assert rows(report.participants_by_education())[1] == ["Gymnasial (ISCED 3–4)", 3, 5, 3]


def test_referrer_table_has_a_row_for_not_recorded(report):
    labels = [row[0] for row in rows(report.participants_by_referrer())]
    assert labels[-2:] == ["Ej angiven", "Totalt"]


def test_esf_age_table(report, exact):
    assert rows(report.participants_by_age_esf()) == [
        ["Under 18", 0, 0, 0],
        ["18–29", 5, 6, 4],
        ["30–54", 2, 3, 1],
        ["55+", 2, 2, 1],
        ["Totalt", 9, 11, 6],
    ]


def test_outcomes(report, exact):
    assert rows(report.outcomes()) == [
        ["Förvärvsarbete utan subvention", 1, 16.7],
        ["Förvärvsarbete med subvention", 1, 16.7],
        ["Studier", 1, 16.7],
        ["Aktivt arbetssökande", 1, 16.7],
        ["Övriga avslutade", 2, 33.3],
        ["Totalt avslutade", 6, 100.0],
    ]


def test_outcome_shares_come_from_the_published_counts(perturbed):
    """Table logic on given tallies: shares divide published values, never exact ones."""
    report = Report(YEAR_2024)
    report.__dict__["_outcomes"] = {
        "work": Tally(13, 7),  # 13 -> 15
        "work_subsidised": Tally(5, 1),  # 5 -> not published
        "job_seeking": Tally(7, 2),
        "moved": Tally(1, 3),
        "": Tally(1, 4),
    }
    # All ended: 27 people -> 25. Work or studies: 18 -> 20; the others: 9 -> "..".
    assert rows(report.outcomes()) == [
        ["Förvärvsarbete utan subvention", 15, 60.0],
        ["Förvärvsarbete med subvention", "..", ".."],
        ["Studier", "..", ".."],
        ["Aktivt arbetssökande", "..", ".."],
        ["Övriga avslutade", "..", ".."],
        ["Totalt avslutade", 25, 100.0],
    ]
    assert rows(report.work_or_studies()) == [
        ["I arbete eller studier", 20, 80.0],
        ["Övriga", "..", ".."],
        ["Totalt avslutade", 25, 100.0],
    ]


def test_support_before_and_after(report, exact):
    assert rows(report.support_before_after()) == [
        ["Ohälsa", 3, 1],
        ["Arbetsmarknadsstöd", 1, 1],
        ["Ekonomiskt bistånd", 1, 0],
        ["Övrigt", 1, 3],
        ["Ingen försörjningskälla angiven", 1, 1],
        ["Antal avslutade deltagare", 6, 6],
    ]


def test_placement_lengths(report, exact):
    assert rows(report.placement_lengths()) == [
        ["Avslutade enligt plan", 3, 152.3, 165.0],
        ["Avbrutna", 2, 44.5, 44.5],
        ["Alla", 5, 109.2, 81.0],
    ]


def test_placement_lengths_hide_averages_of_few_people(report, perturbed):
    assert rows(report.placement_lengths()) == [
        ["Avslutade enligt plan", "..", "..", ".."],
        ["Avbrutna", "..", "..", ".."],
        ["Alla", "..", "..", ".."],
    ]


@pytest.fixture
def production_ptable(settings):
    from reports.ptable_design import project_ptable_path

    settings.STATISTICS_PERTURBATION = True
    settings.STATISTICS_PTABLE = str(project_ptable_path())
    settings.STATISTICS_THRESHOLD = 5
    settings.STATISTICS_GROUP_MINIMUM = 10


def test_an_average_beside_a_count_published_from_one_person_is_hidden(
    monkeypatch, data, production_ptable
):
    # One person's placement, published as 5 (key 205), would give away that person's
    # length as the average and the median; 8 people published as 10 (key 218) may not.
    def lengths(period, municipality=None):
        return {
            "completed": queries.LengthFigures(Tally(1, 205), 197.0, 197.0),
            "interrupted": queries.LengthFigures(Tally(9, 94), 40.0, 38.0),
            "all": queries.LengthFigures(Tally(8, 218), 63.5, 41.0),
        }

    monkeypatch.setattr(queries, "placement_lengths", lengths)
    assert rows(Report(YEAR_2024, today=TODAY).placement_lengths()) == [
        ["Avslutade enligt plan", 5, "..", ".."],
        ["Avbrutna", 9, "..", ".."],
        ["Alla", 10, 63.5, 41.0],
    ]


def test_places_over_time(report, perturbed):
    table = report.places_over_time()
    # Places are not people (exact); places held are, and are few here.
    assert rows(table)[0] == ["2024-01-31", 9, "..", ".."]
    assert [row[1] for row in rows(table)] == [9, 9, 11, 11, 9, 9, 9, 9, 9, 9, 9, 9]
    assert table.rows[0].chart_label.lower().startswith("jan")


def test_utilisation_is_the_published_held_places_over_the_places(monkeypatch, perturbed):
    # 12 held (published 10) of 20 places: 50 %, not the exact 60 %.
    monkeypatch.setattr(
        queries,
        "capacity_and_held",
        lambda points, municipality=None: [(D(2024, 1, 31), 20, Tally(12, 9))],
    )
    assert rows(Report(YEAR_2024, today=TODAY).places_over_time()) == [["2024-01-31", 20, 10, 50.0]]


def test_enterprises_and_turnover(report):
    # Enterprises and kronor are not people: no suppression.
    assert rows(report.enterprises()) == [["2022", 1], ["2023", 2], ["2024", 2]]
    assert rows(report.turnover()) == [["2022", 1.5], ["2023", 3.8], ["2024", 5.4]]


def test_attendance_per_enterprise_and_year(report, exact):
    assert rows(report.attendance()) == [
        ["Café Tyresö", "2024", 4, 600],
        ["Snickeriet Haninge", "2024", 4, 1200],
        ["Övriga företag", "", 0, 0],
        ["Totalt", "", 8, 1800],  # no year on the total row
    ]


def test_attendance_perturbed(report, perturbed):
    # Present days are people present on a day, perturbed like counts (10-5: under
    # 10 hidden); the amount would give the days back, so it hides with them.
    # A row of ".." would still say that someone was present: such rows are one.
    assert rows(report.attendance()) == [
        ["Övriga företag", "", "..", ".."],
        ["Totalt", "", "..", ".."],
    ]


def test_attendance_amount_is_each_price_times_its_published_days(monkeypatch, perturbed):
    # 12 days at 150 kr publish as 10 (10-5 ptable), 7 at 300 kr are hidden: the row's
    # days are their own cell (19 -> 20), the amount 10 x 150 from the published days.
    monkeypatch.setattr(
        queries,
        "attendance_per_enterprise_year",
        lambda period, municipality=None: [
            {"enterprise": "E", "year": 2024, "price": Decimal(150), "days": Tally(12, 3)},
            {"enterprise": "E", "year": 2024, "price": Decimal(300), "days": Tally(7, 5)},
        ],
    )
    assert rows(Report(YEAR_2024, today=TODAY).attendance()) == [
        ["E", "2024", 20, 1500],
        ["Övriga företag", "", "..", ".."],
        ["Totalt", "", 20, 1500],
    ]


def test_insats_targets(report, exact):
    assert rows(report.insats_targets()) == [
        # ASF: 1 person; no work/studies target; nobody ended yet.
        ["Arbetsträning ASF", 10, 1, 10.0, "", 0, 0, ""],
        # MIA: 12 of 20 (60 %); of 7 ended, 4 in work or studies.
        ["MIA", 20, 12, 60.0, 30.0, 7, 4, 57.1],
    ]


def test_insats_targets_perturbed(report, perturbed):
    # The targets are not people (exact); 12 participants publish as 10, of 20: 50 %.
    assert rows(report.insats_targets()) == [
        ["Arbetsträning ASF", 10, "..", "..", "", "..", "..", ".."],
        ["MIA", 20, 10, 50.0, 30.0, "..", "..", ".."],
    ]


def test_insats_budget(data, exact):
    report = Report(YEAR_2024, insats=data.mia, today=TODAY)
    assert rows(report.insats_budget()) == [
        ["Budget per år (kr)", 1200000],
        ["Planerat antal deltagare per år", 24],
        ["Budget per planerad deltagare (kr)", 50000],
        ["Planerat antal deltagare för perioden", 24],
        ["Deltagare under perioden", 11],
        ["Andel av planerat (%)", 45.8],
    ]


def test_insats_budget_perturbed(data, perturbed):
    # 11 participants publish as 10: 10 of the 24 planned.
    report = Report(YEAR_2024, insats=data.mia, today=TODAY)
    assert rows(report.insats_budget())[-2:] == [
        ["Deltagare under perioden", 10],
        ["Andel av planerat (%)", 41.7],
    ]


def test_insats_sex_table(data, exact):
    report = Report(YEAR_2024, insats=data.asf, today=TODAY)
    assert rows(INSATS_TABLES["insats-kon"](report)) == [
        ["Kvinna", 1, 1, 0],
        ["Man", 0, 0, 0],
        ["Annat/ej angivet", 0, 0, 0],
        ["Totalt", 1, 1, 0],
    ]


def test_pro_rata_planned_participants(db):
    insats = InsatsFactory(
        name="P", start_date=D(2024, 7, 1), end_date=None, planned_participants_per_year=366
    )
    # Whole 2024, but the insats starts 1 July: 184 days of 366.
    assert _pro_rata(366, YEAR_2024, insats) == 184
    q1 = Period(D(2025, 1, 1), D(2025, 3, 31), "")
    assert _pro_rata(365, q1, insats) == 90
    before = Period(D(2023, 1, 1), D(2023, 12, 31), "")
    assert _pro_rata(366, before, insats) == 0


def test_every_registered_table_has_its_own_slug(data):
    report = Report(YEAR_2024, insats=data.mia, today=TODAY)
    for slug, builder in {**OVERVIEW_TABLES, **INSATS_TABLES}.items():
        assert builder(report).slug == slug


def test_chart_draws_the_published_values(report, perturbed):
    table = report.participants_by_sex()
    chart = chart_for(table)
    # A hidden cell has no bar, only its mark, and the chart says why.
    assert not chart.rects
    assert any(t.text == ".." and t.title == "Kvinna – Aktiva: .." for t in chart.texts)
    assert "ritas inte" in chart.note
    assert "ritas inte" in chart.desc


def test_chart_and_table_round_alike(exact):
    """5,652 MSEK is 5,7 in the table, the chart and the download (the chart truncated)."""
    from reports.tables import Column, Kind, ReportTable, TableCell, TableRow

    cells = [TableCell(5.652, Kind.MSEK), TableCell(46.65, Kind.MSEK)]
    table = ReportTable(
        slug="t",
        caption="T",
        row_header="År",
        columns=[Column("MSEK", Kind.MSEK)],
        rows=[TableRow("2024", [cells[0]]), TableRow("2025", [cells[1]])],
        chart_kind="line",
    )
    chart = chart_for(table)
    titles = [d.title for d in chart.dots]
    assert titles == ["2024: 5,7", "2025: 46,7"]
    assert table.export_rows() == [["2024", 5.7], ["2025", 46.7]]
    assert [str(c.rounded) for c in cells] == ["5.7", "46.7"]


def test_nice_scale_gives_whole_steps_for_counts():
    assert nice_scale(2, "count") == (4, 1)
    assert nice_scale(11, "count") == (12, 3)
    assert nice_scale(0, "count") == (4, 1)
    assert nice_scale(5.4, "msek") == (6, 1.5)
    assert nice_scale(1800, "amount") == (2000, 500)


def test_amounts_keep_decimals_out_of_the_export(data, exact):
    report = Report(YEAR_2024)
    report_table = report.attendance()
    assert isinstance(report_table.rows[0].cells[2].value, Decimal)
    assert report_table.export_rows()[0][3] == 600


def test_present_days_at_an_offer_without_a_price_cost_nothing_not_hidden(monkeypatch, exact):
    monkeypatch.setattr(
        queries,
        "attendance_per_enterprise_year",
        lambda period, municipality=None: [
            {"enterprise": "Café", "year": 2024, "price": None, "days": Tally(7, 3)},
            {"enterprise": "Snickeri", "year": 2024, "price": Decimal("150"), "days": Tally(8, 1)},
            {"enterprise": "Snickeri", "year": 2024, "price": None, "days": Tally(2, 5)},
        ],
    )
    assert rows(Report(YEAR_2024, today=TODAY).attendance()) == [
        ["Café", "2024", 7, 0],
        ["Snickeri", "2024", 10, 1200],
        ["Övriga företag", "", 0, 0],
        ["Totalt", "", 17, 1200],
    ]
