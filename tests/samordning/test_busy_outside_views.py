"""A busy or lost database outside any view (the session, the login check) is the
Swedish 503 page too, through handler500 (samordning.views.server_error)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError
from django.test import Client

pytestmark = pytest.mark.django_db

BUSY = "Systemet är upptaget just nu. Ingenting sparades. Försök igen."


def test_a_lost_database_while_loading_the_session_is_the_503_page(
    client: Client, coordinator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(coordinator)
    client.raise_request_exception = False

    def gone(self: Any) -> dict[str, Any]:
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(SessionStore, "load", gone)
    response = client.get("/")

    assert response.status_code == 503
    assert BUSY in response.content.decode()


def test_any_other_failure_outside_a_view_stays_the_swedish_500(
    client: Client, coordinator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(coordinator)
    client.raise_request_exception = False

    def broken(self: Any) -> dict[str, Any]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get("/")

    assert response.status_code == 500
    assert BUSY not in response.content.decode()
