"""Attendance: the days a participant was present at their placement (paid per present day).

Only days that have happened can be reported: not in the future, not before the
placement started, not after it ended (or, while active, after its planned end).
Only active and ended placements have attendance.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from placements.models import ENDED_STATUSES, AttendanceDay, Placement, PlacementStatus
from samordning.models import User

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
    today = today or timezone.localdate()
    _lock_placements([placement.pk])
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

    Raises ValidationError whose error_dict maps "p<placement id>" to that row's messages.
    """
    _lock_placements(placement.pk for placement in marks)
    errors: dict[str, list[str]] = {}
    for placement, days in marks.items():
        try:
            with transaction.atomic():
                attendance_set_month(
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
