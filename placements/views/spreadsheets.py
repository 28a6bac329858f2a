"""Offers with capacity in and out of spreadsheets: the import page and a manager's
export of their offers and places (places held today and free today)."""

from __future__ import annotations

from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from enterprises.models import TrainingOffer
from placements.resources import OfferCapacityResource
from placements.selectors.matching import offer_free_places, with_holding
from samordning.audit import audit_records
from samordning.exports import table_response
from samordning.http import AuthedRequest
from samordning.imports import ImportKind
from samordning.models import AuditAction
from samordning.policy import Perm, perm_required

EXPORT_FORMATS = ("xlsx", "csv")

OFFER_IMPORT = ImportKind(
    slug="platser",
    title=_("Importera arbetsträningsplatser"),
    resource=lambda user: OfferCapacityResource(user=user),
    upload_url="placements:offer-import",
    confirm_url="placements:offer-import-confirm",
    template_url="placements:offer-import-template",
    done_url="enterprises:offer-list",
    intro=_(
        "Platser matchas på företagets organisationsnummer och platsens benämning: en känd "
        "plats uppdateras. Ett sänkt platsantal prövas mot platser som redan är lovade."
    ),
)


OFFER_EXPORT_HEADER = (
    "Företag",
    "Organisationsnummer",
    "Benämning",
    "Verksamhetsområde",
    "Kommun",
    "Status",
    "Antal platser",
    "Lediga i dag",
    "Ledig från",
    "Lägsta omfattning",
    "Högsta omfattning",
    "Handledare",
    "Pris per närvarodag (kr)",
    "Platsantal bekräftat",
)


@perm_required(Perm.OFFER_EDIT)
@require_safe
def offer_export(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """The offers the user may edit (a manager: their enterprises') with places free today.

    No person is in it; the export is logged per enterprise, like every export.
    """
    if fmt not in EXPORT_FORMATS:
        raise Http404
    today = timezone.localdate()
    offers = with_holding(
        TrainingOffer.objects.editable_by(request.user)
        .with_related()
        .order_by("enterprise__name", "title"),
        today,
        today,
        today=today,
    )
    rows = [
        (
            o.enterprise.name,
            o.enterprise.org_number_display,
            o.title,
            o.business_area.name,
            o.municipality.name,
            o.get_status_display(),
            o.capacity,
            offer_free_places(o, today, today, today=today),
            o.free_from,
            o.get_min_extent_display(),
            o.get_max_extent_display(),
            o.supervisor_name,
            o.price_per_day,
            o.last_confirmed,
        )
        for o in offers
    ]
    # One row per enterprise whose offers left the system (no person is in the file).
    exported = {o.enterprise_id: o.enterprise for o in offers}
    audit_records(
        user=request.user,
        action=AuditAction.EXPORT,
        objects=list(exported.values()),
        request=request,
        detail=f"offers and places {fmt}",
    )
    return table_response(
        fmt, f"platser-{today:%Y-%m-%d}", OFFER_EXPORT_HEADER, rows, sheet=_("Platser")
    )
