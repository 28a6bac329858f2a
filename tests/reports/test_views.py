"""The funder pages: access, the filter, and that page, chart and downloads agree."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.catalogue import INSATS_TABLES, OVERVIEW_TABLES, Report
from reports.queries import Period
from tests.reports.pages import (
    as_csv,
    as_shown,
    as_xlsx,
    chart_marks,
    chart_titles,
    page_chart,
    page_table,
    read_csv,
    read_xlsx,
)
from tests.worlds.statistics import build_small

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("reports:overview")
YEAR_2024 = Period(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), "2024")


@pytest.fixture
def data(db):
    return build_small()


@pytest.mark.parametrize("role", ["funder", "coordinator", "admin_user"])
def test_statistics_roles_see_the_overview(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert "<h1>Statistik</h1>" in response.text


def test_manager_gets_403_everywhere(client, manager, data):
    client.force_login(manager)
    urls = [
        OVERVIEW,
        reverse("reports:table-export", args=["deltagare-kon", "csv"]),
        reverse("reports:insats-detail", args=[data.mia.pk]),
        reverse("reports:insats-table-export", args=[data.mia.pk, "insats-kon", "xlsx"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client):
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_nav_and_home_link_to_statistics(client, funder):
    client.force_login(funder)
    response = client.get(reverse("home"))
    assert f'href="{OVERVIEW}"' in response.text
    assert ">Statistik</a>" in response.text
    assert "Till statistiken" in response.text


def test_default_period_is_this_year(client, funder):
    client.force_login(funder)
    response = client.get(OVERVIEW)
    year = timezone.localdate().year
    assert f"Period: {year}" in response.text
    assert response.context["period"].start == datetime.date(year, 1, 1)
    assert response.context["period"].end == datetime.date(year, 12, 31)


@pytest.mark.parametrize(
    ("query", "period"),
    [
        ("year=2024", ("2024-01-01", "2024-12-31", "2024")),
        ("year=2024&quarter=2", ("2024-04-01", "2024-06-30", "kvartal 2 2024")),
        ("year=2024&quarter=4", ("2024-10-01", "2024-12-31", "kvartal 4 2024")),
        ("date_from=2024-02-10&date_to=2024-05-20", ("2024-02-10", "2024-05-20", None)),
        # A range wins over the year and quarter.
        (
            "year=2020&quarter=1&date_from=2024-02-10&date_to=2024-05-20",
            ("2024-02-10", "2024-05-20", None),
        ),
    ],
)
def test_period_choices(client, funder, query, period):
    client.force_login(funder)
    response = client.get(f"{OVERVIEW}?{query}")
    assert response.status_code == 200
    chosen = response.context["period"]
    assert (chosen.start.isoformat(), chosen.end.isoformat()) == period[:2]
    if period[2]:
        assert chosen.label == period[2]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "Fyll i ett heltal."),
        ("year=1066", "1990"),
        ("year=99999999999999999999", "2100"),
        ("quarter=7", "Välj ett giltigt alternativ"),
        ("municipality=999999", "Välj ett giltigt alternativ"),
        ("municipality=x'); drop table", "Välj ett giltigt alternativ"),
        ("date_from=2024-13-45&date_to=2024-12-31", "giltigt datum"),
        ("date_from=2024-05-01", "Ange även till-datum."),
        ("date_to=2024-05-01", "Ange även från-datum."),
        ("date_from=2024-05-01&date_to=2024-04-01", "Till-datum kan inte ligga före från-datum."),
        ("date_from=1900-01-01&date_to=2024-04-01", "Välj datum mellan 1990 och 2100."),
        ("date_from=1991-01-01&date_to=2099-04-01", "högst 30 år"),
    ],
)
def test_nonsense_in_the_filter_gives_a_message_not_a_500(client, funder, query, message):
    client.force_login(funder)
    response = client.get(f"{OVERVIEW}?{query}")
    assert response.status_code == 200
    assert "Perioden eller kommunen går inte att använda" in response.text
    assert message in response.text
    assert "<table" not in response.text


def test_download_with_nonsense_goes_back_to_the_page_with_the_message(client, funder, data):
    client.force_login(funder)
    url = reverse("reports:table-export", args=["deltagare-kon", "csv"])
    response = client.get(f"{url}?year=abc", follow=True)
    assert response.redirect_chain[0][0] == f"{OVERVIEW}?year=abc"
    assert "Fyll i ett heltal." in response.text
    url = reverse("reports:insats-table-export", args=[data.mia.pk, "insats-kon", "csv"])
    response = client.get(f"{url}?quarter=9", follow=True)
    assert response.redirect_chain[0][0].startswith(
        reverse("reports:insats-detail", args=[data.mia.pk])
    )


def test_unknown_table_format_or_insats_is_404(client, funder, data):
    client.force_login(funder)
    assert client.get(reverse("reports:table-export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("reports:table-export", args=["resultat", "pdf"])).status_code == 404
    assert client.get(reverse("reports:insats-detail", args=[999999])).status_code == 404
    assert (
        client.get(
            reverse("reports:insats-table-export", args=[data.mia.pk, "foretag", "csv"])
        ).status_code
        == 404
    )


def _agree(page_html, table, csv_bytes, xlsx_bytes):
    """Page table, chart, CSV and XLSX show the same (suppressed) figures."""
    header = table.export_header()
    expected = table.export_rows()
    # CSV: text; XLSX: numbers stay numbers.
    assert read_csv(csv_bytes) == [header, *[[as_csv(v) for v in row] for row in expected]]
    assert read_xlsx(xlsx_bytes) == [header, *[[as_xlsx(v) for v in row] for row in expected]]
    # The page: the same values in Swedish formatting.
    shown = [[cell.removesuffix(" %") for cell in row] for row in page_table(page_html, table.slug)]
    if expected:
        assert shown == [[as_shown(v) for v in row] for row in expected]
    # The chart: a drawn bar or point for each visible cell, a mark for each hidden one.
    svg = page_chart(page_html, table.slug)
    drawn, marks = chart_titles(svg), chart_marks(svg)
    many = len(table.chart_columns) > 1
    for label, row in table.chart_categories():
        for index in table.chart_columns:
            cell = row.cells[index]
            name = f"{label} – {table.columns[index].label}" if many else label
            if cell.hidden:
                assert f"{name}: {cell.mark}" in marks
                assert not any(t.startswith(f"{name}:") for t in drawn)
            elif cell.value:
                assert any(t.startswith(f"{name}: ") for t in drawn), (name, drawn)
    charted_hidden = any(
        row.cells[i].hidden for _label, row in table.chart_categories() for i in table.chart_columns
    )
    assert ("ritas inte i diagrammet" in svg) == charted_hidden


@pytest.mark.parametrize("municipality", [None, "tyreso"])
def test_overview_tables_charts_and_downloads_agree(client, funder, data, municipality):
    client.force_login(funder)
    query = "year=2024"
    place = None
    if municipality:
        place = getattr(data, municipality)
        query += f"&municipality={place.pk}"
    page_html = client.get(f"{OVERVIEW}?{query}").text
    report = Report(YEAR_2024, municipality=place)
    for slug, builder in OVERVIEW_TABLES.items():
        table = builder(report)
        base = reverse("reports:table-export", args=[slug, "csv"])
        csv_response = client.get(f"{base}?{query}")
        assert csv_response["Content-Type"].startswith("text/csv")
        xlsx = client.get(f"{reverse('reports:table-export', args=[slug, 'xlsx'])}?{query}")
        assert "spreadsheetml" in xlsx["Content-Type"]
        _agree(page_html, table, csv_response.getvalue(), xlsx.getvalue())


def test_insats_page_tables_charts_and_downloads_agree(client, funder, data):
    client.force_login(funder)
    url = reverse("reports:insats-detail", args=[data.mia.pk])
    page_html = client.get(f"{url}?year=2024").text
    assert "<h1>MIA</h1>" in page_html
    assert "Uppföljning Finsam" in page_html
    report = Report(YEAR_2024, insats=data.mia)
    for slug, builder in INSATS_TABLES.items():
        table = builder(report)
        args = [data.mia.pk, slug]
        csv_response = client.get(
            reverse("reports:insats-table-export", args=[*args, "csv"]) + "?year=2024"
        )
        xlsx = client.get(
            reverse("reports:insats-table-export", args=[*args, "xlsx"]) + "?year=2024"
        )
        disposition = csv_response["Content-Disposition"]
        assert f'filename="{slug}_mia_20240101_20241231.csv"' in disposition
        _agree(page_html, table, csv_response.getvalue(), xlsx.getvalue())


def test_the_sex_table_on_the_page(client, funder, data):
    client.force_login(funder)
    page_html = client.get(f"{OVERVIEW}?year=2024").text
    # Perturbed (ONS 10-5 ptable): 11 active publish as 10, the rest is below 10.
    assert page_table(page_html, "deltagare-kon") == [
        ["Kvinna", "..", "..", ".."],
        ["Man", "..", "..", ".."],
        ["Annat/ej angivet", "..", "..", ".."],
        ["Totalt", "..", "10", ".."],
    ]
    assert "Små tal är justerade så att ingen enskild person kan räknas fram" in page_html
    assert '<caption id="caption-deltagare-kon">Deltagare per kön</caption>' in page_html
    assert '<th scope="col">Kön</th>' in page_html
    assert '<th scope="row">Kvinna</th>' in page_html


def test_municipality_filter_changes_the_figures(client, funder, data):
    client.force_login(funder)
    page_html = client.get(f"{OVERVIEW}?year=2024&municipality={data.tyreso.pk}").text
    assert "Tyresö" in page_html
    assert page_table(page_html, "deltagare-kon")[-1] == ["Totalt", "..", "..", ".."]
    # Enterprises: only the café is in Tyresö.
    assert page_table(page_html, "foretag") == [["2022", "1"], ["2023", "1"]]
    # The download links keep the filter.
    assert f"deltagare-kon.csv?year=2024&amp;municipality={data.tyreso.pk}" in page_html


def test_swedish_number_formatting(client, funder, data, settings):
    settings.STATISTICS_PERTURBATION = False  # exact counts, to see their formatting
    client.force_login(funder)
    url = reverse("reports:insats-detail", args=[data.mia.pk])
    page_html = client.get(f"{url}?year=2024").text
    rows = {row[0]: row[1] for row in page_table(page_html, "insats-budget")}
    assert rows["Budget per år (kr)"] == "1 200 000"
    assert rows["Andel av planerat (%)"] == "45,8 %"
    page_html = client.get(f"{OVERVIEW}?year=2024").text
    assert page_table(page_html, "omsattning")[1] == ["2023", "3,8"]
    assert page_table(page_html, "placeringslangd")[2] == ["Alla", "5", "109,2", "81,0"]


def test_charts_are_accessible_svg(client, funder, data):
    client.force_login(funder)
    page_html = client.get(f"{OVERVIEW}?year=2024").text
    svg = page_chart(page_html, "deltagare-kon")
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-deltagare-kon-title chart-deltagare-kon-desc"' in svg
    assert '<title id="chart-deltagare-kon-title">Diagram: Deltagare per kön</title>' in svg
    assert '<desc id="chart-deltagare-kon-desc">' in svg
    # Coordinates are written with a decimal point whatever the language.
    assert not any("," in x for x in re.findall(r' x="([^"]*)"', svg))
    assert "style=" not in page_html
    assert "<script>" not in page_html


def test_insats_list_links_to_each_insats_page(client, funder, data):
    client.force_login(funder)
    page_html = client.get(f"{OVERVIEW}?year=2024").text
    for insats in (data.mia, data.asf):
        assert reverse("reports:insats-detail", args=[insats.pk]) + "?year=2024" in page_html
