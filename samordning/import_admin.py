"""django-import-export in the back office: CSV and XLSX only, for the association.

The admin's own two-step import (upload, confirm) runs the same resources as the
app's import pages, so the same services, rules, scoping and audit row apply.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from import_export.admin import ExportMixin, ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import Result

from samordning.policy import Perm, can

FORMATS = [CSV, XLSX]


class SpreadsheetImportMixin(ImportMixin):
    """Import in the admin: resources get the user, who must be the association's."""

    def get_import_formats(self) -> list[Any]:
        return FORMATS

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def has_import_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Perm.DATA_IMPORT_ALL)

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        """All rows or none, as on the app's import pages: a row found invalid at the
        confirmation (something changed since the preview) rolls the whole file back.
        django-import-export's own confirmation would save the other rows."""
        found: dict[str, Any] = super().get_import_data_kwargs(**kwargs)
        found.setdefault("rollback_on_validation_errors", True)
        return found

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                _(
                    "Inget importerades: minst en rad gick inte att spara när importen "
                    "bekräftades (något har ändrats sedan förhandsgranskningen). Ladda upp "
                    "filen igen för att se vilka rader det gäller."
                ),
            )
            return redirect(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_import"
            )
        response: HttpResponse = super().process_result(result, request)
        return response


class SpreadsheetImportExportMixin(SpreadsheetImportMixin, ExportMixin):
    """Import and export (registers without personal data only)."""

    def get_export_formats(self) -> list[Any]:
        return FORMATS

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}

    def has_export_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Perm.ENTERPRISE_REGISTER_EXPORT)
