"""Back office for participants, consents, insatser and enrolments.

Personal identity numbers are shown masked in every list and are not a search
field: a partial number would let anyone fish for people born on a given day.
Typing a complete, valid number finds that one person (see
ParticipantAdmin.get_search_results). The change form shows the number, and
opening it is written to the audit log like any other read of the record.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from participants.identity import mask, parse_identity_number
from participants.models import (
    Consent,
    Enrolment,
    EsfParticipantData,
    Insats,
    Parking,
    Participant,
    ParticipantSupportSource,
    ResponsibilityChange,
)
from participants.resources import ParticipantResource
from samordning.admin import AuditedAdminMixin, NoBulkDeleteMixin, ViewOnlyAdminMixin
from samordning.import_admin import SpreadsheetImportMixin

PARTICIPANT_SEARCH = ("participant__first_name", "participant__last_name")


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("purpose", "given_on", "withdrawn_on", "recorded_by", "note")
    # Withdrawal goes through the participant page: it may anonymise the person.
    readonly_fields = ("withdrawn_on",)
    autocomplete_fields = ("recorded_by",)


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    fields = ("insats", "start_date", "end_date", "end_reason", "outcome")
    autocomplete_fields = ("insats",)
    show_change_link = True
    # Placements point at enrolments: end an enrolment, don't remove it.
    can_delete = False


class SupportSourceInline(admin.TabularInline):
    model = ParticipantSupportSource
    extra = 0
    fields = ("phase", "source")


@admin.register(Insats)
class InsatsAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "orientation",
        "esf_funded",
        "start_date",
        "end_date",
        "budget_per_year",
        "planned_participants_per_year",
    )
    list_filter = ("orientation", "esf_funded", "start_date")
    search_fields = ("name", "target_group")
    date_hierarchy = "start_date"


@admin.register(Participant)
class ParticipantAdmin(
    SpreadsheetImportMixin, AuditedAdminMixin, NoBulkDeleteMixin, admin.ModelAdmin
):
    audit_subject_path = "pk"
    # Import only: exports of people are the logged caseload export.
    resource_classes = [ParticipantResource]
    # The columns fit a 1280 px screen beside the filters (tests/browser/test_layout.py);
    # an anonymous registration is named so, and is a filter.
    list_display = (
        "__str__",
        "masked_number",
        "sex",
        "birth_year",
        "home_municipality",
        "referring_authority",
        "start_date",
    )
    list_display_links = ("__str__",)
    list_filter = (
        "sex",
        "is_anonymous",
        "home_municipality",
        "referring_authority",
        "education",
        "start_date",
    )
    # Deliberately without personal_number: see the module docstring.
    search_fields = ("first_name", "last_name", "email")
    search_help_text = _("Sök på namn, e-post eller ett fullständigt personnummer.")
    list_select_related = ("home_municipality",)
    autocomplete_fields = ("home_municipality", "coordinators", "interests", "created_by")
    readonly_fields = ("created_at", "updated_at", "anonymised_at")
    # No date_hierarchy: its year links come from SELECT DISTINCT over the whole table
    # (a full scan at national scale); the date list filter narrows by index instead.
    inlines = [ConsentInline, EnrolmentInline, SupportSourceInline]

    @admin.display(description=_("personnummer"), ordering="personal_number")
    def masked_number(self, obj: Participant) -> str:
        return mask(obj.personal_number)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Participant], search_term: str
    ) -> tuple[QuerySet[Participant], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            number = parse_identity_number(search_term)
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(personal_number=number.digits), may_have_duplicates

    # Reads (changelist and change page) are logged by AuditedAdminMixin.


class ParticipantPartAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Rows that belong to one participant: changes are logged on the participant."""

    def audit_target(self, obj: Any) -> Any:
        return obj.participant


@admin.register(ParticipantSupportSource)
class ParticipantSupportSourceAdmin(ParticipantPartAdmin):
    list_display = ("participant", "phase", "source")
    list_filter = ("phase", "source")
    search_fields = PARTICIPANT_SEARCH
    list_select_related = ("participant",)
    autocomplete_fields = ("participant",)


@admin.register(Consent)
class ConsentAdmin(ParticipantPartAdmin):
    list_display = ("participant", "purpose", "given_on", "withdrawn_on", "recorded_by")
    # Withdrawal goes through the participant page: it may anonymise the person.
    readonly_fields = ("withdrawn_on",)
    list_filter = ("purpose", "given_on", "withdrawn_on")
    search_fields = (*PARTICIPANT_SEARCH, "note")
    list_select_related = ("participant", "recorded_by")
    autocomplete_fields = ("participant", "recorded_by")
    # No date_hierarchy: its year links come from SELECT DISTINCT over the whole table
    # (a full scan at national scale); the date list filter narrows by index instead.


@admin.register(Enrolment)
class EnrolmentAdmin(ParticipantPartAdmin):
    list_display = ("participant", "insats", "start_date", "end_date", "end_reason", "outcome")
    list_filter = ("insats", "end_reason", "outcome", "start_date")
    search_fields = (*PARTICIPANT_SEARCH, "insats__name")
    list_select_related = ("participant", "insats")
    autocomplete_fields = ("participant", "insats")
    # No date_hierarchy: its year links come from SELECT DISTINCT over the whole table
    # (a full scan at national scale); the date list filter narrows by index instead.

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrolment]:
        # __str__ names the participant and the insats (autocomplete lists it).
        return super().get_queryset(request).select_related("participant", "insats")


@admin.register(Parking)
class ParkingAdmin(ParticipantPartAdmin):
    list_display = ("participant", "reason", "since", "until", "ended_on", "created_by")
    list_filter = ("reason", "since", "until")
    search_fields = PARTICIPANT_SEARCH
    list_select_related = ("participant", "created_by")
    autocomplete_fields = ("participant", "created_by", "ended_by")
    date_hierarchy = "since"


@admin.register(ResponsibilityChange)
class ResponsibilityChangeAdmin(ViewOnlyAdminMixin, ParticipantPartAdmin):
    """The history of responsible coordinators: written by the handover only."""

    list_display = ("participant", "from_user", "to_user", "changed_at", "changed_by")
    list_filter = ("changed_at",)
    search_fields = PARTICIPANT_SEARCH
    list_select_related = ("participant", "from_user", "to_user", "changed_by")
    readonly_fields = ("participant", "from_user", "to_user", "changed_at", "changed_by", "note")


@admin.register(EsfParticipantData)
class EsfParticipantDataAdmin(ParticipantPartAdmin):
    """ESF+ answers (GDPR art. 9): reads and changes logged on the participant."""

    audit_subject_path = "enrolment__participant_id"
    list_display = ("enrolment", "entry_recorded_on", "exit_recorded_on", "six_months_recorded_on")
    list_filter = ("enrolment__insats",)
    search_fields = tuple(f"enrolment__{path}" for path in PARTICIPANT_SEARCH)
    list_select_related = ("enrolment__participant", "enrolment__insats")
    autocomplete_fields = ("enrolment",)

    def audit_target(self, obj: Any) -> Any:
        return obj.enrolment.participant

    def get_queryset(self, request: HttpRequest) -> QuerySet[EsfParticipantData]:
        return (
            super()
            .get_queryset(request)
            .select_related("enrolment__participant", "enrolment__insats")
        )
