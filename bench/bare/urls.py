"""The two reference pages: a plain response and a 50-row table from PostgreSQL."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def table(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, first_name, last_name, birth_year, start_date"
            " FROM participants_participant ORDER BY id DESC LIMIT 50"
        )
        rows = cursor.fetchall()
    return render(request, "table.html", {"rows": rows})


urlpatterns = [path("plain/", plain), path("table/", table)]
