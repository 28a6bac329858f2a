"""Shared fixtures: the role cast and a Playwright browser on Debian's chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from samordning.models import User
from samordning.policy import Role
from tests.factories import UserFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _user(username: str, role: str, **extra: Any) -> User:
    user = UserFactory(username=username, roles=[role], **extra)
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    """An association admin (staff, superuser)."""
    return _user("admin", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def coordinator(db: None) -> User:
    return _user("coordinator", Role.COORDINATOR)


@pytest.fixture
def coordinator2(db: None) -> User:
    return _user("coordinator2", Role.COORDINATOR)


@pytest.fixture
def manager(db: None) -> User:
    return _user("manager", Role.MANAGER)


@pytest.fixture
def manager2(db: None) -> User:
    return _user("manager2", Role.MANAGER)


@pytest.fixture
def funder(db: None) -> User:
    return _user("funder", Role.FUNDER)


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo installation (`seed_demo`, scale 1, password "pw"), built once per
    module inside a transaction that is rolled back afterwards. Tests that use it
    also take `db`, so each runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", force=True, password="pw", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian chromium for the session, driven by Playwright."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) per test, pointed at the live server."""
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def browser_login(page: Any, username: str, password: str = "pw") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
