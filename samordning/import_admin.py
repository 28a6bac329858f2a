"""django-import-export in the back office: CSV and XLSX only, for the association.

The admin's own two-step import (upload, confirm) runs the same resources as the
app's import pages, so the same services, rules, scoping and audit row apply.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from import_export.admin import ExportMixin, ImportMixin
from import_export.formats.base_formats import CSV, XLSX

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


class SpreadsheetImportExportMixin(SpreadsheetImportMixin, ExportMixin):
    """Import and export (registers without personal data only)."""

    def get_export_formats(self) -> list[Any]:
        return FORMATS

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}

    def has_export_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Perm.ENTERPRISE_REGISTER_EXPORT)
