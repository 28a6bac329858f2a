"""Login throttling that cannot be turned against a user (django-axes).

Two limits, both over the cool-off window (`AXES_COOLOFF_TIME`):

- a username is locked **per client address** after `AXES_FAILURE_LIMIT` failures
  (`AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`): guessing someone's password
  from one address stops, but a stranger elsewhere cannot lock the real user out;
- an address is locked for every username after `LOGIN_ADDRESS_FAILURE_LIMIT` failures,
  whatever the usernames: this stops spraying one password over many usernames.

axes knows one failure limit for all its parameter sets, and the staff share an office
address behind NAT, so a per-address lock at the per-user limit (6) would let one
person's typos lock the whole office. The generous per-address limit is therefore added
here, in a handler that reports "at the limit" when the address is over its own limit.

A failed try during a lock is not recorded (`AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
= False`), so retrying cannot extend a lock.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

# axes' AccessAttempt.username is a 255-character column.
USERNAME_MAX_LENGTH = 255


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's client address in the window, over all usernames."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    total = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return int(total or 0)


class ThrottleHandler(AxesDatabaseHandler):
    """axes' database handler plus the per-address limit against password spraying."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures = int(super().get_failures(request, credentials))
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            # axes compares with one limit; an address over its own limit counts as at it.
            return max(failures, get_failure_limit(request, credentials))
        return failures


def username_for_axes(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username axes records, cut to its column: a longer one (which the login form
    refuses anyway) must not make axes' insert fail with a 500 on PostgreSQL."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    # axes' own order: the credentials if given, else the posted form.
    username = credentials.get(field) if credentials else request.POST.get(field)
    if username is None:
        return None
    return str(username)[:USERNAME_MAX_LENGTH]
