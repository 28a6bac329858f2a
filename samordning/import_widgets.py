"""django-import-export widgets for Swedish spreadsheets.

Each `clean` takes what Excel or a CSV gives (text, numbers, dates, numbers
stored as text, decimal commas) and returns the stored value, or raises
ValueError with a Swedish message. Messages never repeat the cell's value: a
value may be an identity number, and import-export logs row errors.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from import_export import widgets

from samordning.models import BusinessArea, Municipality
from samordning.spreadsheets import is_blank
from samordning.validation import MAX_YEAR, MIN_YEAR, is_ascii_digits

DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y")


def as_text(value: Any) -> str:
    """Text of a cell; a whole number stored as a number loses its ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class TextWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return as_text(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class DecimalWidget(widgets.Widget):
    """Numbers with a Swedish decimal comma and spaces between thousands ("1 234 567,50")."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(_("Ange ett tal, t.ex. 1234,50."))
        if isinstance(value, int | Decimal):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(str(value))
        text = str(value).replace("\u00a0", "").replace(" ", "").removesuffix("kr")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Ange ett tal, t.ex. 1234,50.")) from None
        if not number.is_finite():
            raise ValueError(_("Ange ett tal, t.ex. 1234,50."))
        # "1 234 567,00" is a whole number of kronor, not one with two decimals.
        return Decimal(int(number)) if number == number.to_integral_value() else number

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value


class IntegerWidget(DecimalWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:  # type: ignore[override]
        try:
            number = super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(_("Ange ett heltal.")) from None
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(_("Ange ett heltal."))
        if abs(number) > 2_000_000_000:
            raise ValueError(_("Talet är för stort."))
        return int(number)


class DateWidget(widgets.Widget):
    """Excel dates, ISO dates and the common Swedish written forms, within 1900-2100."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.date | None:
        if is_blank(value):
            return None
        day: datetime.date | None = None
        if isinstance(value, datetime.datetime):
            day = value.date()
        elif isinstance(value, datetime.date):
            day = value
        else:
            text = as_text(value)
            for fmt in DATE_FORMATS:
                try:
                    day = datetime.datetime.strptime(text, fmt).date()
                    break
                except ValueError:
                    continue
        if day is None:
            raise ValueError(_("Ange datum som ÅÅÅÅ-MM-DD."))
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValueError(
                _("Datumet ligger utanför %(min)s–%(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
            )
        return day

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value.isoformat() if value else ""


class ChoiceWidget(widgets.Widget):
    """A choice by its Swedish label or its stored code; renders the label."""

    def __init__(self, choices: Iterable[tuple[Any, Any]], *, blank: Any = "") -> None:
        self.choices = [(code, str(label)) for code, label in choices]
        self.blank = blank
        self.lookup: dict[str, Any] = {}
        for code, label in self.choices:
            self.lookup[str(code).casefold()] = code
            self.lookup[label.casefold()] = code
            # "50 % (20 tim/vecka)" is also found as "50 %" and "50".
            self.lookup.setdefault(label.split("(")[0].strip().casefold(), code)
        super().__init__()

    @property
    def labels(self) -> list[str]:
        return [label for _code, label in self.choices]

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if is_blank(value):
            return self.blank
        code = self.lookup.get(as_text(value).casefold())
        if code is None:
            raise ValueError(
                _("Okänt värde. Välj ett av: %(choices)s.") % {"choices": ", ".join(self.labels)}
            )
        return code

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        for code, label in self.choices:
            if code == value:
                return label
        return "" if value is None else str(value)


class BooleanWidget(ChoiceWidget):
    def __init__(self) -> None:
        super().__init__([(True, _("Ja")), (False, _("Nej"))], blank=False)
        self.lookup.update({"x": True, "1": True, "true": True, "0": False, "false": False})


class LookupWidget(widgets.Widget):
    """A row of a small table found by one of several keys; the table is read once."""

    not_found = ""

    def __init__(self, queryset: models.QuerySet[Any]) -> None:
        self.queryset = queryset
        self._index: dict[str, Any] | None = None
        super().__init__()

    def keys(self, obj: Any) -> Iterable[str]:
        raise NotImplementedError

    def index(self) -> dict[str, Any]:
        if self._index is None:
            self._index = {}
            for obj in self.queryset:
                for key in self.keys(obj):
                    self._index.setdefault(key.casefold(), obj)
        return self._index

    def normalise(self, text: str) -> str:
        return text

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if is_blank(value):
            return None
        found = self.index().get(self.normalise(as_text(value)).casefold())
        if found is None:
            raise ValueError(self.not_found)
        return found

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class MunicipalityWidget(LookupWidget):
    """A kommun by its four-digit code (also as the number 136) or its name."""

    def __init__(self) -> None:
        super().__init__(Municipality.objects.all())
        self.not_found = _("Okänd kommun. Ange kommunkod (t.ex. 0136) eller kommunens namn.")

    def keys(self, obj: Municipality) -> Iterable[str]:
        return (obj.code, obj.name, str(obj))

    def normalise(self, text: str) -> str:
        return text.zfill(4) if is_ascii_digits(text) and len(text) < 4 else text

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.code if value is not None else ""


class BusinessAreaWidget(LookupWidget):
    def __init__(self) -> None:
        super().__init__(BusinessArea.objects.all())
        self.not_found = _("Okänt verksamhetsområde.")

    def keys(self, obj: BusinessArea) -> Iterable[str]:
        return (obj.name, obj.code)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.name if value is not None else ""
