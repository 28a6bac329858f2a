"""The period and municipality filter of the funder pages.

A period is a year, a quarter of a year, or a from-to range (which wins when
filled in). Without input the period is this year. Bad input becomes a form
error on the page, never a 500.
"""

from __future__ import annotations

import datetime
from typing import Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.queries import Period
from samordning.forms import DateInput
from samordning.models import Municipality

MIN_YEAR = 1990
MAX_YEAR = 2100
MAX_SPAN_YEARS = 30
QUARTERS = {1: (1, 3), 2: (4, 6), 3: (7, 9), 4: (10, 12)}


class PeriodForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("År"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False
    )
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Kvartal"),
        choices=[("", gettext_lazy("Hela året"))] + [(q, str(q)) for q in QUARTERS],
        coerce=int,
        empty_value=None,
        required=False,
    )
    date_from = forms.DateField(
        label=gettext_lazy("Från och med"), required=False, widget=DateInput()
    )
    date_to = forms.DateField(
        label=gettext_lazy("Till och med"), required=False, widget=DateInput()
    )
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Kommun"),
        queryset=Municipality.objects.all(),
        required=False,
        empty_label=gettext_lazy("Alla kommuner"),
    )

    def __init__(self, *args: Any, today: datetime.date | None = None, **kwargs: Any) -> None:
        self.today = today or timezone.localdate()
        kwargs.setdefault("initial", {"year": self.today.year})
        super().__init__(*args, **kwargs)
        self.fields["date_from"].help_text = _("Fyll i från och till för ett eget intervall.")
        self.fields["municipality"].help_text = _(
            "Deltagarnas folkbokföringskommun; för företag och platser den kommun de finns i."
        )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "mb-4"
        self.helper.attrs = {"aria-label": _("Välj period och kommun")}
        self.helper.layout = Layout(
            Row(
                Column("year", css_class="col-sm-6 col-lg-2"),
                Column("quarter", css_class="col-sm-6 col-lg-2"),
                Column("date_from", css_class="col-sm-6 col-lg-2"),
                Column("date_to", css_class="col-sm-6 col-lg-2"),
                Column("municipality", css_class="col-sm-6 col-lg-2"),
                Column(
                    StrictButton(_("Visa"), type="submit", css_class="btn-primary mt-lg-4"),
                    css_class="col-sm-6 col-lg-2 d-flex align-items-start",
                ),
            )
        )

    @classmethod
    def from_query(cls, query: QueryDict, **kwargs: Any) -> PeriodForm:
        """Bound when the query string has any of the form's fields, else this year."""
        if any(name in query for name in cls.base_fields):
            return cls(query, **kwargs)
        return cls(**kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from or date_to:
            if not date_from:
                self.add_error("date_from", _("Ange även från-datum."))
                return cleaned
            if not date_to:
                self.add_error("date_to", _("Ange även till-datum."))
                return cleaned
            if date_to < date_from:
                self.add_error("date_to", _("Till-datum kan inte ligga före från-datum."))
                return cleaned
            if date_from.year < MIN_YEAR or date_to.year > MAX_YEAR:
                self.add_error(
                    None,
                    _("Välj datum mellan %(min)s och %(max)s.")
                    % {"min": MIN_YEAR, "max": MAX_YEAR},
                )
                return cleaned
            if date_to.year - date_from.year > MAX_SPAN_YEARS:
                self.add_error(
                    "date_to",
                    _("Intervallet får vara högst %(years)s år.") % {"years": MAX_SPAN_YEARS},
                )
                return cleaned
            label = f"{date_format(date_from, 'SHORT_DATE_FORMAT')}–" + date_format(
                date_to, "SHORT_DATE_FORMAT"
            )
            cleaned["period"] = Period(date_from, date_to, label)
            return cleaned
        year = cleaned.get("year") or self.today.year
        quarter = cleaned.get("quarter")
        if quarter:
            first, last = QUARTERS[quarter]
            end = (
                datetime.date(year, last + 1, 1) - datetime.timedelta(days=1)
                if last < 12
                else datetime.date(year, 12, 31)
            )
            cleaned["period"] = Period(
                datetime.date(year, first, 1),
                end,
                _("kvartal %(quarter)s %(year)s") % {"quarter": quarter, "year": year},
            )
        else:
            cleaned["period"] = Period(
                datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year)
            )
        return cleaned

    def period_and_municipality(self) -> tuple[Period, Municipality | None] | None:
        """The chosen period and municipality; None when the input has errors."""
        if not self.is_bound:
            year = self.today.year
            return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year)), None
        if not self.is_valid():
            return None
        return self.cleaned_data["period"], self.cleaned_data.get("municipality")
