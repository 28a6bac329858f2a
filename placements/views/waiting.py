"""Waiting lists: queue a participant for a full offer, see the queue, leave it.

Coordinators (and admins) only; the participant comes through visible_to(user),
so someone else's participant is a 404, and so is their queue entry.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from enterprises.models import TrainingOffer, TrainingOfferQuerySet
from participants.models import Participant
from participants.services import participant_log_view
from placements.forms.coordinator import WaitingForm
from placements.models import WaitingListEntry
from placements.selectors.matching import closest_extent, wanted_start
from placements.services import waiting
from samordning.audit import audit_page_view, request_filters
from samordning.forms import apply_service_error
from samordning.http import AuthedRequest, post_only
from samordning.policy import Perm, perm_required
from samordning.validation import is_ascii_digits

PAGE_SIZE = 25


def _offers(request: AuthedRequest) -> TrainingOfferQuerySet:
    return (
        TrainingOffer.objects.visible_to(request.user)
        .select_related("enterprise")
        .order_by("enterprise__name", "title", "pk")
    )


@perm_required(Perm.PLACEMENT_PROPOSE)
def waiting_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Queue the participant for a full offer (`?offer=` preselects one)."""
    today = timezone.localdate()
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)
    offers = _offers(request)
    if request.method == "POST":
        form = WaitingForm(request.POST, offers=offers)
        if form.is_valid():
            try:
                entry = waiting.waiting_add(
                    participant=participant, user=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Deltagaren står nu i kön till %(offer)s, som nummer %(position)s.")
                    % {"offer": entry.offer.title, "position": waiting.position(entry)},
                )
                return redirect("placements:waiting-list")
    else:
        initial: dict[str, object] = {
            "wanted_start": wanted_start(participant, today),
            "extent": participant.wanted_extent,
        }
        offer_id = request.GET.get("offer", "")
        offer = offers.filter(pk=int(offer_id)).first() if is_ascii_digits(offer_id) else None
        if offer is not None:
            initial["offer"] = offer.pk
            initial["extent"] = closest_extent(offer, participant.wanted_extent)
        form = WaitingForm(initial=initial, offers=offers)
    # The page names the person (a GET, or a POST shown again): a read like the detail page.
    participant_log_view(
        participant=participant, user=request.user, request=request, page="waiting-form"
    )
    return render(
        request, "placements/waiting_form.html", {"form": form, "participant": participant}
    )


@perm_required(Perm.PLACEMENT_PROPOSE)
@require_safe
def waiting_list(request: AuthedRequest) -> HttpResponse:
    """The user's participants in queues: position, days waiting, a freed place."""
    today = timezone.localdate()
    entries = (
        WaitingListEntry.objects.waiting()
        .visible_to(request.user)
        .select_related("participant", "offer", "offer__enterprise")
        .annotate(
            # Position: the waiting entries of the same offer queued before, plus one.
            # A count per row in a subquery: as a join and Count it grouped the page by
            # every selected column, which PostgreSQL took longer to plan than to run.
            ahead=Coalesce(
                Subquery(
                    WaitingListEntry.objects.waiting()
                    .filter(offer_id=OuterRef("offer_id"))
                    .filter(
                        Q(added_at__lt=OuterRef("added_at"))
                        | Q(added_at=OuterRef("added_at"), pk__lt=OuterRef("pk"))
                    )
                    .order_by()
                    .values("offer_id")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .order_by("-place_freed_at", "added_at", "pk")
    )
    freed = request.GET.get("freed", "")
    if freed == "1":
        entries = entries.filter(place_freed_at__isnull=False)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.position = entry.ahead + 1  # type: ignore[attr-defined]
        entry.waited = entry.days_waiting(today)  # type: ignore[attr-defined]
    audit_page_view(
        user=request.user,
        page="waiting-list",
        subjects=[entry.participant_id for entry in page.object_list],
        request=request,
        filters=request_filters(request),
    )
    return render(
        request,
        "placements/waiting_list.html",
        {"page_obj": page, "entries": page.object_list, "freed": freed},
    )


@perm_required(Perm.PLACEMENT_PROPOSE)
def waiting_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        WaitingListEntry.objects.waiting().visible_to(request.user).select_related("offer"),
        pk=pk,
    )
    if refused := post_only(request):
        return refused
    try:
        waiting.waiting_remove(entry=entry, user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Deltagaren är borttagen ur kön."))
    return redirect("placements:waiting-list")
