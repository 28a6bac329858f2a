"""Forms for the enterprise side: answers to proposals, the month picker, capacity."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from placements.models import DeclineReason
from samordning.forms import DateInput, SimpleForm
from samordning.validation import SaneDateField


class DeclineForm(SimpleForm):
    # Field names match the service's error keys so its errors land on the field.
    decline_reason = forms.ChoiceField(
        label=_("Skäl"), choices=[("", _("Välj skäl"))] + list(DeclineReason.choices)
    )
    decline_note = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Krävs när du väljer ”Annat”. Koordinatorn ser kommentaren."),
    )


class MonthForm(forms.Form):
    """Which month to show; a bad value is a form error and the current month is shown."""

    month = SaneDateField(
        label=_("Månad"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Ange månad som ÅÅÅÅ-MM.")},
    )

    def selected(self, today: datetime.date | None = None) -> datetime.date:
        """The first day of the chosen month (the current month when none or invalid)."""
        today = today or timezone.localdate()
        if self.is_bound and self.is_valid() and self.cleaned_data.get("month"):
            return self.cleaned_data["month"].replace(day=1)
        return today.replace(day=1)


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Antal platser"),
        min_value=0,
        max_value=1000,
        help_text=_(
            "Hur många deltagare platsen tar emot samtidigt. Ungefär tio deltagare per handledare."
        ),
    )
    free_from = SaneDateField(
        label=_("Ledig från"),
        widget=DateInput(),
        help_text=_("Första dag som nya deltagare kan börja."),
    )
