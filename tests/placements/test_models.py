"""Placement models: date order (planned and actual), extent, follow-up meetings, and one
test per database constraint."""

from __future__ import annotations

import datetime

import pytest

from placements.models import (
    AttendanceDay,
    ClosedMonth,
    FollowUpMeeting,
    Placement,
    PlacementMonth,
    PlacementStatus,
    WaitingListEntry,
)
from tests import factories as f
from tests.helpers import (
    FAR_AHEAD,
    assert_each_constraint_tested,
    breaks_constraint,
    breaks_date_range,
    clean_errors,
)

pytestmark = pytest.mark.django_db

JAN_1 = datetime.date(2030, 1, 1)


def _placement(**kwargs: object) -> Placement:
    return f.PlacementFactory.build(
        participant=f.ParticipantFactory(), offer=f.TrainingOfferFactory(), **kwargs
    )


class TestPlacementClean:
    @pytest.mark.parametrize("planned_end", [JAN_1, datetime.date(2030, 6, 30)])
    def test_accepts_planned_end_on_or_after_start(self, planned_end: datetime.date) -> None:
        assert clean_errors(_placement(planned_start=JAN_1, planned_end=planned_end)) == {}

    def test_rejects_planned_end_before_start(self) -> None:
        errors = clean_errors(
            _placement(planned_start=JAN_1, planned_end=datetime.date(2029, 12, 31))
        )
        assert errors["planned_end"] == ["Planerat slut kan inte ligga före planerad start."]

    def test_accepts_actual_end_on_or_after_start(self) -> None:
        placement = _placement(start_date=JAN_1, end_date=JAN_1)
        assert clean_errors(placement) == {}

    def test_rejects_actual_end_before_start(self) -> None:
        placement = _placement(start_date=JAN_1, end_date=datetime.date(2029, 12, 31))
        assert clean_errors(placement)["end_date"] == ["Slutdatum kan inte ligga före startdatum."]

    @pytest.mark.parametrize("extent", [25, 50, 75, 100])
    def test_accepts_allowed_extents(self, extent: int) -> None:
        placement = _placement(extent=extent)
        assert clean_errors(placement) == {}
        assert placement.hours_per_week == extent * 40 // 100

    @pytest.mark.parametrize("extent", [0, 30, 60, 110])
    def test_rejects_other_extents(self, extent: int) -> None:
        errors = clean_errors(_placement(extent=extent))
        assert "Omfattningen ska vara 25, 50, 75 eller 100 %." in errors["extent"]


class TestFollowUpMeeting:
    def test_accepts_next_meeting_on_or_after(self) -> None:
        placement = f.PlacementFactory()
        for next_meeting in (None, JAN_1, datetime.date(2030, 2, 1)):
            meeting = FollowUpMeeting(placement=placement, date=JAN_1, next_meeting=next_meeting)
            assert clean_errors(meeting) == {}

    def test_rejects_next_meeting_before(self) -> None:
        meeting = FollowUpMeeting(
            placement=f.PlacementFactory(), date=JAN_1, next_meeting=datetime.date(2029, 12, 31)
        )
        assert clean_errors(meeting)["next_meeting"] == [
            "Nästa möte kan inte ligga före detta möte."
        ]


# One test per named database constraint: a direct ORM write that breaks it is refused.


def test_every_constraint_has_a_test() -> None:
    assert_each_constraint_tested("placements", __name__)


def test_constraint_placement_extent_allowed() -> None:
    placement = f.PlacementFactory()
    with breaks_constraint():
        Placement.objects.filter(pk=placement.pk).update(extent=30)


def test_constraint_placement_planned_end_after_start() -> None:
    placement = f.PlacementFactory(planned_start=JAN_1, planned_end=datetime.date(2030, 6, 30))
    with breaks_constraint():
        Placement.objects.filter(pk=placement.pk).update(planned_end=datetime.date(2029, 12, 31))


def test_constraint_placement_end_after_start() -> None:
    placement = f.PlacementFactory(status=PlacementStatus.ACTIVE, start_date=JAN_1)
    with breaks_constraint():
        Placement.objects.filter(pk=placement.pk).update(end_date=datetime.date(2029, 12, 31))


@pytest.mark.parametrize("missing", ["end_date", "end_reason", "outcome"])
def test_constraint_placement_ended_has_end_data(missing: str) -> None:
    placement = f.PlacementFactory(
        status=PlacementStatus.COMPLETED,
        start_date=JAN_1,
        end_date=datetime.date(2030, 6, 30),
        end_reason="planned",
        outcome="work",
    )
    with breaks_constraint():
        Placement.objects.filter(pk=placement.pk).update(
            **{missing: None if missing == "end_date" else ""}
        )


def test_constraint_placement_month_once() -> None:
    day = f.AttendanceDayFactory(date=JAN_1)  # the trigger writes (placement, January)
    with breaks_constraint():
        PlacementMonth.objects.create(
            placement=day.placement, offer=day.placement.offer, month=JAN_1, present_days=1
        )


def test_constraint_placement_month_first_day() -> None:
    placement = f.PlacementFactory()
    PlacementMonth.objects.create(
        placement=placement, offer=placement.offer, month=JAN_1, present_days=1
    )
    with breaks_constraint():
        PlacementMonth.objects.create(
            placement=placement,
            offer=placement.offer,
            month=datetime.date(2030, 2, 2),
            present_days=1,
        )


@pytest.mark.parametrize("days", [0, 32])
def test_constraint_placement_month_days_in_month(days: int) -> None:
    placement = f.PlacementFactory()
    PlacementMonth.objects.create(
        placement=placement, offer=placement.offer, month=JAN_1, present_days=31
    )
    with breaks_constraint():
        PlacementMonth.objects.filter(placement=placement).update(present_days=days)


def test_constraint_attendance_once_per_day() -> None:
    day = f.AttendanceDayFactory(date=JAN_1)
    AttendanceDay.objects.create(placement=day.placement, date=datetime.date(2030, 1, 2))
    with breaks_constraint():
        AttendanceDay.objects.create(placement=day.placement, date=JAN_1)


# The date range checks (issue 12): a date far outside 1900-2100 written around the forms.


def _active() -> Placement:
    return f.PlacementFactory(
        status=PlacementStatus.ACTIVE,
        start_date=datetime.date(2030, 1, 2),
        agreement_date=datetime.date(2029, 12, 1),
    )


def test_constraint_placement_planned_start_in_range() -> None:
    breaks_date_range(f.PlacementFactory(), "planned_start")


def test_constraint_placement_planned_end_in_range() -> None:
    breaks_date_range(f.PlacementFactory(), "planned_end", FAR_AHEAD)


def test_constraint_placement_start_date_in_range() -> None:
    breaks_date_range(_active(), "start_date")


def test_constraint_placement_end_date_in_range() -> None:
    breaks_date_range(_active(), "end_date", FAR_AHEAD)


def test_constraint_placement_agreement_date_in_range() -> None:
    breaks_date_range(_active(), "agreement_date")


def test_constraint_placement_expires_on_in_range() -> None:
    breaks_date_range(f.PlacementFactory(), "expires_on", FAR_AHEAD)


def test_constraint_placement_proposed_at_in_range() -> None:
    breaks_date_range(f.PlacementFactory(), "proposed_at", FAR_AHEAD)


def test_constraint_placement_answered_at_in_range() -> None:
    breaks_date_range(f.PlacementFactory(), "answered_at", FAR_AHEAD)


def test_constraint_attendance_day_date_in_range() -> None:
    breaks_date_range(f.AttendanceDayFactory(), "date")


def test_constraint_closed_month_once() -> None:
    f.ClosedMonthFactory(month=JAN_1)
    with breaks_constraint():
        ClosedMonth.objects.create(month=JAN_1)


def test_constraint_closed_month_first_day() -> None:
    ClosedMonth.objects.create(month=JAN_1)
    with breaks_constraint():
        ClosedMonth.objects.create(month=datetime.date(2030, 2, 2))


def test_constraint_closed_month_month_in_range() -> None:
    breaks_date_range(f.ClosedMonthFactory(), "month")


def test_constraint_closed_month_closed_at_in_range() -> None:
    breaks_date_range(f.ClosedMonthFactory(), "closed_at")


def test_closed_month_is_named_by_its_month() -> None:
    assert str(f.ClosedMonthFactory(month=datetime.date(2030, 11, 1))) == "november 2030"


def test_constraint_follow_up_date_in_range() -> None:
    breaks_date_range(f.FollowUpMeetingFactory(), "date")


def test_constraint_follow_up_next_meeting_in_range() -> None:
    breaks_date_range(f.FollowUpMeetingFactory(), "next_meeting", FAR_AHEAD)


# Waiting lists (issue 14).


def _entry() -> WaitingListEntry:
    return WaitingListEntry.objects.create(
        offer=f.TrainingOfferFactory(),
        participant=f.ParticipantFactory(),
        wanted_start=JAN_1,
        extent=50,
    )


def test_constraint_waiting_list_once_per_offer() -> None:
    entry = _entry()
    # One that left the queue does not count.
    WaitingListEntry.objects.create(
        offer=entry.offer,
        participant=entry.participant,
        wanted_start=JAN_1,
        extent=50,
        left_at=datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC),
        left_reason="removed",
    )
    with breaks_constraint():
        WaitingListEntry.objects.create(
            offer=entry.offer, participant=entry.participant, wanted_start=JAN_1, extent=50
        )


def test_constraint_waiting_list_extent_allowed() -> None:
    entry = _entry()
    with breaks_constraint():
        WaitingListEntry.objects.filter(pk=entry.pk).update(extent=30)


def test_constraint_waiting_list_left_has_reason() -> None:
    entry = _entry()
    with breaks_constraint():
        WaitingListEntry.objects.filter(pk=entry.pk).update(
            left_at=datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC)
        )


def test_constraint_waiting_list_wanted_start_in_range() -> None:
    breaks_date_range(_entry(), "wanted_start")


def test_constraint_waiting_list_added_at_in_range() -> None:
    breaks_date_range(_entry(), "added_at")


def test_constraint_waiting_list_place_freed_at_in_range() -> None:
    breaks_date_range(_entry(), "place_freed_at")


def test_constraint_waiting_list_left_at_in_range() -> None:
    entry = _entry()
    WaitingListEntry.objects.filter(pk=entry.pk).update(left_reason="removed")
    breaks_date_range(entry, "left_at")
