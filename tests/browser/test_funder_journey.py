"""A funder looks at the statistics: changes the period and the municipality, sees the
charts change, and downloads a table."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import browser_login
from tests.worlds.statistics import build_small

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sex_chart(page):
    return page.locator("#chart-deltagare-kon").inner_html()


def sex_totals(page):
    table = page.get_by_role("table", name="Deltagare per kön")
    return table.get_by_role("row").last.inner_text().split()


def test_funder_changes_period_and_municipality_and_downloads_a_table(page, funder, settings):
    # The small data set's counts are all below the perturbation's threshold: the
    # journey is about filters, charts and downloads, so it reads exact counts.
    settings.STATISTICS_PERTURBATION = False
    build_small()
    browser_login(page, "funder")
    page.get_by_role("link", name="Statistik", exact=True).first.click()
    page.wait_for_url("**/statistik/")
    expect(page.get_by_role("heading", level=1, name="Statistik")).to_be_visible()
    expect(page.get_by_text("Små tal är justerade")).to_be_visible()
    this_year_chart = sex_chart(page)

    # Another period: 2024.
    page.get_by_label("År", exact=True).fill("2024")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**/statistik/?year=2024*")
    expect(page.get_by_text("Period: 2024")).to_be_visible()
    chart_2024 = sex_chart(page)
    assert chart_2024 != this_year_chart
    assert "Man – Aktiva: 5" in chart_2024
    assert sex_totals(page) == ["Totalt", "9", "11", "6"]
    assert page.locator("#chart-deltagare-kon").get_attribute("role") == "img"

    # One municipality: Tyresö.
    page.get_by_label("Kommun", exact=True).select_option(label="Tyresö (0138)")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**municipality=*")
    expect(page.get_by_text("Period: 2024 · Tyresö")).to_be_visible()
    chart_tyreso = sex_chart(page)
    assert chart_tyreso != chart_2024
    assert "Man – Aktiva: 5" not in chart_tyreso
    assert sex_totals(page) == ["Totalt", "4", "4", "2"]

    # Download the table shown.
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV – Deltagare per kön").click()
    download = info.value
    assert download.suggested_filename == "deltagare-kon_20240101_20241231_0138.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read()), delimiter=";"))
    assert rows[0] == ["Kön", "Nya", "Aktiva", "Avslutade"]
    assert rows[-1] == ["Totalt", "4", "4", "2"]

    # A nonsense period in the address bar gives a message, not an error page.
    page.goto("/statistik/?year=tjugotjugofyra")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text("Fyll i ett heltal.")).to_be_visible()
