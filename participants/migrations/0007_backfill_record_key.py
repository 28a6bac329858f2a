"""Give every existing participant a random statistical record key (0..255)."""

import secrets

from django.db import migrations


def forward(apps, schema_editor):
    Participant = apps.get_model("participants", "Participant")
    people = list(Participant.objects.filter(record_key__isnull=True).only("pk"))
    for person in people:
        person.record_key = secrets.randbelow(256)
    Participant.objects.bulk_update(people, ["record_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("participants", "0006_participant_record_key")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
