import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0008_participant_record_key_required"),
        ("placements", "0005_attach_placements_to_enrolments"),
    ]

    operations = [
        migrations.AlterField(
            model_name="placement",
            name="enrolment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="placements",
                to="participants.enrolment",
                verbose_name="inskrivning",
            ),
        ),
    ]
