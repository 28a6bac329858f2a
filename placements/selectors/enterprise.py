"""The enterprise side's scope: placements at the enterprises a user manages."""

from __future__ import annotations

import datetime

from enterprises.models import Enterprise
from placements.models import Placement, PlacementQuerySet, PlacementStatus, unexpired
from samordning.models import User


def enterprise_placements(user: User) -> PlacementQuerySet:
    """Placements at the enterprises `user` manages (admins: all)."""
    return Placement.objects.visible_to(user).filter(
        offer__enterprise__in=Enterprise.objects.editable_by(user)
    )


def open_proposals(user: User, today: datetime.date) -> PlacementQuerySet:
    """Unexpired proposals at `user`'s enterprises, waiting for their answer."""
    return (
        enterprise_placements(user).filter(status=PlacementStatus.PROPOSED).filter(unexpired(today))
    )
