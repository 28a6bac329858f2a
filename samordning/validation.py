"""Input checks shared by every app: plain digits and a sane range of dates.

`str.isdigit()` is true for "²" and other non-ASCII digits that `int()` refuses,
so ids and numbers from the outside are checked with `is_ascii_digits`.

Every date typed into a form or a filter, and the stored dates that plan the
future (an offer's free-from, a participant's can-start), lie in
[MIN_DATE, MAX_DATE]: a year like 9999 is a typing mistake, and date arithmetic
near `datetime.date.max` or `.min` overflows. Forms use `SaneDateField`
(filters `SaneDateFilter`); model fields take `validate_sane_date`.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_YEAR = 1900
MAX_YEAR = 2100
MIN_DATE = datetime.date(MIN_YEAR, 1, 1)
MAX_DATE = datetime.date(MAX_YEAR, 12, 31)


# Every integer column (ids included) is at most a signed 64-bit integer; SQLite cannot
# even bind a larger Python int (OverflowError), so such a number is never an id.
DB_INT_MIN = -(2**63)
DB_INT_MAX = 2**63 - 1


def is_ascii_digits(value: str) -> bool:
    """True for a non-empty string of the digits 0-9 only."""
    return value.isascii() and value.isdigit()


def is_db_id(value: str) -> bool:
    """True for a string of the digits 0-9 whose number fits a database id column."""
    return is_ascii_digits(value) and int(value) <= DB_INT_MAX


def is_sane_date(value: datetime.date) -> bool:
    return MIN_DATE <= value <= MAX_DATE


def validate_sane_date(value: datetime.date | None) -> None:
    """Refuse a date (or a date-time's date) outside [MIN_DATE, MAX_DATE] (for model
    and form fields)."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if value is not None and not is_sane_date(value):
        raise ValidationError(
            _("Välj datum mellan %(min)s och %(max)s."),
            code="date_range",
            params={"min": MIN_YEAR, "max": MAX_YEAR},
        )


# A date-time's date is checked in local time; the database check allows a day either side.
_MIN_DATETIME = datetime.datetime(MIN_YEAR - 1, 12, 31, tzinfo=datetime.UTC)
_MAX_DATETIME = datetime.datetime(MAX_YEAR + 1, 1, 2, tzinfo=datetime.UTC)


def sane_date_constraints(
    prefix: str, *dates: str, datetimes: tuple[str, ...] = ()
) -> list[models.BaseConstraint]:
    """Database checks that the `dates` and `datetimes` fields (empty allowed) lie in
    [MIN_DATE, MAX_DATE], named `<prefix>_<field>_in_range`: the same rule as
    `validate_sane_date`, for rows written around the forms."""
    constraints: list[models.BaseConstraint] = [
        models.CheckConstraint(
            condition=models.Q(**{f"{name}__isnull": True})
            | models.Q(**{f"{name}__gte": MIN_DATE, f"{name}__lte": MAX_DATE}),
            name=f"{prefix}_{name}_in_range",
        )
        for name in dates
    ]
    constraints += [
        models.CheckConstraint(
            condition=models.Q(**{f"{name}__isnull": True})
            | models.Q(**{f"{name}__gte": _MIN_DATETIME, f"{name}__lt": _MAX_DATETIME}),
            name=f"{prefix}_{name}_in_range",
        )
        for name in datetimes
    ]
    return constraints


class SaneDateField(forms.DateField):
    """A form date field that only takes dates in [MIN_DATE, MAX_DATE]."""

    default_validators = [validate_sane_date]


class SaneDateFilter(django_filters.DateFilter):
    """A django-filter date filter whose form field is a SaneDateField."""

    field_class = SaneDateField
