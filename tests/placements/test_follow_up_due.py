"""FollowUpDue (the follow-up each placement waits for) is kept by the database: after
every kind of write to the follow-up meetings it equals what the meetings say (the
latest planned next meeting, when it is later than the latest meeting held), and
"follow-ups due" reads it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Max, ProtectedError
from django.urls import reverse
from django.utils import timezone

from placements.models import (
    FOLLOW_UP_DUE_STATUSES,
    FollowUpDue,
    FollowUpMeeting,
    Placement,
    PlacementStatus,
)
from placements.selectors import attention
from placements.services.lifecycle import follow_up_record, placement_start
from tests.factories import EnrolledParticipantFactory, FollowUpMeetingFactory, PlacementFactory
from tests.helpers import write_at_once

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
START = datetime.date(2031, 3, 3)
TODAY = datetime.date(2031, 6, 1)


def _from_meetings() -> dict[int, datetime.date]:
    """What the table must say, grouped from the meetings of active and ended
    placements (the old query)."""
    return dict(
        FollowUpMeeting.objects.filter(placement__status__in=FOLLOW_UP_DUE_STATUSES)
        .order_by()
        .values("placement_id")
        .annotate(due=Max("next_meeting"), held=Max("date"))
        .filter(held__lt=F("due"))
        .values_list("placement_id", "due")
    )


def assert_due(expected: dict[int, datetime.date]) -> None:
    """The table equals the grouping, and that is what the test expects (so an
    empty or stale pair cannot pass)."""
    assert dict(FollowUpDue.objects.values_list("placement_id", "due_on")) == _from_meetings()
    assert _from_meetings() == expected


def _active(**extra: Any) -> Placement:
    return PlacementFactory(
        status=PlacementStatus.ACTIVE,
        planned_start=START,
        start_date=START,
        planned_end=START + 120 * DAY,
        **extra,
    )


def _meeting(placement: Placement, held: datetime.date, next_meeting: datetime.date | None):
    return FollowUpMeetingFactory(placement=placement, date=held, next_meeting=next_meeting)


def test_meetings_created_changed_and_deleted_one_by_one() -> None:
    one, other = _active(), _active()
    first = _meeting(one, START + 10 * DAY, START + 40 * DAY)
    assert_due({one.pk: START + 40 * DAY})
    # The planned meeting is held, and plans none: nothing is due.
    held = _meeting(one, START + 40 * DAY, None)
    assert_due({})
    # It plans one after all.
    held.next_meeting = START + 70 * DAY
    held.save()
    assert_due({one.pk: START + 70 * DAY})
    # A meeting with no plan of its own, held later than the plan: nothing due.
    late = _meeting(one, START + 80 * DAY, None)
    assert_due({})
    late.delete()
    assert_due({one.pk: START + 70 * DAY})
    # A meeting moved to another placement takes its plan along.
    held.placement = other
    held.save()
    assert_due({one.pk: START + 40 * DAY, other.pk: START + 70 * DAY})
    # A save that changes neither date, plan nor placement leaves the table alone.
    FollowUpDue.objects.filter(placement=one).update(due_on=START)
    first.notes = "Ny anteckning"
    first.save()
    assert FollowUpDue.objects.get(placement=one).due_on == START


def test_bulk_create_queryset_update_delete_and_raw_sql() -> None:
    one, other = _active(), _active()
    FollowUpMeeting.objects.bulk_create(
        [
            FollowUpMeeting(placement=one, date=START + 10 * DAY, next_meeting=START + 40 * DAY),
            FollowUpMeeting(placement=other, date=START + 5 * DAY, next_meeting=START + 30 * DAY),
        ]
    )
    assert_due({one.pk: START + 40 * DAY, other.pk: START + 30 * DAY})
    FollowUpMeeting.objects.filter(placement=other).update(next_meeting=START + 9 * DAY)
    assert_due({one.pk: START + 40 * DAY, other.pk: START + 9 * DAY})
    FollowUpMeeting.objects.filter(placement=other).update(date=START + 9 * DAY)
    assert_due({one.pk: START + 40 * DAY})
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FollowUpMeeting._meta.db_table} (placement_id, date, attendees,"
            " notes, next_meeting, created_at) VALUES (%s, %s, '', '', %s, %s)",
            [other.pk, START + 20 * DAY, START + 50 * DAY, datetime.datetime(2031, 3, 23)],
        )
    assert_due({one.pk: START + 40 * DAY, other.pk: START + 50 * DAY})
    FollowUpMeeting.objects.all().delete()
    assert_due({})


def test_the_service_and_the_admin_keep_it(client: Any, admin_user: Any, coordinator: Any) -> None:
    # The admin records meetings held by today (the service's rule): this world is
    # in the past, not in 2031.
    start = timezone.localdate() - 60 * DAY
    placement = PlacementFactory(
        participant=EnrolledParticipantFactory(coordinators=[coordinator]),
        status=PlacementStatus.ACTIVE,
        planned_start=start,
        start_date=start,
        planned_end=start + 120 * DAY,
        proposed_at=timezone.now() - 70 * DAY,
    )
    follow_up_record(
        placement=placement,
        user=coordinator,
        date=start + 10 * DAY,
        next_meeting=start + 40 * DAY,
        today=start + 10 * DAY,  # recorded the day it was held
    )
    assert_due({placement.pk: start + 40 * DAY})
    client.force_login(admin_user)
    meeting = FollowUpMeeting.objects.get()
    form = {"placement": placement.pk, "attendees": "", "notes": "", "recorded_by": ""}
    response = client.post(
        reverse("admin:placements_followupmeeting_change", args=[meeting.pk]),
        {**form, "date": str(start + 10 * DAY), "next_meeting": str(start + 60 * DAY)},
    )
    assert response.status_code == 302
    assert_due({placement.pk: start + 60 * DAY})
    response = client.post(
        reverse("admin:placements_followupmeeting_add"),
        {**form, "date": str(start + 60 * DAY), "next_meeting": ""},
    )
    assert response.status_code == 302
    assert_due({})
    response = client.post(
        reverse("admin:placements_followupmeeting_delete", args=[meeting.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert_due({})


def test_a_placement_has_a_row_while_it_is_active_or_ended(coordinator: Any) -> None:
    """Accepted (not started) or withdrawn: not counted, as before the table; the
    status change, by the service or a queryset update, adds or removes the row."""
    placement = PlacementFactory(
        participant=EnrolledParticipantFactory(coordinators=[coordinator]),
        status=PlacementStatus.ACCEPTED,
        planned_start=START,
        planned_end=START + 120 * DAY,
    )
    _meeting(placement, START - 5 * DAY, START + 20 * DAY)
    assert_due({})
    placement_start(
        placement=placement,
        user=coordinator,
        start_date=START,
        supervisor_name="Handledare",
        agreement_date=START,
        agreement_tasks="Kafé",
        agreement_hours="9-12",
        agreement_support="Handledning",
        today=START,
    )
    assert_due({placement.pk: START + 20 * DAY})
    # A save that keeps the status keeps the row.
    placement.refresh_from_db()
    placement.supervisor_name = "Ny handledare"
    placement.save()
    assert_due({placement.pk: START + 20 * DAY})
    Placement.objects.filter(pk=placement.pk).update(status=PlacementStatus.WITHDRAWN)
    assert_due({})
    Placement.objects.filter(pk=placement.pk).update(
        status=PlacementStatus.INTERRUPTED,
        end_date=START + 30 * DAY,
        end_reason="moved",
        outcome="work",
    )
    assert_due({placement.pk: START + 20 * DAY})


def test_the_admin_may_look_never_write(client: Any, admin_user: Any) -> None:
    placement = _active()
    _meeting(placement, START, START + 30 * DAY)
    client.force_login(admin_user)
    assert client.get(reverse("admin:placements_followupdue_changelist")).status_code == 200
    response = client.get(reverse("admin:placements_followupdue_change", args=[placement.pk]))
    assert response.status_code == 200
    assert client.post(reverse("admin:placements_followupdue_add"), {}).status_code == 403
    response = client.post(
        reverse("admin:placements_followupdue_delete", args=[placement.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert_due({placement.pk: START + 30 * DAY})


def test_a_placement_with_meetings_cannot_be_deleted_and_one_without_leaves_nothing() -> None:
    kept = _active()
    _meeting(kept, START, START + 30 * DAY)
    with pytest.raises(ProtectedError):
        kept.delete()
    _active().delete()
    assert_due({kept.pk: START + 30 * DAY})


def test_follow_ups_due_reads_it_by_status_date_and_caseload(coordinator, coordinator2) -> None:
    mine = EnrolledParticipantFactory(coordinators=[coordinator])
    due = _active(participant=mine)
    _meeting(due, START, TODAY - DAY)
    later = _active(participant=mine)
    _meeting(later, START, TODAY + DAY)
    ended = PlacementFactory(
        participant=mine,
        status=PlacementStatus.COMPLETED,
        planned_start=START,
        start_date=START,
        planned_end=START + 30 * DAY,
        end_date=START + 30 * DAY,
        outcome="work",
        end_reason="planned",
    )
    _meeting(ended, START + 30 * DAY, TODAY)
    accepted = PlacementFactory(
        participant=mine,
        status=PlacementStatus.ACCEPTED,
        planned_start=TODAY + 9 * DAY,
        planned_end=TODAY + 99 * DAY,
    )
    _meeting(accepted, START, TODAY - DAY)  # not started: not counted, as before
    theirs = _active(participant=EnrolledParticipantFactory(coordinators=[coordinator2]))
    _meeting(theirs, START, TODAY - DAY)

    def placements(user: Any) -> set[int]:
        return set(attention.follow_ups_due(user, TODAY).values_list("placement_id", flat=True))

    assert placements(coordinator) == {due.pk, ended.pk}
    assert placements(coordinator2) == {theirs.pk}


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises every writer")
def test_two_meetings_written_at_once_for_one_placement_leave_the_right_date() -> None:
    """The second writer's trigger waits for the first's placement lock, then sees
    its meeting. Without the lock it would not see it, and its INSERT would meet the
    first one's row: a unique violation."""
    placement = _active()
    errors = write_at_once(
        lambda: _meeting(placement, START + 10 * DAY, START + 70 * DAY),
        lambda: _meeting(placement, START + 20 * DAY, START + 40 * DAY),
    )
    assert errors == []
    assert_due({placement.pk: START + 70 * DAY})


def test_the_list_page_shows_the_due_meetings_longest_overdue_first(
    client: Any, coordinator: Any, coordinator2: Any, django_assert_max_num_queries: Any
) -> None:
    from samordning.models import AuditAction, AuditLog

    today = datetime.date.today()
    mine = EnrolledParticipantFactory(coordinators=[coordinator])
    recent, overdue = _active(participant=mine), _active(participant=mine)
    _meeting(recent, today - 90 * DAY, today - DAY)
    _meeting(overdue, today - 90 * DAY, today - 30 * DAY)
    theirs = _active(participant=EnrolledParticipantFactory(coordinators=[coordinator2]))
    _meeting(theirs, today - 90 * DAY, today - 60 * DAY)
    client.force_login(coordinator)
    url = reverse("placements:attention-list", args=["follow-ups-due"])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert [due.placement_id for due in response.context["rows"]] == [overdue.pk, recent.pk]
    page = response.content.decode()
    assert reverse("placements:placement-detail", args=[overdue.pk]) in page
    assert reverse("placements:placement-detail", args=[theirs.pk]) not in page
    log = AuditLog.objects.get(action=AuditAction.LIST, object_type="attention-follow-ups-due")
    assert log.subjects == f",{mine.pk},"
