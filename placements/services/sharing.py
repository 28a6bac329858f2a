"""Consent that decides: what is shared with an enterprise, and follow-ups after the end.

- A proposal needs a valid consent to sharing with the enterprise
  (`share_with_enterprise`); what the enterprise then sees is a snapshot
  (SharedSnapshot) taken when the proposal is sent and replaced only when the
  coordinator shares an update.
- Withdrawing that consent ends the enterprise's view at once (placements.disclosure
  reads the consent) and removes the snapshots.
- A follow-up after a placement has ended needs a valid `follow_up` consent.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.choices import ConsentPurpose
from participants.models import Consent, Participant
from placements.disclosure import access_closed
from placements.models import (
    ENDED_STATUSES,
    PENDING_STATUSES,
    Placement,
    PlacementQuerySet,
    PlacementStatus,
    SharedSnapshot,
)
from samordning.audit import audit_record
from samordning.models import AuditAction, User


def has_valid_consent(participant: Participant, purpose: str, today: datetime.date) -> bool:
    if participant.is_anonymous:
        return False
    return Consent.objects.filter(participant=participant, purpose=purpose).valid_on(today).exists()


def check_sharing_consent(participant: Participant, today: datetime.date) -> None:
    """Refuse sharing anything with an enterprise without a valid sharing consent."""
    if not has_valid_consent(participant, ConsentPurpose.SHARE_WITH_ENTERPRISE, today):
        raise ValidationError(
            _(
                "Deltagaren har inget gällande samtycke till att namn och anpassningar delas "
                "med arbetsträningsplatsen. Registrera samtycket först, sedan kan du föreslå "
                "platsen."
            ),
            code="no_sharing_consent",
        )


def snapshot_take(*, placement: Placement, user: User, support_needs: str = "") -> SharedSnapshot:
    """Copy what the enterprise may see from the live record into the placement's
    snapshot (support needs only as the coordinator wrote them for the enterprise)."""
    participant = placement.participant
    snapshot, _created = SharedSnapshot.objects.update_or_create(
        placement=placement,
        defaults={
            "first_name": participant.first_name,
            "last_name": participant.last_name,
            "workplace_adaptations": participant.workplace_adaptations,
            "support_needs": support_needs.strip(),
            "shared_at": timezone.now(),
            "shared_by": user,
        },
    )
    return snapshot


SHAREABLE = frozenset({*PENDING_STATUSES, PlacementStatus.ACTIVE})


@transaction.atomic
def placement_share_update(
    *,
    placement: Placement,
    user: User,
    support_needs: str = "",
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> SharedSnapshot:
    """Share the participant's current name and adaptations (and the support needs
    written here) with the enterprise, replacing what it saw before."""
    today = today or timezone.localdate()
    if placement.status not in SHAREABLE or (placement.is_pending and placement.has_expired(today)):
        raise ValidationError(
            _("Bara ett förslag eller en pågående arbetsträning kan få uppdaterade uppgifter.")
        )
    check_sharing_consent(placement.participant, today)
    snapshot = snapshot_take(placement=placement, user=user, support_needs=support_needs)
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=placement,
        request=request,
        detail="shared update with the enterprise",
        subjects=[placement.participant_id],
    )
    return snapshot


def placements_seen_by_enterprises(
    participant: Participant, today: datetime.date
) -> PlacementQuerySet:
    """The participant's placements an enterprise currently sees by name: what a
    withdrawn sharing consent affects."""
    candidates = (
        Placement.objects.filter(participant=participant, shared__isnull=False)
        .filter(Q(status__in=[*PENDING_STATUSES, PlacementStatus.ACTIVE, *ENDED_STATUSES]))
        .select_related("offer", "offer__enterprise")
        .order_by("pk")
    )
    keep = [p.pk for p in candidates if not access_closed(p, today)]
    return candidates.filter(pk__in=keep)


@transaction.atomic
def sharing_withdrawn(
    *, participant: Participant, user: User, request: HttpRequest | None = None
) -> list[Placement]:
    """After the sharing consent is withdrawn: remove what was shared; returns the
    placements whose enterprise now sees only the number (for the coordinator)."""
    affected = list(placements_seen_by_enterprises(participant, timezone.localdate()))
    SharedSnapshot.objects.filter(placement__participant=participant).delete()
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=participant,
        request=request,
        detail="sharing withdrawn: " + (", ".join(str(p.pk) for p in affected) or "-"),
        subjects=[participant.pk],
    )
    return affected


def follow_up_refusal(placement: Placement, today: datetime.date) -> str:
    """Why no follow-up may be recorded for an ended placement, or "" if it may."""
    if placement.status not in ENDED_STATUSES:
        return ""
    if has_valid_consent(placement.participant, ConsentPurpose.FOLLOW_UP, today):
        return ""
    return _(
        "Deltagaren har inte samtyckt till uppföljning efter avslut. Ingen uppföljning kan "
        "registreras och deltagaren ska inte kontaktas för uppföljning förrän ett samtycke "
        "är registrerat."
    )
