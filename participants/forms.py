"""Coordinator forms for participants. Rules live in participants.services; forms parse input."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.db.models import QuerySet
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.choices import (
    AnonymousReason,
    ConsentPurpose,
    EmploymentStatus,
    EndReason,
    Outcome,
    ParkingReason,
    Sex,
    SupportSource,
)
from participants.identity import mask, parse_identity_number
from participants.models import (
    ESF_ENTRY_FIELDS,
    ESF_EXIT_FIELDS,
    ESF_SIX_MONTHS_FIELDS,
    IDENTITY_FIELDS,
    PROFILE_FIELDS,
    Consent,
    EsfParticipantData,
    Insats,
    Participant,
)
from samordning import policy
from samordning.forms import BLANK, CheckboxList, DateInput
from samordning.models import BusinessArea, User
from samordning.policy import Role
from samordning.validation import SaneDateField


def _swedish_blank_choices(form: forms.BaseForm) -> None:
    """Model-derived selects get Django's English blank label; use ours."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not field.required:
            field.empty_label = BLANK[0][1]
        elif isinstance(field, forms.ChoiceField) and not isinstance(
            field, forms.MultipleChoiceField
        ):
            choices = list(field.choices)  # type: ignore[arg-type]
            if choices and choices[0][0] == "" and choices[0][1] == BLANK_CHOICE_LABEL:
                field.choices = [BLANK[0], *choices[1:]]


def coordinator_users() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.COORDINATOR, is_active=True).order_by(
        "last_name", "first_name", "username"
    )


def coordinator_choices() -> list[tuple[int, str]]:
    """Every active coordinator as (id, full name or username), in one query."""
    return [
        (pk, f"{first_name} {last_name}".strip() or username)
        for pk, first_name, last_name, username in coordinator_users().values_list(
            "pk", "first_name", "last_name", "username"
        )
    ]


class CoordinatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


# The participant's own fields as the form edits them (and pre-fills them).
EDITED_FIELDS = [
    *(name for name in IDENTITY_FIELDS if name != "personal_number"),
    "start_date",
    *PROFILE_FIELDS,
]
_MODEL_FIELDS = fields_for_model(
    Participant,
    fields=EDITED_FIELDS,
    field_classes={"start_date": SaneDateField, "available_from": SaneDateField},
    widgets={
        "start_date": DateInput(),
        "available_from": DateInput(),
        "support_needs": forms.Textarea(attrs={"rows": 3}),
        "workplace_adaptations": forms.Textarea(attrs={"rows": 3}),
        "notes": forms.Textarea(attrs={"rows": 3}),
    },
)

ANONYMOUS_EDIT_FIELDS = ["anonymous_reason", "sex", "birth_year", "start_date", "coordinators"]


class ParticipantForm(forms.Form):
    """Register (no `participant`) or edit (with `participant`) a participant.

    The number may be typed in any common form; it is checked and normalised
    here so the error sits on the field. Editing never shows the stored number:
    a blank number field keeps it.
    """

    is_anonymous = forms.BooleanField(
        label=_("Registrera anonymt"),
        required=False,
        help_text=_(
            "Vid skyddade personuppgifter eller utan samtycke: lämna namn, nummer och "
            "kontaktuppgifter tomma. Bara kön, födelseår, startdatum och skäl sparas."
        ),
    )
    anonymous_reason = forms.ChoiceField(
        label=_("Skäl till anonym registrering"),
        choices=BLANK + AnonymousReason.choices,
        required=False,
    )
    personal_number = forms.CharField(
        label=_("Personnummer eller samordningsnummer"),
        required=False,
        max_length=20,
        help_text=_("T.ex. 19850312-1234, 850312-1234 eller 198503121234."),
    )
    first_name = _MODEL_FIELDS["first_name"]
    last_name = _MODEL_FIELDS["last_name"]
    sex = forms.ChoiceField(
        label=_("Kön"),
        choices=[("", _("Enligt personnumret")), *Sex.choices],
        required=False,
    )
    birth_year = forms.IntegerField(
        label=_("Födelseår"),
        required=False,
        min_value=1900,
        max_value=2100,
        help_text=_("Bara vid anonym registrering; annars hämtas det ur numret."),
    )
    email = _MODEL_FIELDS["email"]
    phone = _MODEL_FIELDS["phone"]
    address = _MODEL_FIELDS["address"]
    start_date = _MODEL_FIELDS["start_date"]
    home_municipality = _MODEL_FIELDS["home_municipality"]
    referring_authority = _MODEL_FIELDS["referring_authority"]
    employment_status_start = _MODEL_FIELDS["employment_status_start"]
    education = _MODEL_FIELDS["education"]
    time_in_support = _MODEL_FIELDS["time_in_support"]
    support_sources_start = forms.MultipleChoiceField(
        label=_("Försörjningskällor vid start"),
        choices=SupportSource.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Flera kan gälla."),
    )
    interests = forms.ModelMultipleChoiceField(
        label=_("Intresseområden"),
        queryset=BusinessArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    wanted_extent = _MODEL_FIELDS["wanted_extent"]
    available_from = _MODEL_FIELDS["available_from"]
    support_needs = _MODEL_FIELDS["support_needs"]
    workplace_adaptations = _MODEL_FIELDS["workplace_adaptations"]
    notes = _MODEL_FIELDS["notes"]
    coordinators = CoordinatorChoiceField(
        label=_("Ansvariga koordinatorer"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_purposes = forms.MultipleChoiceField(
        label=_("Samtycke lämnat för"),
        choices=ConsentPurpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[ConsentPurpose.REGISTRATION],
    )
    consent_given_on = SaneDateField(
        label=_("Samtycket lämnades"), required=False, widget=DateInput()
    )

    def __init__(
        self,
        *args: Any,
        participant: Participant | None = None,
        creator: Any = None,
        **kwargs: Any,
    ) -> None:
        """`creator` is who registers (no `participant`): not a coordinator, they must
        choose at least one responsible coordinator."""
        self.participant = participant
        if participant is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(participant)
        super().__init__(*args, **kwargs)
        self.fields["coordinators"].queryset = coordinator_users()  # type: ignore[attr-defined]
        _swedish_blank_choices(self)
        if not self.is_bound and participant is None:
            today = timezone.localdate()
            self.initial.setdefault("start_date", today)
            self.initial.setdefault("consent_given_on", today)
        self.helper = FormHelper()
        self.helper.form_tag = False
        if participant is None:
            if creator is None or policy.is_coordinator(creator):
                self.fields["coordinators"].help_text = _(
                    "Du blir själv ansvarig. Välj fler om ni delar ansvaret."
                )
            else:
                self.fields["coordinators"].required = True
                self.fields["coordinators"].error_messages["required"] = _(
                    "Minst en koordinator ska vara ansvarig."
                )
                self.fields["coordinators"].help_text = _(
                    "Välj minst en koordinator som blir ansvarig för deltagaren."
                )
            self.helper.layout = self._create_layout()
        elif participant.is_anonymous:
            for name in list(self.fields):
                if name not in ANONYMOUS_EDIT_FIELDS:
                    del self.fields[name]
            self.fields["birth_year"].help_text = ""
            self.helper.layout = Layout(
                Fieldset(_("Anonym deltagare"), *ANONYMOUS_EDIT_FIELDS),
            )
        else:
            for name in ("is_anonymous", "anonymous_reason", "birth_year"):
                del self.fields[name]
            del self.fields["consent_purposes"], self.fields["consent_given_on"]
            self.fields["personal_number"].help_text = _(
                "Nu registrerat: %(masked)s. Lämna tomt för att behålla numret."
            ) % {"masked": mask(participant.personal_number)}
            self.helper.layout = self._edit_layout()

    @staticmethod
    def initial_for(participant: Participant) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: getattr(participant, name)
            for name in ["anonymous_reason", "sex", "birth_year", *EDITED_FIELDS]
        }
        data["home_municipality"] = participant.home_municipality_id
        data["interests"] = [i.pk for i in participant.interests.all()]
        data["coordinators"] = [c.pk for c in participant.coordinators.all()]
        data["support_sources_start"] = list(
            participant.support_sources.filter(phase="start").values_list("source", flat=True)
        )
        return data

    def _identity(self) -> Fieldset:
        return Fieldset(
            _("Person"),
            "personal_number",
            Div(
                Div("first_name", css_class="col-md-6"),
                Div("last_name", css_class="col-md-6"),
                css_class="row",
            ),
            "sex",
            "email",
            "phone",
            "address",
        )

    def _start_data(self) -> Fieldset:
        return Fieldset(
            _("Startdata"),
            "start_date",
            "home_municipality",
            "referring_authority",
            "employment_status_start",
            "education",
            "time_in_support",
            "support_sources_start",
        )

    def _wishes(self) -> Fieldset:
        return Fieldset(
            _("Önskemål och stöd"),
            "interests",
            "wanted_extent",
            "available_from",
            "support_needs",
            "workplace_adaptations",
            "notes",
        )

    def _create_layout(self) -> Layout:
        return Layout(
            Fieldset(_("Registrering"), "is_anonymous", "anonymous_reason", "birth_year"),
            self._identity(),
            Fieldset(_("Samtycke"), "consent_purposes", "consent_given_on"),
            self._start_data(),
            self._wishes(),
            Fieldset(_("Ansvar"), "coordinators"),
        )

    def _edit_layout(self) -> Layout:
        return Layout(
            self._identity(),
            self._start_data(),
            self._wishes(),
            Fieldset(_("Ansvar"), "coordinators"),
        )

    def clean_personal_number(self) -> str:
        raw = self.cleaned_data.get("personal_number", "").strip()
        if not raw:
            return ""
        return parse_identity_number(raw).digits

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values the participant services take as `fields`."""
        skip = {
            "is_anonymous",
            "interests",
            "coordinators",
            "support_sources_start",
            "consent_purposes",
            "consent_given_on",
        }
        values = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        for name in ("first_name", "last_name", "email", "phone", "address"):
            if name in values:
                values[name] = (values[name] or "").strip()
        return values


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["purpose", "given_on", "note"]
        field_classes = {"given_on": SaneDateField}
        widgets = {"given_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("given_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False

    def _post_clean(self) -> None:
        # The service validates the model (full_clean) once, with its own rules.
        pass


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = SaneDateField(label=_("Återkallat"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("withdrawn_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False


class EnrolmentForm(forms.Form):
    insats = forms.ModelChoiceField(label=_("Insats"), queryset=Insats.objects.all())
    start_date = SaneDateField(label=_("Startdatum"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("start_date", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False


class EnrolmentEndForm(forms.Form):
    end_date = SaneDateField(label=_("Slutdatum"), widget=DateInput())
    end_reason = forms.ChoiceField(label=_("Avslutsorsak"), choices=BLANK + EndReason.choices)
    outcome = forms.ChoiceField(label=_("Resultat efter avslut"), choices=BLANK + Outcome.choices)
    employment_status_end = forms.ChoiceField(
        label=_("Sysselsättning vid avslut"),
        choices=BLANK + EmploymentStatus.choices,
        required=False,
    )
    support_sources_end = forms.MultipleChoiceField(
        label=_("Försörjningskällor vid avslut"),
        choices=SupportSource.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("end_date", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False


class ParkingForm(forms.Form):
    reason = forms.ChoiceField(label=_("Skäl"), choices=[BLANK[0], *ParkingReason.choices])
    until = SaneDateField(
        label=_("Parkerad till och med"),
        widget=DateInput(),
        help_text=_("Deltagaren föreslås inte i matchningen fram till detta datum."),
    )
    note = forms.CharField(
        label=_("Anteckning (endast koordinator)"),
        max_length=200,
        required=False,
        help_text=_("Skriv inga hälsouppgifter här."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class EsfEntryForm(forms.ModelForm):
    """The ESF+ output indicators at entry; sex and age come from the participant."""

    class Meta:
        model = EsfParticipantData
        fields = list(ESF_ENTRY_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def answers(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in ESF_ENTRY_FIELDS}


class CoordinatorChoiceOne(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class ParticipantChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


# What a participant's name (`str()`) needs: a list of names reads only these.
LABEL_FIELDS = ("first_name", "last_name", "is_anonymous", "birth_year")


class HandoverForm(forms.Form):
    """Move participants from one coordinator to another (admins).

    The choices to show are given as lists read once by the view (`listed`, the
    giver's people; `coordinators`, pairs of id and name), not read again by each
    field: a coordinator's caseload is a thousand people and the association a
    thousand coordinators at national scale. The querysets still validate a POST.
    """

    from_user = CoordinatorChoiceOne(
        label=_("Från koordinator"),
        queryset=User.objects.none(),
        empty_label=BLANK[0][1],
        # The page's first form (a GET) shows this field on its own.
        widget=forms.Select(attrs={"id": "handover-from", "class": "form-select"}),
    )
    to_user = CoordinatorChoiceOne(
        label=_("Till koordinator"), queryset=User.objects.none(), empty_label=BLANK[0][1]
    )
    participants = ParticipantChoices(
        label=_("Deltagare att lämna över"),
        queryset=Participant.objects.none(),
        widget=CheckboxList,
    )
    note = forms.CharField(
        label=_("Överlämningsanteckning"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visas i deltagarnas historik över ansvariga koordinatorer."),
    )

    def __init__(
        self,
        *args: Any,
        participants: Any = None,
        listed: list[Participant] | None = None,
        coordinators: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("from_user", "to_user"):
            field = self.fields[name]
            field.queryset = coordinator_users()  # type: ignore[attr-defined]
            if coordinators is not None:
                field.widget.choices = [BLANK[0], *coordinators]  # type: ignore[attr-defined]
        if participants is not None:
            self.fields["participants"].queryset = participants  # type: ignore[attr-defined]
        if listed is not None:
            self.fields["participants"].widget.choices = [  # type: ignore[attr-defined]
                (p.pk, str(p)) for p in listed
            ]
        self.helper = FormHelper()
        self.helper.form_tag = False


class EsfResultsForm(forms.ModelForm):
    """The ESF+ results at exit and six months after."""

    class Meta:
        model = EsfParticipantData
        fields = [*ESF_EXIT_FIELDS, *ESF_SIX_MONTHS_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Vid avslut (flera kan stämma)"), *ESF_EXIT_FIELDS),
            Fieldset(_("Sex månader efter avslut"), *ESF_SIX_MONTHS_FIELDS),
        )

    def answers(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(name) or ""
            for name in (*ESF_EXIT_FIELDS, *ESF_SIX_MONTHS_FIELDS)
        }
