"""What every request reads before its view: the session, the user it names and the
user's second factor.

Django's database sessions, `ModelBackend` and django-otp's `OTPMiddleware`, with
their reads on every request written once per process instead of compiled by the
ORM each time: the session by one hand-written statement, the user and the device
by `prepared.instance_by_pk`. Compiling took
longer than running (0.4-0.45 ms of CPU each against 0.07 for the statement), about
a third of a logged-in 404's CPU (docs/performance.md, "The app's floor (issue 13,
seventh round)"). Everything else (saving, expiry, the session's auth hash, which
users may log in) is Django's.

`SESSION_ENGINE = "samordning.sessions"`; `AUTHENTICATION_BACKENDS` names
`samordning.sessions.ModelBackend`; `MIDDLEWARE` names `samordning.sessions.OTPMiddleware`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware
from django_otp.models import Device

from samordning import prepared
from samordning.models import User


class SessionStore(DbSessionStore):
    def _get_session_from_db(self) -> Any:
        """The session's data if it has not expired; else forget the key (as Django does)."""
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        # Quoted names of Django's own table; the values are parameters.
        table, data = quote(model._meta.db_table), quote("session_data")
        key, expiry = quote("session_key"), quote("expire_date")
        sql = f"SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s"  # noqa: S608
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return SimpleNamespace(session_data=row[0])


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)  # type: ignore[union-attr]
        except ValidationError:  # a session naming no valid id: nobody
            return None
        user = prepared.instance_by_pk(User, pk, using=router.db_for_read(User))
        return user if user is not None and self.user_can_authenticate(user) else None


class OTPMiddleware(DjangoOTPMiddleware):
    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        """The device a session names ("app_label.model/id"), as django-otp reads it
        (`Device.from_persistent_id`): nobody's for a name that is no device model."""
        persistent_id = self._normalize_persistent_id(persistent_id)
        try:
            label, device_id = persistent_id.rsplit("/", 1)
            model = apps.get_model(label)
            pk = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(model, Device):
            return None
        return prepared.instance_by_pk(model, pk, using=router.db_for_read(model))
