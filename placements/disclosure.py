"""What the enterprise side may show of a participant.

An enterprise sees what was shared with it (placements.SharedSnapshot: the name,
the agreed workplace adaptations and any support needs the coordinator chose to
share), never the live record, the identity number, support sources, consents or
notes; and only while it needs it:

- while the participant's consent to sharing with the enterprise is valid;
- a proposal until it is declined, withdrawn or expires, an accepted or active
  placement throughout; after that the placement shows as its number only;
- after a placement ends, the name alone (for invoicing) for
  PLACEMENT_NAME_ACCESS_DAYS days, then the number only.

An anonymous participant (protected identity, no consent) shows as "Anonym deltagare".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.choices import ConsentPurpose
from participants.models import Consent, Participant
from placements.models import Placement, PlacementStatus, SharedSnapshot


def participant_label(participant: Participant) -> str:
    """The participant's name, or "Anonym deltagare" (never the number or birth year).

    The live record: for the coordinator's side. The enterprise side uses
    `enterprise_disclosure`, which reads what was shared."""
    if participant.is_anonymous or not (participant.first_name or participant.last_name):
        return _("Anonym deltagare")
    return f"{participant.first_name} {participant.last_name}".strip()


def number_label(placement: Placement) -> str:
    """The placement as a number: what an enterprise sees once its access has ended."""
    return _("Arbetsträning nr %(id)s") % {"id": placement.pk}


@dataclass(frozen=True)
class Disclosed:
    """What one enterprise page may show of a placement's participant."""

    label: str  # the shared name, "Anonym deltagare" or the placement number
    adaptations: str = ""
    support_needs: str = ""
    identified: bool = False  # the label is the person's name
    # Schedule, agreement and message: the placement is still current (and, unless the
    # person is anonymous, the sharing consent valid).
    details: bool = False


def snapshot_of(placement: Placement) -> SharedSnapshot | None:
    try:
        return placement.shared
    except SharedSnapshot.DoesNotExist:
        return None


def sharing_consented(placement: Placement, today: datetime.date) -> bool:
    """A valid consent to sharing with the enterprise, today. Read from the
    `sharing_ok` annotation (selectors.enterprise.with_disclosure) when present."""
    annotated = getattr(placement, "sharing_ok", None)
    if annotated is not None:
        return bool(annotated)
    return (
        Consent.objects.filter(
            participant_id=placement.participant_id, purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE
        )
        .valid_on(today)
        .exists()
    )


def name_access_ends(placement: Placement) -> datetime.date | None:
    """The last day an enterprise sees the name of an ended placement's participant."""
    if not placement.is_ended or placement.end_date is None:
        return None
    return placement.end_date + datetime.timedelta(days=settings.PLACEMENT_NAME_ACCESS_DAYS)


def access_closed(placement: Placement, today: datetime.date) -> bool:
    """The enterprise no longer needs the person: declined, withdrawn, expired, or
    ended longer ago than the name access for invoicing lasts."""
    if placement.status in (PlacementStatus.DECLINED, PlacementStatus.WITHDRAWN):
        return True
    if placement.is_pending and placement.has_expired(today):
        return True
    ends = name_access_ends(placement)
    return ends is not None and today > ends


def enterprise_disclosure(placement: Placement, today: datetime.date | None = None) -> Disclosed:
    """What the enterprise side may show of `placement`'s participant today."""
    today = today or timezone.localdate()
    closed = access_closed(placement, today)
    current = not closed and not placement.is_ended
    if placement.participant.is_anonymous:
        return Disclosed(label=_("Anonym deltagare"), details=current)
    number = Disclosed(label=number_label(placement))
    if closed or not sharing_consented(placement, today):
        # The number, its dates and status only. The agreement, the schedule and the
        # coordinator's message are about the person too and were shared under the
        # sharing consent: once it is withdrawn they go with the name.
        return number
    snapshot = snapshot_of(placement)
    if snapshot is None:
        # Nothing shared by name (the consent was withdrawn and given again, and no
        # update has been shared since): the number, and the current placement's details.
        return Disclosed(label=number.label, details=current)
    if placement.is_ended:
        # Ended, within the invoicing window: the name, nothing more.
        return Disclosed(label=snapshot.name or number.label, identified=True)
    return Disclosed(
        label=snapshot.name or number.label,
        adaptations=snapshot.workplace_adaptations,
        support_needs=snapshot.support_needs,
        identified=True,
        details=True,
    )
