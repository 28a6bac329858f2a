"""InSubquery and InList: the rows of `IN (subquery)` and `IN (values)`, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from participants.models import Participant
from samordning.expressions import InList, InSubquery
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_same_rows_as_in():
    people = [ParticipantFactory(first_name=name) for name in ("Ada", "Bo", "Cai", "Bea")]
    wanted = Participant.objects.filter(first_name__startswith="B").values("pk")
    found = Participant.objects.filter(InSubquery("pk", wanted)).order_by("pk")
    assert list(found) == [people[1], people[3]]
    assert list(Participant.objects.filter(InSubquery("pk", wanted.none()))) == []
    # Negated and combined like any condition.
    assert set(Participant.objects.exclude(InSubquery("pk", wanted))) == {people[0], people[2]}


def test_in_list_same_rows_as_in():
    people = [ParticipantFactory(first_name=name) for name in ("Ada", "Bo", "Cai", "Bea")]
    wanted = [people[1].pk, people[3].pk, people[3].pk]
    found = Participant.objects.filter(InList("pk", wanted)).order_by("pk")
    assert list(found) == [people[1], people[3]]
    assert list(Participant.objects.filter(InList("pk", []))) == []
    assert set(Participant.objects.exclude(InList("pk", wanted))) == {people[0], people[2]}
    assert Participant.objects.filter(InList("pk", wanted) | Q(first_name="Ada")).count() == 3


def test_in_list_is_one_statement_whatever_the_number_of_ids():
    """On PostgreSQL the ids are one array parameter: the SQL does not grow with them
    (psycopg parses a statement again when it is long or has many parameters)."""
    few = Participant.objects.filter(InList("pk", [1, 2])).query
    many = Participant.objects.filter(InList("pk", range(1, 1001))).query
    if connection.vendor == "postgresql":
        few_sql, few_params = few.get_compiler(using="default").as_sql()
        many_sql, many_params = many.get_compiler(using="default").as_sql()
        assert few_sql == many_sql
        assert len(many_params) == 1
    else:
        # One place per id (SQLite's WHERE may add `= true` after a condition).
        assert len(many.get_compiler(using="default").as_sql()[1]) >= 1000
