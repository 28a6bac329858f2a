import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

SESSION_STARTED_KEY = "_samordning_started_at"
SESSION_SEEN_KEY = "_samordning_seen_at"
SEEN_WRITE_INTERVAL = 60


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a logged-in user hold personal data: never cache them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionTimeoutMiddleware:
    """Log a session out after SESSION_IDLE_TIMEOUT seconds without a request, or
    SESSION_ABSOLUTE_TIMEOUT seconds after it began, however active it is.

    The last-seen time is written at most once a minute, so ordinary page views
    don't each write the session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = float(request.session.get(SESSION_STARTED_KEY, now))
            seen = float(request.session.get(SESSION_SEEN_KEY, now))
            if (
                now - started > settings.SESSION_ABSOLUTE_TIMEOUT
                or now - seen > settings.SESSION_IDLE_TIMEOUT
            ):
                logout(request)
                messages.info(request, _("Du har loggats ut efter en tids inaktivitet."))
                return redirect_to_login(request.get_full_path())
            if SESSION_STARTED_KEY not in request.session:
                request.session[SESSION_STARTED_KEY] = now
            if SESSION_SEEN_KEY not in request.session or now - seen > SEEN_WRITE_INTERVAL:
                request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


def stamp_session_on_login(
    sender: object, request: HttpRequest, user: object, **kwargs: object
) -> None:
    """Connected to `user_logged_in` (SamordningConfig.ready): every way of logging
    in (our login page, the admin's, the test client) starts both timeout clocks."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now
