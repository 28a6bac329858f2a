"""Every placement belongs to one of its participant's enrolments.

Existing placements without one are attached to the participant's enrolment
that covers the placement's start (else the nearest one before it, else the
participant's earliest). A participant with no enrolment at all gets one in
"Arbetsträning ASF" (created if missing, as the insats that funds work training
in social enterprises), from the participant's start date; when the placement
has ended, the enrolment ends with it, with its end reason and outcome, so the
person counts among the funder's figures as their placement says.
"""

from decimal import Decimal

from django.db import migrations

FALLBACK_INSATS = "Arbetsträning ASF"


def forward(apps, schema_editor):
    Placement = apps.get_model("placements", "Placement")
    Enrolment = apps.get_model("participants", "Enrolment")
    Insats = apps.get_model("participants", "Insats")
    orphans = Placement.objects.filter(enrolment__isnull=True).select_related("participant")
    for placement in orphans.iterator():
        day = placement.start_date or placement.planned_start
        enrolments = list(
            Enrolment.objects.filter(participant=placement.participant_id).order_by("start_date")
        )
        chosen = next(
            (
                e
                for e in enrolments
                if e.start_date <= day and (e.end_date is None or e.end_date >= day)
            ),
            None,
        )
        if chosen is None:
            before = [e for e in enrolments if e.start_date <= day]
            chosen = before[-1] if before else (enrolments[0] if enrolments else None)
        if chosen is None:
            insats, _created = Insats.objects.get_or_create(
                name=FALLBACK_INSATS,
                defaults={
                    "start_date": min(placement.participant.start_date, day),
                    "budget_per_year": Decimal(0),
                },
            )
            ended = placement.status in ("completed", "interrupted") and placement.end_date
            start = min(placement.participant.start_date, day)
            chosen = Enrolment.objects.create(
                participant_id=placement.participant_id,
                insats=insats,
                start_date=start,
                end_date=max(placement.end_date, start) if ended else None,
                end_reason=(placement.end_reason or "other_interruption") if ended else "",
                outcome=placement.outcome if ended else "",
            )
        placement.enrolment_id = chosen.pk
        placement.save(update_fields=["enrolment"])


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0004_backfill_shared_snapshots"),
        ("participants", "0008_participant_record_key_required"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
