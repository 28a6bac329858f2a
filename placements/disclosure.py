"""What the enterprise side may show of a participant.

An enterprise sees a placed participant's name and agreed workplace adaptations,
never the identity number, support needs, support sources, consents or notes.
An anonymous participant (protected identity, no consent) shows as "Anonym deltagare".
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from participants.models import Participant


def participant_label(participant: Participant) -> str:
    """The participant's name, or "Anonym deltagare" (never the number or birth year)."""
    if participant.is_anonymous or not (participant.first_name or participant.last_name):
        return _("Anonym deltagare")
    return f"{participant.first_name} {participant.last_name}".strip()
