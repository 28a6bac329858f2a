"""Importing enterprises, annual figures and training offers from spreadsheets.

Enterprises are matched by organisationsnummer, annual figures by enterprise and
year, offers by enterprise and title: a match is updated, never duplicated. Rows
are written by the services in `enterprises.services`. The enterprise column of
annual figures and offers only finds enterprises the importing user may edit, so
a manager's row naming another enterprise is an error.

Lowering an existing offer's number of places needs the places already held,
which live in placements: `placements.resources.OfferCapacityResource` does that.
Here an existing offer's capacity may only grow.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.fields import Field

from enterprises.models import (
    AnnualFigure,
    CapacityChange,
    Enterprise,
    Extent,
    LegalForm,
    OfferStatus,
    TrainingOffer,
)
from enterprises.services import (
    ADMIN_ENTERPRISE_FIELDS,
    annual_figure_save,
    enterprise_create,
    enterprise_update,
    offer_create,
    offer_fields_for,
    offer_pause,
    offer_reopen,
    offer_update,
)
from enterprises.validators import format_org_number, normalise_org_number
from samordning import policy
from samordning.import_widgets import (
    BooleanWidget,
    BusinessAreaWidget,
    ChoiceWidget,
    DateWidget,
    DecimalWidget,
    IntegerWidget,
    LookupWidget,
    MunicipalityWidget,
    TextWidget,
    as_text,
)
from samordning.imports import SpreadsheetResource
from samordning.models import BusinessArea, Municipality
from samordning.spreadsheets import TemplateColumn, is_blank


class OrgNumberWidget(widgets.Widget):
    """An organisationsnummer in any written form -> ten digits."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        if is_blank(value):
            return None
        try:
            return normalise_org_number(as_text(value))
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return format_org_number(value or "")


class EnterpriseWidget(LookupWidget):
    """The enterprise named by org.nr, among those the user may edit (set per import)."""

    def __init__(self) -> None:
        super().__init__(Enterprise.objects.none())
        self.not_found = _("Organisationsnumret hör inte till något av dina företag.")

    def keys(self, obj: Enterprise) -> Iterable[str]:
        return (obj.org_number,)

    def normalise(self, text: str) -> str:
        try:
            return normalise_org_number(text)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.org_number_display if value is not None else ""


class BusinessAreasWidget(widgets.Widget):
    """Several business areas by name, separated by comma or semicolon."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[BusinessArea]:
        if is_blank(value):
            return []
        known = {a.name.casefold(): a for a in BusinessArea.objects.all()}
        known.update({a.code.casefold(): a for a in known.values()})
        chosen = []
        for name in as_text(value).replace(";", ",").split(","):
            if not name.strip():
                continue
            area = known.get(name.strip().casefold())
            if area is None:
                raise ValueError(_("Okänt verksamhetsområde: %(name)s.") % {"name": name.strip()})
            chosen.append(area)
        return chosen

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ", ".join(a.name for a in value) if value else ""


def _labels(choices: Iterable[tuple[Any, Any]]) -> list[str]:
    return [str(label) for _c, label in choices]


class ScopedResource(SpreadsheetResource):
    """Resources with an enterprise column: only the user's editable enterprises match."""

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        super().before_import(dataset, **kwargs)
        widget = self.fields["enterprise"].widget
        assert isinstance(widget, EnterpriseWidget)
        widget.queryset = (
            Enterprise.objects.editable_by(self.user) if self.user else Enterprise.objects.none()
        )
        widget._index = None
        if self.user is not None and policy.is_admin(self.user):
            widget.not_found = _("Inget företag med det organisationsnumret finns registrerat.")

    def get_queryset(self) -> Any:
        model = self._meta.model
        if self.user is None:
            return model.objects.none()
        return model.objects.filter(enterprise__in=Enterprise.objects.editable_by(self.user))


# --- enterprises ----------------------------------------------------------------------

ENTERPRISE_COLUMNS = (
    "org_number",
    "name",
    "legal_form",
    "municipality",
    "founded_year",
    "description",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "criterion_integration",
    "criterion_participation",
    "criterion_reinvests",
    "criterion_independent",
)


class EnterpriseResource(SpreadsheetResource):
    kind = "enterprises"

    org_number = Field(
        attribute="org_number", column_name="Organisationsnummer", widget=OrgNumberWidget()
    )
    name = Field(attribute="name", column_name="Namn", widget=TextWidget())
    legal_form = Field(
        attribute="legal_form", column_name="Juridisk form", widget=ChoiceWidget(LegalForm.choices)
    )
    municipality = Field(
        attribute="municipality", column_name="Kommun", widget=MunicipalityWidget()
    )
    founded_year = Field(attribute="founded_year", column_name="Startår", widget=IntegerWidget())
    description = Field(attribute="description", column_name="Beskrivning", widget=TextWidget())
    address = Field(attribute="address", column_name="Adress", widget=TextWidget())
    contact_name = Field(attribute="contact_name", column_name="Kontaktperson", widget=TextWidget())
    contact_email = Field(attribute="contact_email", column_name="E-post", widget=TextWidget())
    contact_phone = Field(attribute="contact_phone", column_name="Telefon", widget=TextWidget())
    website = Field(attribute="website", column_name="Webbplats", widget=TextWidget())
    criterion_integration = Field(
        attribute="criterion_integration",
        column_name="Integrerar människor i arbetsliv",
        widget=BooleanWidget(),
    )
    criterion_participation = Field(
        attribute="criterion_participation",
        column_name="Medarbetarna är delaktiga",
        widget=BooleanWidget(),
    )
    criterion_reinvests = Field(
        attribute="criterion_reinvests",
        column_name="Återinvesterar vinsten",
        widget=BooleanWidget(),
    )
    criterion_independent = Field(
        attribute="criterion_independent",
        column_name="Fristående från offentlig sektor",
        widget=BooleanWidget(),
    )
    # Read in import_instance and set by the services (a many-to-many relation).
    business_areas = Field(column_name="Verksamhetsområden", widget=BusinessAreasWidget())

    class Meta:
        model = Enterprise
        fields = (*ENTERPRISE_COLUMNS, "business_areas")
        import_order = (*ENTERPRISE_COLUMNS, "business_areas")
        export_order = (*ENTERPRISE_COLUMNS, "business_areas")
        import_id_fields = ("org_number",)
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = False
        use_transactions = True

    def import_instance(self, instance: Enterprise, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        column = self.fields["business_areas"].column_name
        try:
            areas = self.fields["business_areas"].widget.clean(row.get(column))
        except ValueError as error:
            errors["business_areas"] = [str(error)]
            areas = []
        instance._import_areas = areas if column in row else None  # type: ignore[attr-defined]
        if errors:
            raise ValidationError(errors)

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:  # noqa: E501
        areas = getattr(instance, "_import_areas", None)
        if (
            areas
            and original.pk
            and {a.pk for a in areas} != {a.pk for a in original.business_areas.all()}
        ):
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def save_instance(self, instance: Enterprise, is_create: bool, row: Any, **kwargs: Any) -> None:
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        assert self.user is not None
        data = {name: getattr(instance, name) for name in ADMIN_ENTERPRISE_FIELDS}
        if is_create:
            areas = getattr(instance, "_import_areas", None) or []
            created = enterprise_create(user=self.user, data=data, business_areas=areas)
            instance.pk = created.pk
        else:
            areas = getattr(instance, "_import_areas", None) or None
            enterprise_update(enterprise=instance, user=self.user, data=data, business_areas=areas)

    def dehydrate_business_areas(self, enterprise: Enterprise) -> str:
        return ", ".join(a.name for a in enterprise.business_areas.all())

    def template_columns(self) -> list[TemplateColumn]:
        yes_no = [_("Ja"), _("Nej")]
        first = Municipality.objects.order_by("code").first()
        return [
            TemplateColumn("Organisationsnummer", "769612-3456", help=_("Tio siffror. Krävs.")),
            TemplateColumn("Namn", "Café Tyresö ekonomisk förening", help=_("Krävs.")),
            TemplateColumn(
                "Juridisk form",
                str(LegalForm.ECONOMIC_ASSOCIATION.label),
                choices=_labels(LegalForm.choices),
            ),
            TemplateColumn("Kommun", first.code if first else "0138", help=_("Kod eller namn.")),
            TemplateColumn("Startår", 2012),
            TemplateColumn("Beskrivning", ""),
            TemplateColumn("Adress", ""),
            TemplateColumn("Kontaktperson", ""),
            TemplateColumn("E-post", "info@example.se"),
            TemplateColumn("Telefon", ""),
            TemplateColumn("Webbplats", ""),
            TemplateColumn("Integrerar människor i arbetsliv", "Ja", choices=yes_no),
            TemplateColumn("Medarbetarna är delaktiga", "Ja", choices=yes_no),
            TemplateColumn("Återinvesterar vinsten", "Ja", choices=yes_no),
            TemplateColumn("Fristående från offentlig sektor", "Ja", choices=yes_no),
            TemplateColumn(
                "Verksamhetsområden",
                "",
                help=_("Namn på verksamhetsområden, skilda med komma."),
            ),
        ]


# --- annual figures -------------------------------------------------------------------


class AnnualFigureResource(ScopedResource):
    kind = "annual_figures"

    enterprise = Field(
        attribute="enterprise", column_name="Organisationsnummer", widget=EnterpriseWidget()
    )
    year = Field(attribute="year", column_name="År", widget=IntegerWidget())
    turnover_sek = Field(
        attribute="turnover_sek", column_name="Omsättning (kr)", widget=DecimalWidget()
    )
    employees = Field(attribute="employees", column_name="Anställda", widget=IntegerWidget())
    employees_target_group = Field(
        attribute="employees_target_group",
        column_name="Anställda ur målgruppen",
        widget=IntegerWidget(),
    )

    class Meta:
        model = AnnualFigure
        fields = ("enterprise", "year", "turnover_sek", "employees", "employees_target_group")
        import_id_fields = ("enterprise", "year")
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = False
        use_transactions = True

    def save_instance(
        self, instance: AnnualFigure, is_create: bool, row: Any, **kwargs: Any
    ) -> None:  # noqa: E501
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        assert self.user is not None
        missing = {
            name: [_("Ange ett värde.")]
            for name in ("enterprise", "year", "turnover_sek")
            if getattr(instance, name if name != "enterprise" else "enterprise_id") is None
        }
        if missing:
            raise ValidationError(missing)
        saved = annual_figure_save(
            enterprise=instance.enterprise,
            user=self.user,
            year=instance.year,
            turnover_sek=instance.turnover_sek,
            employees=instance.employees or 0,
            employees_target_group=instance.employees_target_group or 0,
            figure=None if is_create else instance,
        )
        instance.pk = saved.pk

    def template_columns(self) -> list[TemplateColumn]:
        return [
            TemplateColumn("Organisationsnummer", "769612-3456", help=_("Krävs.")),
            TemplateColumn("År", timezone.localdate().year - 1, help=_("Krävs.")),
            TemplateColumn(
                "Omsättning (kr)", "1 250 000", help=_("Hela kronor; mellanslag och komma går bra.")
            ),
            TemplateColumn("Anställda", 12),
            TemplateColumn("Anställda ur målgruppen", 7),
        ]


# --- training offers ------------------------------------------------------------------

OFFER_COLUMNS = (
    "enterprise",
    "title",
    "business_area",
    "municipality",
    "location",
    "tasks",
    "physical_demands",
    "adaptations_possible",
    "min_extent",
    "max_extent",
    "supervisor_name",
    "supervisor_contact",
    "capacity",
    "free_from",
    "status",
    "price_per_day",
)


class TrainingOfferResource(ScopedResource):
    kind = "offers"

    enterprise = Field(
        attribute="enterprise", column_name="Organisationsnummer", widget=EnterpriseWidget()
    )
    title = Field(attribute="title", column_name="Benämning", widget=TextWidget())
    business_area = Field(
        attribute="business_area", column_name="Verksamhetsområde", widget=BusinessAreaWidget()
    )
    municipality = Field(
        attribute="municipality", column_name="Kommun", widget=MunicipalityWidget()
    )
    location = Field(attribute="location", column_name="Adress/plats", widget=TextWidget())
    tasks = Field(attribute="tasks", column_name="Arbetsuppgifter", widget=TextWidget())
    physical_demands = Field(
        attribute="physical_demands", column_name="Fysiska krav", widget=TextWidget()
    )
    adaptations_possible = Field(
        attribute="adaptations_possible", column_name="Möjliga anpassningar", widget=TextWidget()
    )
    min_extent = Field(
        attribute="min_extent",
        column_name="Lägsta omfattning",
        widget=ChoiceWidget(Extent.choices, blank=Extent.QUARTER),
    )
    max_extent = Field(
        attribute="max_extent",
        column_name="Högsta omfattning",
        widget=ChoiceWidget(Extent.choices, blank=Extent.FULL),
    )
    supervisor_name = Field(
        attribute="supervisor_name", column_name="Handledare", widget=TextWidget()
    )
    supervisor_contact = Field(
        attribute="supervisor_contact", column_name="Handledarens kontakt", widget=TextWidget()
    )
    capacity = Field(attribute="capacity", column_name="Antal platser", widget=IntegerWidget())
    free_from = Field(attribute="free_from", column_name="Ledig från", widget=DateWidget())
    status = Field(
        attribute="status",
        column_name="Status",
        widget=ChoiceWidget(OfferStatus.choices, blank=OfferStatus.OPEN),
    )
    price_per_day = Field(
        attribute="price_per_day", column_name="Pris per närvarodag (kr)", widget=DecimalWidget()
    )

    class Meta:
        model = TrainingOffer
        fields = OFFER_COLUMNS
        import_order = OFFER_COLUMNS
        export_order = OFFER_COLUMNS
        import_id_fields = ("enterprise", "title")
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = False
        use_transactions = True

    def set_capacity(
        self, offer: TrainingOffer, capacity: int, free_from: datetime.date | None
    ) -> None:
        """Change an existing offer's places. Here only upwards (see the module docstring);
        a raise is kept as a CapacityChange, as on the capacity page (the history is what
        a past day's places are judged by)."""
        old_capacity = offer.capacity
        if capacity < old_capacity:
            raise ValidationError(
                {"capacity": _("Sänk antalet platser på platsens sida, där lovade platser räknas.")}
            )
        offer.capacity = capacity
        if free_from is not None:
            offer.free_from = free_from
        offer.last_confirmed = timezone.localdate()
        offer.full_clean()
        offer.save(update_fields=["capacity", "free_from", "last_confirmed", "updated_at"])
        if capacity != old_capacity:
            CapacityChange.objects.create(
                offer=offer, changed_by=self.user, old_capacity=old_capacity, new_capacity=capacity
            )

    def save_instance(
        self, instance: TrainingOffer, is_create: bool, row: Any, **kwargs: Any
    ) -> None:  # noqa: E501
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        assert self.user is not None
        allowed = offer_fields_for(self.user)
        data = {name: getattr(instance, name) for name in allowed}
        price_column = self.fields["price_per_day"].column_name
        if "price_per_day" not in allowed and not is_blank(row.get(price_column)):
            stored = (
                TrainingOffer._meta.get_field("price_per_day").get_default()
                if is_create
                else TrainingOffer.objects.get(pk=instance.pk).price_per_day
            )
            if instance.price_per_day != stored:
                raise ValidationError(
                    {"price_per_day": _("Priset per närvarodag sätts av förbundet.")}
                )
        if is_create:
            created = offer_create(
                enterprise=instance.enterprise,
                user=self.user,
                data=data,
                capacity=instance.capacity if instance.capacity is not None else 1,
                free_from=instance.free_from or timezone.localdate(),
            )
            instance.pk = created.pk
            if instance.status == OfferStatus.PAUSED:
                offer_pause(offer=created, user=self.user)
            return
        stored_offer = TrainingOffer.objects.get(pk=instance.pk)
        offer = offer_update(offer=instance, user=self.user, data=data)
        if instance.capacity is not None and (
            instance.capacity != stored_offer.capacity
            or instance.free_from != stored_offer.free_from
        ):
            self.set_capacity(offer, instance.capacity, instance.free_from)
        if instance.status != stored_offer.status:
            if instance.status == OfferStatus.PAUSED:
                offer_pause(offer=offer, user=self.user)
            else:
                offer_reopen(offer=offer, user=self.user)

    def template_columns(self) -> list[TemplateColumn]:
        extents = _labels(Extent.choices)
        areas = list(BusinessArea.objects.values_list("name", flat=True))
        first = Municipality.objects.order_by("code").first()
        return [
            TemplateColumn("Organisationsnummer", "769612-3456", help=_("Ditt företags. Krävs.")),
            TemplateColumn("Benämning", "Café Tyresö, kök", help=_("Krävs.")),
            TemplateColumn(
                "Verksamhetsområde", areas[0] if areas else "", choices=areas, help=_("Krävs.")
            ),
            TemplateColumn("Kommun", first.code if first else "0138", help=_("Kod eller namn.")),
            TemplateColumn("Adress/plats", ""),
            TemplateColumn("Arbetsuppgifter", ""),
            TemplateColumn("Fysiska krav", ""),
            TemplateColumn("Möjliga anpassningar", ""),
            TemplateColumn("Lägsta omfattning", extents[0], choices=extents),
            TemplateColumn("Högsta omfattning", extents[-1], choices=extents),
            TemplateColumn("Handledare", ""),
            TemplateColumn("Handledarens kontakt", ""),
            TemplateColumn("Antal platser", 2),
            TemplateColumn("Ledig från", timezone.localdate().isoformat()),
            TemplateColumn(
                "Status", str(OfferStatus.OPEN.label), choices=_labels(OfferStatus.choices)
            ),
            TemplateColumn(
                "Pris per närvarodag (kr)", "150,00", help=_("Sätts av förbundet; tomt: 150 kr.")
            ),
        ]
