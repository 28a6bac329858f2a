"""Coordinator pages: free places, matching a participant, proposing, and the lifecycle.

Every view is for coordinators and admins. Participants and placements come
through visible_to(user): outside the user's responsibility is a 404. State
changes are POST-only; a rule the service refuses becomes a message or a form
error on a page with status 200, never a 500.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from enterprises.models import Extent, TrainingOffer
from participants.choices import ConsentPurpose
from participants.models import Consent, Participant
from participants.selectors import is_responsible
from participants.services import participant_log_view
from placements.disclosure import snapshot_of
from placements.forms.coordinator import (
    ChangePlanForm,
    EndForm,
    FollowUpForm,
    FreePlacesFilter,
    MatchPeriodForm,
    ProposeForm,
    ShareUpdateForm,
    StartForm,
    period_data,
)
from placements.models import ENDED_STATUSES, FollowUpMeeting, Placement
from placements.selectors.attention import caseload_placements
from placements.selectors.matching import (
    FreeOffer,
    closest_extent,
    free_offers,
    matches_for,
    offers_by_pk,
    parking_of,
    ranked_free_offers,
    wanted_start,
)
from placements.services import lifecycle, sharing
from placements.services.capacity import default_period
from samordning.audit import audit_page_view, audit_record, request_filters
from samordning.forms import apply_service_error
from samordning.http import AuthedRequest, post_only, read_only
from samordning.models import AuditAction
from samordning.policy import Perm, perm_required
from samordning.validation import is_ascii_digits, is_db_id, is_sane_date

PAGE_SIZE = 25


def _open_offers(request: AuthedRequest) -> Any:
    return (
        TrainingOffer.objects.visible_to(request.user)
        .open()
        .with_related()
        .order_by("enterprise__name", "title", "id")
    )


def _mark_confirmation(offers: list[Any], today: datetime.date) -> None:
    for offer in offers:
        offer.confirmed_days = offer.confirmed_days_ago(today)
        offer.stale = offer.is_capacity_stale(today)


@perm_required(Perm.OFFER_VIEW_ALL)
@require_safe
def offer_free_list(request: AuthedRequest) -> HttpResponse:
    """Open offers with a free place on every day of the chosen period."""
    today = timezone.localdate()
    filterset = FreePlacesFilter(period_data(request.GET, today), queryset=_open_offers(request))
    free: list[FreeOffer] = []
    period = filterset.period
    if period is not None:
        start, end = period
        free = free_offers(filterset.qs, start, end, today=today)
    # Only the page's offers become model objects.
    page = Paginator(free, PAGE_SIZE).get_page(request.GET.get("page"))
    offers = offers_by_pk(filterset.qs, list(page.object_list))
    _mark_confirmation(offers, today)
    return render(
        request,
        "placements/offer_free_list.html",
        {"filter": filterset, "page_obj": page, "offers": offers, "period": period},
    )


def _participant(request: AuthedRequest, pk: int) -> Participant:
    return get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)


@perm_required(Perm.OFFER_VIEW_ALL)
def participant_matches(request: AuthedRequest, pk: int) -> HttpResponse:
    """Offers for one participant, best first, with the reasons for each score."""
    today = timezone.localdate()
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user)
        .select_related("home_municipality")
        .prefetch_related(Prefetch("interests", to_attr="interest_list")),
        pk=pk,
    )
    if refused := read_only(request):
        return refused
    # The page shows the participant's wishes and extent: a read of the record.
    audit_record(
        user=request.user,
        action=AuditAction.VIEW,
        obj=participant,
        request=request,
        detail="matching",
        responsible=is_responsible(participant, request.user),
        subjects=[participant.pk],
    )
    form = MatchPeriodForm(period_data(request.GET, wanted_start(participant, today)))
    ranked: list[Any] = []
    start = end = None
    interest_ids = {area.pk for area in participant.interest_list}  # type: ignore[attr-defined]
    # A parked participant is not suggested for any place until the parking ends.
    parking = parking_of(participant, today)
    if form.is_valid() and parking is None:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        # The database scores every free offer; only the shown page becomes objects.
        ranked = ranked_free_offers(
            participant,
            _open_offers(request),
            start,
            end,
            today=today,
            interest_ids=interest_ids,
        )
    page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
    matches: list[Any] = []
    if start is not None:
        matches = matches_for(
            participant,
            offers_by_pk(_open_offers(request), list(page.object_list)),
            start=start,
            today=today,
            interest_ids=interest_ids,
        )
    _mark_confirmation([m.offer for m in matches], today)
    enrolment = (
        participant.enrolments.filter(end_date__isnull=True).order_by("-start_date", "-id").first()
    )
    return render(
        request,
        "placements/offer_match_list.html",
        {
            "participant": participant,
            "form": form,
            "page_obj": page,
            "matches": matches,
            "period_end": end,
            "enrolment": enrolment,
            "parking": parking,
        },
    )


@perm_required(Perm.PLACEMENT_PROPOSE)
def placement_propose(request: AuthedRequest, pk: int) -> HttpResponse:
    """Propose the participant for any open offer (one step from the match list)."""
    today = timezone.localdate()
    participant = _participant(request, pk)
    offers = _open_offers(request)
    enrolments = participant.enrolments.filter(end_date__isnull=True).select_related("insats")
    asked = request.POST if request.method == "POST" else request.GET
    chosen = _chosen_offer(offers, asked.get("offer", ""))
    if request.method == "POST":
        form = ProposeForm(request.POST, offers=offers, enrolments=enrolments, chosen_offer=chosen)
        if form.is_valid():
            data = form.cleaned_data
            try:
                placement = lifecycle.placement_propose(
                    participant=participant,
                    offer=data["offer"],
                    user=request.user,
                    planned_start=data["planned_start"],
                    planned_end=data["planned_end"],
                    extent=data["extent"],
                    placement_type=data["placement_type"],
                    enrolment=data["enrolment"],
                    schedule=data["schedule"],
                    proposal_note=data["proposal_note"],
                    shared_support_needs=data["shared_support_needs"],
                    request=request,
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Förslaget är skickat till %(enterprise)s.")
                    % {"enterprise": placement.offer.enterprise.name},
                )
                return redirect(placement)
    else:
        form = ProposeForm(
            initial=_propose_initial(request, participant, chosen, enrolments, today),
            offers=offers,
            enrolments=enrolments,
            chosen_offer=chosen,
        )
    # The page names the person (a GET, or a POST shown again): a read like the detail page.
    participant_log_view(
        participant=participant, user=request.user, request=request, page="propose-form"
    )
    return render(
        request,
        "placements/placement_propose.html",
        {
            "form": form,
            "participant": participant,
            "sharing_missing": not sharing.has_valid_consent(
                participant, ConsentPurpose.SHARE_WITH_ENTERPRISE, today
            ),
        },
    )


def _chosen_offer(offers: Any, value: str) -> TrainingOffer | None:
    """The open offer `value` names (?offer= from the match list, or the posted one)."""
    return offers.filter(pk=int(value)).first() if is_db_id(value) else None


def _propose_initial(
    request: AuthedRequest,
    participant: Participant,
    offer: TrainingOffer | None,
    enrolments: Any,
    today: datetime.date,
) -> dict[str, Any]:
    """The form as the match list leaves it: the offer, the period and the extent chosen
    there (?offer=&planned_start=&planned_end=&extent=), hours that follow from the
    extent and a message the coordinator only needs to read through."""
    start = wanted_start(participant, today)
    initial: dict[str, Any] = {"extent": participant.wanted_extent}
    if offer is not None:
        start = max(start, offer.free_from)
        initial["offer"] = offer.pk
        initial["extent"] = closest_extent(offer, participant.wanted_extent)
    # From a waiting list entry ("a place is free"): its wanted start and extent.
    asked_start = _iso_date(request.GET.get("start", ""))
    if asked_start is not None:
        start = max(asked_start, today, offer.free_from if offer is not None else today)
    asked_extent = request.GET.get("extent", "")
    if is_ascii_digits(asked_extent) and int(asked_extent) in Extent.values:
        initial["extent"] = int(asked_extent)
    initial["planned_start"], initial["planned_end"] = default_period(start)
    # What the match list chose, where it is a valid value; the form checks it again.
    chosen = forms.Form(request.GET)
    chosen.fields.update(
        planned_start=forms.DateField(required=False),
        planned_end=forms.DateField(required=False),
        extent=forms.IntegerField(required=False, min_value=1, max_value=100),
    )
    if chosen.is_valid():
        initial.update({key: value for key, value in chosen.cleaned_data.items() if value})
    hours = round(8 * int(initial["extent"]) / 100)
    initial["schedule"] = _("mån–fre, %(hours)s timmar om dagen") % {"hours": hours}
    if offer is not None:
        initial["proposal_note"] = _(
            "Hej! Jag föreslår en deltagare för %(offer)s från %(start)s, %(extent)s %%. "
            "Hör gärna av dig om ni vill träffas först."
        ) % {
            "offer": offer.title,
            "start": date_format(initial["planned_start"], "DATE_FORMAT"),
            "extent": initial["extent"],
        }
    enrolment = enrolments.order_by("-start_date", "-id").first()
    if enrolment is not None:
        initial["enrolment"] = enrolment.pk
    return initial


def _iso_date(value: str) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return day if is_sane_date(day) else None


# --- placement detail and the lifecycle steps --------------------------------


def _placement(request: AuthedRequest, pk: int) -> Placement:
    queryset = (
        Placement.objects.in_caseload_of(request.user)
        .with_related()
        .select_related("offer__municipality", "proposed_by", "answered_by")
        .prefetch_related(
            Prefetch(
                "follow_ups",
                queryset=FollowUpMeeting.objects.select_related("recorded_by").order_by(
                    "-date", "-id"
                ),
                to_attr="follow_up_list",
            )
        )
    )
    return get_object_or_404(queryset, pk=pk)


def _render_detail(request: AuthedRequest, placement: Placement, **bound: Any) -> HttpResponse:
    """The detail page; a form that failed is passed in `bound` and shown with its errors."""
    today = timezone.localdate()
    # The page shows the participant's name and adaptations (on a GET, or again with a
    # step's mistakes): a read like any other.
    audit_record(
        user=request.user,
        action=AuditAction.VIEW,
        obj=placement,
        request=request,
        detail="placement detail",
        responsible=is_responsible(placement.participant, request.user),
        subjects=[placement.participant_id],
    )
    forms = {
        "start_form": StartForm(
            initial={
                "start_date": placement.planned_start,
                "supervisor_name": placement.supervisor_name or placement.offer.supervisor_name,
                "agreement_date": today,
                "agreement_tasks": placement.agreement_tasks,
                "agreement_hours": placement.agreement_hours or placement.schedule,
                "agreement_support": placement.agreement_support,
            }
        ),
        "end_form": EndForm(initial={"end_date": today}),
        "plan_form": ChangePlanForm(
            initial={
                "planned_start": placement.planned_start,
                "planned_end": placement.planned_end,
                "extent": placement.extent,
            }
        ),
        "follow_up_form": FollowUpForm(initial={"date": today}),
        "share_form": ShareUpdateForm(
            initial={"shared_support_needs": getattr(snapshot_of(placement), "support_needs", "")}
        ),
    }
    forms.update(bound)
    steps = lifecycle.allowed_steps(placement)
    refusal = sharing.follow_up_refusal(placement, today) if "follow_up" in steps else ""
    sharing_ok = sharing.has_valid_consent(
        placement.participant, ConsentPurpose.SHARE_WITH_ENTERPRISE, today
    )
    shareable = placement.status in sharing.SHAREABLE and not (
        placement.is_pending and placement.has_expired(today)
    )
    context = {
        "placement": placement,
        "participant": placement.participant,
        **{f"can_{step}": step in steps for step in lifecycle.STEPS},
        "can_follow_up": "follow_up" in steps and not refusal,
        "follow_up_refusal": refusal,
        "can_share_update": shareable and sharing_ok,
        "sharing_missing": shareable and not sharing_ok,
        "shared": snapshot_of(placement),
        "open_form": next(iter(bound), None),
        **forms,
    }
    return render(request, "placements/placement_detail.html", context)


@perm_required(Perm.PLACEMENT_MANAGE)
def placement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    placement = _placement(request, pk)
    if refused := read_only(request):
        return refused
    return _render_detail(request, placement)


def _refused(request: AuthedRequest, placement: Placement, error: ValidationError) -> HttpResponse:
    """A step the placement's status does not allow: say so on the detail page."""
    messages.error(request, " ".join(error.messages))
    return redirect(placement)


@perm_required(Perm.PLACEMENT_MANAGE)
def placement_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    placement = _placement(request, pk)
    if refused := post_only(request):
        return refused
    try:
        lifecycle.placement_withdraw(placement=placement, user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Förslaget är återtaget och platsen släppt."))
    return redirect(placement)


def _lifecycle_step(
    request: AuthedRequest,
    pk: int,
    *,
    form_class: type[forms.Form],
    service: Callable[..., Any],
    done: str,
    form_name: str,
    step: str | None = None,
) -> HttpResponse:
    """One POST-only step on a placement: the form's fields are the service's
    arguments. A refused transition is a message; other errors stay on the form.

    The lifecycle `step` is checked before the form: a page left open while the
    placement moved on says why nothing happened, even when a date was mistyped."""
    placement = _placement(request, pk)
    if refused := post_only(request):
        return refused
    if step is not None:
        try:
            lifecycle.check_step(placement, step)
        except lifecycle.TransitionError as error:
            return _refused(request, placement, error)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(placement=placement, user=request.user, request=request, **form.cleaned_data)
        except lifecycle.TransitionError as error:
            return _refused(request, placement, error)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect(placement)
    return _render_detail(request, placement, **{form_name: form})


@perm_required(Perm.PLACEMENT_MANAGE)
def placement_start(request: AuthedRequest, pk: int) -> HttpResponse:
    return _lifecycle_step(
        request,
        pk,
        form_class=StartForm,
        service=lifecycle.placement_start,
        done=_("Arbetsträningen är startad."),
        form_name="start_form",
        step="start",
    )


@perm_required(Perm.PLACEMENT_MANAGE)
def placement_end(request: AuthedRequest, pk: int) -> HttpResponse:
    return _lifecycle_step(
        request,
        pk,
        form_class=EndForm,
        service=lifecycle.placement_end,
        done=_("Arbetsträningen är avslutad."),
        form_name="end_form",
        step="end",
    )


@perm_required(Perm.PLACEMENT_MANAGE)
def placement_change_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    return _lifecycle_step(
        request,
        pk,
        form_class=ChangePlanForm,
        service=lifecycle.placement_change_plan,
        done=_("Planen är ändrad."),
        form_name="plan_form",
        step="change_plan",
    )


@perm_required(Perm.PLACEMENT_MANAGE)
def follow_up_create(request: AuthedRequest, pk: int) -> HttpResponse:
    return _lifecycle_step(
        request,
        pk,
        form_class=FollowUpForm,
        service=lifecycle.follow_up_record,
        done=_("Uppföljningen är registrerad."),
        form_name="follow_up_form",
        step="follow_up",
    )


@perm_required(Perm.PLACEMENT_MANAGE)
def placement_share_update(request: AuthedRequest, pk: int) -> HttpResponse:
    """Share the participant's current name and adaptations with the enterprise."""
    return _lifecycle_step(
        request,
        pk,
        form_class=ShareUpdateForm,
        service=_share_update,
        done=_("Företaget ser nu de uppdaterade uppgifterna."),
        form_name="share_form",
    )


def _share_update(**kwargs: Any) -> Any:
    """The share form's field has the service's name for it."""
    kwargs["support_needs"] = kwargs.pop("shared_support_needs", "")
    return sharing.placement_share_update(**kwargs)


@perm_required(Perm.PLACEMENT_MANAGE)
@require_safe
def follow_up_list(request: AuthedRequest) -> HttpResponse:
    """Ended placements of the user's caseload: who may be contacted for a
    follow-up (a valid follow-up consent) and who may not."""
    today = timezone.localdate()
    consent = Consent.objects.filter(
        participant_id=OuterRef("participant_id"), purpose=ConsentPurpose.FOLLOW_UP
    ).valid_on(today)
    # Joined, PostgreSQL walked the country's ended placements newest first, probing
    # each for the coordinator (0.2-1 s nationally for a page of 25).
    placements = (
        caseload_placements(request.user)
        .filter(status__in=ENDED_STATUSES)
        .select_related("participant", "offer", "offer__enterprise")
        .annotate(may_contact=Exists(consent))
        .order_by("-end_date", "-pk")
    )
    contact = request.GET.get("contact", "")
    if contact == "yes":
        placements = placements.filter(may_contact=True)
    elif contact == "no":
        placements = placements.filter(may_contact=False)
    page = Paginator(placements, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_page_view(
        user=request.user,
        page="follow-up-list",
        subjects=[p.participant_id for p in page.object_list],
        request=request,
        filters=request_filters(request),
    )
    return render(
        request,
        "placements/follow_up_list.html",
        {"page_obj": page, "placements": page.object_list, "contact": contact},
    )
