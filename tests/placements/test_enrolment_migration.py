"""The data migrations of issue 10 on a database as it was before them: participants
get record keys, and placements without an enrolment are attached to one."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("participants", "0005_date_ranges"), ("placements", "0004_backfill_shared_snapshots")]
AFTER = [
    ("participants", "0008_participant_record_key_required"),
    ("placements", "0006_placement_enrolment_required"),
]
D = datetime.date


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest():
    """Whatever happens, leave the database at the latest migrations for the other tests."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_placements_are_attached_to_an_enrolment_and_people_get_keys(back_to_latest):
    old = _migrate(BEFORE)
    Municipality = old.get_model("samordning", "Municipality")
    Enterprise = old.get_model("enterprises", "Enterprise")
    Offer = old.get_model("enterprises", "TrainingOffer")
    Participant = old.get_model("participants", "Participant")
    Insats = old.get_model("participants", "Insats")
    Enrolment = old.get_model("participants", "Enrolment")
    Placement = old.get_model("placements", "Placement")
    home = Municipality.objects.get_or_create(code="0136", defaults={"name": "Haninge"})[0]
    BusinessArea = old.get_model("samordning", "BusinessArea")
    enterprise = Enterprise.objects.create(
        name="Café", org_number="7696000001", legal_form="economic_association", municipality=home
    )
    # A transactional test before this one may have flushed the reference rows.
    area = BusinessArea.objects.order_by("pk").first() or BusinessArea.objects.create(
        code="cafe", name="Café"
    )
    offer = Offer.objects.create(
        enterprise=enterprise, title="Kök", municipality=home, business_area=area
    )
    mia = Insats.objects.create(name="MIA", start_date=D(2017, 1, 1))

    def person(**extra):
        return Participant.objects.create(
            sex="female", birth_year=1990, home_municipality=home, start_date=D(2024, 1, 1), **extra
        )

    def placement(who, **extra):
        fields = {"extent": 50, "planned_start": D(2024, 3, 1), "planned_end": D(2024, 8, 31)}
        fields.update(extra)
        return Placement.objects.create(participant=who, offer=offer, **fields)

    enrolled = person()
    early = Enrolment.objects.create(
        participant=enrolled,
        insats=mia,
        start_date=D(2023, 1, 1),
        end_date=D(2023, 12, 31),
        end_reason="planned",
    )
    covering = Enrolment.objects.create(participant=enrolled, insats=mia, start_date=D(2024, 2, 1))
    in_covering = placement(enrolled)
    ended_alone = placement(
        person(),
        status="completed",
        start_date=D(2024, 3, 1),
        end_date=D(2024, 8, 31),
        end_reason="planned",
        outcome="work",
    )
    running_alone = placement(person(), status="active", start_date=D(2024, 3, 1))

    new = _migrate(AFTER)
    Placement = new.get_model("placements", "Placement")
    Participant = new.get_model("participants", "Participant")
    assert Placement.objects.get(pk=in_covering.pk).enrolment_id == covering.pk != early.pk
    ended = Placement.objects.select_related("enrolment__insats").get(pk=ended_alone.pk).enrolment
    assert ended.insats.name == "Arbetsträning ASF"
    assert (ended.end_date, ended.end_reason, ended.outcome) == (D(2024, 8, 31), "planned", "work")
    running = Placement.objects.select_related("enrolment").get(pk=running_alone.pk).enrolment
    assert running.end_date is None and running.insats_id == ended.insats_id
    keys = list(Participant.objects.values_list("record_key", flat=True))
    assert len(keys) == 3 and all(0 <= k <= 255 for k in keys)
