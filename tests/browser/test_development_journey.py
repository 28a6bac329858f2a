"""The association's staff log a support activity and a milestone on an enterprise's
development page; the funder then sees both counted on the statistics page."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import browser_login
from tests.factories import AnnualFigureFactory, EnterpriseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_support_and_a_milestone_and_the_funder_sees_them(page, coordinator, funder):
    today = timezone.localdate()
    enterprise = EnterpriseFactory(name="Café Resan")
    AnnualFigureFactory(
        enterprise=enterprise, year=today.year, turnover_sek=Decimal(2_400_000), employees=6
    )

    # The coordinator opens the enterprise and its development page.
    browser_login(page, "coordinator")
    page.goto(f"/foretag/{enterprise.pk}/")
    page.get_by_role("link", name="Företagsutveckling: plan, stöd och milstolpar").click()
    expect(
        page.get_by_role("heading", level=1, name="Företagsutveckling: Café Resan")
    ).to_be_visible()
    expect(page.get_by_text("Inget stöd loggat ännu.")).to_be_visible()

    # Log a network meeting of two and a half hours (written the Swedish way).
    page.get_by_role("link", name="Logga stöd").click()
    page.get_by_label("Typ av stöd").select_option(label="Nätverksträff")
    page.get_by_label("Datum").fill(today.isoformat())
    page.get_by_label("Timmar").fill("2,5")
    page.get_by_label("Vilka deltog").fill("verksamhetsledare, två handledare")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Stödinsatsen är loggad.")).to_be_visible()
    log = page.get_by_role("table", name="Logg över förbundets stöd")
    assert "Nätverksträff" in log.inner_text() and "verksamhetsledare" in log.inner_text()

    # And a milestone: the enterprise became an approved supplier.
    page.get_by_role("link", name="Registrera milstolpe").click()
    page.get_by_label("Milstolpe").select_option(label="Godkänd leverantör")
    page.get_by_label("Datum").fill(today.isoformat())
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Milstolpen är registrerad.")).to_be_visible()
    expect(page.get_by_text("Godkänd leverantör").first).to_be_visible()

    # The funder sees the hours and the milestone counted for this year.
    page.context.clear_cookies()
    browser_login(page, "funder")
    page.goto("/statistik/")
    page.get_by_role("link", name="Företagsutveckling: förbundets stöd").click()
    page.wait_for_url("**/statistik/foretagsutveckling/**")
    support = page.get_by_role("table", name="Förbundets stöd till företagen per år")
    row = support.get_by_role("row", name=str(today.year))
    # activities, network meeting hours, ..., total hours
    cells = row.get_by_role("cell").all_inner_texts()
    assert cells[0] == "1" and cells[1] == "2,5" and cells[-1] == "2,5"
    milestones = page.get_by_role("table", name="Företag som nådde en milstolpe, per år")
    header = milestones.get_by_role("columnheader").all_inner_texts()
    cells = (
        milestones.get_by_role("row", name=str(today.year)).get_by_role("cell").all_inner_texts()
    )
    assert cells[header.index("Godkänd leverantör") - 1] == "1"
    growth = page.get_by_role("table", name="De sociala företagens tillväxt per år")
    assert (
        growth.get_by_role("row", name=str(today.year)).get_by_role("cell").first.inner_text()
        == "1"
    )
