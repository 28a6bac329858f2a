"""Enterprises and annual figures in and out of spreadsheets: the import pages and
the association's full enterprise register."""

from __future__ import annotations

from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from enterprises.models import Enterprise
from enterprises.resources import AnnualFigureResource, EnterpriseResource
from samordning.audit import audit_records
from samordning.exports import table_response
from samordning.http import AuthedRequest
from samordning.imports import ImportKind
from samordning.models import AuditAction
from samordning.policy import Perm, perm_required

EXPORT_FORMATS = ("xlsx", "csv")

ENTERPRISE_IMPORT = ImportKind(
    slug="foretag",
    title=_("Importera sociala företag"),
    resource=lambda user: EnterpriseResource(user=user),
    upload_url="enterprises:enterprise-import",
    confirm_url="enterprises:enterprise-import-confirm",
    template_url="enterprises:enterprise-import-template",
    done_url="enterprises:enterprise-list",
    intro=_("Företag matchas på organisationsnummer: ett känt företag uppdateras."),
)

ANNUAL_FIGURE_IMPORT = ImportKind(
    slug="arsuppgifter",
    title=_("Importera årsuppgifter"),
    resource=lambda user: AnnualFigureResource(user=user),
    upload_url="enterprises:annual-figure-import",
    confirm_url="enterprises:annual-figure-import-confirm",
    template_url="enterprises:annual-figure-import-template",
    done_url="enterprises:enterprise-list",
    intro=_(
        "En rad per företag och år; ett år som redan finns uppdateras. Du kan bara importera "
        "till företag du ansvarar för."
    ),
)


REGISTER_HEADER = (
    "Organisationsnummer",
    "Namn",
    "Juridisk form",
    "Kommun",
    "Startår",
    "Verksamhetsområden",
    "Kontaktperson",
    "E-post",
    "Telefon",
    "Webbplats",
    "Uppfyller ASF-kriterierna",
    "Antal platser",
    "Senaste år med årsuppgifter",
    "Omsättning (kr)",
    "Anställda",
    "Anställda ur målgruppen",
)


@perm_required(Perm.ENTERPRISE_REGISTER_EXPORT)
@require_safe
def enterprise_register_export(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """Every enterprise with its latest annual figures and its number of places."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    enterprises = list(
        Enterprise.objects.select_related("municipality")
        .prefetch_related("business_areas", "annual_figures", "offers")
        .order_by("name")
    )
    rows = []
    for e in enterprises:
        latest = max(e.annual_figures.all(), key=lambda f: f.year, default=None)
        rows.append(
            (
                e.org_number_display,
                e.name,
                e.get_legal_form_display(),
                e.municipality.name,
                e.founded_year,
                ", ".join(a.name for a in e.business_areas.all()),
                e.contact_name,
                e.contact_email,
                e.contact_phone,
                e.website,
                "Ja" if e.meets_asf_criteria else "Nej",
                sum(o.capacity for o in e.offers.all()),
                latest.year if latest else None,
                latest.turnover_sek if latest else None,
                latest.employees if latest else None,
                latest.employees_target_group if latest else None,
            )
        )
    audit_records(
        user=request.user,
        action=AuditAction.EXPORT,
        objects=enterprises,
        request=request,
        detail=f"enterprise register {fmt}",
    )
    filename = f"foretagsregister-{timezone.localdate():%Y-%m-%d}"
    return table_response(fmt, filename, REGISTER_HEADER, rows, sheet=_("Företagsregister"))
