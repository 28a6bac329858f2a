"""Reads of participants that several pages use."""

from __future__ import annotations

from participants.models import Participant
from samordning.models import User


def is_responsible(participant: Participant, user: User) -> bool:
    """Is `user` one of the participant's coordinators (the audit log's "responsible")?

    Uses the prefetched `coordinator_list` when the participant has one."""
    listed = getattr(participant, "coordinator_list", None)
    if listed is not None:
        return any(c.pk == user.pk for c in listed)
    return participant.coordinators.filter(pk=user.pk).exists()
