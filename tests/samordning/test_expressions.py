"""InSubquery: the rows of `IN (subquery)`, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from participants.models import Participant
from samordning.expressions import InSubquery
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
