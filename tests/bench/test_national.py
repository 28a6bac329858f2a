"""The national-size loader (bench/national.py) at a small size: every table filled,
every row consistent (the loader skips the per-row foreign-key triggers, so this
test checks the references), no offer and no person over-booked. PostgreSQL only."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import F

from bench.national import load
from enterprises.models import TrainingOffer
from participants.models import Enrolment, Participant
from placements.models import (
    AttendanceDay,
    ParticipantActivity,
    Placement,
    PlacementMonth,
    PlacementStatus,
    SharedSnapshot,
)
from placements.services.capacity import FULL_EXTENT, held_peak
from samordning.models import BusinessArea
from samordning.policy import Role
from tests.factories import InsatsFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the loader is PostgreSQL SQL"),
]

# (table, column, referenced table): every reference the loader writes.
REFERENCES = [
    ("placements_placement", "participant_id", "participants_participant"),
    ("placements_placement", "enrolment_id", "participants_enrolment"),
    ("placements_placement", "offer_id", "enterprises_trainingoffer"),
    ("participants_enrolment", "participant_id", "participants_participant"),
    ("participants_enrolment", "insats_id", "participants_insats"),
    ("participants_participant", "home_municipality_id", "samordning_municipality"),
    ("participants_participant_coordinators", "user_id", "samordning_user"),
    ("participants_participant_coordinators", "participant_id", "participants_participant"),
    ("participants_consent", "participant_id", "participants_participant"),
    ("participants_participantsupportsource", "participant_id", "participants_participant"),
    ("placements_attendanceday", "placement_id", "placements_placement"),
    ("placements_sharedsnapshot", "placement_id", "placements_placement"),
    ("placements_placementmonth", "placement_id", "placements_placement"),
    ("placements_participantactivity", "participant_id", "participants_participant"),
    ("enterprises_trainingoffer", "enterprise_id", "enterprises_enterprise"),
    ("enterprises_enterprise", "municipality_id", "samordning_municipality"),
    ("enterprises_enterprise_managers", "user_id", "samordning_user"),
    ("samordning_user_groups", "group_id", "auth_group"),
]


@pytest.fixture
def loaded() -> None:
    # A flush by an earlier transactional test removes the migrations' rows.
    for role in Role:
        Group.objects.get_or_create(name=role)
    BusinessArea.objects.get_or_create(code="cafe", defaults={"name": "Café"})
    InsatsFactory()
    InsatsFactory()
    load(participants=3400, attendance_months=2, password="x", say=lambda _m: None)


def test_every_table_is_filled_in_proportion(loaded: None) -> None:
    people = Participant.objects.count()
    assert people == 3400
    assert Placement.objects.count() == 5 * people
    assert Enrolment.objects.count() == people
    assert TrainingOffer.objects.count() == 10
    assert AttendanceDay.objects.exists() and SharedSnapshot.objects.exists()
    active = Placement.objects.filter(status=PlacementStatus.ACTIVE).count()
    # A few percent are under way; most ended long ago and are anonymised.
    assert 0.01 * people < active < 0.10 * people
    assert Participant.objects.filter(anonymous_reason="retention").count() > people / 2
    assert Enrolment.objects.filter(end_date__isnull=True).count() < 0.10 * people


def test_every_reference_points_at_a_row(loaded: None) -> None:
    with connection.cursor() as cursor:
        for table, column, target in REFERENCES:
            cursor.execute(
                f"SELECT count(*) FROM {table} t LEFT JOIN {target} r ON r.id = t.{column} "  # noqa: S608
                f"WHERE t.{column} IS NOT NULL AND r.id IS NULL"
            )
            assert cursor.fetchone()[0] == 0, (table, column)
    # A placement belongs to one of its participant's own enrolments.
    assert not Placement.objects.exclude(enrolment__participant=F("participant")).exists()


def _differences(expected: str, kept: str) -> int:
    """How many rows one query has and the other lacks, counting repeats."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (({expected} EXCEPT ALL {kept})"  # noqa: S608
            f" UNION ALL ({kept} EXCEPT ALL {expected})) differences"
        )
        return cursor.fetchone()[0]


def test_the_month_summary_equals_the_present_days(loaded: None) -> None:
    """The loader fills PlacementMonth by one grouped pass (its triggers are off),
    each row with its placement's offer."""
    grouped = """
        SELECT ad.placement_id, date_trunc('month', ad.date)::date, count(*), pl.offer_id
          FROM placements_attendanceday ad
          JOIN placements_placement pl ON pl.id = ad.placement_id
         GROUP BY 1, 2, 4
    """
    summary = "SELECT placement_id, month, present_days, offer_id FROM placements_placementmonth"
    assert _differences(grouped, summary) == 0
    assert PlacementMonth.objects.count() > 0


def test_the_activity_equals_the_placements_and_meetings(loaded: None) -> None:
    """The loader fills ParticipantActivity by one grouped pass (its triggers are off):
    each person's latest placement change or follow-up meeting, as the triggers keep it."""
    grouped = """
        SELECT participant_id, max(at) FROM (
            SELECT participant_id, updated_at AS at FROM placements_placement
            UNION ALL
            SELECT pl.participant_id, fu.created_at
              FROM placements_followupmeeting fu
              JOIN placements_placement pl ON pl.id = fu.placement_id
        ) AS activity GROUP BY participant_id
    """
    kept = "SELECT participant_id, last_at FROM placements_participantactivity"
    assert _differences(grouped, kept) == 0
    assert ParticipantActivity.objects.count() == Participant.objects.count()


def test_no_offer_and_no_person_is_over_booked(loaded: None) -> None:
    today = datetime.date.today()
    later = today + datetime.timedelta(days=180)
    for offer in TrainingOffer.objects.all():
        assert held_peak(offer, today, later, today=today).count <= offer.capacity
    current = Placement.objects.filter(status__in=["proposed", "accepted", "active"])
    for participant_id in current.values_list("participant_id", flat=True).distinct()[:200]:
        extent = sum(
            current.filter(participant_id=participant_id, planned_start__lte=today).values_list(
                "extent", flat=True
            )
        )
        assert extent <= FULL_EXTENT
