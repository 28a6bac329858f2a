"""Back office for placements, attendance and follow-up meetings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from participants.admin import ParticipantAdmin
from participants.models import Participant
from placements.models import (
    AttendanceDay,
    AttentionCount,
    ClosedMonth,
    FollowUpDue,
    FollowUpMeeting,
    OfferHoldStamp,
    ParticipantActivity,
    Placement,
    PlacementMonth,
    SharedSnapshot,
    WaitingListEntry,
)
from placements.privacy import participant_anonymise, participants_past_retention
from placements.services.attendance import (
    attendance_month_close,
    attendance_month_reopen,
    attendance_months_reopen,
    check_month_closable,
    check_months_open,
)
from placements.services.lifecycle import check_follow_up_dates, check_step
from samordning.admin import (
    AuditedAdminMixin,
    FormColumnsOnlyForm,
    FormColumnsOnlyMixin,
    ModelRulesForm,
    NoBulkDeleteMixin,
    ViewOnlyAdminMixin,
)
from samordning.admin_site import DeleteRulesMixin
from samordning.http import request_user
from samordning.validation import is_db_id

PLACEMENT_SEARCH = (
    "placement__participant__first_name",
    "placement__participant__last_name",
    "placement__offer__title",
    "placement__offer__enterprise__name",
)


class ParticipantPlacementInline(admin.TabularInline):
    """A participant's placements, read-only: they change through their own page."""

    model = Placement
    fk_name = "participant"
    extra = 0
    fields = (
        "offer",
        "placement_type",
        "extent",
        "status",
        "planned_start",
        "planned_end",
        "start_date",
        "end_date",
        "outcome",
    )
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Participant | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Placement]:
        return super().get_queryset(request).select_related("offer", "offer__enterprise")


# The participant page lists placements, but participants must not import
# placements (imports point placements -> participants), so this app extends
# the participant admin with its inline instead.
admin.site.unregister(Participant)


@admin.register(Participant)
class ParticipantWithPlacementsAdmin(ParticipantAdmin):
    inlines = [*ParticipantAdmin.inlines, ParticipantPlacementInline]
    actions = ["anonymise_past_retention"]

    @admin.action(description=_("Anonymisera de valda vars lagringstid har gått ut"))
    def anonymise_past_retention(
        self, request: HttpRequest, queryset: QuerySet[Participant]
    ) -> None:
        """Only those past PARTICIPANT_RETENTION_DAYS are anonymised; the rest are left."""
        eligible = participants_past_retention().filter(pk__in=queryset.values("pk"))
        done = 0
        for participant in eligible:
            participant_anonymise(
                participant=participant, user=request_user(request), request=request
            )
            done += 1
        self.message_user(
            request,
            _(
                "%(done)s av %(selected)s valda deltagare anonymiserades; "
                "övriga är inte förbi lagringstiden."
            )
            % {"done": done, "selected": queryset.count()},
        )


class FollowUpMeetingForm(ModelRulesForm):
    """A follow-up meeting written in the back office keeps the dates the service
    keeps (`check_follow_up_dates`): held by today, not before the placement was
    proposed or the enrolment began, the next meeting within a year.

    A new meeting, or one moved to another placement, also keeps the service's status
    rule (`check_step("follow_up")`): the placement came about, and after its end the
    participant consented to follow-up.

    A meeting whose placement and dates are left as they were is not judged again,
    and one whose next meeting alone changed only by the one-year rule:
    rows written before these rules (or in bulk, by the demo and imports) may break
    them, and correcting their notes must not be refused for a date nobody touched."""

    DATED = frozenset({"placement", "date", "next_meeting"})

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        placement, date = cleaned.get("placement"), cleaned.get("date")
        if placement is None or date is None:
            return cleaned  # a field's own error is already shown
        changed = set(self.changed_data)
        if not self.instance._state.adding and not self.DATED & changed:
            return cleaned
        today = timezone.localdate()
        moved = self.instance._state.adding or "placement" in changed
        if moved:
            # A meeting put on a placement: the service's status and consent rule
            # (it came about; after its end only with consent to follow-up).
            try:
                check_step(placement, "follow_up", today=today)
            except ValidationError as error:
                self.add_error(None, error)
                return cleaned
        # Only the dates touched are judged: a next meeting corrected on an older row
        # is not refused for its meeting's own date.
        judged = {"date", "next_meeting"} if moved or "date" in changed else {"next_meeting"}
        try:
            check_follow_up_dates(
                placement, date=date, next_meeting=cleaned.get("next_meeting"), today=today
            )
        except ValidationError as error:
            kept = {name: errors for name, errors in error.error_dict.items() if name in judged}
            if kept:
                self.add_error(None, ValidationError(kept))
        return cleaned


class FollowUpMeetingInline(admin.StackedInline):
    model = FollowUpMeeting
    form = FollowUpMeetingForm
    extra = 0
    fields = ("date", "attendees", "notes", "next_meeting", "recorded_by", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("recorded_by",)


@admin.register(Placement)
class PlacementAdmin(AuditedAdminMixin, FormColumnsOnlyMixin, NoBulkDeleteMixin, admin.ModelAdmin):
    """Placements change state through the services (capacity is checked under a
    lock there): here the lifecycle fields are read-only, never written back as they
    were read (FormColumnsOnlyMixin: a placement declined meanwhile stays declined),
    and nothing is added."""

    form = FormColumnsOnlyForm

    # The key columns fit a 1280 px screen beside the filters; type, extent, end and
    # outcome are filters and on the change page.
    list_display = (
        "participant",
        "offer",
        "status",
        "planned_start",
        "planned_end",
    )
    list_filter = (
        "status",
        "placement_type",
        "extent",
        "offer__enterprise",
        "end_reason",
        "outcome",
        "planned_start",
    )
    search_fields = (
        "participant__first_name",
        "participant__last_name",
        "offer__title",
        "offer__enterprise__name",
        "supervisor_name",
    )
    list_select_related = ("participant", "offer", "offer__enterprise")
    readonly_fields = (
        "participant",
        "enrolment",
        "offer",
        "status",
        "placement_type",
        "extent",
        "planned_start",
        "planned_end",
        "start_date",
        "end_date",
        "expires_on",
        "proposed_by",
        "proposed_at",
        "answered_by",
        "answered_at",
        "end_reason",
        "outcome",
        "created_at",
        "updated_at",
    )
    inlines = [FollowUpMeetingInline]
    # No date_hierarchy: its year links come from SELECT DISTINCT over the whole table
    # (a full scan at national scale); the date list filter narrows by index instead.

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Placement]:
        # __str__ names the participant and the offer (autocomplete lists it), and the
        # offer's __str__ its enterprise: one join, not a query per row.
        return (
            super()
            .get_queryset(request)
            .select_related("participant", "offer", "offer__enterprise")
        )


class PlacementPartAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Rows that belong to one placement: changes are logged on the placement."""

    audit_subject_path = "placement__participant_id"

    def audit_target(self, obj: Any) -> Any:
        return obj.placement


class AttendanceDayForm(ModelRulesForm):
    """A present day written in the back office keeps the closed months: none is
    added to, moved into or out of, or changed in a month whose invoice basis is
    sent (the office reopens the month first, on purpose and in its history).

    The check takes the months' locks; the admin's change view is one transaction,
    so a month cannot be closed between this check and the save."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        months = {self.cleaned_data["date"]} if self.cleaned_data.get("date") else set()
        if not self.instance._state.adding and self.instance.date:
            months.add(self.instance.date)
        try:
            check_months_open(months)
        except ValidationError as error:
            self.add_error(None, error)
        return self.cleaned_data


@admin.register(AttendanceDay)
class AttendanceDayAdmin(DeleteRulesMixin, PlacementPartAdmin):
    """Present days, for the office's corrections. Days in a closed month are not
    changed or deleted here either (AttendanceDayForm; a delete lists the closed
    month as what protects the day): reopen the month, correct, close it again.
    (DeleteRulesMixin named here, so the site puts it after get_deleted_objects.)"""

    form = AttendanceDayForm
    list_display = ("date", "placement", "recorded_by", "recorded_at")
    list_filter = ("date", "placement__offer__enterprise")
    search_fields = PLACEMENT_SEARCH
    list_select_related = ("placement__participant", "placement__offer", "recorded_by")
    autocomplete_fields = ("placement", "recorded_by")
    readonly_fields = ("recorded_at",)
    # No date_hierarchy: its year links come from SELECT DISTINCT over the whole table
    # (a full scan at national scale); the date list filter narrows by index instead.
    # Newest days first, from attendance_date_idx. The model's order (by placement,
    # that is by the placements' planned start) walked 63,000 placements nationally,
    # most of them not started, to find a page of 50 days (390 ms).
    ordering = ("-date", "-pk")

    def get_deleted_objects(self, objs: Sequence[Any] | QuerySet[Any], request: HttpRequest) -> Any:
        """A day in a closed month is protected by the closing: the confirmation
        names the month and deletes nothing. Checked under the months' locks, in the
        delete's transaction (response_action makes "delete selected" one too)."""
        objs = list(objs)
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for month in sorted({obj.date.replace(day=1) for obj in objs}):
            try:
                check_months_open([month])
            except ValidationError:
                closing = ClosedMonth.objects.get(month=month)
                url = reverse("admin:placements_closedmonth_change", args=[closing.pk])
                protected.append(
                    format_html(
                        '{}: <a href="{}">{}</a>',
                        capfirst(ClosedMonth._meta.verbose_name),
                        url,
                        closing,
                    )
                )
        return deleted, counts, perms_needed, protected

    def response_action(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        action_location: admin.ActionLocation = admin.ActionLocation.CHANGE_LIST,
    ) -> Any:
        # "Delete selected" checks the closed months and deletes in one transaction.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().response_action(request, queryset, action_location)


class ClosedMonthForm(FormColumnsOnlyForm):
    """Any day of the month may be given (a month picker sends "2026-11"); the month's
    first day is stored. Closing is judged under the month's lock (the admin's add
    view is one transaction with the save, which closes through the service)."""

    class Meta:
        model = ClosedMonth
        fields = ("month", "note")
        widgets = {"month": forms.DateInput(attrs={"type": "month"}, format="%Y-%m")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "month" in self.fields:
            self.fields["month"].input_formats = ["%Y-%m", "%Y-%m-%d"]  # type: ignore[attr-defined]
            self.fields["month"].help_text = _(
                "Den månad vars fakturaunderlag är skickat, som ÅÅÅÅ-MM."
            )

    def clean_month(self) -> Any:
        month = self.cleaned_data.get("month")
        return month.replace(day=1) if month else month

    def clean(self) -> dict[str, Any]:
        super().clean()
        month = self.cleaned_data.get("month")
        if self.instance._state.adding and month:
            try:
                check_month_closable(month=month)
            except ValidationError as error:
                self.add_error(None, error)
        return self.cleaned_data

    def validate_unique(self) -> None:
        # "Already closed" is the service's message (check_month_closable).
        pass


@admin.register(ClosedMonth)
class ClosedMonthAdmin(FormColumnsOnlyMixin, admin.ModelAdmin):
    """Closed attendance months: closing one (add) stops every change of its present
    days; reopening it (delete, alone or "delete selected") allows them again. Both go
    through the services under the month's lock; Django's admin history keeps who
    closed and reopened which month. Only the note changes afterwards."""

    form = ClosedMonthForm
    list_display = ("month", "closed_at", "closed_by", "note")
    list_select_related = ("closed_by",)
    search_fields = ("note",)
    readonly_fields = ("closed_by", "closed_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return ("month", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # the note only
            return
        closing = attendance_month_close(month=obj.month, note=obj.note, user=request_user(request))
        obj.pk, obj.closed_by, obj.closed_at = closing.pk, closing.closed_by, closing.closed_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        attendance_month_reopen(closing=obj, user=request_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # One call: the service locks all the months in ascending order, not in the
        # changelist's (newest first), which could deadlock with a writer.
        attendance_months_reopen(closings=list(queryset), user=request_user(request))


@admin.register(PlacementMonth)
class PlacementMonthAdmin(ViewOnlyAdminMixin, PlacementPartAdmin):
    """Present days per placement and month: kept by database triggers on the
    present days, so the admin may look, never write."""

    list_display = ("month", "placement", "present_days")
    list_filter = ("month",)
    search_fields = PLACEMENT_SEARCH
    list_select_related = ("placement__participant", "placement__offer")
    readonly_fields = ("placement", "month", "present_days")


@admin.register(FollowUpDue)
class FollowUpDueAdmin(ViewOnlyAdminMixin, PlacementPartAdmin):
    """The follow-up each placement waits for: kept by database triggers on the
    follow-up meetings, so the admin may look, never write."""

    list_display = ("due_on", "placement")
    list_filter = ("due_on",)
    search_fields = PLACEMENT_SEARCH
    list_select_related = ("placement__participant", "placement__offer")
    readonly_fields = ("placement", "due_on")
    ordering = ("-due_on", "-placement")

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # The key is the placement's: a related lookup, which (unlike an id column's)
        # passes a number beyond the database's range on to SQLite (OverflowError).
        if not is_db_id(object_id):
            return None
        return super().get_object(request, object_id, from_field)


@admin.register(ParticipantActivity)
class ParticipantActivityAdmin(ViewOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """When something was last recorded in each person's placements: kept by database
    triggers on the placements and follow-up meetings, so the admin may look, never
    write."""

    list_display = ("last_at", "participant")
    list_filter = ("last_at",)
    list_select_related = ("participant",)
    readonly_fields = ("participant", "last_at")
    ordering = ("-last_at", "-participant")

    def audit_target(self, obj: Any) -> Any:
        return obj.participant

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # The key is the participant's: a related lookup (see FollowUpDueAdmin).
        if not is_db_id(object_id):
            return None
        return super().get_object(request, object_id, from_field)


@admin.register(AttentionCount)
class AttentionCountAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The admins' association-wide "Att göra" counts, kept for a few minutes by the
    worker and the pages: the admin may look, never write."""

    list_display = ("kind", "count", "day", "counted_at")
    readonly_fields = ("kind", "count", "day", "counted_at")


@admin.register(OfferHoldStamp)
class OfferHoldStampAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The stamp database triggers give an offer whenever its placements change what
    they hold (capacity.known_peaks): the admin may look, never write."""

    list_display = ("offer", "stamp")
    search_fields = ("offer__title", "offer__enterprise__name")
    list_select_related = ("offer", "offer__enterprise")
    readonly_fields = ("offer", "stamp")


@admin.register(FollowUpMeeting)
class FollowUpMeetingAdmin(PlacementPartAdmin):
    form = FollowUpMeetingForm
    list_display = ("date", "placement", "next_meeting", "recorded_by")
    list_filter = ("date", "next_meeting")
    search_fields = (*PLACEMENT_SEARCH, "notes")
    list_select_related = ("placement__participant", "placement__offer", "recorded_by")
    autocomplete_fields = ("placement", "recorded_by")
    readonly_fields = ("created_at",)
    # No date_hierarchy: its year links come from SELECT DISTINCT over the whole table
    # (a full scan at national scale); the date list filter narrows by index instead.


@admin.register(SharedSnapshot)
class SharedSnapshotAdmin(AuditedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """What each enterprise was shown: written by the services only (proposal, shared
    update), removed when the consent is withdrawn or the person anonymised."""

    audit_subject_path = "placement__participant_id"
    list_display = ("placement", "shared_at", "shared_by")

    def audit_target(self, obj: Any) -> Any:
        return obj.placement

    list_select_related = ("placement", "shared_by")
    search_fields = ("placement__id",)
    readonly_fields = (
        "placement",
        "first_name",
        "last_name",
        "workplace_adaptations",
        "support_needs",
        "shared_at",
        "shared_by",
    )


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(AuditedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Waiting lists: written by the coordinators' pages and the lifecycle only."""

    list_display = ("participant", "offer", "wanted_start", "added_at", "place_freed_at", "left_at")
    list_filter = ("left_reason", "added_at")
    search_fields = ("participant__first_name", "participant__last_name", "offer__title")
    list_select_related = ("participant", "offer")
    readonly_fields = (
        "offer",
        "participant",
        "wanted_start",
        "extent",
        "added_by",
        "added_at",
        "place_freed_at",
        "left_at",
        "left_reason",
    )

    def audit_target(self, obj: Any) -> Any:
        return obj.participant
