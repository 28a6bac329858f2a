"""The session and the user every request reads (samordning/sessions.py): the same
answers as Django's database sessions and ModelBackend, without compiling SQL."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.utils import timezone

from samordning import prepared
from samordning.models import User
from samordning.sessions import ModelBackend, SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_settings_name_them():
    assert settings.SESSION_ENGINE == "samordning.sessions"
    assert "samordning.sessions.ModelBackend" in settings.AUTHENTICATION_BACKENDS
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS


def test_the_user_is_the_one_the_orm_reads_field_by_field():
    user = UserFactory(username="anna", first_name="Anna", is_staff=True)
    user.last_login = timezone.now().replace(microsecond=123456)
    user.save()
    prepared._instances.clear()
    for _ in range(2):  # prepared, then from what was prepared
        read = ModelBackend().get_user(str(user.pk))
        expected = User.objects.get(pk=user.pk)
        assert read is not None and read.pk == user.pk
        for field in User._meta.concrete_fields:
            assert getattr(read, field.attname) == getattr(expected, field.attname), field.name
        # The converters ran: a boolean is a bool and a time an aware datetime (SQLite too).
        assert read.is_staff is True and read.is_active is True
        assert read.last_login == user.last_login and timezone.is_aware(read.last_login)
        assert read._state.adding is False


def test_an_inactive_missing_or_malformed_user_is_nobody():
    gone = UserFactory(is_active=False)
    backend = ModelBackend()
    assert backend.get_user(gone.pk) is None
    assert backend.get_user(gone.pk + 1000) is None
    assert backend.get_user("not-a-number") is None


def test_a_session_is_read_until_it_expires():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    key = store.session_key
    assert SessionStore(key).load() == {"answer": 42}
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None  # forgotten, as Django's store does
    assert SessionStore("no-such-session-key-at-all").load() == {}


def test_logging_out_ends_the_session(coordinator):
    client = Client()
    client.force_login(coordinator)
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_a_logged_in_request_that_reaches_no_view_compiles_no_sql(coordinator, monkeypatch):
    """The session, the user and the roles are read by statements written once: a
    logged-in 404 compiles nothing (Django's store and backend compiled three)."""
    client = Client()
    client.force_login(coordinator)
    client.get("/finns-inte/")  # the first request prepares
    compiled: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        result = as_sql(self, *args, **kwargs)
        compiled.append(result[0])
        return result

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert response.wsgi_request.user == coordinator
    assert SESSION_KEY in client.session
    assert compiled == []
