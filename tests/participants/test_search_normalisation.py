"""Participant search finds a person whatever way the number is written (issue 12):
the same reading as registration (`participants.identity`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from participants.identity import parse_identity_number, search_digits
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

WRITTEN_FORMS = [
    "19850312-2387",
    "198503122387",
    "850312-2387",
    "8503122387",
    "850312–2387",  # en dash  # noqa: RUF001
    "850312−2387",  # minus sign U+2212  # noqa: RUF001
    "19850312−2387",  # noqa: RUF001
    "１９８５０３１２２３８７",  # full-width digits  # noqa: RUF001
    "８５０３１２－２３８７",  # full-width digits and hyphen  # noqa: RUF001
    " 850312 2387 ",
]


@pytest.fixture
def anna(coordinator):
    return ParticipantFactory(
        coordinators=[coordinator],
        first_name="Anna",
        last_name="Berg",
        personal_number="198503122387",
    )


@pytest.fixture
def logged_in(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.mark.parametrize("query", WRITTEN_FORMS)
def test_every_written_form_finds_the_person(logged_in, coordinator, anna, query):
    ParticipantFactory(coordinators=[coordinator], personal_number="199001012380")
    response = logged_in.get(reverse("participants:participant-list"), {"q": query})
    assert response.status_code == 200
    assert list(response.context["participants"]) == [anna], query


@pytest.mark.parametrize("query", WRITTEN_FORMS)
def test_registration_reads_the_same_forms(query):
    assert parse_identity_number(query).digits == "198503122387"


@pytest.mark.parametrize("query", ["850312", "８５０３１２", "19850312–23"])  # noqa: RUF001
def test_part_of_a_number_in_any_form_finds_the_person(logged_in, anna, query):
    response = logged_in.get(reverse("participants:participant-list"), {"q": query})
    assert list(response.context["participants"]) == [anna], query


def test_names_and_superscripts_are_not_numbers():
    assert search_digits("Anna") == ""
    assert search_digits("8503²2") == ""
    assert search_digits("８５０３１２－２３８７") == "8503122387"  # noqa: RUF001
