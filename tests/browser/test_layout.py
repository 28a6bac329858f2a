"""Layout at a 1280 px laptop and a 375 px phone, with screenshots for a reviewer.

Every role's main pages in the demo installation are photographed at both widths
into `test-artifacts/screenshots/` (untracked, see .gitignore), and the layout
rules of issue #17 are checked:
- the attendance grid of a 31-day month shows its last day and the total at 1280 px
  without sideways scrolling; on a phone only the grid scrolls and the names stay;
- on a phone the navigation is folded behind its button, and opens with it;
- on a phone the list filters are folded behind one button;
- chart text is 11 px or more on a phone;
- Django's admin lists show every column at 1280 px beside their filters.
"""

from __future__ import annotations

import calendar
import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from placements.models import AttendanceDay
from tests.browser.helpers import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}

PAGES = {
    "coordinator": [
        ("startsida", "home"),
        ("deltagare", "participants:participant-list"),
        ("lediga-platser", "placements:offer-free-list"),
        ("platser", "enterprises:offer-list"),
    ],
    "manager": [
        ("startsida", "home"),
        ("narvaro", "placements:attendance-grid"),
        ("platser", "enterprises:offer-list"),
        ("fakturaunderlag", "placements:invoice-basis"),
    ],
    "funder": [("startsida", "home"), ("statistik", "reports:overview")],
    "admin": [
        ("startsida", "home"),
        ("admin-arbetstraningar", "admin:placements_placement_changelist"),
    ],
}


def sideways(page: Any) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def shoot(page: Any, role: str, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{role}-{name}-{width}.png"), full_page=True)


def month_with_31_days_and_attendance() -> str:
    """The latest month of 31 days with present days in the demo."""
    day = timezone.localdate().replace(day=1)
    for _ in range(12):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
        present = AttendanceDay.objects.filter(date__year=day.year, date__month=day.month)
        if calendar.monthrange(day.year, day.month)[1] == 31 and present.exists():
            return f"{day:%Y-%m}"
    raise AssertionError("the demo has no month of 31 days with attendance")


@pytest.fixture
def demo(db: None) -> None:
    call_command("seed_demo", password="pw", force=True, stdout=StringIO())


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_at_laptop_and_phone_width(page, demo, role):
    browser_login(page, role)
    problems = []
    for name, url_name in PAGES[role]:
        url = reverse(url_name)
        if name == "narvaro":
            url += f"?month={month_with_31_days_and_attendance()}"
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            shoot(page, role, name, size["width"])
            if name.startswith("admin-"):
                continue  # Django's admin has its own header
            toggler = page.locator(".navbar-toggler")
            menu = page.locator("#main-menu")
            if size is PHONE:
                if not toggler.is_visible() or menu.is_visible():
                    problems.append(f"{name}: the menu is not folded at 375 px")
                if sideways(page) > 0:
                    problems.append(f"{name}: the page scrolls sideways at 375 px")
            elif toggler.is_visible() or not menu.is_visible():
                problems.append(f"{name}: the menu is folded at 1280 px")
    assert problems == []


def test_navigation_opens_on_a_phone(page, demo):
    page.set_viewport_size(PHONE)
    browser_login(page, "coordinator")
    menu = page.locator("#main-menu")
    assert not menu.is_visible()
    page.get_by_role("button", name="Visa menyn").click()
    menu.get_by_role("link", name="Deltagare", exact=True).wait_for(state="visible")


def test_attendance_grid_fits_a_laptop_and_scrolls_alone_on_a_phone(page, demo):
    browser_login(page, "manager")
    url = reverse("placements:attendance-grid") + f"?month={month_with_31_days_and_attendance()}"
    page.set_viewport_size(LAPTOP)
    page.goto(url)
    grid = page.locator("table.attendance-grid")
    header = grid.locator("thead th")
    assert header.count() == 33  # name, 31 days, total
    assert header.nth(31).inner_text().endswith("31")
    wrapper = page.locator(".attendance-scroll")
    assert wrapper.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
    assert sideways(page) <= 0
    total = header.last.bounding_box()
    assert total["x"] + total["width"] <= LAPTOP["width"]

    page.set_viewport_size(PHONE)
    page.goto(url)
    assert sideways(page) <= 0  # the page itself does not move
    assert wrapper.evaluate("el => el.scrollWidth - el.clientWidth") > 0  # the grid does
    name = grid.locator("tbody th").first
    before = name.bounding_box()["x"]
    wrapper.evaluate("el => { el.scrollLeft = 300; }")
    assert wrapper.evaluate("el => el.scrollLeft") > 0
    assert abs(name.bounding_box()["x"] - before) < 1  # the names column stays
    shoot(page, "manager", "narvaro-scrollad", PHONE["width"])


def test_list_filters_fold_on_a_phone(page, demo):
    browser_login(page, "coordinator")
    url = reverse("participants:participant-list")
    page.set_viewport_size(PHONE)
    page.goto(url)
    filters = page.locator("#participant-filters")
    assert not filters.is_visible()
    page.get_by_role("button", name="Visa sök och filter").click()
    filters.get_by_role("button", name="Visa").wait_for(state="visible")
    page.set_viewport_size(LAPTOP)
    page.goto(url)
    assert filters.is_visible()
    assert not page.get_by_role("button", name="Visa sök och filter").is_visible()


def test_chart_text_is_legible_on_a_phone(page, demo):
    browser_login(page, "funder")
    page.set_viewport_size(PHONE)
    page.goto(reverse("reports:overview"))
    sizes = page.evaluate(
        """() => [...document.querySelectorAll("main svg")].map((svg) => {
             const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
             return parseFloat(svg.getAttribute("font-size")) * scale;
           })"""
    )
    assert sizes and min(sizes) >= 11, sizes
    assert sideways(page) <= 0


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:placements_placement_changelist",
        "admin:participants_participant_changelist",
        "admin:enterprises_trainingoffer_changelist",
    ],
)
def test_admin_lists_show_every_column_at_1280(page, demo, url_name):
    """Django's admin lists: every column of the result table is on screen at 1280 px
    beside the filters, without scrolling sideways."""
    browser_login(page, "admin")
    page.set_viewport_size(LAPTOP)
    page.goto(reverse(url_name))
    shoot(page, "admin", url_name.split(":")[1], LAPTOP["width"])
    results = page.locator(".results")
    right = min(results.bounding_box()["x"] + results.bounding_box()["width"], LAPTOP["width"])
    headers = page.locator("#result_list thead th")
    assert headers.count() >= 3
    outside = [
        headers.nth(i).inner_text().strip() or "(checkbox)"
        for i in range(headers.count())
        if (box := headers.nth(i).bounding_box()) is None or box["x"] + box["width"] > right + 1
    ]
    assert outside == []
    assert sideways(page) <= 0
    assert results.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
