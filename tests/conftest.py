"""Shared fixtures: the role cast and the demo installation (browser fixtures: tests/browser/)."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from samordning.models import User
from samordning.policy import Role
from tests.factories import UserFactory


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
