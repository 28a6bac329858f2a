"""seed_demo --scale N multiplies participants and placements (own module: the demo
module's seeded data must not be there)."""

from io import StringIO

import pytest
from django.core.management import call_command

from enterprises.models import Enterprise, TrainingOffer
from participants.models import Participant
from placements.models import Placement


@pytest.mark.django_db
def test_scale_two_doubles_participants_and_placements() -> None:
    out = StringIO()
    call_command("seed_demo", force=True, scale=2, password="pw", stdout=out)
    assert Participant.objects.count() == 600
    # Scale 1 makes about 340 placements.
    assert Placement.objects.count() > 600
    # More offers so the extra participants find places; still the same nine enterprises.
    assert TrainingOffer.objects.count() == 23 + 4
    assert Enterprise.objects.count() == 9
    assert "skala 2" in out.getvalue()
