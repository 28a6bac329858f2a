"""The offer page: joined here because it shows the places taken and free beside the
number of places, and those come from the placements (the enterprises floor may not
read them). Routed under /foretag/ by placements/urls/enterprises.py, in the
`enterprises` namespace beside the enterprises app's own views."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from enterprises.models import CapacityChange, TrainingOffer
from placements.services.capacity import places_on
from samordning.http import AuthedRequest, read_only
from samordning.policy import Perm, perm_required


@perm_required(Perm.ENTERPRISE_VIEW)
def offer_detail(request: AuthedRequest, offer_pk: int) -> HttpResponse:
    """One offer: its places (total, taken and free today), description and history."""
    offer = get_object_or_404(
        TrainingOffer.objects.visible_to(request.user)
        .with_related()
        .prefetch_related(
            Prefetch(
                "capacity_changes",
                queryset=CapacityChange.objects.select_related("changed_by").order_by(
                    "-changed_at", "-id"
                ),
                to_attr="history",
            )
        ),
        pk=offer_pk,
    )
    if refused := read_only(request):
        return refused
    today = timezone.localdate()
    return render(
        request,
        "placements/offer_detail.html",
        {
            "offer": offer,
            "can_edit": TrainingOffer.objects.editable_by(request.user)
            .filter(pk=offer.pk)
            .exists(),
            "is_stale": offer.is_capacity_stale(today),
            "places": places_on(offer, today, today=today),
        },
    )
