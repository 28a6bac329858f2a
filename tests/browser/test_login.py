"""Each role logs in through the real login page and lands on its own home page."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("fixture", "heading"),
    [
        ("coordinator", "Koordinator"),
        ("manager", "Företagsledare"),
        ("funder", "Finansiär"),
        ("admin_user", "Förbundsadministratör"),
    ],
)
def test_each_role_sees_its_home_page(request, page, fixture, heading):
    user = request.getfixturevalue(fixture)
    browser_login(page, user.username)
    expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    # Only its own role's section is shown.
    others = {"Koordinator", "Företagsledare", "Finansiär", "Förbundsadministratör"} - {heading}
    for other in others:
        assert page.get_by_role("heading", level=2, name=other).count() == 0


def test_wrong_password_stays_on_login_with_message(page, coordinator):
    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill("coordinator")
    page.get_by_label("Lösenord").fill("wrong")
    page.get_by_role("button", name="Logga in").click()
    assert "/accounts/login/" in page.url
    expect(page.get_by_text("korrekt användarnamn").first).to_be_visible()


def test_demo_users_log_in_to_their_home_pages(page):
    """The users `seed_demo` prints can log in and land on their role's home page."""
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", force=True, password="demo-pw", stdout=StringIO())
    expected = {
        "admin": "Förbundsadministratör",
        "coordinator": "Koordinator",
        "coordinator2": "Koordinator",
        "manager": "Företagsledare",
        "manager2": "Företagsledare",
        "funder": "Finansiär",
    }
    for username, heading in expected.items():
        page.context.clear_cookies()
        browser_login(page, username, "demo-pw")
        expect(page.get_by_role("heading", level=2, name=heading), username).to_be_visible()
