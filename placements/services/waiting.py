"""Waiting lists: participants queued, first come first served, for a full offer.

A coordinator queues a participant they are responsible for at an offer that
has no free place for the wanted period (an offer with room takes a proposal
directly). When a place frees (a placement ends, is withdrawn or declined, a
proposal expires, the capacity is raised) `place_freed(offer)` marks the first
entry not yet told: it appears on its coordinator's attention list with a link
to the proposal form. A participant placed anywhere leaves every queue.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import OfferStatus, TrainingOffer
from participants.models import Participant
from placements.models import LeftReason, WaitingListEntry
from placements.notifications import notify_place_freed
from placements.services.capacity import (
    default_period,
    free_places,
    lock_offer,
    offer_set_capacity,
)
from samordning.audit import audit_record
from samordning.models import AuditAction, User

# The period a queued participant waits for: from the wanted start, six months
# (the proposal form's default period).
WAITING_MONTHS = 6


def _period(
    offer: TrainingOffer, wanted_start: datetime.date, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    return default_period(max(wanted_start, today, offer.free_from), WAITING_MONTHS)


def is_full(offer: TrainingOffer, wanted_start: datetime.date, *, today: datetime.date) -> bool:
    """No free place on some day of the six months from `wanted_start`."""
    start, end = _period(offer, wanted_start, today)
    return free_places(offer, start, end, today=today) == 0


def _audit(
    user: User | None,
    entry: WaitingListEntry,
    request: HttpRequest | None,
    detail: str,
    action: str = AuditAction.UPDATE,
) -> None:
    audit_record(
        user=user,
        action=action,
        obj=entry.participant,
        request=request,
        detail=f"{detail}: offer {entry.offer_id}",
        subjects=[entry.participant_id],
    )


@transaction.atomic
def waiting_add(
    *,
    participant: Participant,
    offer: TrainingOffer,
    user: User,
    wanted_start: datetime.date,
    extent: int,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> WaitingListEntry:
    """Queue `participant` (in the user's caseload) at the full `offer`."""
    today = today or timezone.localdate()
    if not Participant.objects.visible_to(user).filter(pk=participant.pk).exists():
        raise ValidationError(_("Du kan bara köa deltagare som du ansvarar för."), code="scope")
    entry = WaitingListEntry(
        offer=offer,
        participant=participant,
        wanted_start=wanted_start,
        extent=extent,
        added_by=user,
        added_at=timezone.now(),
    )
    entry.full_clean(validate_constraints=False)
    if wanted_start < today:
        raise ValidationError({"wanted_start": _("Önskad start kan inte ligga bakåt i tiden.")})
    if not offer.offers_extent(extent):
        raise ValidationError(
            {
                "extent": _("Platsen erbjuder %(low)s–%(high)s %%.")
                % {"low": offer.min_extent, "high": offer.max_extent}
            }
        )
    offer = lock_offer(offer)
    if WaitingListEntry.objects.waiting().filter(offer=offer, participant=participant).exists():
        raise ValidationError(
            _("Deltagaren står redan i kön till den här platsen."), code="duplicate"
        )
    if offer.status == OfferStatus.OPEN and not is_full(offer, wanted_start, today=today):
        raise ValidationError(
            _("Platsen har en ledig plats för den perioden: föreslå deltagaren direkt."),
            code="not_full",
        )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:  # a second request that queued the same person
        raise ValidationError(
            _("Deltagaren står redan i kön till den här platsen."), code="duplicate"
        ) from error
    _audit(user, entry, request, "queued", AuditAction.CREATE)
    return entry


def position(entry: WaitingListEntry) -> int:
    """1 for the first in the queue."""
    return (
        WaitingListEntry.objects.waiting()
        .filter(offer_id=entry.offer_id)
        .filter(added_at__lt=entry.added_at)
        .count()
        + WaitingListEntry.objects.waiting()
        .filter(offer_id=entry.offer_id, added_at=entry.added_at, pk__lte=entry.pk)
        .count()
    )


@transaction.atomic
def place_freed(
    offer: TrainingOffer | int, *, today: datetime.date | None = None
) -> WaitingListEntry | None:
    """A place at `offer` may have freed: mark the first waiting entry not yet told.

    Marked (`place_freed_at`) only if the offer, open, has a free place for that
    entry's period beyond the places already announced to entries before it.
    Returns the entry marked now, or None (nobody waits, no room, all told).
    """
    today = today or timezone.localdate()
    offer = lock_offer(offer)
    if offer.status != OfferStatus.OPEN:
        return None
    waiting = list(WaitingListEntry.objects.waiting().filter(offer=offer).in_queue_order())
    head = next((entry for entry in waiting if entry.place_freed_at is None), None)
    if head is None:
        return None
    announced = sum(1 for entry in waiting if entry.place_freed_at is not None)
    start, end = _period(offer, head.wanted_start, today)
    if free_places(offer, start, end, today=today) <= announced:
        return None
    head.place_freed_at = timezone.now()
    head.save(update_fields=["place_freed_at"])
    head.offer = offer
    # The coordinators are told by mail, after commit (placements.notifications).
    notify_place_freed(head, today=today)
    return head


def mark_freed_places(
    offer: TrainingOffer | int, *, today: datetime.date | None = None
) -> list[WaitingListEntry]:
    """Every entry a place has freed for (several when the capacity went up)."""
    marked = []
    while (entry := place_freed(offer, today=today)) is not None:
        marked.append(entry)
    return marked


def refresh_waiting_lists(*, today: datetime.date | None = None) -> list[WaitingListEntry]:
    """For every offer with a queue: the places freed without an event (expired
    proposals). Run daily (`manage.py mark_freed_places`)."""
    offer_ids = (
        WaitingListEntry.objects.waiting()
        .filter(place_freed_at__isnull=True)
        .values_list("offer_id", flat=True)
        .distinct()
        .order_by()
    )
    marked = []
    for offer_id in sorted(set(offer_ids)):
        marked += mark_freed_places(offer_id, today=today)
    return marked


def _leave(entry: WaitingListEntry, reason: str) -> None:
    entry.left_at = timezone.now()
    entry.left_reason = reason
    entry.save(update_fields=["left_at", "left_reason"])
    if entry.place_freed_at is not None:
        # The place announced to this entry goes to the next in the queue.
        place_freed(entry.offer_id)


@transaction.atomic
def waiting_remove(
    *, entry: WaitingListEntry, user: User, request: HttpRequest | None = None
) -> WaitingListEntry:
    """The coordinator takes the participant out of the queue."""
    entry = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.left_at is not None:
        raise ValidationError(_("Deltagaren står inte längre i kön."))
    _leave(entry, LeftReason.REMOVED)
    _audit(user, entry, request, "removed from queue")
    return entry


def leave_on_proposal(
    *,
    participant: Participant | int,
    offer: TrainingOffer | int,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> WaitingListEntry | None:
    """Proposed at `offer`: the participant's entry there has done its work."""
    participant_id = participant if isinstance(participant, int) else participant.pk
    offer_id = offer if isinstance(offer, int) else offer.pk
    entry = (
        WaitingListEntry.objects.waiting()
        .select_for_update()
        .filter(participant_id=participant_id, offer_id=offer_id)
        .first()
    )
    if entry is None:
        return None
    entry.left_at = timezone.now()
    entry.left_reason = LeftReason.PROPOSED
    entry.save(update_fields=["left_at", "left_reason"])
    _audit(user, entry, request, "left queue: proposed")
    return entry


def queue_offers(participant_id: int) -> list[int]:
    """The offers whose queues the participant stands in. Leaving a queue that told
    them of a freed place passes the place on (`leave_all_queues`), which locks that
    offer; a caller that places the person locks these with its own offers, in id
    order, before any. All of them, not only those that told: holding an offer's lock,
    no other request can tell the person of a place there meanwhile."""
    return list(
        WaitingListEntry.objects.waiting()
        .filter(participant_id=participant_id)
        .values_list("offer_id", flat=True)
    )


def leave_all_queues(
    *,
    participant: Participant | int,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> list[WaitingListEntry]:
    """Placed (a placement accepted or started): the participant leaves every queue."""
    participant_id = participant if isinstance(participant, int) else participant.pk
    entries = list(
        WaitingListEntry.objects.waiting()
        .select_for_update()
        .filter(participant_id=participant_id)
        .order_by("pk")
    )
    for entry in entries:
        _leave(entry, LeftReason.PLACED_ELSEWHERE)
        _audit(user, entry, request, "left queue: placed")
    return entries


@transaction.atomic
def offer_capacity_set(
    *,
    offer: TrainingOffer,
    user: User,
    capacity: int,
    free_from: datetime.date | None = None,
    today: datetime.date | None = None,
) -> TrainingOffer:
    """Set an offer's places (`capacity.offer_set_capacity`, the rules and the history)
    and give the places that freed, if any, to the offer's waiting list."""
    offer = offer_set_capacity(
        offer=offer, user=user, capacity=capacity, free_from=free_from, today=today
    )
    mark_freed_places(offer, today=today)
    return offer
