"""ParticipantActivity (when something was last recorded in a person's placements) is
kept by the database: after every kind of write to the placements and the follow-up
meetings it equals what they say (the latest placement `updated_at` and meeting
`created_at` per person), and the "inactive" attention list reads it with the same
meaning as before it existed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone

from participants.models import Enrolment, Parking, Participant
from placements.models import (
    FollowUpMeeting,
    ParticipantActivity,
    Placement,
    PlacementStatus,
    WaitingListEntry,
)
from placements.selectors import attention
from placements.services.lifecycle import follow_up_record
from tests.factories import (
    EnrolledParticipantFactory,
    FollowUpMeetingFactory,
    PlacementFactory,
    TrainingOfferFactory,
)
from tests.helpers import write_at_once

pytestmark = pytest.mark.django_db

S = PlacementStatus
DAY = datetime.timedelta(days=1)
T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)  # before any "now"


def _from_placements() -> dict[int, datetime.datetime]:
    """What the table must say, grouped from the placements and meetings (what the
    old query walked)."""
    latest: dict[int, datetime.datetime] = dict(
        Placement.objects.order_by()
        .values("participant_id")
        .annotate(at=Max("updated_at"))
        .values_list("participant_id", "at")
    )
    meetings = (
        FollowUpMeeting.objects.order_by()
        .values("placement__participant_id")
        .annotate(at=Max("created_at"))
        .values_list("placement__participant_id", "at")
    )
    for person, at in meetings:
        latest[person] = max(latest[person], at)
    return latest


def assert_activity(expected: dict[int, datetime.datetime]) -> None:
    """The table equals the grouping, and that is what the test expects (so an empty
    or stale pair cannot pass)."""
    kept = dict(ParticipantActivity.objects.values_list("participant_id", "last_at"))
    assert kept == _from_placements()
    assert _from_placements() == expected


def _placement(person: Participant | None = None, **extra: Any) -> Placement:
    extra.setdefault("status", S.DECLINED)
    if person is not None:
        extra["participant"] = person
    return PlacementFactory(**extra)


def _stamp(placement: Placement, at: datetime.datetime) -> None:
    Placement.objects.filter(pk=placement.pk).update(updated_at=at)


def test_placements_created_changed_moved_and_deleted() -> None:
    person, other = EnrolledParticipantFactory(), EnrolledParticipantFactory()
    first = _placement(person)
    first.refresh_from_db()
    assert_activity({person.pk: first.updated_at})
    # A queryset update of updated_at, later or earlier: the latest is recomputed.
    _stamp(first, T0)
    assert_activity({person.pk: T0})
    second = _placement(person)
    _stamp(second, T0 - DAY)
    assert_activity({person.pk: T0})
    _stamp(second, T0 + DAY)
    assert_activity({person.pk: T0 + DAY})
    # A placement moved to another person takes its time along.
    Placement.objects.filter(pk=second.pk).update(participant=other)
    assert_activity({person.pk: T0, other.pk: T0 + DAY})
    # A write that changes neither the time nor the person leaves the table alone.
    ParticipantActivity.objects.filter(participant=person).update(last_at=T0 - 9 * DAY)
    Placement.objects.filter(pk=first.pk).update(schedule="mån-fre 9-12")
    assert ParticipantActivity.objects.get(participant=person).last_at == T0 - 9 * DAY
    # A save stamps updated_at anew (auto_now): the person's row follows.
    first.refresh_from_db()
    first.save()
    first.refresh_from_db()
    assert_activity({person.pk: first.updated_at, other.pk: T0 + DAY})
    # The last placement of a person deleted: no row (nothing to keep the person).
    Placement.objects.filter(pk=second.pk).delete()
    assert_activity({person.pk: first.updated_at})
    first.delete()
    assert_activity({})


def test_meetings_created_changed_moved_and_deleted() -> None:
    person, other = EnrolledParticipantFactory(), EnrolledParticipantFactory()
    mine, theirs = _placement(person, status=S.ACTIVE), _placement(other, status=S.ACTIVE)
    _stamp(mine, T0)
    _stamp(theirs, T0)
    meeting = FollowUpMeetingFactory(placement=mine)
    meeting.refresh_from_db()
    assert_activity({person.pk: meeting.created_at, other.pk: T0})
    FollowUpMeeting.objects.filter(pk=meeting.pk).update(created_at=T0 + DAY)
    assert_activity({person.pk: T0 + DAY, other.pk: T0})
    # Backdated below the placement's own time: the placement's counts again.
    FollowUpMeeting.objects.filter(pk=meeting.pk).update(created_at=T0 - DAY)
    assert_activity({person.pk: T0, other.pk: T0})
    FollowUpMeeting.objects.filter(pk=meeting.pk).update(created_at=T0 + 2 * DAY)
    # Moved to another person's placement: both recomputed.
    FollowUpMeeting.objects.filter(pk=meeting.pk).update(placement=theirs)
    assert_activity({person.pk: T0, other.pk: T0 + 2 * DAY})
    # Notes changed: nothing to recompute.
    ParticipantActivity.objects.filter(participant=other).update(last_at=T0 - 9 * DAY)
    FollowUpMeeting.objects.filter(pk=meeting.pk).update(notes="Ny anteckning")
    assert ParticipantActivity.objects.get(participant=other).last_at == T0 - 9 * DAY
    FollowUpMeeting.objects.all().delete()
    assert_activity({person.pk: T0, other.pk: T0})


def test_bulk_create_and_raw_sql() -> None:
    person = EnrolledParticipantFactory()
    placement = _placement(person, status=S.ACTIVE)
    _stamp(placement, T0)
    FollowUpMeeting.objects.bulk_create(
        [
            FollowUpMeeting(placement=placement, date=datetime.date(2031, 3, 10)),
            FollowUpMeeting(placement=placement, date=datetime.date(2031, 4, 10)),
        ]
    )
    FollowUpMeeting.objects.update(created_at=T0 - DAY)
    assert_activity({person.pk: T0})
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FollowUpMeeting._meta.db_table} (placement_id, date, attendees,"
            " notes, created_at) VALUES (%s, %s, '', '', %s)",
            [placement.pk, datetime.date(2031, 5, 1), T0 + 3 * DAY],
        )
    assert_activity({person.pk: T0 + 3 * DAY})


def test_the_follow_up_service_keeps_it(coordinator: Any) -> None:
    person = EnrolledParticipantFactory(coordinators=[coordinator])
    placement = _placement(
        person,
        status=S.ACTIVE,
        planned_start=datetime.date(2031, 3, 3),
        start_date=datetime.date(2031, 3, 3),
        planned_end=datetime.date(2031, 9, 3),
    )
    _stamp(placement, T0)
    # Recorded on the day of the meeting (the placement's dates are in 2031).
    meeting_day = datetime.date(2031, 3, 13)
    follow_up_record(placement=placement, user=coordinator, date=meeting_day, today=meeting_day)
    meeting = FollowUpMeeting.objects.get()
    assert meeting.created_at > T0
    assert_activity({person.pk: max(meeting.created_at, Placement.objects.get().updated_at)})


def test_the_admin_may_look_never_write(client: Any, admin_user: Any) -> None:
    person = EnrolledParticipantFactory()
    _stamp(_placement(person), T0)
    client.force_login(admin_user)
    assert client.get(reverse("admin:placements_participantactivity_changelist")).status_code == 200
    change = reverse("admin:placements_participantactivity_change", args=[person.pk])
    assert client.get(change).status_code == 200
    assert client.post(reverse("admin:placements_participantactivity_add"), {}).status_code == 403
    response = client.post(
        reverse("admin:placements_participantactivity_delete", args=[person.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert_activity({person.pk: T0})


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises every writer")
def test_a_meeting_and_a_placement_written_at_once_for_one_person_leave_the_latest() -> None:
    """The second writer's trigger waits for the first's lock on the person, then sees
    its meeting. Without the lock it would not see it, and its INSERT would meet the
    first one's row: a unique violation."""
    person = EnrolledParticipantFactory()
    one, two = _placement(person, status=S.ACTIVE), _placement(person)
    _stamp(one, T0)
    _stamp(two, T0)
    errors = write_at_once(
        lambda: FollowUpMeetingFactory(placement=one),
        lambda: Placement.objects.filter(pk=two.pk).update(updated_at=T0 + DAY),
    )
    assert errors == []
    meeting = FollowUpMeeting.objects.get()
    assert meeting.created_at > T0 + DAY
    assert_activity({person.pk: meeting.created_at})


# --- the "inactive" list reads it, with the meaning it had -----------------------------


def _inactive_as_before(people: Any, today: datetime.date) -> set[int]:
    """The selector as it was before ParticipantActivity: each person's placements and
    meetings walked."""
    cutoff = timezone.now() - datetime.timedelta(days=attention.INACTIVE_DAYS)
    person = OuterRef("pk")
    placements = Placement.objects.filter(participant=person)
    return set(
        people.filter(
            Exists(Enrolment.objects.filter(participant=person, end_date__isnull=True)),
            ~Exists(placements.filter(status=S.ACTIVE)),
            ~Exists(placements.pending(today)),
            ~Exists(placements.filter(updated_at__gte=cutoff)),
            ~Exists(
                FollowUpMeeting.objects.filter(
                    placement__participant=person, created_at__gte=cutoff
                )
            ),
            ~Exists(WaitingListEntry.objects.waiting().filter(participant=person)),
            ~Exists(Parking.objects.current(today).filter(participant=person)),
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )


def _world(coordinator: Any, coordinator2: Any) -> dict[str, int]:
    """One person per way of being (or not being) inactive, half of them in each
    coordinator's caseload."""
    now = timezone.now()
    today = timezone.localdate()
    old, recent = now - 90 * DAY, now - 10 * DAY
    people: dict[str, int] = {}
    for index, name in enumerate(
        [
            "never placed",
            "old placement",
            "recent placement",
            "old meeting",
            "recent meeting",
            "active",
            "proposed",
            "proposal expired",
            "queued",
            "parked",
            "enrolment closed",
            "record touched",
        ]
    ):
        person = EnrolledParticipantFactory(
            coordinators=[coordinator if index % 2 else coordinator2]
        )
        people[name] = person.pk
        placement = None
        if name in ("old placement", "old meeting", "recent meeting", "enrolment closed"):
            placement = _placement(person, status=S.WITHDRAWN)
        elif name == "recent placement":
            placement = _placement(person, status=S.DECLINED)
            _stamp(placement, recent)
            placement = None
        elif name == "active":
            placement = _placement(
                person,
                status=S.ACTIVE,
                planned_start=today - 90 * DAY,
                start_date=today - 90 * DAY,
                planned_end=today + 90 * DAY,
            )
        elif name in ("proposed", "proposal expired"):
            placement = _placement(
                person,
                status=S.PROPOSED,
                planned_start=today + 10 * DAY,
                planned_end=today + 90 * DAY,
                expires_on=today + (5 if name == "proposed" else -5) * DAY,
            )
        if placement is not None:
            _stamp(placement, old)
        if name in ("old meeting", "recent meeting"):
            meeting = FollowUpMeetingFactory(placement=placement)
            FollowUpMeeting.objects.filter(pk=meeting.pk).update(
                created_at=old if name == "old meeting" else recent
            )
        if name == "queued":
            WaitingListEntry.objects.create(
                offer=TrainingOfferFactory(capacity=1),
                participant=person,
                wanted_start=today + 5 * DAY,
                extent=50,
            )
        if name == "parked":
            Parking.objects.create(
                participant=person, reason="health", since=today, until=today + 5 * DAY
            )
        if name == "enrolment closed":
            Enrolment.objects.filter(participant=person).update(
                end_date=today - DAY, end_reason="planned"
            )
        if name != "record touched":
            Participant.objects.filter(pk=person.pk).update(updated_at=old)
    return people


def test_the_inactive_list_means_what_it_meant(admin_user, coordinator, coordinator2) -> None:
    people = _world(coordinator, coordinator2)
    today = timezone.localdate()
    expected = {
        people[name]
        for name in ("never placed", "old placement", "old meeting", "proposal expired")
    }
    assert _inactive_as_before(Participant.objects.all(), today) == expected
    # The admin's (from the open enrolments) and each coordinator's (from the caseload).
    admins = attention.inactive_participants(admin_user, today)
    assert set(admins.values_list("pk", flat=True)) == expected
    assert admins.count() == len(expected)
    for user in (coordinator, coordinator2):
        caseload = Participant.objects.visible_to(user)
        mine = attention.inactive_participants(user, today)
        assert set(mine.values_list("pk", flat=True)) == _inactive_as_before(caseload, today)
        assert 0 < mine.count() < len(expected)
    # A meeting recorded now makes the person active again, for both.
    placement = Placement.objects.get(participant_id=people["old placement"])
    FollowUpMeetingFactory(placement=placement)
    expected.discard(people["old placement"])
    assert set(admins.values_list("pk", flat=True)) == expected
    assert _inactive_as_before(Participant.objects.all(), today) == expected


def test_the_admins_list_page_is_bounded_and_ordered(
    admin_user, coordinator, coordinator2, client, django_assert_max_num_queries
) -> None:
    people = _world(coordinator, coordinator2)
    client.force_login(admin_user)
    url = reverse("placements:attention-list", args=["inactive"])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    rows = list(response.context["rows"])
    inactive = ("never placed", "old placement", "old meeting", "proposal expired")
    expected = Participant.objects.filter(pk__in=[people[n] for n in inactive]).order_by(
        "last_name", "first_name", "pk"
    )
    assert rows == list(expected)
    assert response.context["page_obj"].paginator.count == 4
