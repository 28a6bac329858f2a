"""Placements made before snapshots existed: share what the enterprise saw until now.

Until this release an enterprise read the live record, so the best record of what it
was shown is the record today. Only for named participants with a valid consent to
sharing with the enterprise; everyone else's enterprise sees the number from now on.
"""

import datetime

from django.db import migrations
from django.db.models import Q
from django.utils import timezone


def forward(apps, schema_editor):
    Placement = apps.get_model("placements", "Placement")
    SharedSnapshot = apps.get_model("placements", "SharedSnapshot")
    Consent = apps.get_model("participants", "Consent")
    today = timezone.localdate()
    consenting = Consent.objects.filter(
        purpose="share_with_enterprise", given_on__lte=today
    ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
    placements = (
        Placement.objects.filter(
            participant__is_anonymous=False,
            participant_id__in=consenting.values("participant_id"),
            shared__isnull=True,
        )
        .select_related("participant")
        .order_by("pk")
    )
    batch = []
    for placement in placements.iterator(chunk_size=1000):
        participant = placement.participant
        batch.append(
            SharedSnapshot(
                placement=placement,
                first_name=participant.first_name,
                last_name=participant.last_name,
                workplace_adaptations=participant.workplace_adaptations,
                shared_at=placement.proposed_at
                or datetime.datetime.now(tz=datetime.timezone.utc),
                shared_by_id=placement.proposed_by_id,
            )
        )
        if len(batch) >= 1000:
            SharedSnapshot.objects.bulk_create(batch)
            batch = []
    SharedSnapshot.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0005_date_ranges"),
        ("placements", "0003_shared_snapshot"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
