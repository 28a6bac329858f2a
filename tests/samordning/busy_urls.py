"""The site's URLs plus test views: failures like a busy or lost database's, and
views that show whether they run in a transaction."""

from __future__ import annotations

import sqlite3

import psycopg
from django.db import ProgrammingError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from samordning.models import Municipality
from samordning.urls import urlpatterns as site_urlpatterns


def _native_busy_error() -> Exception:
    """The error this backend's driver raises for a lock it could not get."""
    if connection.vendor == "sqlite":
        return sqlite3.OperationalError("database is locked")
    return psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")


def busy(request: HttpRequest) -> HttpResponse:
    # Through Django's wrapper, as a real query's error arrives: django.db.OperationalError
    # with the driver's error as __cause__.
    with connection.wrap_database_errors:
        raise _native_busy_error()


def connection_lost(request: HttpRequest) -> HttpResponse:
    native = sqlite3.InterfaceError if connection.vendor == "sqlite" else psycopg.InterfaceError
    with connection.wrap_database_errors:
        raise native("the connection is closed")


def sqlite_bug(request: HttpRequest) -> HttpResponse:
    with connection.wrap_database_errors:
        raise sqlite3.OperationalError("no such table: nowhere")


def programming_error(request: HttpRequest) -> HttpResponse:
    raise ProgrammingError("relation does not exist")


def in_transaction(request: HttpRequest) -> HttpResponse:
    """Says whether the view runs inside a transaction; a POST writes and then fails."""
    if request.method == "POST":
        Municipality.objects.create(name="Halvfärdig", code="9999")
        if "fail" in request.POST:
            raise ValueError("the view failed after writing")
    return HttpResponse("atomic" if connection.in_atomic_block else "autocommit")


@transaction.non_atomic_requests
def opted_out(request: HttpRequest) -> HttpResponse:
    return HttpResponse("atomic" if connection.in_atomic_block else "autocommit")


urlpatterns = [
    path("test/in-transaction/", csrf_exempt(in_transaction)),
    path("test/opted-out/", csrf_exempt(opted_out)),
    path("test/busy/", busy),
    path("test/connection-lost/", connection_lost),
    path("test/sqlite-bug/", sqlite_bug),
    path("test/programming-error/", programming_error),
    *site_urlpatterns,
]
