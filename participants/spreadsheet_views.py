"""Participants in and out of spreadsheets: the import page and the caseload export.

Routed from placements.urls.participants with the other participant pages.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from participants.models import Participant
from participants.resources import ParticipantResource
from samordning.audit import audit_export
from samordning.exports import table_response
from samordning.http import AuthedRequest
from samordning.imports import ImportKind
from samordning.policy import Perm, perm_required

EXPORT_FORMATS = ("xlsx", "csv")
EXPORT_CHUNK = 2000

PARTICIPANT_IMPORT = ImportKind(
    slug="deltagare",
    title=_("Importera deltagare"),
    resource=lambda user: ParticipantResource(user=user),
    upload_url="participants:participant-import",
    confirm_url="participants:participant-import-confirm",
    template_url="participants:participant-import-template",
    done_url="participants:participant-list",
    intro=_(
        "Deltagare matchas på personnummer: en känd deltagare uppdateras, en ny registreras "
        "med samma kontroller som i formuläret."
    ),
)


CASELOAD_HEADER = (
    "Förnamn",
    "Efternamn",
    "Personnummer",
    "Kön",
    "Födelseår",
    "Folkbokföringskommun",
    "Startdatum",
    "Remitterande myndighet",
    "E-post",
    "Telefon",
    "Koordinatorer",
)


@perm_required(Perm.CASELOAD_EXPORT)
@require_safe
def caseload_export(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """The user's own participants (need-based access) as XLSX or CSV, streamed; one
    audit row names everyone in it.

    Identity numbers are masked: the full number is shown one person at a time.
    """
    if fmt not in EXPORT_FORMATS:
        raise Http404
    participants = (
        Participant.objects.visible_to(request.user)
        .select_related("home_municipality")
        .prefetch_related(Prefetch("coordinators", to_attr="coordinator_list"))
        .order_by("last_name", "first_name", "pk")
    )
    # One audit row for the export, naming everyone in it (not one row per person).
    audit_export(
        user=request.user,
        export="caseload",
        subjects=participants,  # named by the INSERT itself: a million ids never reach Python
        request=request,
        detail=f"caseload {fmt}",
    )
    # Read in chunks while the file is written (an admin's list is everyone).
    rows = (
        (
            p.first_name,
            p.last_name,
            p.masked_number,
            p.get_sex_display(),
            p.birth_year,
            p.home_municipality.name if p.home_municipality else "",
            p.start_date,
            p.get_referring_authority_display(),
            p.email,
            p.phone,
            ", ".join(c.get_full_name() or c.username for c in p.coordinator_list),
        )
        for p in participants.iterator(chunk_size=EXPORT_CHUNK)
    )
    return table_response(fmt, "arendelista", CASELOAD_HEADER, rows, sheet=_("Ärendelista"))
