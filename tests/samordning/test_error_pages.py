"""Error pages: Swedish, in the site's layout, a way home, no stack trace, no English.

A busy or lost database (a lock or statement timeout, "database is locked", a dropped
connection) is a 503 "the system is busy, nothing was saved, try again" page with the
navigation and a way back to the filled form; other database errors stay 500s.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import DatabaseError, InterfaceError, connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from samordning import middleware

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.samordning.busy_urls")]

BUSY = "Systemet är upptaget just nu. Ingenting sparades. Försök igen."
ENGLISH = ["Error", "Server", "Traceback", "Service Unavailable", "Bad Request", "try again"]


def _no_english_no_trace(text: str) -> None:
    for word in ENGLISH:
        assert not re.search(rf"\b{word}\b", text), word
    assert 'href="/"' in text  # the way home (the brand link and "Till startsidan")
    assert "Till startsidan" in text


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_busy_database_is_a_swedish_503_with_navigation(
    client: Client, coordinator: Any, method: str
) -> None:
    client.force_login(coordinator)
    referer = reverse("participants:participant-create")

    response = getattr(client, method)("/test/busy/", headers={"referer": referer})

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    text = response.content.decode()
    assert '<html lang="sv">' in text
    assert BUSY in text
    assert "bakåtknapp" in text and "finns kvar i formuläret" in text
    assert f'<a class="btn btn-primary" href="{referer}">Tillbaka</a>' in text
    assert 'aria-label="Huvudmeny"' in text
    assert "Lediga platser" in text and "Logga ut" in text
    _no_english_no_trace(text)


def test_the_back_link_never_leads_to_another_site(client: Client, coordinator: Any) -> None:
    client.force_login(coordinator)
    response = client.post("/test/busy/", headers={"referer": "https://evil.example/form"})
    assert response.status_code == 503
    assert "evil.example" not in response.content.decode()
    assert "Tillbaka</a>" not in response.content.decode()


def test_a_lost_connection_is_a_503_even_when_the_menu_cannot_be_read(
    client: Client, coordinator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the database gone, the menu's role lookup fails too: the page is then
    rendered without the request (no context processors), still Swedish, still 503."""

    def database_gone(user: Any) -> frozenset[str]:
        raise InterfaceError("connection already closed")

    client.force_login(coordinator)
    monkeypatch.setattr("samordning.policy.roles_of", database_gone)

    response = client.post("/test/connection-lost/")

    assert response.status_code == 503
    text = response.content.decode()
    assert BUSY in text
    assert "Logga ut" not in text  # the minimal variant: no user menu
    _no_english_no_trace(text)


def test_other_database_errors_stay_500s(client: Client, coordinator: Any) -> None:
    client.force_login(coordinator)
    client.raise_request_exception = False
    urls = ["/test/programming-error/"]
    if connection.vendor == "sqlite":
        urls.append("/test/sqlite-bug/")  # an OperationalError, but a bug, not a lock
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 500, url
            text = response.content.decode()
            assert "Något gick fel" in text
            assert "relation does not exist" not in text and "nowhere" not in text
            _no_english_no_trace(text)


def test_the_500_page_renders_without_context_or_database(
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(0):
        text = render_to_string("500.html")  # what django.views.defaults.server_error does
    assert "Något gick fel" in text
    _no_english_no_trace(text)


def test_the_400_page_is_swedish(client: Client) -> None:
    # An invalid Host header is Django's everyday 400 (DisallowedHost).
    client.raise_request_exception = False
    response = client.get(reverse("login"), headers={"host": "evil.example"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Felaktig begäran" in text
    _no_english_no_trace(text)


def test_403_and_404_pages_are_swedish(client: Client, funder: Any) -> None:
    client.force_login(funder)
    forbidden = client.get(reverse("participants:participant-list"))
    missing = client.get("/finns-inte/")
    assert (forbidden.status_code, missing.status_code) == (403, 404)
    assert "Ingen behörighet" in forbidden.content.decode()
    assert "Sidan finns inte" in missing.content.decode()
    _no_english_no_trace(forbidden.content.decode())
    _no_english_no_trace(missing.content.decode())


@pytest.mark.parametrize(
    ("error", "busy"),
    [
        (InterfaceError("connection already closed"), True),
        (DatabaseError("something else"), False),
        (ValueError("not the database"), False),
    ],
)
def test_which_errors_count_as_busy(error: Exception, busy: bool) -> None:
    assert middleware.is_database_busy(error) is busy


def test_busy_response_without_a_referer_offers_only_the_way_home() -> None:
    request = RequestFactory().post("/x/")
    request.user = None  # type: ignore[assignment]
    response = middleware.busy_response(request, InterfaceError("gone"))
    assert response.status_code == 503
    assert "Tillbaka</a>" not in response.content.decode()
