"""One input-bounds layer for the app and the admin: hostile input is a 400, never a 500.

Found by fuzzing: a NUL byte in a filter is an error on PostgreSQL, an id above 2**63 is
an OverflowError on SQLite (multi-selects, the attendance grid, admin filters and
`__year` lookups), and a 100,000-character search makes the admin build a query SQLite
cannot run. Rather than guard every view and every ModelAdmin, `InputBoundsMiddleware`
refuses such a request before any view runs, with the Swedish 400 page:

- a NUL byte in the path or in any query or form key or value;
- a query-string value over `MAX_QUERY_VALUE` characters (`MAX_SEARCH_VALUE` for a search),
  a form value over `MAX_FORM_VALUE` (generous: free texts are long, never this long);
- an integer (as Python's `int()` reads it, so non-ASCII digits too) outside the signed
  64-bit range every database integer column fits in: no id or number we store is
  that large, and a free text of twenty-odd digits only is no text.

The admin adds two rules of its own, checked against the model (`process_view`, so they
cover every registered ModelAdmin, third-party ones too):

- a list filter's exact match on a plain field takes a value the field can hold (an
  address for an address column), a filter on a date part (`?born__year=`, `__month`,
  ...) an integer in that part's range, and a date in any lookup a year in [2, 9998]:
  Django turns them into dates and time-zone conversions that overflow at the ends of
  the calendar;
- an add or change page's prefill (`?municipality=12`) of a relation takes ids, and a
  date-time field none (the admin's split date-time widget cannot show a string).

What stays inside the bounds is the forms' job (a form error) or the view's (a 404).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from samordning.validation import DB_INT_MAX, DB_INT_MIN

MAX_QUERY_VALUE = 2_000
MAX_SEARCH_VALUE = 200
MAX_FORM_VALUE = 100_000
MAX_KEY = 200
SEARCH_KEYS = frozenset({"q", "term", "search"})
# Numbers (not ids) whose form field has its own range and says so in a message: the
# funder reports' `year` ("Välj ett år mellan 1990 och 2100"). Not refused here.
FORM_NUMBER_KEYS = frozenset({"year"})

# What `int()` accepts: optional sign, digits of any script, single underscores between.
_INTEGER = re.compile(r"\s*[+-]?\d+(?:_\d+)*\s*\Z")


def is_db_integer(value: int) -> bool:
    """True if `value` fits a signed 64-bit database integer column."""
    return DB_INT_MIN <= value <= DB_INT_MAX


def is_out_of_range_integer(value: str) -> bool:
    """True for a string that `int()` reads as an integer outside the 64-bit range."""
    if not _INTEGER.match(value):
        return False
    digits = value.strip().lstrip("+-").replace("_", "")
    if len(digits.lstrip("0０٠")) > 19:  # noqa: RUF001 - zeros of other scripts count too
        return True  # also spares int() its 4,300-digit limit
    return not is_db_integer(int(value))


def refusal(key: str, value: str, *, limit: int) -> str | None:
    """Why one key and value are refused, or None if they are within the bounds."""
    if "\x00" in key or "\x00" in value:
        return "NUL byte"
    if len(key) > MAX_KEY:
        return "key too long"
    if len(value) > (MAX_SEARCH_VALUE if key in SEARCH_KEYS else limit):
        return "value too long"
    if key not in FORM_NUMBER_KEYS and is_out_of_range_integer(value):
        return "integer out of range"
    return None


def _first_refusal(items: Iterable[tuple[str, list[str]]], *, limit: int) -> str | None:
    for key, values in items:
        for value in values:
            reason = refusal(key, value, limit=limit)
            if reason:
                return reason
    return None


def request_refusal(request: HttpRequest) -> str | None:
    """Why the request is out of bounds, or None."""
    if "\x00" in request.path:
        return "NUL byte in path"
    reason = _first_refusal(request.GET.lists(), limit=MAX_QUERY_VALUE)
    if reason is None and request.method == "POST":
        reason = _first_refusal(request.POST.lists(), limit=MAX_FORM_VALUE)
    return reason


# The ranges Django can turn into a date (with a day of margin for time-zone shifts).
DATE_PARTS = {
    "year": (2, 9998),
    "iso_year": (2, 9998),
    "month": (1, 12),
    "day": (1, 31),
    "week": (1, 53),
    "week_day": (1, 7),
    "iso_week_day": (1, 7),
    "quarter": (1, 4),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}
_ISO_DATE = re.compile(r"\s*[+-]?(\d+)-\d+-\d+")


def _in_range(value: str, low: int, high: int) -> bool:
    try:
        return low <= int(value) <= high
    except ValueError:
        return False


def lookup_refusal(model: type[models.Model], key: str, value: str) -> str | None:
    """Why an admin list filter `key=value` (an ORM lookup) is refused, or None."""
    name, _sep, lookup = key.partition("__")
    if value and lookup in ("", "exact"):
        # An exact match on a plain field takes a value the field can hold: PostgreSQL
        # refuses "1e9" for an address column when it runs the query (a 500).
        try:
            field = model._meta.get_field(name)
            if field.concrete and not field.is_relation:
                field.clean(value, None)  # type: ignore[union-attr]
        except FieldDoesNotExist:
            pass
        except ValidationError:
            return "not a value of the field"
    if not lookup:
        return None  # a search, the sort order or the page, not a lookup
    part = key.rsplit("__", 1)[-1]
    if part in DATE_PARTS and not _in_range(value, *DATE_PARTS[part]):
        return f"{part} out of range"
    date = _ISO_DATE.match(value)
    if date and not _in_range(date.group(1), *DATE_PARTS["year"]):
        return "date out of range"
    return None


def _is_id(field: models.Field[Any, Any], value: str) -> bool:
    try:
        python = field.target_field.to_python(value)  # type: ignore[attr-defined]
    except (ValidationError, ValueError, TypeError, AttributeError):
        return False
    return not isinstance(python, int) or DB_INT_MIN <= python <= DB_INT_MAX


def field_refusal(
    models_: Iterable[type[models.Model]], key: str, value: str, *, prefill: bool
) -> str | None:
    """Why an admin add or change page's value `key=value` (a prefill in the query string,
    or a posted form value) is refused, or None. `key` may carry an inline's prefix
    (`placements-0-offer`); the field is looked up on the page's model and its inlines'."""
    name = key.rsplit("-", 1)[-1]
    for model in models_:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if prefill and isinstance(field, models.DateTimeField):
            return "date-time prefill"
        # The admin's autocomplete widget looks a submitted value up to show it again.
        if field.is_relation and not field.auto_created and (field.concrete or field.many_to_many):
            values = value.split(",") if field.many_to_many and prefill else [value]
            if not all(_is_id(field, v) for v in values if v):  # type: ignore[arg-type]
                return "not an id"
    return None


def admin_refusal(request: HttpRequest, view_func: Callable[..., Any]) -> str | None:
    """Why a request to an admin view is out of bounds for its model, or None."""
    model_admin = getattr(view_func, "model_admin", None)
    if model_admin is None:
        return None
    view = getattr(view_func, "__name__", "")
    if view == "changelist_view":
        for key, values in request.GET.lists():
            for value in values:
                if reason := lookup_refusal(model_admin.model, key, value):
                    return reason
    elif view in ("add_view", "change_view"):
        page_models = [model_admin.model, *(inline.model for inline in model_admin.inlines)]
        sources = [(request.GET, True)]
        if request.method == "POST":
            sources.append((request.POST, False))
        for data, prefill in sources:
            for key, values in data.lists():
                for value in values:
                    if reason := field_refusal(page_models, key, value, prefill=prefill):
                        return reason
    return None


def bad_request(request: HttpRequest) -> HttpResponse:
    """The Swedish 400 page (plain text if the template cannot be found)."""
    body: str
    try:
        body = render_to_string("400.html", request=request)
    except TemplateDoesNotExist:
        body = _("Felaktig begäran.")
    return HttpResponse(body, status=400)


class InputBoundsMiddleware:
    """Answer a request with out-of-bounds input with a 400 before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_refusal(request):
            return bad_request(request)
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if admin_refusal(request, view_func):
            return bad_request(request)
        return None
