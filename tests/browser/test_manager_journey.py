"""An enterprise manager's day in the browser: places, a proposal, a week of attendance,
and the invoice basis downloaded as CSV."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.utils import formats, timezone
from playwright.sync_api import expect

from enterprises.models import CapacityChange, TrainingOffer
from placements.models import PlacementStatus
from tests.browser.helpers import browser_login
from tests.worlds.enterprise import enterprise_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.timedelta(days=1)


def _past_week_in_one_month(today: datetime.date, not_before: datetime.date) -> list[datetime.date]:
    """Monday to Friday of a week that has passed, all in one month, after `not_before`."""
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    while monday.month != (monday + 4 * DAY).month:
        monday -= 7 * DAY
    assert monday >= not_before
    return [monday + n * DAY for n in range(5)]


def test_manager_journey(page, manager):
    today = timezone.localdate()
    world = enterprise_world(manager, "Ett")
    browser_login(page, "manager")

    # My enterprise -> the offer -> its number of places.
    page.get_by_role("link", name="Mitt företag").click()
    page.get_by_role("link", name="FöretagEtt").click()
    page.get_by_role("link", name="PlatsEtt").click()
    page.get_by_role("link", name="Ändra antal platser").click()

    # Lowering below the three places held is refused with the day and the count.
    page.get_by_label("Antal platser").fill("1")
    page.get_by_role("button", name="Spara antal platser").click()
    error = page.get_by_text("Det går inte att sänka antalet platser till 1")
    expect(error).to_be_visible()
    assert "3 platser redan tagna" in error.inner_text()
    assert TrainingOffer.objects.get(pk=world.offer.pk).capacity == 5

    # Lowering to what is held works; then raising.
    page.get_by_label("Antal platser").fill("3")
    page.get_by_role("button", name="Spara antal platser").click()
    expect(page.get_by_text("Antal platser är nu 3")).to_be_visible()
    page.get_by_role("link", name="Ändra antal platser").click()
    page.get_by_label("Antal platser").fill("6")
    page.get_by_role("button", name="Spara antal platser").click()
    expect(page.get_by_text("Antal platser är nu 6")).to_be_visible()
    history = list(
        CapacityChange.objects.filter(offer=world.offer)
        .order_by("changed_at", "pk")
        .values_list("old_capacity", "new_capacity")
    )
    assert history == [(5, 3), (3, 6)]

    # Accept the waiting proposal.
    page.get_by_role("link", name="Förslag", exact=True).click()
    page.get_by_role("button", name="Acceptera ForslagEtt Deltagare").click()
    # htmx swaps the proposal's card for the answer, without a page load.
    page.get_by_text("Du har accepterat förslaget om ForslagEtt Deltagare").wait_for()
    world.proposal.refresh_from_db()
    assert world.proposal.status == PlacementStatus.ACCEPTED

    # Mark a week of attendance, with the keyboard-reachable checkboxes of the grid.
    week = _past_week_in_one_month(today, world.active.start_date)
    month = f"{week[0]:%Y-%m}"
    page.get_by_role("link", name="Närvaro", exact=True).click()
    page.get_by_label("Månad", exact=True).fill(month)
    page.get_by_role("button", name="Visa").click()
    for day in week:
        label = f"AktivEtt Deltagare {formats.date_format(day, 'j F')}"
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Spara närvaro").click()
    expect(page.get_by_text("Närvaron är sparad")).to_be_visible()
    for day in week:
        label = f"AktivEtt Deltagare {formats.date_format(day, 'j F')}"
        assert page.get_by_label(label, exact=True).is_checked()
    present = set(world.active.attendance_days.values_list("date", flat=True))
    assert set(week) <= present
    days_in_month = len([d for d in present if f"{d:%Y-%m}" == month])

    # Download the invoice basis for that month.
    page.get_by_role("link", name="Fakturaunderlag").click()
    page.get_by_label("Månad", exact=True).fill(month)
    page.get_by_role("button", name="Visa").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner CSV").click()
    download = download_info.value
    assert re.fullmatch(rf"fakturaunderlag-{month}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read()), delimiter=";"))
    row = next(r for r in rows if r[3] == "AktivEtt Deltagare")
    assert row[5] == str(days_in_month)
    assert row[7] == f"{days_in_month * 150},00"  # decimal comma for Swedish Excel
    assert rows[-1][0] == "Totalt" and rows[-1][7] == f"{days_in_month * 150},00"
