"""Coordinator forms: the free-places filter, the match period, proposing and the lifecycle steps.

Rules (capacity, transitions, required agreement fields) live in
placements.services; these forms only parse what was typed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import django_filters
from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import (
    AgreementType,
    EnterpriseAgreement,
    Extent,
    TrainingOffer,
    TrainingOfferQuerySet,
)
from participants.choices import EndReason, Outcome
from participants.models import Enrolment
from placements.models import PlacementType
from placements.services.capacity import default_period
from samordning.forms import (
    BLANK,
    DateInput,
    ModelChoiceFilter,
    SimpleForm,
    municipality_options,
    set_options,
)
from samordning.models import BusinessArea, Municipality
from samordning.prepared import rows_of
from samordning.validation import SaneDateField, SaneDateFilter, is_sane_date

# A period longer than this is a typing mistake, not a plan.
MAX_PERIOD_DAYS = 3 * 366


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


def check_period(
    form: forms.Form,
    cleaned: dict[str, Any],
    *,
    allow_past: bool = False,
    start_field: str = "start",
    end_field: str = "end",
) -> None:
    """Shared date checks: end not before start, start not in the past, not absurdly long.

    Each date is already in the sane range (SaneDateField); this checks the period.
    """
    start, end = cleaned.get(start_field), cleaned.get(end_field)
    if start and not allow_past and start < timezone.localdate():
        form.add_error(start_field, _("Från-datum kan inte ligga bakåt i tiden."))
    if start and end:
        if end < start:
            form.add_error(end_field, _("Till-datum kan inte ligga före från-datum."))
        elif (end - start).days > MAX_PERIOD_DAYS:
            form.add_error(end_field, _("Perioden får vara högst tre år."))


def period_data(data: Any, start: datetime.date) -> dict[str, Any]:
    """GET data with the period filled in where the user has not chosen one.

    A missing start is `start`; a missing end is six months after the start.
    """
    values = {key: data.get(key) for key in data}
    if not values.get("start"):
        values["start"] = start.isoformat()
    if not values.get("end"):
        try:
            chosen = datetime.date.fromisoformat(values["start"])
        except ValueError:
            chosen = start
        if not is_sane_date(chosen):
            chosen = start  # the form shows the error on the start
        values["end"] = default_period(chosen)[1].isoformat()
    return values


class FreePlacesForm(SimpleForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_period(self, cleaned)
        return cleaned


class FreePlacesFilter(django_filters.FilterSet):
    """Open offers by area, municipality, extent and agreement type, for a period."""

    start = SaneDateFilter(label=_("Från"), method="no_filter", widget=DateInput())
    end = SaneDateFilter(
        label=_("Till"), field_name="free_from", lookup_expr="lte", widget=DateInput()
    )
    business_area = ModelChoiceFilter(
        label=_("Verksamhetsområde"), queryset=BusinessArea.objects.all(), empty_label=_("Alla")
    )
    municipality = ModelChoiceFilter(
        label=_("Kommun"), queryset=Municipality.objects.all(), empty_label=_("Alla")
    )
    extent = django_filters.ChoiceFilter(
        label=_("Omfattning"),
        choices=Extent.choices,
        method="offering_extent",
        empty_label=_("Alla"),
    )
    # The enterprise is an approved provider under this agreement type on the start date.
    agreement_type = django_filters.ChoiceFilter(
        label=_("Avtalsform"),
        choices=AgreementType.choices,
        method="with_agreement",
        empty_label=_("Alla"),
    )

    class Meta:
        model = TrainingOffer
        fields: list[str] = []
        form = FreePlacesForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["start"].required = True
        fields["end"].required = True
        # The options from queries compiled once per process (as the participant list's).
        set_options(
            fields["business_area"],
            rows_of(
                lambda: BusinessArea.objects.values_list("pk", "name"), key="business-area-options"
            ),
        )
        set_options(fields["municipality"], municipality_options())

    def no_filter(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def offering_extent(
        self, queryset: TrainingOfferQuerySet, name: str, value: str
    ) -> TrainingOfferQuerySet:
        return queryset.offering_extent(int(value))

    def with_agreement(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        day = self.form.cleaned_data.get("start") or timezone.localdate()
        agreements = EnterpriseAgreement.objects.filter(
            enterprise=OuterRef("enterprise"), agreement_type=value, valid_from__lte=day
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        return queryset.filter(Exists(agreements))

    @property
    def period(self) -> tuple[datetime.date, datetime.date] | None:
        if not self.form.is_valid():
            return None
        return self.form.cleaned_data["start"], self.form.cleaned_data["end"]


class MatchPeriodForm(SimpleForm):
    """The period a participant wants a place for (the match list's window)."""

    start = SaneDateField(label=_("Önskad start"), widget=DateInput())
    end = SaneDateField(label=_("Planerat slut"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_period(self, cleaned)
        return cleaned


def offer_label(enterprise: str, title: str, municipality: str) -> str:
    return f"{enterprise}: {title} ({municipality})"


class OfferChoiceIterator(ModelChoiceIterator):
    """The options as (pk, label) from one query of plain values: a select of every
    open offer (3,000 nationally) built 11,000 model objects (offer, enterprise,
    area, municipality) only to print three names of each."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # One plain fetch (not iterator(): a server-side cursor is planned for its
        # first rows).
        rows = self.queryset.values_list("pk", "enterprise__name", "title", "municipality__name")
        for pk, enterprise, title, municipality in rows:
            yield (pk, offer_label(enterprise, title, municipality))


class OfferChoiceField(forms.ModelChoiceField):
    iterator = OfferChoiceIterator

    def label_from_instance(self, obj: Any) -> str:
        return offer_label(obj.enterprise.name, obj.title, obj.municipality.name)


class ProposeForm(forms.Form):
    """Propose a participant for an offer; prefilled from the match list."""

    offer = OfferChoiceField(label=_("Arbetsträningsplats"), queryset=TrainingOffer.objects.none())
    placement_type = forms.ChoiceField(
        label=_("Typ"), choices=PlacementType.choices, initial=PlacementType.TRAINING
    )
    extent = forms.TypedChoiceField(label=_("Omfattning"), choices=Extent.choices, coerce=int)
    planned_start = SaneDateField(label=_("Planerad start"), widget=DateInput())
    planned_end = SaneDateField(label=_("Planerat slut"), widget=DateInput())
    enrolment = forms.ModelChoiceField(
        label=_("Inom inskrivning"),
        queryset=Enrolment.objects.none(),
        # Left empty, the service takes the participant's open enrolment, and
        # refuses the proposal when there is none.
        required=False,
        help_text=_("Den insats som arbetsträningen hör till."),
    )
    schedule = forms.CharField(
        label=_("Arbetstider"), max_length=150, required=False, help_text=_("T.ex. mån–fre 9–13.")
    )
    proposal_note = forms.CharField(
        label=_("Meddelande till företaget"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skriv inga hälsouppgifter här; anpassningarna delas från deltagarens sida."),
    )
    shared_support_needs = forms.CharField(
        label=_("Stödbehov att dela med arbetsplatsen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Frivilligt. Bara det du skriver här delas; stödbehoven på deltagarens sida "
            "stannar hos koordinatorerna."
        ),
    )

    def __init__(
        self,
        *args: Any,
        offers: QuerySet[TrainingOffer],
        enrolments: QuerySet[Enrolment],
        chosen_offer: TrainingOffer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # An offer chosen in the match list is shown as text with a hidden field (and
        # checked against the open offers again); without one, every open offer is a
        # choice (3,000 options nationally).
        self.chosen_offer = chosen_offer
        if chosen_offer is not None:
            offers = offers.filter(pk=chosen_offer.pk)
            self.fields["offer"].widget = forms.HiddenInput()
        self.fields["offer"].queryset = offers  # type: ignore[attr-defined]
        self.fields["enrolment"].queryset = enrolments  # type: ignore[attr-defined]
        self.fields["enrolment"].label_from_instance = (  # type: ignore[attr-defined]
            lambda e: f"{e.insats.name} ({e.start_date:%Y-%m-%d})"
        )
        self.helper = _helper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A start in the past is the service's to refuse (with the offer's other rules).
        check_period(
            self, cleaned, allow_past=True, start_field="planned_start", end_field="planned_end"
        )
        return cleaned


class StartForm(forms.Form):
    """Start: the three-party agreement and the handledare (the service says what is missing)."""

    start_date = SaneDateField(label=_("Startdatum"), required=False, widget=DateInput())
    supervisor_name = forms.CharField(label=_("Handledare"), max_length=100, required=False)
    agreement_date = SaneDateField(
        label=_("Trepartsöverenskommelse träffad"), required=False, widget=DateInput()
    )
    agreement_tasks = forms.CharField(
        label=_("Överenskomna arbetsuppgifter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    agreement_hours = forms.CharField(label=_("Överenskomna tider"), max_length=150, required=False)
    agreement_support = forms.CharField(
        label=_("Överenskommet stöd"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "start")
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class EndForm(forms.Form):
    end_date = SaneDateField(label=_("Slutdatum"), required=False, widget=DateInput())
    end_reason = forms.ChoiceField(
        label=_("Avslutsorsak"), choices=BLANK + EndReason.choices, required=False
    )
    outcome = forms.ChoiceField(
        label=_("Resultat"), choices=BLANK + Outcome.choices, required=False
    )
    end_enrolment = forms.BooleanField(
        label=_("Avsluta också inskrivningen i insatsen, med samma resultat"),
        required=False,
        help_text=_(
            "När arbetsträningen leder till arbete eller studier: då räknas resultatet "
            "i statistiken till finansiärerna."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "end")
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ChangePlanForm(forms.Form):
    planned_start = SaneDateField(label=_("Planerad start"), widget=DateInput())
    planned_end = SaneDateField(label=_("Planerat slut"), widget=DateInput())
    extent = forms.TypedChoiceField(label=_("Omfattning"), choices=Extent.choices, coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "plan")
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # An active placement keeps its (past) start: the service knows which may move.
        check_period(
            self, cleaned, allow_past=True, start_field="planned_start", end_field="planned_end"
        )
        return cleaned


class FollowUpForm(forms.Form):
    date = SaneDateField(label=_("Datum"), widget=DateInput())
    attendees = forms.CharField(label=_("Deltog"), max_length=300, required=False)
    notes = forms.CharField(
        label=_("Anteckningar"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_meeting = SaneDateField(label=_("Nästa möte"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "followup")
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ShareUpdateForm(forms.Form):
    """Share the participant's current name and adaptations with the enterprise again."""

    shared_support_needs = forms.CharField(
        label=_("Stödbehov att dela med arbetsplatsen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ersätter det som delats tidigare. Lämna tomt för att inte dela något."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "share")
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class WaitingForm(forms.Form):
    """Queue a participant for a full offer."""

    offer = OfferChoiceField(label=_("Arbetsträningsplats"), queryset=TrainingOffer.objects.none())
    wanted_start = SaneDateField(label=_("Önskad start"), widget=DateInput())
    extent = forms.TypedChoiceField(label=_("Omfattning"), choices=Extent.choices, coerce=int)

    def __init__(self, *args: Any, offers: QuerySet[TrainingOffer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers  # type: ignore[attr-defined]
        self.helper = _helper()
