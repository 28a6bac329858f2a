"""Importing participants from a spreadsheet (django-import-export), through registration.

A row is matched to a participant by identity number (any written form, normalised
to twelve digits). A new participant is registered by `participant_create`, an
existing one changed by `participant_update`: the same checks as the forms (check
digit, consent, a responsible coordinator, duplicates). Consent, coordinators and
the enrolment are read for new participants only; an existing participant's
consents and enrolments are changed on their own pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.fields import Field
from import_export.results import Result, RowResult

from participants.choices import ConsentPurpose, Education, EmploymentStatus, ReferringAuthority
from participants.choices import Sex as SexChoice
from participants.identity import mask, parse_identity_number
from participants.models import EXTENT_CHOICES, Insats, Participant
from participants.services import enrolment_create, participant_create, participant_update
from samordning.import_widgets import (
    ChoiceWidget,
    DateWidget,
    LookupWidget,
    MunicipalityWidget,
    TextWidget,
    as_text,
)
from samordning.imports import SpreadsheetResource
from samordning.models import Municipality, User
from samordning.policy import Role
from samordning.spreadsheets import ROW_COLUMN, TemplateColumn, is_blank

# The participant's own fields that a file may set (the model's names).
MODEL_COLUMNS = (
    "personal_number",
    "first_name",
    "last_name",
    "sex",
    "home_municipality",
    "start_date",
    "referring_authority",
    "employment_status_start",
    "education",
    "wanted_extent",
    "available_from",
    "email",
    "phone",
    "address",
)
# Read for a new participant only.
REGISTRATION_COLUMNS = ("consent_given_on", "coordinators", "insats", "enrolment_start")


class IdentityNumberWidget(widgets.Widget):
    """A personnummer or samordningsnummer in any written form -> twelve digits."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        if is_blank(value):
            return None
        text = as_text(value)
        if isinstance(value, int | float) and len(text) < 10:
            text = text.zfill(10)  # a number cell drops the leading zero of 00MMDD-NNNN
        try:
            return parse_identity_number(text).digits
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return mask(value)


class CoordinatorWidget(LookupWidget):
    """One or more coordinators by user name, separated by comma or semicolon."""

    def __init__(self) -> None:
        super().__init__(User.objects.filter(groups__name=Role.COORDINATOR, is_active=True))

    def keys(self, obj: User) -> Iterable[str]:
        return (obj.username,)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[User]:  # type: ignore[override]
        if is_blank(value):
            return []
        chosen = []
        for name in (n.strip() for n in re.split(r"[,;]", as_text(value))):
            if not name:
                continue
            user = self.index().get(name.casefold())
            if user is None:
                raise ValueError(
                    _("Ingen koordinator har användarnamnet %(name)s.") % {"name": name}
                )
            chosen.append(user)
        return chosen

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ""


class InsatsWidget(LookupWidget):
    def __init__(self) -> None:
        super().__init__(Insats.objects.all())
        self.not_found = _("Okänd insats. Ange insatsens namn.")

    def keys(self, obj: Insats) -> Iterable[str]:
        return (obj.name,)


def _text(column: str, attribute: str) -> Field:
    return Field(attribute=attribute, column_name=column, widget=TextWidget())


class ParticipantResource(SpreadsheetResource):
    kind = "participants"
    masked_columns = ("Personnummer",)
    header_aliases = {
        "personnummer/samordningsnummer": "Personnummer",
        "kommun": "Folkbokföringskommun",
    }
    error_keys = {"consent_purposes": "consent_given_on"}

    personal_number = Field(
        attribute="personal_number", column_name="Personnummer", widget=IdentityNumberWidget()
    )
    first_name = _text("Förnamn", "first_name")
    last_name = _text("Efternamn", "last_name")
    sex = Field(attribute="sex", column_name="Kön", widget=ChoiceWidget(SexChoice.choices))
    home_municipality = Field(
        attribute="home_municipality",
        column_name="Folkbokföringskommun",
        widget=MunicipalityWidget(),
    )
    start_date = Field(attribute="start_date", column_name="Startdatum", widget=DateWidget())
    referring_authority = Field(
        attribute="referring_authority",
        column_name="Remitterande myndighet",
        widget=ChoiceWidget(ReferringAuthority.choices),
    )
    employment_status_start = Field(
        attribute="employment_status_start",
        column_name="Sysselsättning vid start",
        widget=ChoiceWidget(EmploymentStatus.choices),
    )
    education = Field(
        attribute="education",
        column_name="Utbildningsnivå",
        widget=ChoiceWidget(Education.choices, blank=Education.UNKNOWN),
    )
    wanted_extent = Field(
        attribute="wanted_extent",
        column_name="Önskad omfattning",
        widget=ChoiceWidget(EXTENT_CHOICES, blank=50),
    )
    available_from = Field(attribute="available_from", column_name="Kan börja", widget=DateWidget())
    email = _text("E-post", "email")
    phone = _text("Telefon", "phone")
    address = _text("Adress", "address")
    consent_given_on = Field(column_name="Samtycke lämnat", widget=DateWidget())
    coordinators = Field(column_name="Koordinator", widget=CoordinatorWidget())
    insats = Field(column_name="Insats", widget=InsatsWidget())
    enrolment_start = Field(column_name="Inskriven från", widget=DateWidget())

    class Meta:
        model = Participant
        fields = (*MODEL_COLUMNS, *REGISTRATION_COLUMNS)
        import_order = (*MODEL_COLUMNS, *REGISTRATION_COLUMNS)
        export_order = (*MODEL_COLUMNS,)
        import_id_fields = ("personal_number",)
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = False
        use_transactions = True

    # Rows that say a number is registered: "changed" and "unchanged", and a row with
    # errors too. It shows the file's cells and errors about them, nothing stored, but a
    # new person's row is held to more rules (consent, coordinator, name): a row without
    # those and with a bad e-mail has one error if its number is registered, four if
    # not. (A row whose cells alone are wrong reads the same either way; it is logged
    # too, rather than telling the two apart.) A row that could not be saved ("error")
    # shows no rule and is not logged.
    KNOWN_ROWS = (
        RowResult.IMPORT_TYPE_UPDATE,
        RowResult.IMPORT_TYPE_SKIP,
        RowResult.IMPORT_TYPE_INVALID,
    )

    def preview_subject_ids(self, result: Result) -> list[int]:
        # An invalid row has no object_id (import-export sets it after a save): the
        # person its number matched is kept per row by after_init_instance. Every row
        # is in result.rows, in the file's order (report_skipped; build_preview too).
        return [
            self._matched[number]
            for number, row in enumerate(result.rows, start=1)
            if row.import_type in self.KNOWN_ROWS and number in self._matched
        ]

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        super().before_import(dataset, **kwargs)
        self._seen: dict[str, Any] = {}
        self._matched: dict[int, int] = {}  # the file's row (1, 2, ...) -> the person

    def after_init_instance(
        self, instance: Participant, new: bool, row: Any, **kwargs: Any
    ) -> None:
        super().after_init_instance(instance, new, row, **kwargs)
        if not new and instance.pk is not None:
            self._matched[kwargs["row_number"]] = instance.pk

    def import_instance(self, instance: Participant, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        extra: dict[str, Any] = {}
        for name in REGISTRATION_COLUMNS:
            column = self.fields[name].column_name
            if column in row:
                try:
                    extra[name] = self.fields[name].widget.clean(row[column])
                except ValueError as error:
                    errors[name] = [str(error)]
        instance._import_extra = extra  # type: ignore[attr-defined]
        number = instance.personal_number
        if number and "personal_number" not in errors:
            first = self._seen.setdefault(number, row.get(ROW_COLUMN))
            if first != row.get(ROW_COLUMN):
                errors["personal_number"] = [
                    _("Samma nummer finns redan på rad %(row)s i filen.") % {"row": first}
                ]
        if errors:
            raise ValidationError(errors)

    def save_instance(
        self, instance: Participant, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        assert self.user is not None
        fields = {
            name: getattr(instance, name)
            for name in MODEL_COLUMNS
            if self.fields[name].column_name in row
        }
        extra: dict[str, Any] = getattr(instance, "_import_extra", {})
        if not is_create:
            participant_update(
                participant=instance, user=self.user, fields=fields, request=self.request
            )
            return
        consent_on = extra.get("consent_given_on")
        created = participant_create(
            user=self.user,
            is_anonymous=False,
            fields=fields,
            coordinators=extra.get("coordinators") or [],
            consent_purposes=[ConsentPurpose.REGISTRATION] if consent_on else [],
            consent_given_on=consent_on,
            request=self.request,
        )
        instance.pk = created.pk
        if extra.get("insats") is not None:
            try:
                enrolment_create(
                    participant=created,
                    user=self.user,
                    insats=extra["insats"],
                    start_date=extra.get("enrolment_start") or created.start_date,
                    request=self.request,
                )
            except ValidationError as error:
                # The enrolment's own field names would point at the participant's columns.
                raise ValidationError({"enrolment_start": error.messages}) from None

    def template_columns(self) -> list[TemplateColumn]:
        first_municipality = Municipality.objects.order_by("code").first()
        first_insats = Insats.objects.order_by("-start_date").first()
        return [
            TemplateColumn(
                "Personnummer",
                "19121212-1212",
                help=_("Personnummer eller samordningsnummer, tio eller tolv siffror. Krävs."),
            ),
            TemplateColumn("Förnamn", "Tolvan", help=_("Krävs.")),
            TemplateColumn("Efternamn", "Tolvansson", help=_("Krävs.")),
            TemplateColumn(
                "Kön",
                "",
                choices=[str(label) for _c, label in SexChoice.choices],
                help=_("Tomt: enligt personnumret."),
            ),
            TemplateColumn(
                "Folkbokföringskommun",
                first_municipality.code if first_municipality else "0136",
                help=_("Kommunkod eller namn."),
            ),
            TemplateColumn("Startdatum", "2026-01-15", help=_("ÅÅÅÅ-MM-DD.")),
            TemplateColumn(
                "Remitterande myndighet",
                str(ReferringAuthority.ARBETSFORMEDLINGEN.label),
                choices=[str(label) for _c, label in ReferringAuthority.choices],
            ),
            TemplateColumn(
                "Sysselsättning vid start",
                "",
                choices=[str(label) for _c, label in EmploymentStatus.choices],
            ),
            TemplateColumn(
                "Utbildningsnivå",
                str(Education.SECONDARY.label),
                choices=[str(label) for _c, label in Education.choices],
            ),
            TemplateColumn(
                "Önskad omfattning", "50 %", choices=[label for _c, label in EXTENT_CHOICES]
            ),
            TemplateColumn("Kan börja", "", help=_("ÅÅÅÅ-MM-DD.")),
            TemplateColumn("E-post", "tolvan@example.se"),
            TemplateColumn("Telefon", "070-123 45 67"),
            TemplateColumn("Adress", ""),
            TemplateColumn(
                "Samtycke lämnat",
                "2026-01-15",
                help=_("Datum för samtycke till registrering. Krävs för nya deltagare."),
            ),
            TemplateColumn(
                "Koordinator",
                "",
                help=_("Ansvarig koordinators användarnamn; flera skiljs med komma."),
            ),
            TemplateColumn(
                "Insats",
                first_insats.name if first_insats else "",
                help=_("Insatsens namn, om deltagaren ska skrivas in."),
            ),
            TemplateColumn("Inskriven från", "", help=_("Tomt: startdatum.")),
        ]
