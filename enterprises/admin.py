"""Back office for enterprises, their agreements, annual figures and offers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from enterprises.models import (
    AnnualFigure,
    CapacityChange,
    DevelopmentComment,
    DevelopmentGoal,
    Enterprise,
    EnterpriseAgreement,
    Milestone,
    SupportActivity,
    TrainingOffer,
)
from enterprises.resources import AnnualFigureResource, EnterpriseResource, TrainingOfferResource
from samordning.admin import (
    FormColumnsOnlyForm,
    FormColumnsOnlyMixin,
    NoBulkDeleteMixin,
    ViewOnlyAdminMixin,
)
from samordning.import_admin import SpreadsheetImportExportMixin


class TrainingOfferInline(admin.TabularInline):
    model = TrainingOffer
    # Writes only the columns shown editable: never a capacity read before a change
    # made meanwhile (samordning.admin.FormColumnsOnlyMixin).
    form = FormColumnsOnlyForm
    extra = 0
    fields = (
        "title",
        "business_area",
        "municipality",
        "capacity",
        "status",
        "free_from",
        "min_extent",
        "max_extent",
        "price_per_day",
        "last_confirmed",
    )
    # Capacity and free-from change on the capacity page (offer_set_capacity:
    # checked against held places, kept as history); offers are created on the
    # enterprise's pages, which record the first capacity.
    readonly_fields = ("capacity", "free_from")
    autocomplete_fields = ("business_area", "municipality")
    show_change_link = True
    # Offers carry placements: removing one is a decision for its own page.
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AnnualFigureInline(admin.TabularInline):
    model = AnnualFigure
    extra = 0
    fields = ("year", "turnover_sek", "employees", "employees_target_group")


class EnterpriseAgreementInline(admin.TabularInline):
    model = EnterpriseAgreement
    extra = 0
    fields = ("agreement_type", "counterparty", "valid_from", "valid_to", "note")


@admin.register(Enterprise)
class EnterpriseAdmin(SpreadsheetImportExportMixin, NoBulkDeleteMixin, admin.ModelAdmin):
    resource_classes = [EnterpriseResource]
    list_display = (
        "name",
        "org_number_display",
        "legal_form",
        "municipality",
        "meets_asf_criteria",
        "created_at",
    )
    list_filter = ("legal_form", "municipality", "business_areas")
    search_fields = ("name", "org_number", "contact_name", "contact_email")
    list_select_related = ("municipality",)
    autocomplete_fields = ("municipality", "business_areas", "managers")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = (TrainingOfferInline, AnnualFigureInline, EnterpriseAgreementInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "org_number",
                    "legal_form",
                    "municipality",
                    "business_areas",
                    "founded_year",
                    "description",
                )
            },
        ),
        (
            _("Kontakt"),
            {"fields": ("address", "contact_name", "contact_email", "contact_phone", "website")},
        ),
        (
            _("Kriterier för arbetsintegrerande sociala företag"),
            {
                "fields": (
                    "criterion_integration",
                    "criterion_participation",
                    "criterion_reinvests",
                    "criterion_independent",
                )
            },
        ),
        (_("Företagsledare"), {"fields": ("managers",)}),
        (_("Registrering"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("organisationsnummer"), ordering="org_number")
    def org_number_display(self, obj: Enterprise) -> str:
        return obj.org_number_display

    @admin.display(description=_("uppfyller ASF-kriterierna"), boolean=True)
    def meets_asf_criteria(self, obj: Enterprise) -> bool:
        return obj.meets_asf_criteria


@admin.register(EnterpriseAgreement)
class EnterpriseAgreementAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "agreement_type", "counterparty", "valid_from", "valid_to")
    list_filter = ("agreement_type", "valid_from")
    search_fields = ("enterprise__name", "counterparty")
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise",)
    date_hierarchy = "valid_from"


@admin.register(AnnualFigure)
class AnnualFigureAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [AnnualFigureResource]
    list_display = ("enterprise", "year", "turnover_sek", "employees", "employees_target_group")
    list_filter = ("year",)
    search_fields = ("enterprise__name",)
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise",)


@admin.register(TrainingOffer)
class TrainingOfferAdmin(
    SpreadsheetImportExportMixin, FormColumnsOnlyMixin, NoBulkDeleteMixin, admin.ModelAdmin
):
    # Capacity may only grow here; lowering it counts held places on the offer's page.
    # The change page writes only the columns it edits, never back a capacity it read
    # before a change made meanwhile (FormColumnsOnlyMixin).
    form = FormColumnsOnlyForm
    resource_classes = [TrainingOfferResource]
    # The columns fit a 1280 px screen beside the filters (tests/browser/test_layout.py);
    # the business area is a filter and on the change page.
    list_display = (
        "title",
        "enterprise",
        "municipality",
        "capacity",
        "status",
        "free_from",
        "last_confirmed",
    )
    list_filter = ("status", "business_area", "municipality", "last_confirmed")
    search_fields = ("title", "enterprise__name", "supervisor_name", "location")
    list_select_related = ("enterprise", "business_area", "municipality")
    autocomplete_fields = ("business_area", "municipality")
    # See TrainingOfferInline: capacity goes through offer_set_capacity, and new
    # offers are made on the enterprise's pages so their first capacity is recorded.
    readonly_fields = ("enterprise", "capacity", "free_from", "created_at", "updated_at")
    date_hierarchy = "free_from"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrainingOffer]:
        # __str__ uses the enterprise's name, so autocomplete needs it joined too. The
        # municipality as well: the changelist leaves list_select_related out when the
        # queryset already selects related rows (then two queries per row for it).
        return super().get_queryset(request).select_related("enterprise", "municipality")


@admin.register(CapacityChange)
class CapacityChangeAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """History written by the capacity services; read-only here."""

    list_display = ("offer", "old_capacity", "new_capacity", "changed_by", "changed_at")
    list_filter = ("changed_at",)
    search_fields = ("offer__title", "offer__enterprise__name", "changed_by__username")
    list_select_related = ("offer", "offer__enterprise", "changed_by")
    date_hierarchy = "changed_at"


# --- enterprise development (the staff pages are /foretag/<pk>/utveckling/) ----------


@admin.register(DevelopmentGoal)
class DevelopmentGoalAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "goal", "target_date", "status", "achieved_on")
    list_filter = ("status", "enterprise")
    search_fields = ("enterprise__name", "goal")
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise", "created_by")


@admin.register(SupportActivity)
class SupportActivityAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "kind", "date", "hours", "taking_part")
    list_filter = ("kind", "enterprise")
    search_fields = ("enterprise__name", "note", "taking_part")
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise", "created_by")
    date_hierarchy = "date"


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "kind", "date")
    list_filter = ("kind", "enterprise")
    search_fields = ("enterprise__name", "note")
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise", "created_by")
    date_hierarchy = "date"


@admin.register(DevelopmentComment)
class DevelopmentCommentAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "author", "created_at")
    search_fields = ("enterprise__name", "text")
    list_select_related = ("enterprise", "author")
    autocomplete_fields = ("enterprise", "author")
