"""Participant pages that join placements: the list (with each person's
status), the participant page, the number reveal, ending an enrolment,
withdrawing a consent and the per-person export.

They live here, not in participants, because they read or change placements
too; they are routed under /deltagare/ by placements/urls/participants.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from participants import services
from participants.choices import ConsentPurpose
from participants.forms import ConsentWithdrawForm, EnrolmentEndForm
from participants.models import Participant
from placements.filters import ParticipantFilter
from placements.models import Placement
from placements.privacy import consent_withdraw as consent_withdraw_service
from placements.privacy import participant_export
from placements.selectors import participants as selectors
from placements.services.enrolments import enrolment_end as enrolment_end_service
from placements.services.sharing import placements_seen_by_enterprises
from samordning.audit import audit_page_view, request_filters
from samordning.forms import apply_service_error
from samordning.http import AuthedRequest, post_only, read_only
from samordning.policy import Perm, perm_required

PAGE_SIZE = 25


def _participant(request: AuthedRequest, pk: int) -> Participant:
    return get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)


@perm_required(Perm.PARTICIPANT_VIEW)
@require_safe
def participant_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    queryset = selectors.participant_list_queryset(request.user, today=today)
    filterset = ParticipantFilter(request.GET, queryset=queryset, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # Paginated first; the status (four EXISTS per person) and the coordinators are
    # read for the page only.
    page.object_list = selectors.with_coordinator_names(
        selectors.with_status_labels(page.object_list, today=today)
    )
    # One row for the page: who was listed, with the search and filters used.
    audit_page_view(
        user=request.user,
        page="participant-list",
        subjects=[participant.pk for participant in page.object_list],
        request=request,
        filters=request_filters(request),
    )
    # Filtering as you type (htmx) asks for the results only.
    template = "participants/participant_list.html"
    return render(
        request,
        f"{template}#results" if request.htmx else template,
        {
            "filter": filterset,
            "page_obj": page,
            "participants": page.object_list,
        },
    )


def _detail_context(participant: Participant) -> dict[str, Any]:
    sources = getattr(participant, "support_source_list", [])
    today = timezone.localdate()
    return {
        "participant": participant,
        "start_sources": [s for s in sources if s.phase == "start"],
        "end_sources": [s for s in sources if s.phase == "end"],
        "today": today,
        "parking": services.current_parking(participant, today),
    }


@perm_required(Perm.PARTICIPANT_VIEW)
def participant_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    participant = get_object_or_404(selectors.participant_detail_queryset(request.user), pk=pk)
    if refused := read_only(request):
        return refused
    services.participant_log_view(participant=participant, user=request.user, request=request)
    return render(request, "participants/participant_detail.html", _detail_context(participant))


@perm_required(Perm.PARTICIPANT_REVEAL_NUMBER)
def participant_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """Show the full number once, on this response only; the reveal is logged.

    POST-only, checked after the role and the scoped lookup (403/404 come first)."""
    participant = get_object_or_404(selectors.participant_detail_queryset(request.user), pk=pk)
    if refused := post_only(request):
        return refused
    context = _detail_context(participant)
    try:
        context["revealed_number"] = services.participant_reveal_number(
            participant=participant, user=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(participant)
    return render(request, "participants/participant_detail.html", context)


@perm_required(Perm.PARTICIPANT_EDIT)
def enrolment_end(request: AuthedRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    enrolment = get_object_or_404(participant.enrolments.select_related("insats"), pk=enrolment_pk)
    form = EnrolmentEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment_end_service(
                enrolment=enrolment,
                user=request.user,
                end_date=data["end_date"],
                end_reason=data["end_reason"],
                outcome=data["outcome"],
                employment_status_end=data["employment_status_end"],
                support_sources_end=data["support_sources_end"],
                request=request,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Inskrivningen är avslutad."))
            return redirect(participant)
    # The page names the person (a GET, or a POST shown again): a read like the detail page.
    services.participant_log_view(
        participant=participant, user=request.user, request=request, page="enrolment-end-form"
    )
    return render(
        request,
        "participants/enrolment_end.html",
        {"form": form, "participant": participant, "enrolment": enrolment},
    )


@perm_required(Perm.PARTICIPANT_VIEW)
def participant_data_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    """One person's complete data (GDPR art. 15) as JSON or a printable HTML page."""
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)
    if refused := read_only(request):
        return refused
    data = participant_export(participant=participant, user=request.user, request=request, fmt=fmt)
    if fmt == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="deltagare-{participant.pk}.json"'
        return response
    context = {"participant": participant, "data": data, "tree": _display_tree(data["participant"])}
    return render(request, "placements/participant_export.html", context)


def _display_tree(value: Any) -> dict[str, Any]:
    """Tag each value of the export with its kind, so the template needs no guessing."""
    if isinstance(value, dict):
        return {"kind": "map", "items": [(key, _display_tree(item)) for key, item in value.items()]}
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        return {"kind": "list", "items": [_display_tree(item) for item in value]}
    if isinstance(value, list):
        return {"kind": "text", "text": ", ".join(str(item) for item in value)}
    if isinstance(value, bool):
        return {"kind": "text", "text": _("Ja") if value else _("Nej")}
    return {"kind": "text", "text": "" if value is None else str(value)}


@perm_required(Perm.PARTICIPANT_EDIT)
def consent_withdraw(request: AuthedRequest, pk: int, consent_pk: int) -> HttpResponse:
    """Withdraw a consent from the participant's page (participants:consent-withdraw).

    Lives in placements because withdrawing the registration consent
    anonymises the person, placements included.
    """
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)
    consent = get_object_or_404(participant.consents.all(), pk=consent_pk)
    form = ConsentWithdrawForm(request.POST or None)
    affected = (
        list(placements_seen_by_enterprises(participant, timezone.localdate()))
        if consent.purpose == ConsentPurpose.SHARE_WITH_ENTERPRISE
        else []
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent_withdraw_service(
                consent=consent,
                user=request.user,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                request=request,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Samtycket är återkallat."))
            if affected:
                messages.warning(
                    request,
                    _(
                        "Företagen ser inte längre deltagarens namn och anpassningar, bara "
                        "arbetsträningens nummer, i: %(placements)s."
                    )
                    % {"placements": ", ".join(_placement_line(p) for p in affected)},
                )
            return redirect(participant)
    # The page names the person (a GET, or a POST shown again): a read like the detail page.
    services.participant_log_view(
        participant=participant, user=request.user, request=request, page="consent-withdraw-form"
    )
    return render(
        request,
        "participants/consent_withdraw.html",
        {"form": form, "participant": participant, "consent": consent, "affected": affected},
    )


def _placement_line(placement: Placement) -> str:
    return _("nr %(id)s hos %(enterprise)s (%(offer)s)") % {
        "id": placement.pk,
        "enterprise": placement.offer.enterprise.name,
        "offer": placement.offer.title,
    }
