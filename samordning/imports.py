"""The spreadsheet import flow shared by every app: upload -> preview -> confirm.

An app describes one kind of import with an `ImportKind` (its resource, its
column help and where to go afterwards); its views call `import_upload`,
`import_confirm` and `import_template` here after their own `perm_required`.

* Upload: the file is checked (type, size, macros), stored server-side under a
  random token remembered in the session, read (`samordning.spreadsheets`) and
  imported with `dry_run=True`: the preview shows every row as new, changed or
  unchanged, and every error row with its column and a Swedish message.
* Confirm: only the token comes back from the browser. The stored file is read
  again and imported for real in one transaction; any error rolls all of it back.
* Every confirmed import writes one audit row naming the file and the counts
  (`SpreadsheetResource.after_import`, so the admin's imports are logged too).
* A preview that finds registered people (rows "changed" or "unchanged") writes one
  list row naming them (`SpreadsheetResource.import_data`, the admin's preview too;
  a confirm that fails shows the preview again and logs it the same way).
"""

from __future__ import annotations

import copy
import re
import secrets
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from import_export import resources
from import_export.results import Result, RowResult

from samordning.audit import audit_page_view, audit_records, audited_path, client_ip
from samordning.exports import XLSX_CONTENT_TYPE
from samordning.import_widgets import LookupWidget
from samordning.models import AuditAction, AuditLog, User
from samordning.policy import perm_required
from samordning.spreadsheets import (
    ROW_COLUMN,
    SpreadsheetRefused,
    TemplateColumn,
    check_upload,
    is_blank,
    read_table,
    template_workbook,
)

StrOrPromise = str | Promise
SESSION_KEY = "spreadsheet_imports"
# Six or more digits in a row could be (part of) an identity number: never logged.
_LONG_DIGITS = re.compile(r"\d{6,}")

STATUS_LABELS = {
    RowResult.IMPORT_TYPE_NEW: gettext_lazy("Ny"),
    RowResult.IMPORT_TYPE_UPDATE: gettext_lazy("Ändras"),
    RowResult.IMPORT_TYPE_SKIP: gettext_lazy("Oförändrad"),
    RowResult.IMPORT_TYPE_INVALID: gettext_lazy("Fel"),
    RowResult.IMPORT_TYPE_ERROR: gettext_lazy("Fel"),
}


def safe_file_name(name: str) -> str:
    """The file's name for logs and the audit log: long digit runs masked."""
    return _LONG_DIGITS.sub("…", Path(name).name)[:120]


def import_counts(result: Result) -> dict[str, int]:
    totals = result.totals
    return {
        "new": totals.get(RowResult.IMPORT_TYPE_NEW, 0),
        "changed": totals.get(RowResult.IMPORT_TYPE_UPDATE, 0),
        "unchanged": totals.get(RowResult.IMPORT_TYPE_SKIP, 0),
        "errors": totals.get(RowResult.IMPORT_TYPE_INVALID, 0)
        + totals.get(RowResult.IMPORT_TYPE_ERROR, 0),
    }


def audit_import(
    *,
    user: User | None,
    kind: str,
    file_name: str,
    counts: dict[str, int],
    request: HttpRequest | None = None,
) -> AuditLog:
    """One row per confirmed import: who, which file, how many rows of each kind."""
    detail = "import {kind}: new={new} changed={changed} unchanged={unchanged}".format(
        kind=kind, **counts
    )
    return AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=AuditAction.CREATE,
        object_type=f"import.{kind}"[:60],
        object_id="-",
        object_repr=safe_file_name(file_name),
        ip_address=client_ip(request),
        path=audited_path(request),
        detail=detail[:300],
    )


class SpreadsheetResource(resources.ModelResource):
    """A ModelResource that writes through the app's services and reports in Swedish.

    Subclasses set `kind` and `template_columns()`, and write in `save_instance`
    (never `instance.save()` directly) so that imports follow the same rules as
    the forms. Empty cells set nothing (defaults, or the stored value).
    """

    kind = "rows"
    # Columns whose values the preview shows masked (identity numbers).
    masked_columns: Sequence[str] = ()
    # Another spelling of a header (normalised like the headers) -> column name.
    header_aliases: dict[str, str] = {}
    # A service's error key that is about another column (e.g. consent_purposes).
    error_keys: dict[str, str] = {}

    def __init__(self, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        # Lookup widgets read their table once per import, never from an earlier one.
        for resource_field in self.fields.values():
            if isinstance(resource_field.widget, LookupWidget):
                resource_field.widget = copy.copy(resource_field.widget)
                resource_field.widget._index = None
        self.request: HttpRequest | None = None

    # --- reading ------------------------------------------------------------------

    def column_names(self) -> list[str]:
        return [f.column_name for f in self.get_import_fields()]

    def required_columns(self) -> list[str]:
        return [self.fields[name].column_name for name in self.get_import_id_fields()]

    def column_for(self, key: str) -> str:
        """The file's column for an error key (a resource field or model field name)."""
        if key == NON_FIELD_ERRORS:
            return ""
        key = self.error_keys.get(key, key)
        for name, resource_field in self.fields.items():
            if key in (name, resource_field.attribute):
                return str(resource_field.column_name)
        return ""

    def template_columns(self) -> list[TemplateColumn]:
        raise NotImplementedError

    # --- import hooks -------------------------------------------------------------

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        if self.user is None:
            self.user = kwargs.get("user")
        self.request = kwargs.get("request")
        super().before_import(dataset, **kwargs)

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        # A key that does not parse matches nothing; import_instance reports why.
        try:
            return super().get_instance(instance_loader, row)
        except (ValueError, ValidationError):
            return None

    def import_field(
        self, field: Any, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any
    ) -> None:  # noqa: E501
        # An empty cell sets nothing: a new row keeps the model's default, an
        # existing row its stored value (a file cannot blank out data by omission).
        if is_blank(row.get(field.column_name)):
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        audit_import(
            user=self.user,
            kind=self.kind,
            file_name=str(kwargs.get("file_name") or ""),
            counts=import_counts(result),
            request=self.request,
        )

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs: Any) -> Result:
        result = super().import_data(dataset, dry_run=dry_run, **kwargs)
        # After the dry run's rollback, or the row would be rolled back with it.
        if dry_run:
            self.audit_preview(result, kwargs.get("request"))
        return result

    def audit_preview(self, result: Result, request: HttpRequest | None = None) -> None:
        """Log a preview that is shown (a dry run's, or a failed confirm's shown again):
        one list row naming the registered people it found, none if it found nobody.
        Call it after the import's rollback, or the row is rolled back with it."""
        if found := self.preview_subject_ids(result):
            audit_page_view(
                user=self.user,
                page=f"import-preview:{self.kind}",
                subjects=found,
                request=request or self.request,
            )

    def preview_subject_ids(self, result: Result) -> list[int]:
        """The people a preview showed to be registered: rows about people marked
        "changed" or "unchanged" say that the number is known, and whether the stored
        data is as in the file. None for rows about no person."""
        return []

    def after_export(self, queryset: Any, dataset: tablib.Dataset, **kwargs: Any) -> None:
        """Exports from the admin are logged like every export: one row per object."""
        super().after_export(queryset, dataset, **kwargs)
        audit_records(
            user=self.user,
            action=AuditAction.EXPORT,
            objects=list(queryset),
            detail=f"admin export {self.kind}",
        )


# --- the uploaded file, kept on the server between preview and confirm ----------------


def _upload_dir() -> Path:
    base = Path(settings.IMPORT_TMP_DIR or tempfile.gettempdir()) / "samordning-imports"
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    return base


def _stored_path(token: str, file_kind: str) -> Path:
    return _upload_dir() / f"{token}.{file_kind}"


def store_upload(request: HttpRequest, kind: str, upload: UploadedFile) -> str:
    """Keep the upload under a random token; the session remembers whose it is."""
    file_kind = check_upload(upload.name or "", upload.size or 0)
    token = secrets.token_urlsafe(24)
    with _stored_path(token, file_kind).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"kind": kind, "name": upload.name or "", "file_kind": file_kind}
    request.session[SESSION_KEY] = pending
    return token


def stored_upload(request: HttpRequest, kind: str, token: str) -> tuple[Path, str, str] | None:
    """(path, file kind, original name) of this session's upload, or None."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or entry["kind"] != kind:
        return None
    path = _stored_path(token, entry["file_kind"])
    if not path.exists():
        return None
    return path, entry["file_kind"], entry["name"]


def discard_upload(request: HttpRequest, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    if entry:
        _stored_path(token, entry["file_kind"]).unlink(missing_ok=True)


# --- running and showing an import ---------------------------------------------------


@dataclass
class PreviewRow:
    number: int  # the row in the file
    status: str
    label: str
    values: list[str]
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Preview:
    columns: list[str]
    rows: list[PreviewRow]
    counts: dict[str, int]

    @property
    def error_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.errors]

    @property
    def has_errors(self) -> bool:
        return self.counts["errors"] > 0


def _shown(value: Any, masked: bool) -> str:
    if value is None:
        return ""
    text = str(value)
    if masked and text:
        digits = re.sub(r"\D", "", text)
        return (digits[:-4] + "-****") if len(digits) > 4 else "****"
    return text


def _row_errors(resource: SpreadsheetResource, row_result: RowResult) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if row_result.validation_error is not None:
        error = row_result.validation_error
        if hasattr(error, "error_dict"):
            for key, messages_ in error.message_dict.items():
                column = resource.column_for(key)
                errors.extend((column, message) for message in messages_)
        else:
            errors.extend(("", message) for message in error.messages)
    for _error in row_result.errors:
        # Not a rule of ours: the detail stays out of the page (it may hold row data).
        errors.append(("", _("Raden kunde inte sparas.")))
    return errors


def build_preview(
    resource: SpreadsheetResource, dataset: tablib.Dataset, result: Result
) -> Preview:
    columns = [h for h in dataset.headers if h != ROW_COLUMN]
    masked = set(resource.masked_columns)
    rows: list[PreviewRow] = []
    for values, row_result in zip(dataset, result.rows, strict=True):
        record = dict(zip(dataset.headers, values, strict=True))
        rows.append(
            PreviewRow(
                number=int(record[ROW_COLUMN]),
                status=row_result.import_type,
                label=str(STATUS_LABELS.get(row_result.import_type, row_result.import_type)),
                values=[_shown(record[c], c in masked) for c in columns],
                errors=_row_errors(resource, row_result),
            )
        )
    return Preview(columns=columns, rows=rows, counts=import_counts(result))


def run_import(
    resource: SpreadsheetResource,
    path: Path,
    file_kind: str,
    *,
    dry_run: bool,
    file_name: str,
    request: HttpRequest | None = None,
) -> tuple[tablib.Dataset, Result]:
    """Read the stored file and import it: all rows in one transaction, any error rolls back."""
    dataset = read_table(
        path,
        file_kind,
        columns=resource.column_names(),
        required=resource.required_columns(),
        aliases=resource.header_aliases,
    )
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
        file_name=file_name,
        user=resource.user,
        request=request,
    )
    return dataset, result


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fil (Excel .xlsx eller CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


@dataclass(frozen=True)
class ImportKind:
    """One kind of import as a page offers it."""

    slug: str
    title: StrOrPromise
    resource: Callable[[User], SpreadsheetResource]
    upload_url: str  # URL names
    confirm_url: str
    template_url: str
    done_url: str
    intro: StrOrPromise = ""


def _page(request: HttpRequest, kind: ImportKind, **context: Any) -> HttpResponse:
    resource = kind.resource(request.user)  # type: ignore[arg-type]
    context.setdefault("form", UploadForm())
    return render(
        request,
        "samordning/import.html",
        {
            "kind": kind,
            "columns": resource.template_columns(),
            "max_rows": settings.IMPORT_MAX_ROWS,
            "max_kb": settings.IMPORT_MAX_BYTES // 1024,
            **context,
        },
    )


def import_upload(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    """GET: the upload form. POST: store the file and show the preview (nothing saved)."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method != "POST":
        return _page(request, kind)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, kind, form=form)
    upload = form.cleaned_data["file"]
    try:
        token = store_upload(request, kind.slug, upload)
    except SpreadsheetRefused as refused:
        form.add_error("file", refused.message)
        return _page(request, kind, form=form)
    stored = stored_upload(request, kind.slug, token)
    assert stored is not None
    path, file_kind, name = stored
    resource = kind.resource(request.user)  # type: ignore[arg-type]
    try:
        dataset, result = run_import(
            resource, path, file_kind, dry_run=True, file_name=name, request=request
        )
    except SpreadsheetRefused as refused:
        discard_upload(request, token)
        form.add_error("file", refused.message)
        return _page(request, kind, form=form)
    preview = build_preview(resource, dataset, result)
    return _page(request, kind, preview=preview, token=token, file_name=name)


def import_confirm(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    """POST the token: import the stored file for real, all rows or none."""
    token = request.POST.get("token", "")
    stored = stored_upload(request, kind.slug, token)
    if stored is None:
        messages.error(request, _("Filen finns inte kvar. Ladda upp den igen."))
        return redirect(kind.upload_url)
    path, file_kind, name = stored
    resource = kind.resource(request.user)  # type: ignore[arg-type]
    try:
        with transaction.atomic():
            dataset, result = run_import(
                resource, path, file_kind, dry_run=False, file_name=name, request=request
            )
    except SpreadsheetRefused as refused:
        discard_upload(request, token)
        messages.error(request, refused.message)
        return redirect(kind.upload_url)
    preview = build_preview(resource, dataset, result)
    if preview.has_errors:
        # Something changed since the preview (another user's save): nothing was written,
        # and the preview is shown again, so it is logged like the first one.
        resource.audit_preview(result, request)
        messages.error(request, _("Inget sparades: filen har fel. Rätta raderna och försök igen."))
        return _page(request, kind, preview=preview, token=token, file_name=name)
    discard_upload(request, token)
    counts = preview.counts
    messages.success(
        request,
        _("Importen är klar: %(new)s nya, %(changed)s ändrade, %(unchanged)s oförändrade rader.")
        % counts,
    )
    return redirect(kind.done_url)


def import_template(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    """The kind's XLSX template: Swedish headers, one example row, drop-down lists."""
    resource = kind.resource(request.user)  # type: ignore[arg-type]
    response = HttpResponse(
        template_workbook(resource.template_columns()), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="mall-{kind.slug}.xlsx"'
    return response


def import_urls(kind: ImportKind, perm: str, route: str) -> list[URLPattern]:
    """An import's three pages for an app's urlpatterns, behind one capability (`perm`, a
    `Perm`): upload and preview at `route`, confirm at `route` + "spara/", the empty
    template at `route` + "mall/". The URL names are those `kind` links to."""

    def name(url_name: str) -> str:
        return url_name.rsplit(":", 1)[-1]

    def upload(request: HttpRequest) -> HttpResponse:
        return import_upload(request, kind)

    @require_POST
    def confirm(request: HttpRequest) -> HttpResponse:
        return import_confirm(request, kind)

    @require_safe
    def template(request: HttpRequest) -> HttpResponse:
        return import_template(request, kind)

    return [
        path(route, perm_required(perm)(upload), name=name(kind.upload_url)),
        path(f"{route}spara/", perm_required(perm)(confirm), name=name(kind.confirm_url)),
        path(f"{route}mall/", perm_required(perm)(template), name=name(kind.template_url)),
    ]
