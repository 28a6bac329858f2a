"""Attendance: only past and current days between start and end, for active or ended placements."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from placements.models import AttendanceDay, PlacementStatus
from placements.services.attendance import (
    attendance_mark,
    attendance_range,
    attendance_set_month,
    attendance_set_months,
)
from tests.factories import (
    AttendanceDayFactory,
    EnterpriseFactory,
    PlacementFactory,
    TrainingOfferFactory,
)
from tests.worlds.enterprise import enterprise_world

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 3, 12)
DAY = datetime.timedelta(days=1)


def _active(start=datetime.date(2031, 2, 20), end=datetime.date(2031, 6, 30), **extra):
    return PlacementFactory(
        status=PlacementStatus.ACTIVE,
        planned_start=start,
        start_date=start,
        planned_end=end,
        **extra,
    )


def _days(placement):
    return sorted(placement.attendance_days.values_list("date", flat=True))


# --- service --------------------------------------------------------------------


def test_range_is_start_to_today_for_an_active_placement():
    assert attendance_range(_active(), today=TODAY) == (datetime.date(2031, 2, 20), TODAY)


def test_range_ends_at_the_end_date_of_an_ended_placement():
    ended = PlacementFactory(
        status=PlacementStatus.INTERRUPTED,
        planned_start=datetime.date(2031, 1, 1),
        start_date=datetime.date(2031, 1, 3),
        planned_end=datetime.date(2031, 6, 30),
        end_date=datetime.date(2031, 2, 10),
        end_reason="ill_health",
        outcome="ill_health",
    )
    assert attendance_range(ended, today=TODAY) == (
        datetime.date(2031, 1, 3),
        datetime.date(2031, 2, 10),
    )


@pytest.mark.parametrize(
    "status", [PlacementStatus.PROPOSED, PlacementStatus.ACCEPTED, PlacementStatus.DECLINED]
)
def test_placements_that_never_started_have_no_attendance(status, manager):
    placement = PlacementFactory(
        status=status,
        planned_start=datetime.date(2031, 3, 1),
        planned_end=datetime.date(2031, 5, 1),
    )
    assert attendance_range(placement, today=TODAY) is None
    with pytest.raises(ValidationError, match="pågående eller avslutad"):
        attendance_mark(
            placement=placement, user=manager, day=TODAY - DAY, present=True, today=TODAY
        )
    assert not AttendanceDay.objects.exists()


def test_mark_and_unmark_a_day(manager):
    placement = _active()
    attendance_mark(placement=placement, user=manager, day=TODAY, present=True, today=TODAY)
    attendance_mark(placement=placement, user=manager, day=TODAY, present=True, today=TODAY)
    assert _days(placement) == [TODAY]
    assert placement.attendance_days.get().recorded_by == manager
    attendance_mark(placement=placement, user=manager, day=TODAY, present=False, today=TODAY)
    assert _days(placement) == []


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TODAY + DAY, "har inte varit ännu"),
        (datetime.date(2031, 2, 19), "före arbetsträningens start"),
    ],
)
def test_mark_refuses_days_outside_the_bounds(manager, day, message):
    placement = _active()
    with pytest.raises(ValidationError, match=message):
        attendance_mark(placement=placement, user=manager, day=day, present=True, today=TODAY)
    assert _days(placement) == []


def test_mark_refuses_a_day_after_the_end(manager):
    placement = PlacementFactory(
        status=PlacementStatus.COMPLETED,
        planned_start=datetime.date(2031, 1, 1),
        start_date=datetime.date(2031, 1, 1),
        planned_end=datetime.date(2031, 3, 1),
        end_date=datetime.date(2031, 3, 1),
        end_reason="planned",
        outcome="studies",
    )
    with pytest.raises(ValidationError, match="efter arbetsträningens slut"):
        attendance_mark(
            placement=placement,
            user=manager,
            day=datetime.date(2031, 3, 2),
            present=True,
            today=TODAY,
        )
    attendance_mark(
        placement=placement, user=manager, day=datetime.date(2031, 3, 1), present=True, today=TODAY
    )
    assert _days(placement) == [datetime.date(2031, 3, 1)]


def test_set_month_replaces_the_reportable_days_and_leaves_others(manager):
    placement = _active()
    # A February day (other month) stays whatever March says.
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 2, 27))
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 3, 3))
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 3, 4))
    attendance_set_month(
        placement=placement,
        user=manager,
        year=2031,
        month=3,
        present_days={datetime.date(2031, 3, 4), datetime.date(2031, 3, 5)},
        today=TODAY,
    )
    assert _days(placement) == [
        datetime.date(2031, 2, 27),
        datetime.date(2031, 3, 4),
        datetime.date(2031, 3, 5),
    ]


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (datetime.date(2031, 3, 13), "har inte varit ännu"),
        (datetime.date(2031, 4, 1), "inte i den valda månaden"),
    ],
)
def test_set_month_refuses_and_changes_nothing(manager, day, message):
    placement = _active()
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 3, 3))
    with pytest.raises(ValidationError, match=message):
        attendance_set_month(
            placement=placement,
            user=manager,
            year=2031,
            month=3,
            present_days={datetime.date(2031, 3, 4), day},
            today=TODAY,
        )
    assert _days(placement) == [datetime.date(2031, 3, 3)]


def test_grid_save_is_all_or_nothing(manager):
    good, bad = _active(), _active(start=datetime.date(2031, 3, 10))
    with pytest.raises(ValidationError) as caught:
        attendance_set_months(
            marks={
                good: {datetime.date(2031, 3, 2)},
                bad: {datetime.date(2031, 3, 9)},  # before its start
            },
            user=manager,
            year=2031,
            month=3,
            today=TODAY,
        )
    assert list(caught.value.message_dict) == [f"p{bad.pk}"]
    assert not AttendanceDay.objects.exists()


def test_a_day_saved_by_a_concurrent_submission_is_no_error(manager, monkeypatch):
    """A double-submitted grid: the other request saves the same days after this one read
    what was recorded and before it writes. Those days are kept once, without an error."""
    placement = _active()
    days = {datetime.date(2031, 3, 4), datetime.date(2031, 3, 5)}
    real_bulk_create = AttendanceDay.objects.bulk_create

    def other_request_first(objs, **kwargs):
        for obj in objs:
            AttendanceDay.objects.create(placement=obj.placement, date=obj.date)
        return real_bulk_create(objs, **kwargs)

    monkeypatch.setattr(AttendanceDay.objects, "bulk_create", other_request_first)
    attendance_set_months(marks={placement: days}, user=manager, year=2031, month=3, today=TODAY)
    assert _days(placement) == sorted(days)


def test_the_same_grid_saved_twice_keeps_each_day_once(manager):
    placement, other = _active(), _active()
    marks = {
        placement: {datetime.date(2031, 3, 4), datetime.date(2031, 3, 5)},
        other: {datetime.date(2031, 3, 5)},
    }
    for _ in range(2):
        attendance_set_months(marks=marks, user=manager, year=2031, month=3, today=TODAY)
    assert _days(placement) == sorted(marks[placement])
    assert _days(other) == sorted(marks[other])


# --- the grid page ---------------------------------------------------------------


def _grid(client, **params):
    return client.get(reverse("placements:attendance-grid"), params)


def test_grid_shows_checkboxes_only_for_reportable_days(client, manager):
    today = timezone.localdate()
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    response = _grid(client, month=f"{today:%Y-%m}")
    assert response.status_code == 200
    text = response.text
    active = world.active.pk
    assert f'name="p{active}" value="{today:%Y-%m-%d}"' in text
    # The world's present day yesterday is ticked, in its own month's grid (on the
    # first of a month, last month's).
    yesterday = today - DAY
    if yesterday.month != today.month:
        text_yesterday = _grid(client, month=f"{yesterday:%Y-%m}").text
    else:
        text_yesterday = text
    assert f'value="{yesterday:%Y-%m-%d}" id="p{active}-{yesterday.day}" checked' in text_yesterday
    tomorrow = today + DAY
    if tomorrow.month == today.month:
        assert f'name="p{active}" value="{tomorrow:%Y-%m-%d}"' not in text
    # Proposed and accepted placements have no row; the participant's name labels each box.
    assert world.proposal.participant.first_name not in text
    assert f"AktivEtt Deltagare {today.day}" in text


def test_grid_post_saves_a_week(client, manager):
    today = timezone.localdate()
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    week = [today - n * DAY for n in range(7, 2, -1)]
    month = week[0].strftime("%Y-%m")
    week = [d for d in week if f"{d:%Y-%m}" == month]
    url = reverse("placements:attendance-grid") + f"?month={month}"
    response = client.post(
        url,
        {
            "shown": [world.active.pk],
            f"p{world.active.pk}": [f"{d:%Y-%m-%d}" for d in week],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url
    saved = set(world.active.attendance_days.values_list("date", flat=True))
    expected = set(week)
    if f"{today - DAY:%Y-%m}" != month:
        expected.add(today - DAY)  # the world's day in another month stays
    assert saved == expected


def test_grid_posted_twice_is_saved_once_and_redirects_both_times(client, manager):
    today = timezone.localdate()
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    url = reverse("placements:attendance-grid") + f"?month={today:%Y-%m}"
    data = {"shown": [world.active.pk], f"p{world.active.pk}": [f"{today:%Y-%m-%d}"]}
    first, second = client.post(url, data), client.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert world.active.attendance_days.filter(date=today).count() == 1


def test_grid_post_with_a_future_day_shows_the_error_and_changes_nothing(client, manager):
    today = timezone.localdate()
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    before = set(world.active.attendance_days.values_list("date", flat=True))
    url = reverse("placements:attendance-grid") + f"?month={today:%Y-%m}"
    response = client.post(
        url,
        {
            "shown": [world.active.pk, world.ended.pk],
            f"p{world.active.pk}": [f"{today + 40 * DAY:%Y-%m-%d}", f"{today:%Y-%m-%d}"],
        },
    )
    assert response.status_code == 200
    assert "Närvaron sparades inte" in response.text
    assert set(world.active.attendance_days.values_list("date", flat=True)) == before


def test_grid_post_with_garbage_shows_the_error_and_changes_nothing(client, manager):
    today = timezone.localdate()
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    before = AttendanceDay.objects.count()
    response = client.post(
        reverse("placements:attendance-grid") + f"?month={today:%Y-%m}",
        {"shown": [world.active.pk], f"p{world.active.pk}": ["igår", f"{today:%Y-%m-%d}"]},
    )
    assert response.status_code == 200
    assert "igår är inget datum" in response.text
    assert AttendanceDay.objects.count() == before


def test_grid_rejects_placements_that_have_no_attendance(client, manager):
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    response = client.post(
        reverse("placements:attendance-grid"),
        {"shown": [world.proposal.pk], f"p{world.proposal.pk}": ["2020-01-01"]},
    )
    assert response.status_code == 404
    assert not world.proposal.attendance_days.exists()


@pytest.mark.parametrize("value", ["²", "1²", "１"])
def test_grid_unicode_digits_in_the_enterprise_filter_are_a_404(client, manager, value):
    enterprise_world(manager, "Ett")
    client.force_login(manager)
    assert _grid(client, enterprise=value).status_code == 404


@pytest.mark.parametrize("value", ["²", "1²", "１"])
def test_grid_post_with_unicode_digits_in_shown_is_a_404(client, manager, value):
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    before = AttendanceDay.objects.count()
    response = client.post(reverse("placements:attendance-grid"), {"shown": [value]})
    assert response.status_code == 404
    response = client.post(
        reverse("placements:attendance-grid"), {"shown": [world.active.pk, value]}
    )
    assert response.status_code == 404
    assert AttendanceDay.objects.count() == before


def test_grid_bad_month_is_a_form_error_and_shows_this_month(client, manager):
    enterprise_world(manager, "Ett")
    client.force_login(manager)
    response = _grid(client, month="2031-13")
    assert response.status_code == 200
    assert "Ange månad som ÅÅÅÅ-MM" in response.text
    assert "AktivEtt" in response.text


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1899-12", "2101-01"])
def test_grid_far_off_month_is_a_form_error_and_shows_this_month(client, manager, month):
    enterprise_world(manager, "Ett")
    client.force_login(manager)
    response = _grid(client, month=month)
    assert response.status_code == 200
    assert "Välj datum mellan 1900 och 2100." in response.text
    assert response.context["month"] == timezone.localdate().replace(day=1)


def _many_active(manager, count, today):
    enterprise = EnterpriseFactory(managers=[manager])
    offer = TrainingOfferFactory(enterprise=enterprise, capacity=200)
    for _ in range(count):
        placement = _active(
            start=today.replace(day=1) - 30 * DAY, end=today + 60 * DAY, offer=offer
        )
        AttendanceDayFactory(placement=placement, date=today.replace(day=1))


@pytest.mark.parametrize("count", [5, 100])
def test_grid_query_count_does_not_grow_with_placements(
    client, manager, django_assert_max_num_queries, count
):
    today = timezone.localdate()
    _many_active(manager, count, today)
    client.force_login(manager)
    # session, user, the savepoint of the request's transaction and its release, the
    # user's groups (roles), the paginator's count, the page of placements (with
    # participant, offer and enterprise), the page's attendance days in the month, the
    # managed enterprises for the filter, the month's closing (if any), the one audit
    # row listing who was shown: 11, whatever the number of placements.
    with django_assert_max_num_queries(11):
        response = _grid(client, month=f"{today:%Y-%m}")
    assert response.status_code == 200
    assert response.text.count('name="shown"') == min(count, 25)


@pytest.mark.parametrize("count", [5, 25])
def test_grid_save_checks_the_month_once_and_each_row_in_four_queries(
    client, manager, django_assert_max_num_queries, count
):
    today = timezone.localdate()
    _many_active(manager, count, today)
    last_month = (today.replace(day=1) - DAY).replace(day=1)
    days = [f"{last_month + 9 * DAY:%Y-%m-%d}", f"{last_month + 10 * DAY:%Y-%m-%d}"]
    pks = list(AttendanceDay.objects.values_list("placement", flat=True))
    client.force_login(manager)
    url = reverse("placements:attendance-grid") + f"?month={last_month:%Y-%m}"
    # Once for the grid: session, user, the request's savepoint, the user's groups, the
    # posted placements, the save's savepoint, the placements' row locks, the month's
    # shared lock (PostgreSQL only), the month's closing, the two savepoints' releases,
    # and the session's save (savepoint, update, release). Per row only its savepoint,
    # its recorded days, the insert and the release: no lock and no closing per row.
    once = 14 if connection.vendor == "postgresql" else 13
    with django_assert_max_num_queries(once + 4 * count):
        response = client.post(url, {"shown": pks, **{f"p{pk}": days for pk in pks}})
    assert response.status_code == 302
    assert AttendanceDay.objects.filter(date__month=last_month.month).count() == 2 * count
