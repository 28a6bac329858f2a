"""The session and the user every request reads (samordning/sessions.py): the same
answers as Django's database sessions and ModelBackend, without compiling SQL."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client, override_settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from samordning import prepared
from samordning.models import User
from samordning.sessions import ModelBackend, SessionStore
from samordning.twofactor import twofactor_confirm, twofactor_device_for_setup
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_settings_name_them():
    assert settings.SESSION_ENGINE == "samordning.sessions"
    assert "samordning.sessions.ModelBackend" in settings.AUTHENTICATION_BACKENDS
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS
    assert "samordning.sessions.OTPMiddleware" in settings.MIDDLEWARE
    assert "django_otp.middleware.OTPMiddleware" not in settings.MIDDLEWARE


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
    assert backend.get_user(2**63) is None  # beyond the id column: nobody, not an error
    assert backend.get_user(-(2**63) - 1) is None


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


def _verified_client(user) -> tuple[Client, TOTPDevice]:
    device = twofactor_device_for_setup(user=user)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    assert twofactor_confirm(user=user, device=device, token=f"{code:06d}") is not None
    device.refresh_from_db()
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client, device


@override_settings(REQUIRE_2FA=True)
def test_the_second_factor_is_the_device_the_session_names_and_the_users_own(
    coordinator, coordinator2
):
    client, device = _verified_client(coordinator)
    for _ in range(2):  # prepared, then from what was prepared
        response = client.get("/")
        assert response.status_code == 200
        assert response.wsgi_request.user.otp_device == device
        assert response.wsgi_request.user.is_verified()
    # Another user's device, an unconfirmed one, or a name that is no device: not verified.
    other, other_device = _verified_client(coordinator2)
    for persistent_id in (
        other_device.persistent_id,
        "samordning.user/1",
        "nosuch.model/1",
        "otp_totp.totpdevice/x",
    ):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = persistent_id
        session.save()
        response = client.get("/")
        assert response.status_code == 302 and "/accounts/" in response["Location"]
        assert DEVICE_ID_SESSION_KEY not in client.session
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get("/").status_code == 302


@override_settings(REQUIRE_2FA=True)
def test_a_logged_in_request_that_reaches_no_view_compiles_no_sql(coordinator, monkeypatch):
    """The session, the user, the second factor and the roles are read by statements
    written once: a logged-in 404 compiles nothing (Django's and django-otp's compiled
    four)."""
    client, _device = _verified_client(coordinator)
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
    assert response.wsgi_request.user.is_verified()
    assert SESSION_KEY in client.session
    assert compiled == []
