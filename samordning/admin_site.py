"""The back office's admin site: Swedish titles, no model list beside each page, and
tables whose dates are written in the table format.

`django.contrib.admin` is installed as `samordning.apps.SamordningAdminConfig`, whose
`default_site` is this class, so `admin.site` and `@admin.register` everywhere (the
third-party apps' admins included) use it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


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


def with_table_dates(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    if issubclass(admin_class, TableDatesMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (TableDatesMixin, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


class SamordningAdminSite(admin.AdminSite):
    site_header = _("Samordning – administration")
    site_title = _("Samordning – administration")
    index_title = _("Administration")
    # The list of every model beside each page takes a fifth of a 1280 px screen from
    # the changelists' columns; the index page and the breadcrumbs lead to the others.
    enable_nav_sidebar = False

    def register(
        self,
        model_or_iterable: type[models.Model] | Iterable[type[models.Model]],
        admin_class: type[admin.ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        wrapped = with_table_dates(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, wrapped, **options)
