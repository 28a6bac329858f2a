"""The funder tables after suppression, on the hand-built data set, answers written out."""

import datetime
from decimal import Decimal

import pytest

from reports import queries
from reports.catalogue import INSATS_TABLES, OVERVIEW_TABLES, Report, _pro_rata
from reports.charts import chart_for, nice_scale
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
def report(data):
    return Report(YEAR_2024, today=TODAY)


def test_participants_by_sex_hides_small_counts_and_what_the_total_gives_away(report):
    # Raw: female 4/5/3, male 4/5/3, other 1/1/0, total 9/11/6. In "Aktiva"
    # only the 1 is small, and 11 - 5 - 5 would give it away: one 5 is hidden too.
    assert rows(report.participants_by_sex()) == [
        ["Kvinna", "<5", "..", "<5"],
        ["Man", "<5", 5, "<5"],
        ["Annat/ej angivet", "<5", "<5", 0],
        ["Totalt", 9, 11, 6],
    ]


def test_participants_by_municipality(report):
    assert rows(report.participants_by_municipality()) == [
        ["Haninge", "<5", 6, "<5"],
        ["Nynäshamn", "<5", "<5", 0],
        ["Tyresö", "<5", "<5", "<5"],
        ["Totalt", 9, 11, 6],
    ]


def test_participants_by_education_lists_every_level(report):
    assert [row[0] for row in rows(report.participants_by_education())] == [
        "Förgymnasial (ISCED 0–2)",
        "Gymnasial (ISCED 3–4)",
        "Eftergymnasial (ISCED 5–8)",
        "Okänd",
        "Totalt",
    ]
    assert rows(report.participants_by_education())[1] == ["Gymnasial (ISCED 3–4)", "<5", 5, "<5"]


def test_referrer_table_has_a_row_for_not_recorded(report):
    labels = [row[0] for row in rows(report.participants_by_referrer())]
    assert labels[-2:] == ["Ej angiven", "Totalt"]


def test_esf_age_table(report):
    assert rows(report.participants_by_age_esf()) == [
        ["Under 18", 0, 0, 0],
        ["18–29", 5, 6, "<5"],
        ["30–54", "<5", "<5", "<5"],
        ["55+", "<5", "<5", "<5"],
        ["Totalt", 9, 11, 6],
    ]


def test_outcomes_all_small(report):
    table = report.outcomes()
    assert rows(table) == [
        ["Förvärvsarbete utan subvention", "<5", "<5"],
        ["Förvärvsarbete med subvention", "<5", "<5"],
        ["Studier", "<5", "<5"],
        ["Aktivt arbetssökande", "<5", "<5"],
        ["Övriga avslutade", "<5", "<5"],
        ["Totalt avslutade", 6, 100.0],
    ]
    assert table.has_hidden


def test_outcome_shares_and_secondary_suppression():
    """Table logic on given counts: 20 ended, one small group, one more hidden for it."""
    report = Report(YEAR_2024)
    report.__dict__["_outcomes"] = {
        "work": 6,
        "work_subsidised": 5,
        "job_seeking": 7,
        "moved": 1,
        "": 1,
    }
    assert rows(report.outcomes()) == [
        ["Förvärvsarbete utan subvention", 6, 30.0],
        ["Förvärvsarbete med subvention", "..", ".."],
        ["Studier", 0, 0.0],
        ["Aktivt arbetssökande", 7, 35.0],
        ["Övriga avslutade", "<5", "<5"],
        ["Totalt avslutade", 20, 100.0],
    ]
    assert rows(report.work_or_studies()) == [
        ["I arbete eller studier", 11, 55.0],
        ["Övriga", 9, 45.0],
        ["Totalt avslutade", 20, 100.0],
    ]


def test_support_before_and_after(report):
    assert rows(report.support_before_after()) == [
        ["Ohälsa", "<5", "<5"],
        ["Arbetsmarknadsstöd", "<5", "<5"],
        ["Ekonomiskt bistånd", "<5", 0],
        ["Övrigt", "<5", "<5"],
        ["Ingen försörjningskälla angiven", "<5", "<5"],
        ["Antal avslutade deltagare", 6, 6],
    ]


def test_placement_lengths_hide_averages_of_few_people(report):
    assert rows(report.placement_lengths()) == [
        ["Avslutade enligt plan", "<5", "<5", "<5"],
        ["Avbrutna", "<5", "<5", "<5"],
        ["Alla", 5, 109.2, 81.0],
    ]


def test_places_over_time(report):
    table = report.places_over_time()
    assert rows(table)[0] == ["2024-01-31", 9, "<5", "<5"]
    assert [row[1] for row in rows(table)] == [9, 9, 11, 11, 9, 9, 9, 9, 9, 9, 9, 9]
    assert table.rows[0].chart_label.lower().startswith("jan")


def test_utilisation_when_held_places_are_not_small(monkeypatch):
    # 5 held of 10 places is 50 %; the table logic on given figures.
    monkeypatch.setattr(
        queries, "capacity_and_held", lambda points, municipality=None: [(D(2024, 1, 31), 10, 5)]
    )
    assert rows(Report(YEAR_2024, today=TODAY).places_over_time()) == [["2024-01-31", 10, 5, 50.0]]


def test_enterprises_and_turnover(report):
    # Enterprises and kronor are not people: no suppression.
    assert rows(report.enterprises()) == [["2022", 1], ["2023", 2], ["2024", 2]]
    assert rows(report.turnover()) == [["2022", 1.5], ["2023", 3.8], ["2024", 5.4]]


def test_attendance_per_enterprise_and_year(report):
    assert rows(report.attendance()) == [
        ["Café Tyresö", "2024", 4, 600],
        ["Snickeriet Haninge", "2024", 4, 1200],
        ["Totalt", "", 8, 1800],  # no year on the total row
    ]


def test_insats_targets(report):
    assert rows(report.insats_targets()) == [
        # ASF: 1 person ("<5"); no work/studies target; nobody ended yet.
        ["Arbetsträning ASF", 10, "<5", "<5", "", 0, 0, ""],
        # MIA: 12 of 20 (60 %); of 7 ended, 4 in work or studies and 3 not: both small.
        ["MIA", 20, 12, 60.0, 30.0, 7, "<5", "<5"],
    ]


def test_insats_budget(data):
    report = Report(YEAR_2024, insats=data.mia, today=TODAY)
    assert rows(report.insats_budget()) == [
        ["Budget per år (kr)", 1200000],
        ["Planerat antal deltagare per år", 24],
        ["Budget per planerad deltagare (kr)", 50000],
        ["Planerat antal deltagare för perioden", 24],
        ["Deltagare under perioden", 11],
        ["Andel av planerat (%)", 45.8],
    ]


def test_insats_sex_table_is_what_is_reported_to_uppfoljning_finsam(data):
    report = Report(YEAR_2024, insats=data.asf, today=TODAY)
    assert rows(INSATS_TABLES["insats-kon"](report)) == [
        ["Kvinna", "<5", "<5", 0],
        ["Man", 0, 0, 0],
        ["Annat/ej angivet", 0, 0, 0],
        ["Totalt", "<5", "<5", 0],
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


def test_chart_draws_the_suppressed_values(report):
    table = report.participants_by_sex()
    chart = chart_for(table)
    titles = [r.title for r in chart.rects]
    assert "Man – Aktiva: 5" in titles
    # A hidden cell has no bar, only its mark, and the chart says why.
    assert not any(title.startswith("Kvinna – Aktiva") for title in titles)
    assert any(t.text == ".." and t.title == "Kvinna – Aktiva: .." for t in chart.texts)
    assert any(t.text == "<5" and t.title == "Kvinna – Nya: <5" for t in chart.texts)
    assert "ritas inte" in chart.note
    assert "ritas inte" in chart.desc


def test_nice_scale_gives_whole_steps_for_counts():
    assert nice_scale(2, "count") == (4, 1)
    assert nice_scale(11, "count") == (12, 3)
    assert nice_scale(0, "count") == (4, 1)
    assert nice_scale(5.4, "msek") == (6, 1.5)
    assert nice_scale(1800, "amount") == (2000, 500)


def test_amounts_keep_decimals_out_of_the_export(data):
    report = Report(YEAR_2024)
    report_table = report.attendance()
    assert isinstance(report_table.rows[0].cells[2].value, Decimal)
    assert report_table.export_rows()[0][3] == 600
