"""Which requests run in one transaction.

PostgreSQL: every request (ATOMIC_REQUESTS). SQLite: unsafe methods only
(AtomicWritesMiddleware), so reads never take SQLite's write lock; a failed POST
still leaves nothing behind on both, and @non_atomic_requests is honoured.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from samordning.models import Municipality

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.samordning.busy_urls"),
]


@pytest.fixture
def logged_in(client: Client, coordinator: Any) -> Client:
    client.force_login(coordinator)
    return client


def test_reads_run_in_a_transaction_only_on_postgresql(logged_in: Client) -> None:
    expected = "autocommit" if connection.vendor == "sqlite" else "atomic"
    assert logged_in.get("/test/in-transaction/").content.decode() == expected


def test_writes_run_in_one_transaction(logged_in: Client) -> None:
    assert logged_in.post("/test/in-transaction/").content.decode() == "atomic"
    assert Municipality.objects.filter(name="Halvfärdig").exists()


def test_a_failed_post_leaves_nothing_behind(logged_in: Client) -> None:
    logged_in.raise_request_exception = False
    response = logged_in.post("/test/in-transaction/", {"fail": "1"})
    assert response.status_code == 500
    assert not Municipality.objects.filter(name="Halvfärdig").exists()


def test_non_atomic_requests_is_honoured(logged_in: Client) -> None:
    assert logged_in.post("/test/opted-out/").content.decode() == "autocommit"
