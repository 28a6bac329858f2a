"""Steps the browser journeys share."""

from __future__ import annotations

from typing import Any


def browser_login(page: Any, username: str, password: str = "pw") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
