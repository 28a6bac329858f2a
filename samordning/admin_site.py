"""The back office's admin site: Swedish titles, no model list beside each page,
tables whose dates are written in the table format, delete confirmations where
many-to-many links protect and no person is named (DeleteRulesMixin), and an
autocomplete whose answers about people are audit-logged.

`django.contrib.admin` is installed as `samordning.apps.SamordningAdminConfig`, whose
`default_site` is this class, so `admin.site` and `@admin.register` everywhere (the
third-party apps' admins included) use it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, cast, runtime_checkable

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import NestedObjects, quote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import FieldDoesNotExist
from django.db import models, router
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samordning import policy
from samordning.audit import audit_page_view, request_filters
from samordning.http import request_user
from samordning.policy import Perm


def _table_date_column(model: type[models.Model], name: Any) -> Any:
    """A changelist column for a date or date-time field that writes the table format
    ("2026-11-30", "2026-11-30 14:05"), sorts by the field and keeps its heading and
    CSS class; any other column is returned as it is."""
    if not isinstance(name, str):
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if isinstance(field, models.DateTimeField):
        fmt = "SHORT_DATETIME_FORMAT"
    elif isinstance(field, models.DateField):
        fmt = "SHORT_DATE_FORMAT"
    else:
        return name

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj: models.Model) -> str | None:
        value = getattr(obj, name)
        if value is None:
            return None  # the admin's empty-value mark
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(value, fmt)

    column.__name__ = name
    return column


class TableDatesMixin:
    """Changelists are tables: their dates use `SHORT_DATE_FORMAT`, as every other
    table in the app does (Django's admin writes `DATE_FORMAT`, "30 november 2026",
    which is the running-text format and twice as wide)."""

    model: type[models.Model]

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = super().get_list_display(request)  # type: ignore[misc]
        return [_table_date_column(self.model, name) for name in columns]


@runtime_checkable
class PersonalDataAdmin(Protocol):
    """An admin whose rows are about people: its reads are audit-logged, and it says
    which participants a list of its rows names (samordning.admin.AuditedAdminMixin)."""

    def audit_subject_ids(self, objects: list[Any]) -> list[int]: ...


DeletedObjects = tuple[list[Any], dict[str, int], set[str], list[Any]]


class DeleteRulesMixin:
    """The delete confirmation (one row, or "delete selected") of every admin.

    Many-to-many links protect like the foreign keys do (PROTECT everywhere): Django
    deletes link rows silently, so deleting a business area would strip it from every
    enterprise and participant, and deleting a user would leave their participants
    without a responsible coordinator (and so hidden from everyone). Any row still
    linked to a deleted row, from either side of the link, is listed as protecting
    it: the admin removes the links first, on purpose.

    The lists name no person: rows of a personal-data admin (and of models without an
    admin, such as the admin's own log, whose texts may hold names) are shown by
    number, linked to their change page. The page then shows no personal data, so it
    needs no audit row; logging it instead would write every related person into the
    log whenever the page is opened (a municipality's confirmation listed 141
    participants by name), and an admin who needs to know who it is opens the row,
    which is logged.
    """

    admin_site: admin.AdminSite

    def get_deleted_objects(self, objs: Sequence[models.Model], request: HttpRequest) -> Any:
        return deleted_objects(objs, request, self.admin_site)


def deleted_objects(
    objs: Sequence[models.Model], request: HttpRequest, site: admin.AdminSite
) -> DeletedObjects:
    """Django's `admin.utils.get_deleted_objects` (what goes, what protects, which
    permissions are missing), with many-to-many links protecting and no person named
    (see DeleteRulesMixin)."""
    if not objs:
        return [], {}, set(), []
    collector = NestedObjects(using=router.db_for_write(objs[0]._meta.model), origin=objs)
    collector.collect(objs)
    perms_needed: set[str] = set()

    def format_callback(obj: models.Model) -> str:
        opts = obj._meta
        label = capfirst(opts.verbose_name)
        if not site.is_registered(type(obj)):
            return f"{label}: {_numbered(obj)}"
        model_admin = site.get_model_admin(type(obj))
        if not model_admin.has_delete_permission(request, obj):
            perms_needed.add(str(opts.verbose_name))
        shown = _numbered(obj) if isinstance(model_admin, PersonalDataAdmin) else str(obj)
        try:
            url = reverse(
                f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)]
            )
        except NoReverseMatch:
            return f"{label}: {shown}"
        return format_html('{}: <a href="{}">{}</a>', label, url, shown)

    to_delete = collector.nested(format_callback)
    protected = [
        format_callback(obj) for obj in [*collector.protected, *_linked_elsewhere(collector)]
    ]
    model_count = {
        str(model._meta.verbose_name_plural): len(rows) for model, rows in _collected(collector)
    }
    return to_delete, model_count, perms_needed, protected


def _numbered(obj: models.Model) -> str:
    return gettext("nr %(id)s") % {"id": obj.pk}


def _collected(collector: NestedObjects) -> list[tuple[type[models.Model], set[models.Model]]]:
    # django-stubs types the keys as str; Django's are the model classes.
    rows = cast(dict[type[models.Model], set[models.Model]], collector.model_objs)
    return list(rows.items())


def _concrete(model: Any) -> type[models.Model]:
    """The model whose table holds the rows (a proxy's concrete model)."""
    return cast(type[models.Model], model._meta.concrete_model)


def _linked_elsewhere(collector: NestedObjects) -> list[models.Model]:
    """The rows that many-to-many link rows collected for deletion lead to, but that
    are not deleted themselves: one query per model linked to."""
    deleted = {(_concrete(model), obj.pk) for model, rows in _collected(collector) for obj in rows}
    wanted: dict[type[models.Model], set[Any]] = {}
    for through, links in _collected(collector):
        if not through._meta.auto_created:  # only Django's own link tables
            continue
        # A link table's two foreign keys: (column, the model it points at).
        ends = [
            (field.attname, _concrete(field.related_model))
            for field in through._meta.concrete_fields
            if field.is_relation
        ]
        for link in links:
            for attname, model in ends:
                pk = getattr(link, attname)
                if (model, pk) not in deleted:
                    wanted.setdefault(model, set()).add(pk)
    linked: list[models.Model] = []
    for model, pks in sorted(wanted.items(), key=lambda item: item[0]._meta.label):
        linked.extend(model._default_manager.filter(pk__in=pks).order_by("pk"))
    return linked


def with_site_rules(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """The admin class with the site's mixins (table dates, the delete rules) first."""
    mixins = tuple(m for m in (TableDatesMixin, DeleteRulesMixin) if not issubclass(admin_class, m))
    if not mixins:
        return admin_class
    return type(
        admin_class.__name__,
        (*mixins, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


class AuditedAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete (the search box of a relation field): when the rows
    it offers are a personal-data admin's, one list row names the people offered,
    like a changelist's, with what was typed as a digest (`term`, see
    samordning.audit.SEARCH_PARAMS). Typing a full identity number finds that person
    (ParticipantAdmin.get_search_results), so each answer is a read."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        model_admin = self.model_admin
        if isinstance(model_admin, PersonalDataAdmin):
            model = self.model_admin.model
            # The page's rows are read here once; the response reuses them.
            shown = list(context["object_list"])
            audit_page_view(
                user=request_user(self.request),
                page=f"admin-autocomplete:{model._meta.label_lower}",
                subjects=model_admin.audit_subject_ids(shown),
                request=self.request,
                filters=request_filters(self.request),
            )
        return context


def recent_actions(request: HttpRequest, site: admin.AdminSite, limit: int = 10) -> list[LogEntry]:
    """The start page's "Recent actions" (the user's own, as Django's `get_admin_log`
    lists them), with `shown` for each: a row of a personal-data admin (or of a model
    no longer registered) by number, never by the name the admin's log keeps in
    `object_repr`; the number links to the row's change page, whose read is logged."""
    user = request_user(request)
    entries = list(
        LogEntry.objects.filter(user=user)
        .select_related("content_type")
        .order_by("-action_time")[:limit]
    )
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type else None
        named = (
            model is not None
            and site.is_registered(model)
            and not isinstance(site.get_model_admin(model), PersonalDataAdmin)
        )
        shown = entry.object_repr if named else gettext("nr %(id)s") % {"id": entry.object_id}
        entry.shown = shown  # type: ignore[attr-defined]
    return entries


class SamordningAdminSite(admin.AdminSite):
    site_header = _("Samordning – administration")
    site_title = _("Samordning – administration")
    index_title = _("Administration")
    # The list of every model beside each page takes a fifth of a 1280 px screen from
    # the changelists' columns; the index page and the breadcrumbs lead to the others.
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        """Staff with the admin role (superusers have it): a staff flag or model
        permissions given to someone without the role open no page of the back office."""
        return super().has_permission(request) and policy.can(request.user, Perm.BACK_OFFICE)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        context = {**(extra_context or {}), "recent_actions": recent_actions(request, self)}
        return super().index(request, context)

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        view = AuditedAutocompleteJsonView.as_view(admin_site=self)
        return cast(HttpResponse, view(request))

    def register(
        self,
        model_or_iterable: type[models.Model] | Iterable[type[models.Model]],
        admin_class: type[admin.ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        wrapped = with_site_rules(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, wrapped, **options)
