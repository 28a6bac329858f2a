"""Back office for the association admin: users, reference data and the audit log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from samordning.audit import (
    audit_page_view,
    audit_record,
    request_filters,
    shown_detail,
    shown_path,
)
from samordning.http import request_user
from samordning.models import (
    AuditAction,
    AuditLog,
    AuthenticatorApp,
    BusinessArea,
    CalendarFeed,
    Municipality,
    Notification,
    NotificationOptOut,
    RecoveryCodeSet,
    User,
)
from samordning.validation import is_db_id


class ModelRulesForm(forms.ModelForm):
    """An admin form that shows every error of the model's rules.

    `Model.clean()` may name a field the admin shows read-only (a consent's withdrawal
    date); Django's ModelForm then raises ValueError (a 500). Such an error is shown
    above the form instead."""

    def add_error(self, field: str | None, error: Any) -> None:
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            errors = dict(error.error_dict)
            absent = [
                name for name in errors if name != NON_FIELD_ERRORS and name not in self.fields
            ]
            for name in absent:
                errors.setdefault(NON_FIELD_ERRORS, []).extend(errors.pop(name))
            error = ValidationError(errors)
        super().add_error(field, error)


def form_columns(obj: Any, form: forms.BaseForm) -> list[str]:
    """The columns of `obj` the admin changed on the page (FormColumnsOnlyForm: against
    what the page showed), and those the model stamps on every save (`auto_now`)."""
    changed = set(form.changed_data)
    columns = [
        field.name
        for field in obj._meta.concrete_fields
        if not field.primary_key and field.name in changed
    ]
    if not columns:
        return []
    stamped = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
    return [*columns, *(name for name in stamped if name not in columns)]


class FormColumnsOnlyForm(ModelRulesForm):
    """A change form that writes only what the admin changed (FormColumnsOnlyMixin).

    Each field carries, hidden, the value the page showed (Django's
    `show_hidden_initial`), so "changed" means changed by the admin, not by someone
    who wrote the row after the page was opened. A field the admin changed that
    someone else changed too since then is a conflict: nothing is saved, what was
    typed is kept, and the message says to reload. Any other column keeps what the
    others wrote (a manager's decline and its reason, a start's agreement, a pause)."""

    CONFLICT = _(
        "Någon annan har ändrat %(fields)s sedan sidan öppnades, så inget sparades. "
        "Ladda om sidan för att se ändringen och gör din ändring igen."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            for field in self.fields.values():
                field.show_hidden_initial = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.instance._state.adding:
            changed_by_others = [
                str(self.fields[name].label or name)
                for name in self.changed_data
                if self._changed_since_shown(name)
            ]
            if changed_by_others:
                raise ValidationError(
                    self.CONFLICT % {"fields": ", ".join(changed_by_others)}, code="conflict"
                )
        return self.cleaned_data

    def _changed_since_shown(self, name: str) -> bool:
        """Is the row's value now other than what the page showed? (Not judged for a
        POST that does not carry what was shown: it came from no page.)"""
        bound, field = self[name], self.fields[name]
        if bound.html_initial_name not in self.data:
            return False
        shown = field.hidden_widget().value_from_datadict(
            self.data, self.files, bound.html_initial_name
        )
        try:
            return field.has_changed(self.get_initial_for_field(field, name), shown)
        except ValidationError:
            return True

    def save(self, commit: bool = True) -> Any:
        if not commit or self.instance._state.adding:
            return super().save(commit)
        instance = super().save(commit=False)
        if columns := form_columns(instance, self):
            instance.save(update_fields=columns)
        self.save_m2m()
        return instance


class FormColumnsOnlyMixin:
    """A change page writes only the columns the admin changed, never back what it
    merely showed or read (FormColumnsOnlyForm: a field the admin and someone else
    both changed since the page was opened is refused).

    The admin reads the row when the POST arrives and saves at the end, without a
    lock; a service may commit meanwhile. A full save would write back the old
    values: a placement declined meanwhile would be proposed again (or lose its
    reason), an offer whose capacity was raised and filled would get its lower
    capacity back, and an offer would be overbooked. A new row is saved whole."""

    form: type[forms.ModelForm[Any]] = FormColumnsOnlyForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
        elif columns := form_columns(obj, form):
            obj.save(update_fields=columns)


class EstimatedCountPaginator(Paginator):
    """The admin's paginator for tables of millions of rows: an unfiltered changelist
    takes PostgreSQL's row estimate (pg_class.reltuples, kept by ANALYZE and
    autovacuum) instead of COUNT(*) over the whole table; a filtered one counts."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] > 100_000:
                    return int(row[0])
        return super().count


class AuditedAdminMixin:
    """Back-office changes to personal data are logged like the app's own.

    `audit_target` names the record the row is about (a consent's participant,
    an attendance day's placement); inline changes log one row for the parent.

    Reads are logged too: a changelist writes one row listing the people it shows
    (with the search and filters), a change, delete-confirmation or history page one
    row for its object (each shows the row's name), whatever the method: a change page
    shown again with its errors and a changelist answered to a POST show the same. An
    add or change page whose relation to a person names someone (`?participant=12`,
    or a relation posted with an error: the widget shows the person's name) logs that
    person too. The site's autocomplete logs what it offers from these admins
    (samordning.admin_site.AuditedAutocompleteJsonView). `audit_subject_path` leads
    from a row to the person (participant id) it is about.
    """

    # Personal-data models have cross-field rules; show them all (see ModelRulesForm).
    form: type[forms.ModelForm[Any]] = ModelRulesForm
    # These tables run to millions of rows: no exact COUNT(*) of everything beside
    # the filtered count ("N av M"), and an estimate for the unfiltered list.
    show_full_result_count = False
    paginator: type[Paginator] = EstimatedCountPaginator
    # 50 rows a page, not the admin's 100: each cell goes through the admin's
    # lookup_field/display_for_field/format_html, which was half of the participant
    # changelist's time (profiled at demo scale), and each page names fewer people
    # in its audit row.
    list_per_page = 50
    audit_subject_path = "participant_id"

    def audit_target(self, obj: Any) -> Any:
        return obj

    def audit_subject_ids(self, objects: list[Any]) -> list[int]:
        """The people the rows are about: read off the rows, or in one query for a
        path across a relation (never one query per row)."""
        path = self.audit_subject_path
        if "__" not in path:
            return [getattr(obj, path) for obj in objects]
        model = self.model  # type: ignore[attr-defined]
        return list(
            model._default_manager.filter(pk__in=[obj.pk for obj in objects]).values_list(
                path, flat=True
            )
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        # Any method: a POST that is neither an action nor a list edit is answered
        # with the list itself.
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            model = self.model  # type: ignore[attr-defined]
            audit_page_view(
                user=request_user(request),
                page=f"admin:{model._meta.label_lower}",
                subjects=self.audit_subject_ids(list(changelist.result_list)),
                request=request,
                filters=request_filters(request, ignore=("p", "o")),
            )
        return response  # type: ignore[no-any-return]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        # The page (a GET, or a POST shown again with its errors); a saved change
        # redirects and is logged by save_model. Only a POST can name another person
        # in the relation than the row's own.
        if (form := _shown_form(response)) is not None:
            posted = self.form_subject_ids(form) if request.method == "POST" else []
            self._audit_object_page(request, object_id, response, posted)
        return response  # type: ignore[no-any-return]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().add_view(request, form_url, extra_context)  # type: ignore[misc]
        form = _shown_form(response)
        if form is not None and (shown := self.form_subject_ids(form)):
            model = self.model  # type: ignore[attr-defined]
            audit_page_view(
                user=request_user(request),
                page=f"admin-add:{model._meta.label_lower}",
                subjects=shown,
                request=request,
            )
        return response  # type: ignore[no-any-return]

    def form_subject_ids(self, form: forms.BaseForm) -> list[int]:
        """The person the form's relation to them names (the first step of
        `audit_subject_path`: a consent's participant, an attendance day's
        placement), as its widget shows it: from the address (`?participant=12`) on
        an add page, or as posted on a page shown again with its errors."""
        first, _, rest = self.audit_subject_path.partition("__")
        name = first.removesuffix("_id")
        if name == "pk" or name not in form.fields:
            return []
        value = form[name].value()
        value = getattr(value, "pk", value)
        if value is None or not is_db_id(str(value)):
            return []
        model = self.model  # type: ignore[attr-defined]
        related = model._meta.get_field(name).related_model
        return [
            pk
            for pk in related._default_manager.filter(pk=value).values_list(rest or "pk", flat=True)
            if pk is not None
        ]

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        # The confirmation names the row, on a GET and on a refused (protected) POST;
        # a delete that went through redirects and is logged by delete_model.
        self._audit_object_page(request, object_id, response)
        return response  # type: ignore[no-any-return]

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        self._audit_object_page(request, object_id, response)
        return response  # type: ignore[no-any-return]

    def _audit_object_page(
        self, request: HttpRequest, object_id: str, response: Any, also: list[int] | None = None
    ) -> None:
        """One read for a page of one row (change, delete, history), if it was shown;
        `also`: other people the page names (form_subject_ids)."""
        if response.status_code != 200:
            return
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is not None:
            # Logged on the record the row belongs to, like the changes: its
            # row in the log is pseudonymised with the person.
            audit_record(
                user=request_user(request),
                action=AuditAction.VIEW,
                obj=self.audit_target(obj),
                request=request,
                detail="admin",
                subjects=[*self.audit_subject_ids([obj]), *(also or [])],
            )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        action = AuditAction.UPDATE if change else AuditAction.CREATE
        audit_record(
            user=request_user(request),
            action=action,
            obj=self.audit_target(obj),
            request=request,
            detail="admin",
            subjects=self.audit_subject_ids([obj]),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit_delete(request, obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # "Delete selected": each row logged as a single delete logs it.
        for obj in queryset:
            self._audit_delete(request, obj)
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def _audit_delete(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            user=request_user(request),
            action=AuditAction.DELETE,
            obj=self.audit_target(obj),
            request=request,
            detail=f"admin: {obj._meta.verbose_name}",
            subjects=self.audit_subject_ids([obj]),
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        if formset.has_changed():
            audit_record(
                user=request_user(request),
                action=AuditAction.UPDATE,
                obj=form.instance,
                request=request,
                detail=f"admin: {formset.model._meta.verbose_name_plural}",
                subjects=self.audit_subject_ids([form.instance]),
            )


def _shown_form(response: Any) -> forms.BaseForm | None:
    """The add or change form a response shows, if it shows one (not a redirect after
    a save, nor the small page a popup gets after one)."""
    if response.status_code != 200:
        return None
    adminform = (getattr(response, "context_data", None) or {}).get("adminform")
    return adminform.form if adminform is not None else None


class ViewOnlyAdminMixin:
    """History that is written by services only: the admin may look, not touch."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NoBulkDeleteMixin:
    """Drop the "delete selected" action.

    Used on models whose rows other rows PROTECT (participants, placements,
    enterprises, offers): a bulk delete would either fail half-way or, worse,
    tempt someone to erase history to make it pass. Single deletes stay, and
    Django's confirmation page lists what protects the row.
    """

    def get_actions(
        self,
        request: HttpRequest,
        action_location: admin.ActionLocation = admin.ActionLocation.CHANGE_LIST,
    ) -> dict[str, Any]:
        actions = super().get_actions(request, action_location=action_location)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


def _without_permissions(fieldsets: Any) -> tuple[Any, ...]:
    """Django's user fieldsets without `user_permissions`: access follows the roles
    (groups) and the policy, never per-user model permissions (whose names Django
    writes in English, "Can add ...")."""
    return tuple(
        (
            name,
            {**options, "fields": tuple(f for f in options["fields"] if f != "user_permissions")},
        )
        for name, options in fieldsets
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *_without_permissions(DjangoUserAdmin.fieldsets or ()),
        (_("Tjänst"), {"fields": ("title", "phone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Personuppgifter"), {"fields": ("first_name", "last_name", "email")}),
        (_("Tjänst och roller"), {"fields": ("title", "phone", "groups")}),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "title",
        "email",
        "roles",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("groups", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email", "title")
    readonly_fields = ("last_login", "date_joined")
    date_hierarchy = "date_joined"

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roller"))
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(group.name for group in obj.groups.all()))


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_member")
    list_filter = ("is_member",)
    search_fields = ("name", "code")


@admin.register(BusinessArea)
class BusinessAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(AuditLog)
class AuditLogAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Review only: the log is append-only, so nobody adds, changes or deletes here.

    A row's `object_repr` is what the object was called when it was read: for a
    participant, their name. The admin names nobody, like the review page
    (/granskning/): an object is its type and id, and the log cannot be searched by
    name (the review page finds everything about one person by id). A search typed
    before searches were logged as digests is shown as its digest (path and detail)."""

    list_display = ("at", "user", "action", "object_type", "object_id", "ip_address")
    list_filter = (
        "action",
        "object_type",
        ("user", admin.RelatedOnlyFieldListFilter),
        "responsible",
        "at",
    )
    # Not `path` or `detail`: rows written before searches were logged as digests hold
    # what was typed there (a name, a number), see samordning.audit.shown_path.
    search_fields = ("object_id", "user__username", "user__last_name")
    # No date_hierarchy: its year links come from SELECT DISTINCT over the whole table
    # (a full scan at national scale); the date list filter narrows by index instead.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_select_related = ("user",)
    actions = None
    readonly_fields = (
        "at",
        "user",
        "action",
        "object_type",
        "object_id",
        "ip_address",
        "path_display",
        "detail_display",
        "responsible",
        "subjects",
    )
    fields = readonly_fields

    @admin.display(description=AuditLog._meta.get_field("path").verbose_name)
    def path_display(self, obj: AuditLog) -> str:
        return shown_path(obj.path)

    @admin.display(description=AuditLog._meta.get_field("detail").verbose_name)
    def detail_display(self, obj: AuditLog) -> str:
        return shown_detail(obj.detail)


# --- roles: the groups are the policy's roles, made by a migration -----------------
admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The four roles, read-only: renaming or adding one would not change the policy
    (samordning/policy.py), and roles carry no model permissions. Users get their roles
    on the user page."""

    fields = ("name",)
    search_fields = ("name",)


# --- two-factor devices: shown under Swedish names, view and delete only ----------
# Users enrol their own devices (samordning/twofactor.py); an admin only looks and,
# to reset someone's two-factor login, deletes. Secrets and codes are never shown.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class TwoFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ("owner", "device_name", "is_confirmed", "created", "last_used")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    search_help_text = _("Sök på användarnamn eller namn.")
    fields = ("owner", "device_name", "is_confirmed", "created", "last_used")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("användare"), ordering="user__username")
    def owner(self, obj: Any) -> str:
        return str(obj.user)

    @admin.display(description=_("namn"))
    def device_name(self, obj: Any) -> str:
        return obj.name

    @admin.display(description=_("bekräftad"), boolean=True)
    def is_confirmed(self, obj: Any) -> bool:
        return obj.confirmed

    @admin.display(description=_("tillagd"), ordering="created_at")
    def created(self, obj: Any) -> Any:
        return obj.created_at

    @admin.display(description=_("senast använd"), ordering="last_used_at")
    def last_used(self, obj: Any) -> Any:
        return obj.last_used_at


admin.site.register(AuthenticatorApp, TwoFactorDeviceAdmin)
admin.site.register(RecoveryCodeSet, TwoFactorDeviceAdmin)


# --- notifications and calendar addresses (samordning.notifications, samordning.feeds) ---
@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """What was mailed to whom and whether it went out; the worker writes these."""

    list_display = ("created_at", "recipient", "kind", "subject", "sent_at", "attempts")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("subject", "key", "recipient__username", "recipient__last_name")
    list_select_related = ("recipient",)
    actions = None
    readonly_fields = (
        "recipient",
        "kind",
        "key",
        "subject",
        "body",
        "url",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
        "next_attempt_at",
        "locked_until",
    )


@admin.register(NotificationOptOut)
class NotificationOptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "kind")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__last_name")
    autocomplete_fields = ("user",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Who has a calendar address (the token itself is never stored). Users make and
    stop their own; deactivating a user stops theirs too."""

    list_display = ("user", "created_at", "last_read_at")
    search_fields = ("user__username", "user__last_name")
    list_select_related = ("user",)
    actions = None
    readonly_fields = ("user", "created_at", "last_read_at")
    exclude = ("token_hash",)


# The task queue's own admin (django-tasks-db) is English only and shows task
# arguments; the queue is operated from the command line (docs/operations.md).
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
