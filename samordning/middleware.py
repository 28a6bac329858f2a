import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import MiddlewareNotUsed
from django.db import Error, InterfaceError, OperationalError, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

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


# --- how the site waits and fails when the database is busy or gone ---------------

logger = logging.getLogger(__name__)

# SQLite's result codes for "another connection holds the lock" (SQLITE_BUSY,
# SQLITE_LOCKED); its other OperationalErrors (no such table, syntax) are bugs.
SQLITE_BUSY_CODES = frozenset({5, 6})
BUSY_RETRY_AFTER_SECONDS = 5


def is_database_busy(exception: BaseException) -> bool:
    """True for a database that is busy or unreachable right now, where trying again
    later is the right answer: a lock or statement timeout, a deadlock or
    serialisation failure, a lost connection, SQLite's "database is locked"."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in SQLITE_BUSY_CODES
        return "locked" in str(cause)
    # PostgreSQL (psycopg): OperationalError is about the server's state (lock and
    # statement timeouts, deadlocks, serialisation failures, lost connections, no
    # resources); a wrong query is a ProgrammingError or an IntegrityError instead.
    return True


def busy_response(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """The Swedish 503 page: nothing was saved (the request's transaction was rolled
    back); the browser's back button returns to the form with the input kept."""
    logger.warning(
        "Database busy, answered 503: %s %s: %s: %s",
        request.method,
        request.path,
        type(exception.__cause__ or exception).__name__,
        exception,
    )
    referer = request.META.get("HTTP_REFERER", "")
    back_url = (
        referer
        if referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    context = {"back_url": back_url}
    try:
        response: HttpResponse = render(request, "503.html", context, status=503)
    except Error:
        # The database is gone: the menus (roles, messages) cannot be read. Render the
        # page without the request, so no context processor touches the database.
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseBusyMiddleware:
    """A view that fails because the database is busy or gone answers with the
    Swedish "the system is busy, nothing was saved, try again" page (HTTP 503)
    inside the site's layout, instead of a bare 500 or a worker stuck until killed.
    The request's transaction has already been rolled back when this runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_busy(exception):
            return busy_response(request, exception)
        return None


class AtomicWritesMiddleware:
    """ATOMIC_REQUESTS for unsafe methods only, for the databases listed in the
    ATOMIC_UNSAFE_REQUESTS setting (SQLite): a POST's view runs in one transaction
    (IMMEDIATE on SQLite: it takes the write lock at BEGIN, so writers serialise),
    while GET and HEAD run in autocommit and never wait for a writer.

    Like ATOMIC_REQUESTS it wraps the view only, and honours
    @transaction.non_atomic_requests. It calls the view itself from process_view,
    so it must be the last middleware with a process_view, and it answers the busy
    page itself (exceptions raised here do not reach process_exception).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.aliases = [
            alias
            for alias in getattr(settings, "ATOMIC_UNSAFE_REQUESTS", [])
            if not connections.settings[alias]["ATOMIC_REQUESTS"]
        ]
        if not self.aliases:
            raise MiddlewareNotUsed

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.method in SAFE_METHODS:
            return None
        non_atomic: set[str] = getattr(view_func, "_non_atomic_requests", set())
        aliases = [alias for alias in self.aliases if alias not in non_atomic]
        if not aliases:
            return None
        view = view_func
        for alias in aliases:
            view = transaction.atomic(using=alias)(view)
        try:
            return view(request, *view_args, **view_kwargs)
        except (OperationalError, InterfaceError) as error:
            if is_database_busy(error):
                return busy_response(request, error)
            raise
