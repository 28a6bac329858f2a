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
    """Refuse a date outside [MIN_DATE, MAX_DATE] (for model and form fields)."""
    if value is not None and not is_sane_date(value):
        raise ValidationError(
            _("Välj datum mellan %(min)s och %(max)s."),
            code="date_range",
            params={"min": MIN_YEAR, "max": MAX_YEAR},
        )


class SaneDateField(forms.DateField):
    """A form date field that only takes dates in [MIN_DATE, MAX_DATE]."""

    default_validators = [validate_sane_date]


class SaneDateFilter(django_filters.DateFilter):
    """A django-filter date filter whose form field is a SaneDateField."""

    field_class = SaneDateField
