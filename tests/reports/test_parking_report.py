"""The funders' table of parking reasons: counts of people with their cell keys, perturbed."""

from __future__ import annotations

import datetime

import pytest

from participants.models import Parking
from reports import queries
from reports.catalogue import OVERVIEW_TABLES, Report
from reports.perturbation import publish
from reports.queries import Period
from tests.factories import EnrolledParticipantFactory

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = Period(D(2024, 1, 1), D(2024, 12, 31), "2024")


def _park(person, reason, since, until, ended_on=None):
    return Parking.objects.create(
        participant=person, reason=reason, since=since, until=until, ended_on=ended_on
    )


def test_parking_reasons_count_people_with_their_keys():
    people = [EnrolledParticipantFactory(start_date=D(2024, 1, 10)) for _ in range(5)]
    _park(people[0], "health", D(2024, 3, 1), D(2024, 4, 1))
    _park(people[0], "personal", D(2024, 6, 1), D(2024, 7, 1))  # two reasons, one person
    _park(people[1], "health", D(2024, 5, 1), D(2024, 5, 31))
    _park(people[2], "after_decline", D(2023, 11, 1), D(2024, 1, 5))  # reaches into 2024
    _park(people[3], "health", D(2025, 2, 1), D(2025, 3, 1))  # after the period
    _park(people[4], "leave", D(2023, 10, 1), D(2024, 3, 1), ended_on=D(2023, 12, 1))
    by_reason, total = queries.parking_reasons(YEAR)
    assert by_reason["health"].n == 2
    assert by_reason["personal"].n == 1
    assert by_reason["after_decline"].n == 1
    assert by_reason["leave"].n == 0
    assert total.n == 3
    health = [people[0], people[1]]
    assert by_reason["health"].key == sum(p.record_key for p in health) % 256
    assert total.key == sum(p.record_key for p in people[:3]) % 256


def test_the_table_publishes_perturbed_counts():
    people = [EnrolledParticipantFactory(start_date=D(2024, 1, 10)) for _ in range(12)]
    for person in people:
        _park(person, "health", D(2024, 3, 1), D(2024, 4, 1))
    table = OVERVIEW_TABLES["parkering"](Report(YEAR))
    assert table.slug == "parkering"
    by_reason, total = queries.parking_reasons(YEAR)
    health = next(row for row in table.rows if row.label == "Ohälsa eller sjukskrivning")
    # Exactly the published (perturbed) value of the person count and its key.
    assert health.cells[0].value == publish(by_reason["health"])
    assert table.rows[-1].total and table.rows[-1].cells[0].value == publish(total)
