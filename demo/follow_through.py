"""Demo data for "nothing falls through the cracks": queues, parkings, a handover.

Written after the journeys, with the services' rules but without their audit rows
(the demo has had no readers yet): queues only at offers that are full, the first
in one queue told that a place freed (a manager added a place, through the
capacity service), a few waiting participants parked, and two participants
handed over between the coordinators.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from enterprises.models import TrainingOffer
from participants.choices import ConsentPurpose, ParkingReason
from participants.models import Consent, Enrolment, Parking, Participant, ResponsibilityChange
from placements.models import Placement, WaitingListEntry
from placements.services.waiting import is_full, offer_capacity_set

QUEUES = 3  # full offers that get a queue
PARKED = 3


def _waiting_people(coordinator: Any, today: datetime.date) -> list[Participant]:
    """The coordinator's participants who wait for a place: enrolled, with a sharing
    consent, and no placement held or under way."""
    person = OuterRef("pk")
    sharing = Consent.objects.filter(
        participant=person, purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE
    ).valid_on(today)
    busy = Placement.objects.filter(participant=person).filter(status__in=["active"])
    return list(
        Participant.objects.filter(coordinators=coordinator, is_anonymous=False)
        .filter(Exists(Enrolment.objects.filter(participant=person, end_date__isnull=True)))
        .filter(Exists(sharing))
        .exclude(Exists(busy))
        .exclude(Exists(Placement.objects.filter(participant=person).pending(today)))
        .order_by("pk")
    )


def build_follow_through(
    *, rng: random.Random, today: datetime.date, users: dict[str, Any]
) -> None:
    coordinator, admin = users["coordinator"], users["admin"]
    people = _waiting_people(coordinator, today)
    rng.shuffle(people)
    full = [
        offer
        for offer in TrainingOffer.objects.open().select_related("enterprise").order_by("pk")
        if is_full(offer, today, today=today)
    ][:QUEUES]
    queued: list[WaitingListEntry] = []
    for offer in full:
        for _ in range(rng.randint(1, 3)):
            if not people:
                break
            person = people.pop()
            extent = min(offer.extents_offered or [offer.min_extent])
            start = today + datetime.timedelta(days=rng.randint(0, 30))
            if not is_full(offer, start, today=today):
                start = today
            entry = WaitingListEntry(
                participant=person,
                offer=offer,
                added_by=coordinator,
                wanted_start=start,
                extent=extent,
                # Queued some weeks ago, in the order of the queue.
                added_at=timezone.now() - datetime.timedelta(days=rng.randint(5, 60) - len(queued)),
            )
            entry.full_clean()
            entry.save()
            queued.append(entry)
    if full:
        # A place was added (through the capacity service): the first in that queue is told.
        offer = full[0]
        offer_capacity_set(offer=offer, user=admin, capacity=offer.capacity + 1, today=today)
    reasons = [ParkingReason.AFTER_DECLINE, ParkingReason.HEALTH, ParkingReason.OTHER_ACTIVITY]
    for person, reason in zip(people[:PARKED], reasons, strict=False):
        parking = Parking(
            participant=person,
            reason=reason,
            since=today - datetime.timedelta(days=rng.randint(1, 10)),
            until=today + datetime.timedelta(days=rng.choice([14, 30, 60])),
            created_by=coordinator,
        )
        parking.full_clean()
        parking.save()
    # Two participants moved from coordinator2 to coordinator, a month ago.
    giver = users["coordinator2"]
    moving = list(Participant.objects.filter(coordinators=giver).order_by("pk")[:2])
    for person in moving:
        person.coordinators.remove(giver)
        person.coordinators.add(coordinator)
        ResponsibilityChange.objects.create(
            participant=person,
            from_user=giver,
            to_user=coordinator,
            changed_at=timezone.now() - datetime.timedelta(days=30),
            changed_by=admin,
            note="Ahmed går ner i tid; Sara tar över. Överlämningsmöte hölls med deltagarna.",
        )
