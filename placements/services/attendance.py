"""Attendance: the days a participant was present at their placement (paid per present day).

Only days that have happened can be reported: not in the future, not before the
placement started, not after it ended (or, while active, after its planned end).
Only active and ended placements have attendance.

A month the association has closed (ClosedMonth: its invoice basis is sent) takes
no change at all: every writer takes the month's lock and looks for the closing
inside its own transaction (`check_months_open`), and closing takes the same lock
exclusively, so a day cannot slip into a month while it is being closed.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from placements.models import (
    ENDED_STATUSES,
    AttendanceDay,
    ClosedMonth,
    Placement,
    PlacementStatus,
)
from samordning.models import User

# The first key of the months' advisory locks (PostgreSQL); the second is the month.
MONTH_LOCK_SPACE = 0x4E4D  # "NM", närvaromånad

ATTENDANCE_STATUSES = [PlacementStatus.ACTIVE, *ENDED_STATUSES]


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month."""
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


def attendance_range(
    placement: Placement, *, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day attendance may be reported for, or None if there is none."""
    today = today or timezone.localdate()
    if placement.status not in ATTENDANCE_STATUSES or placement.start_date is None:
        return None
    last = (
        placement.end_date if placement.is_ended and placement.end_date else placement.planned_end
    )
    last = min(last, today)
    if last < placement.start_date:
        return None
    return placement.start_date, last


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _check_days(
    placement: Placement, days: Iterable[datetime.date], *, today: datetime.date
) -> None:
    if placement.status not in ATTENDANCE_STATUSES:
        raise ValidationError(
            _("Närvaro kan bara rapporteras för en pågående eller avslutad arbetsträning."),
            code="status",
        )
    bounds = attendance_range(placement, today=today)
    wrong = sorted(d for d in days if bounds is None or not bounds[0] <= d <= bounds[1])
    if not wrong:
        return
    day = wrong[0]
    if day > today:
        message = _("%(day)s har inte varit ännu; närvaro rapporteras i efterhand.")
    elif placement.start_date is not None and day < placement.start_date:
        message = _("%(day)s ligger före arbetsträningens start.")
    else:
        message = _("%(day)s ligger efter arbetsträningens slut.")
    raise ValidationError(message % {"day": _day(day)}, code="out_of_range")


def _lock_months(months: Iterable[datetime.date], *, exclusive: bool = False) -> None:
    """Take the months' locks until the transaction ends: shared for a writer of
    present days (writers of one month do not wait for each other), exclusive for
    closing or reopening one. A transaction-level advisory lock on PostgreSQL, in
    month order (two writers of two months cannot deadlock); on SQLite every
    transaction is BEGIN IMMEDIATE (settings), so writers are serialised anyway."""
    connection = connections[ClosedMonth.objects.db]
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        for month in sorted({m.replace(day=1) for m in months}):
            cursor.execute(
                f"SELECT {function}(%s, %s)",  # noqa: S608 - one of two names above
                [MONTH_LOCK_SPACE, month.year * 100 + month.month],
            )


def month_closing(month: datetime.date) -> ClosedMonth | None:
    """The closing of the month `month` lies in (None while it is open)."""
    return ClosedMonth.objects.filter(month=month.replace(day=1)).first()


def check_months_open(months: Iterable[datetime.date]) -> None:
    """Refuse a change of present days in a closed month. Takes the months' shared
    locks first, so in a transaction the answer holds until it ends (a closing
    waits for it, or it waits for the closing and then sees it)."""
    firsts = {m.replace(day=1) for m in months}
    if not firsts:
        return
    _lock_months(firsts)
    closing = ClosedMonth.objects.filter(month__in=firsts).order_by("month").first()
    if closing is not None:
        raise ValidationError(
            _(
                "Månaden är stängd för ändringar: fakturaunderlaget för %(month)s är "
                "skickat (stängd %(closed)s). Inget sparades. Förbundets kansli kan "
                "öppna månaden igen om något måste rättas."
            )
            % {
                "month": formats.date_format(closing.month, "YEAR_MONTH_FORMAT"),
                "closed": _day(timezone.localdate(closing.closed_at)),
            },
            code="closed_month",
        )


def check_month_closable(*, month: datetime.date, today: datetime.date | None = None) -> None:
    """Refuse closing a month that has not ended or is closed already. Takes the
    month's exclusive lock: in a transaction, the answer holds until it ends."""
    today = today or timezone.localdate()
    first = month.replace(day=1)
    if first >= today.replace(day=1):
        raise ValidationError(
            {"month": _("Bara en månad som är slut kan stängas.")}, code="month_not_over"
        )
    _lock_months([first], exclusive=True)
    if ClosedMonth.objects.filter(month=first).exists():
        raise ValidationError({"month": _("Månaden är redan stängd.")}, code="closed_already")


@transaction.atomic
def attendance_month_close(
    *,
    month: datetime.date,
    user: User,
    note: str = "",
    today: datetime.date | None = None,
) -> ClosedMonth:
    """Close the month `month` lies in: from now on no present day in it changes.

    Only a month that has ended can be closed (its days are all reported then).
    Waits for any writer of the month's days to finish first (the month's lock)."""
    check_month_closable(month=month, today=today)
    closing = ClosedMonth(
        month=month.replace(day=1), note=note, closed_by=user, closed_at=timezone.now()
    )
    closing.full_clean()
    closing.save()
    return closing


@transaction.atomic
def attendance_month_reopen(*, closing: ClosedMonth, user: User) -> None:
    """Open a closed month again (present days in it may change until it is closed
    again). Who reopened it is kept by the caller's history (the admin's log)."""
    attendance_months_reopen(closings=[closing], user=user)


@transaction.atomic
def attendance_months_reopen(*, closings: Iterable[ClosedMonth], user: User) -> None:
    """Open several closed months again, all or none.

    Every month's exclusive lock is taken first, once and in ascending month order
    (the order writers take their shared locks in): taking them one by one in the
    caller's order (the admin lists the newest first) could deadlock with a writer
    that moves a day between two of the months."""
    closings = list(closings)
    if not closings:
        return
    _lock_months([closing.month for closing in closings], exclusive=True)
    ClosedMonth.objects.filter(pk__in=[closing.pk for closing in closings]).delete()


def _lock_placements(pks: Iterable[int]) -> None:
    """Row-lock the placements (in pk order, so two grids cannot deadlock); in a transaction."""
    list(
        Placement.objects.select_for_update()
        .filter(pk__in=list(pks))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def attendance_mark(
    *,
    placement: Placement,
    user: User,
    day: datetime.date,
    present: bool,
    today: datetime.date | None = None,
) -> Placement:
    """Mark one day present (or take the mark away)."""
    today = today or timezone.localdate()
    _check_days(placement, [day], today=today)
    check_months_open([day])
    if present:
        AttendanceDay.objects.get_or_create(
            placement=placement, date=day, defaults={"recorded_by": user}
        )
    else:
        AttendanceDay.objects.filter(placement=placement, date=day).delete()
    return placement


@transaction.atomic
def attendance_set_month(
    *,
    placement: Placement,
    user: User,
    year: int,
    month: int,
    present_days: Iterable[datetime.date],
    today: datetime.date | None = None,
) -> Placement:
    """Make the reportable days of one month exactly `present_days`.

    Days of the month outside the reportable range are left as they are, and
    asking for one of them is refused (nothing is written then).

    The placement's row is locked before the recorded days are read, so two
    submissions of the same grid (a double click) take turns instead of both
    inserting the same day; a day that is there already is skipped in any case.
    """
    _lock_placements([placement.pk])
    check_months_open([datetime.date(year, month, 1)])
    return _set_month(
        placement=placement,
        user=user,
        year=year,
        month=month,
        present_days=present_days,
        today=today or timezone.localdate(),
    )


def _set_month(
    *,
    placement: Placement,
    user: User,
    year: int,
    month: int,
    present_days: Iterable[datetime.date],
    today: datetime.date,
) -> Placement:
    """`attendance_set_month` without its locks: the caller, in a transaction, has
    locked the placement's row and checked the month open (under its lock). The
    grid does both once for all its rows, not once per row."""
    first, last = month_bounds(year, month)
    present = set(present_days)
    outside = sorted(d for d in present if not first <= d <= last)
    if outside:
        raise ValidationError(
            _("%(day)s ligger inte i den valda månaden.") % {"day": _day(outside[0])},
            code="other_month",
        )
    _check_days(placement, present, today=today)
    bounds = attendance_range(placement, today=today)
    if bounds is None:
        return placement
    first, last = max(first, bounds[0]), min(last, bounds[1])
    if first > last:
        return placement
    recorded = set(
        AttendanceDay.objects.filter(placement=placement, date__range=(first, last)).values_list(
            "date", flat=True
        )
    )
    removed = recorded - present
    if removed:
        AttendanceDay.objects.filter(placement=placement, date__in=removed).delete()
    AttendanceDay.objects.bulk_create(
        [
            AttendanceDay(placement=placement, date=day, recorded_by=user)
            for day in sorted(present - recorded)
        ],
        ignore_conflicts=True,
    )
    return placement


@transaction.atomic
def attendance_set_months(
    *,
    marks: Mapping[Placement, Iterable[datetime.date]],
    user: User,
    year: int,
    month: int,
    today: datetime.date | None = None,
) -> list[Placement]:
    """Save a month grid of several placements: all of it, or (on any error) none of it.

    Raises ValidationError whose error_dict maps "p<placement id>" to that row's
    messages, or (a closed month) one message for the whole grid.
    """
    today = today or timezone.localdate()
    # The rows' locks and the month's check once for the grid, not once per row.
    _lock_placements(placement.pk for placement in marks)
    check_months_open([datetime.date(year, month, 1)])
    errors: dict[str, list[str]] = {}
    for placement, days in marks.items():
        try:
            with transaction.atomic():
                _set_month(
                    placement=placement,
                    user=user,
                    year=year,
                    month=month,
                    present_days=days,
                    today=today,
                )
        except ValidationError as error:
            errors[f"p{placement.pk}"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    return list(marks)
