"""The input-bounds layer (samordning/bounds.py): what it refuses and what it lets through."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from samordning.bounds import (
    MAX_FORM_VALUE,
    MAX_QUERY_VALUE,
    MAX_SEARCH_VALUE,
    InputBoundsMiddleware,
    is_out_of_range_integer,
)


def _answer(request: HttpRequest) -> int:
    def view(_request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    return InputBoundsMiddleware(view)(request).status_code


@pytest.mark.parametrize(
    ("value", "out"),
    [
        ("9223372036854775807", False),
        ("9223372036854775808", True),
        ("-9223372036854775808", False),
        ("-9223372036854775809", True),
        ("000000000000000000000000001", False),  # leading zeros: still 1
        ("١٢٣", False),
        ("١" * 20, True),  # Arabic-Indic digits: int() reads them
        ("1_000", False),
        ("1e999", False),  # not an integer: the form says so
        ("19850312-2387", False),
        ("Ring 0701234567", False),
    ],
)
def test_integer_range(value: str, out: bool) -> None:
    assert is_out_of_range_integer(value) is out


@pytest.mark.parametrize(
    "data",
    [
        {"notes": "a\x00b"},
        {"a\x00": "x"},
        {"interests": ["1", str(2**64)]},
        {"notes": "x" * (MAX_FORM_VALUE + 1)},
    ],
)
def test_refused_form_values(rf: RequestFactory, data: dict) -> None:
    assert _answer(rf.post("/", data)) == 400


def test_long_free_texts_pass(rf: RequestFactory) -> None:
    text = "Lång anteckning. " * (MAX_FORM_VALUE // 20)
    assert _answer(rf.post("/", {"notes": text, "interests": ["1", "2"]})) == 200


def test_query_string_limits(rf: RequestFactory) -> None:
    assert _answer(rf.get("/", {"q": "a" * MAX_SEARCH_VALUE})) == 200
    assert _answer(rf.get("/", {"q": "a" * (MAX_SEARCH_VALUE + 1)})) == 400
    assert _answer(rf.get("/", {"next": "/" + "a" * (MAX_QUERY_VALUE - 1)})) == 200
    assert _answer(rf.get("/", {"next": "/" + "a" * MAX_QUERY_VALUE})) == 400
    assert _answer(rf.get("/", {"page": str(2**63)})) == 400


@pytest.mark.django_db
def test_the_400_page_is_swedish_with_a_way_home(client, coordinator) -> None:
    client.force_login(coordinator)
    response = client.get(reverse("participants:participant-list"), {"q": "\x00"})
    assert response.status_code == 400
    assert "Felaktig begäran" in response.text
    assert f'href="{reverse("home")}"' in response.text
    assert "Traceback" not in response.text


def test_a_numeric_year_is_left_to_its_form(rf: RequestFactory) -> None:
    """The reports' year field says its own range in a message (tests/reports)."""
    assert _answer(rf.get("/", {"year": "9" * 20})) == 200
    assert _answer(rf.get("/", {"year__exact": "9" * 20})) == 400
