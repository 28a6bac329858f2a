"""Forms for an enterprise's profile, annual figures and training offers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import (
    AnnualFigure,
    Enterprise,
    GoalStatus,
    Milestone,
    SupportActivity,
    TrainingOffer,
)
from enterprises.services import ADMIN_OFFER_FIELDS, enterprise_fields_for, offer_fields_for
from samordning.forms import DateInput
from samordning.models import User
from samordning.validation import SaneDateField


def enterprise_form_class(user: User) -> type[forms.ModelForm]:
    """A profile form with only the fields `user` may change."""
    fields = [*enterprise_fields_for(user), "business_areas"]
    return forms.modelform_factory(
        Enterprise,
        fields=fields,
        widgets={"business_areas": forms.CheckboxSelectMultiple},
    )


class AnnualFigureForm(forms.ModelForm):
    class Meta:
        model = AnnualFigure
        fields = ["year", "turnover_sek", "employees", "employees_target_group"]
        help_texts = {"turnover_sek": _("Hela kronor, utan mellanslag.")}


class OfferForm(forms.ModelForm):
    """The offer's description; capacity and free-from are set on the capacity page."""

    class Meta:
        model = TrainingOffer
        fields = list(ADMIN_OFFER_FIELDS)
        widgets: dict[str, forms.Widget] = {
            "tasks": forms.Textarea(attrs={"rows": 3}),
            "physical_demands": forms.Textarea(attrs={"rows": 3}),
            "adaptations_possible": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = set(offer_fields_for(user))
        for name in ADMIN_OFFER_FIELDS:
            if name not in allowed:
                del self.fields[name]

    def offer_data(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in ADMIN_OFFER_FIELDS if f in self.fields}


class OfferCreateForm(OfferForm):
    """A new offer also gets its first number of places and free-from date."""

    class Meta(OfferForm.Meta):
        fields = [*ADMIN_OFFER_FIELDS, "capacity", "free_from"]
        field_classes = {"free_from": SaneDateField}
        widgets = {**OfferForm.Meta.widgets, "free_from": DateInput()}


class DevelopmentGoalForm(forms.Form):
    goal_text = forms.CharField(label=_("Mål"), max_length=300)
    target_date = SaneDateField(label=_("Måldatum"), widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
    achieved_on = SaneDateField(
        label=_("Uppnått datum"),
        widget=DateInput(),
        required=False,
        help_text=_("Tomt för ett uppnått mål: i dag."),
    )


class SupportActivityForm(forms.ModelForm):
    class Meta:
        model = SupportActivity
        fields = ["kind", "date", "hours", "taking_part", "note"]
        # Swedish users write 1,5: read the decimal comma.
        localized_fields = ["hours"]
        field_classes = {"date": SaneDateField}
        widgets = {"date": DateInput()}


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["kind", "date", "note"]
        field_classes = {"date": SaneDateField}
        widgets = {"date": DateInput()}


class DevelopmentCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Kommentar"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
