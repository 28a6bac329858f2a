"""PlacementMonth (present days per placement and month) is kept by the database:
after every kind of write to the present days it equals a GROUP BY over them."""

from __future__ import annotations

import datetime
import importlib
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, ProtectedError
from django.db.models.functions import TruncMonth
from django.urls import reverse

from placements.models import AttendanceDay, Placement, PlacementMonth, PlacementStatus
from placements.services.attendance import attendance_mark, attendance_set_month
from tests.factories import AttendanceDayFactory, PlacementFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 3, 12)
MAR_3 = datetime.date(2031, 3, 3)


def _grouped() -> dict[tuple[int, datetime.date], int]:
    """What the summary must say: the present days grouped per placement and month."""
    return {
        (row["placement_id"], row["month"]): row["n"]
        for row in AttendanceDay.objects.order_by()
        .values("placement_id", month=TruncMonth("date"))
        .annotate(n=Count("pk"))
    }


def _summary() -> dict[tuple[int, datetime.date], int]:
    return {
        (placement_id, month): days
        for placement_id, month, days in PlacementMonth.objects.values_list(
            "placement_id", "month", "present_days"
        )
    }


def _offers() -> dict[tuple[int, datetime.date], tuple[int, int]]:
    """Each summary row's offer beside its placement's offer."""
    return {
        (placement_id, month): (offer_id, placement_offer_id)
        for placement_id, month, offer_id, placement_offer_id in PlacementMonth.objects.values_list(
            "placement_id", "month", "offer_id", "placement__offer_id"
        )
    }


def assert_summary_right(expected: dict[tuple[int, datetime.date], int]) -> None:
    """The summary equals the GROUP BY, and that is the figures the test expects
    (so an empty or stale pair of tables cannot pass); every row carries its
    placement's offer."""
    assert _summary() == _grouped() == expected
    assert {key: offer for key, (offer, _same) in _offers().items()} == {
        key: same for key, (_offer, same) in _offers().items()
    }


def _active(**extra: Any) -> Placement:
    start = datetime.date(2031, 2, 20)
    return PlacementFactory(
        status=PlacementStatus.ACTIVE,
        planned_start=start,
        start_date=start,
        planned_end=datetime.date(2031, 6, 30),
        **extra,
    )


FEB, MAR = datetime.date(2031, 2, 1), datetime.date(2031, 3, 1)


def test_service_marks_and_unmarks(manager: Any) -> None:
    placement = _active()
    for day in (MAR_3, MAR_3 + datetime.timedelta(days=1), datetime.date(2031, 2, 24)):
        attendance_mark(placement=placement, user=manager, day=day, present=True, today=TODAY)
    assert_summary_right({(placement.pk, MAR): 2, (placement.pk, FEB): 1})
    attendance_mark(placement=placement, user=manager, day=MAR_3, present=False, today=TODAY)
    attendance_mark(
        placement=placement,
        user=manager,
        day=datetime.date(2031, 2, 24),
        present=False,
        today=TODAY,
    )
    assert_summary_right({(placement.pk, MAR): 1})


def test_service_sets_a_month(manager: Any) -> None:
    placement = _active()
    AttendanceDayFactory(placement=placement, date=MAR_3)
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 2, 27))
    week = [MAR_3 + datetime.timedelta(days=i) for i in range(1, 5)]
    attendance_set_month(
        placement=placement, user=manager, year=2031, month=3, present_days=week, today=TODAY
    )
    assert_summary_right({(placement.pk, MAR): 4, (placement.pk, FEB): 1})


def test_bulk_create_queryset_update_and_delete() -> None:
    one, other = _active(), _active()
    AttendanceDay.objects.bulk_create(
        [AttendanceDay(placement=one, date=MAR + datetime.timedelta(days=i)) for i in range(10)]
    )
    assert_summary_right({(one.pk, MAR): 10})
    # Days moved to another month, and to another placement.
    AttendanceDay.objects.filter(placement=one, date=MAR).update(date=datetime.date(2031, 4, 1))
    AttendanceDay.objects.filter(
        placement=one, date__range=(datetime.date(2031, 3, 8), datetime.date(2031, 3, 31))
    ).update(placement=other)
    assert_summary_right(
        {(one.pk, MAR): 6, (one.pk, datetime.date(2031, 4, 1)): 1, (other.pk, MAR): 3}
    )
    # An update that changes neither placement nor month leaves the summary alone.
    AttendanceDay.objects.filter(placement=other).update(recorded_by=None)
    assert_summary_right(
        {(one.pk, MAR): 6, (one.pk, datetime.date(2031, 4, 1)): 1, (other.pk, MAR): 3}
    )
    AttendanceDay.objects.filter(placement=one, date__month=3).delete()
    assert_summary_right({(one.pk, datetime.date(2031, 4, 1)): 1, (other.pk, MAR): 3})
    AttendanceDay.objects.all().delete()
    assert_summary_right({})


def test_raw_sql_is_counted_too() -> None:
    placement = _active()
    table = AttendanceDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (placement_id, date, recorded_at) VALUES (%s, %s, %s)",
            [placement.pk, MAR_3, datetime.datetime(2031, 3, 3, tzinfo=datetime.UTC)],
        )
    assert_summary_right({(placement.pk, MAR): 1})


def test_admin_form_add_change_and_delete(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    placement = _active()
    response = client.post(
        reverse("admin:placements_attendanceday_add"),
        {"placement": placement.pk, "date": "2031-03-03", "recorded_by": ""},
    )
    assert response.status_code == 302
    day = AttendanceDay.objects.get()
    assert_summary_right({(placement.pk, MAR): 1})
    response = client.post(
        reverse("admin:placements_attendanceday_change", args=[day.pk]),
        {"placement": placement.pk, "date": "2031-02-27", "recorded_by": ""},
    )
    assert response.status_code == 302
    assert_summary_right({(placement.pk, FEB): 1})
    response = client.post(
        reverse("admin:placements_attendanceday_delete", args=[day.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert_summary_right({})


def test_the_summary_admin_is_read_only(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    day = AttendanceDayFactory(placement=_active(), date=MAR_3)
    row = PlacementMonth.objects.get()
    assert client.get(reverse("admin:placements_placementmonth_changelist")).status_code == 200
    assert client.post(reverse("admin:placements_placementmonth_add"), {}).status_code == 403
    response = client.post(
        reverse("admin:placements_placementmonth_delete", args=[row.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert_summary_right({(day.placement_id, MAR): 1})


def test_a_placement_with_days_cannot_be_deleted_and_one_without_leaves_nothing() -> None:
    kept = _active()
    AttendanceDayFactory(placement=kept, date=MAR_3)
    with pytest.raises(ProtectedError):
        kept.delete()
    gone = _active()
    gone.delete()
    assert_summary_right({(kept.pk, MAR): 1})


def _offer_of_rows(placement: Placement) -> set[int]:
    return set(
        PlacementMonth.objects.filter(placement=placement).values_list("offer_id", flat=True)
    )


def test_a_new_month_copies_the_placement_offer_and_a_move_takes_its_months() -> None:
    """Each row carries its placement's offer (the invoice basis groups by it); a
    placement moved to another offer, by save(), a queryset update or raw SQL,
    moves its months, and a save that keeps the offer leaves them."""
    placement, other = _active(), _active()
    AttendanceDayFactory(placement=placement, date=MAR_3)
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 2, 27))
    AttendanceDayFactory(placement=other, date=MAR_3)
    assert _offer_of_rows(placement) == {placement.offer_id}
    assert _offer_of_rows(other) == {other.offer_id} != {placement.offer_id}
    first_offer = placement.offer
    placement.offer = other.offer
    placement.save()
    assert _offer_of_rows(placement) == {other.offer_id}
    Placement.objects.filter(pk=placement.pk).update(offer=first_offer)
    assert _offer_of_rows(placement) == {first_offer.pk}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Placement._meta.db_table} SET offer_id = %s WHERE id = %s",  # noqa: S608
            [other.offer_id, placement.pk],
        )
    assert _offer_of_rows(placement) == {other.offer_id}
    # Other placements' months stay where they are; a day added later copies the
    # offer the placement has now.
    assert _offer_of_rows(other) == {other.offer_id}
    placement.refresh_from_db()
    placement.supervisor_name = "Ny handledare"
    placement.save()
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 4, 1))
    assert_summary_right(
        {
            (placement.pk, MAR): 1,
            (placement.pk, FEB): 1,
            (placement.pk, datetime.date(2031, 4, 1)): 1,
            (other.pk, MAR): 1,
        }
    )
    assert _offer_of_rows(placement) == {other.offer_id}


class _Editor:
    """What the migration's backfill uses of a schema editor (SQLite's cannot be
    opened inside the test's transaction)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_migration_gives_existing_rows_their_placement_offer() -> None:
    placement, other = _active(), _active()
    AttendanceDayFactory(placement=placement, date=MAR_3)
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 2, 27))
    AttendanceDayFactory(placement=other, date=MAR_3)
    # Rows written before the column existed (it cannot be empty: any wrong offer).
    PlacementMonth.objects.update(offer=_active().offer)
    assert _offer_of_rows(placement) != {placement.offer_id}
    migration = importlib.import_module("placements.migrations.0010_placement_month_offer")
    migration.backfill(None, _Editor())
    assert _offer_of_rows(placement) == {placement.offer_id}
    assert _offer_of_rows(other) == {other.offer_id}
    assert_summary_right({(placement.pk, MAR): 1, (placement.pk, FEB): 1, (other.pk, MAR): 1})
