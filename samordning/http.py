"""Method checks for views that look their object up first.

A view checks the method after its role check and its scoped lookup, so a
role without access gets 403 and an outsider 404 whatever the method; only
then does a wrong method get its 405.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django_htmx.middleware import HtmxDetails

from samordning.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind login (the middleware) and `perm_required`:
    its user is a real `User`, never the anonymous one."""

    user: User
    htmx: HtmxDetails  # django-htmx's middleware: truthy when htmx sent the request


def request_user(request: HttpRequest) -> User:
    """The logged-in user of a request that only staff reach (the admin)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("a logged-in user is required here")
    return user


def post_only(request: HttpRequest) -> HttpResponse | None:
    """State changes are POST-only: a 405 for any other method, else None."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


def read_only(request: HttpRequest) -> HttpResponse | None:
    """A page that only shows: a 405 for anything but GET and HEAD, else None."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return None
