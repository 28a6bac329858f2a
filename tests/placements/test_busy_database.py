"""How a proposal waits and fails when the database is busy, against the real database.

PostgreSQL: a second connection holds the offer's row lock (SELECT ... FOR UPDATE, as
a stuck request or psql would); the proposal gives up after the lock timeout with the
Swedish 503 page, saves nothing, and other pages keep answering meanwhile.
SQLite: a second connection holds the write lock; pages that only read still answer
at once (WAL, reads in autocommit) and a proposal that cannot get the lock within the
busy timeout gets the same 503 page, never "database is locked".
"""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from placements.models import Placement
from samordning.policy import Role
from tests.factories import (
    EnrolmentFactory,
    ParticipantFactory,
    TrainingOfferFactory,
    UserFactory,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
BUSY = "Systemet är upptaget just nu. Ingenting sparades. Försök igen."

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and lock_timeout are PostgreSQL's"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")


@pytest.fixture
def world(client: Any) -> dict[str, Any]:
    coordinator = UserFactory(username="koordinator-las", roles=[Role.COORDINATOR])
    participant = ParticipantFactory(sharing=True, coordinators=[coordinator], wanted_extent=50)
    offer = TrainingOfferFactory(capacity=2, min_extent=25, max_extent=100)
    enrolment = EnrolmentFactory(participant=participant)
    client.force_login(coordinator)
    url = reverse("placements:placement-propose", args=[participant.pk])
    data = {
        "offer": offer.pk,
        "enrolment": enrolment.pk,
        "placement_type": "training",
        "extent": "50",
        "planned_start": (TODAY + DAY).isoformat(),
        "planned_end": (TODAY + 90 * DAY).isoformat(),
    }
    return {"offer": offer, "url": url, "data": data}


@contextlib.contextmanager
def _connection_options(**options: Any) -> Iterator[None]:
    """Reconnect Django's connection with other OPTIONS (the way settings set them)."""
    saved = dict(connection.settings_dict["OPTIONS"])
    connection.close()
    connection.settings_dict["OPTIONS"].update(options)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["OPTIONS"].clear()
        connection.settings_dict["OPTIONS"].update(saved)


def _timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# --- PostgreSQL -------------------------------------------------------------------


@postgresql_only
def test_app_connections_have_the_lock_and_statement_timeouts() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        lock_timeout = cursor.fetchone()[0]
        cursor.execute("SHOW statement_timeout")
        statement_timeout = cursor.fetchone()[0]
    assert (lock_timeout, statement_timeout) == ("5s", "20s")


@contextlib.contextmanager
def _postgresql_row_lock(table: str, pk: int) -> Iterator[None]:
    """A second, independent connection holding the row lock until the block ends."""
    params = connection.settings_dict
    other = psycopg.connect(
        dbname=params["NAME"],
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
    )
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [pk])
            assert cursor.fetchone() == (pk,)
        yield
    finally:
        other.rollback()
        other.close()


@postgresql_only
def test_a_held_row_lock_makes_a_proposal_fail_cleanly_within_the_lock_timeout(
    client: Any, world: dict[str, Any]
) -> None:
    offer, url, data = world["offer"], world["url"], world["data"]
    with (
        _connection_options(options="-c lock_timeout=300 -c statement_timeout=5000"),
        _postgresql_row_lock("enterprises_trainingoffer", offer.pk),
    ):
        response, waited = _timed(lambda: client.post(url, data, headers={"referer": url}))
        # Pages that do not need the locked row keep answering meanwhile.
        home, home_waited = _timed(lambda: client.get(reverse("home")))
        free, free_waited = _timed(lambda: client.get(reverse("placements:offer-free-list")))

    assert response.status_code == 503
    assert 0.3 <= waited < 3
    text = response.content.decode()
    assert BUSY in text
    assert f'href="{url}"' in text  # "Tillbaka" to the filled form
    assert 'aria-label="Huvudmeny"' in text and "Lediga platser" in text
    assert Placement.objects.count() == 0
    assert (home.status_code, free.status_code) == (200, 200)
    assert home_waited < 3 and free_waited < 3

    # The lock released, the same form goes through.
    assert client.post(url, data).status_code == 302
    assert Placement.objects.count() == 1


# --- SQLite -----------------------------------------------------------------------


@contextlib.contextmanager
def _sqlite_write_transaction() -> Iterator[None]:
    """A second connection with an open write transaction (it holds the write lock)."""
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=5)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "UPDATE enterprises_trainingoffer SET title = title || ' (ändras)' WHERE id IN "
            "(SELECT id FROM enterprises_trainingoffer LIMIT 1)"
        )
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@sqlite_only
def test_sqlite_reads_answer_while_another_connection_writes(
    client: Any, world: dict[str, Any]
) -> None:
    # The busy timeout stays at its default (20 s): a read that waited would show.
    # Pages without participant data: a page that shows people writes its audit row
    # (every read of participant data is logged), and that write queues behind a
    # writer like any other.
    with _sqlite_write_transaction():
        pages = [
            reverse("home"),
            reverse("placements:offer-free-list"),
            reverse("reports:overview"),
        ]
        answers = [_timed(lambda page=page: client.get(page)) for page in pages]
        login, login_waited = _timed(lambda: Client().get(reverse("login")))

    assert [response.status_code for response, _ in answers] == [200, 200, 200]
    assert max(waited for _, waited in answers) < 2
    assert (login.status_code, login_waited < 2) == (200, True)


@sqlite_only
def test_sqlite_a_proposal_that_cannot_get_the_write_lock_is_a_503(
    client: Any, world: dict[str, Any]
) -> None:
    url, data = world["url"], world["data"]
    with _connection_options(timeout=0.3), _sqlite_write_transaction():
        response, waited = _timed(lambda: client.post(url, data, headers={"referer": url}))

    assert response.status_code == 503
    assert waited < 3
    assert BUSY in response.content.decode()
    assert f'href="{url}"' in response.content.decode()
    assert Placement.objects.count() == 0

    assert client.post(url, data).status_code == 302
    assert Placement.objects.count() == 1


@postgresql_only
def test_a_kept_connection_the_server_dropped_is_replaced_when_the_next_request_starts(
    world: dict[str, Any], client: Client
) -> None:
    # Workers keep their connection between requests (CONN_MAX_AGE, settings.py); a
    # server restart or an idle timeout ends it. The next request must not fail on it.
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert client.get(reverse("placements:offer-free-list")).status_code == 200
    dropped = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
    # What the WSGI handler does first on every request (the test client leaves it out).
    request_started.send(sender=WSGIHandler, environ={})
    assert client.get(reverse("placements:offer-free-list")).status_code == 200
    assert connection.connection.info.backend_pid != dropped
