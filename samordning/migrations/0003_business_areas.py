from django.db import migrations

AREAS = [
    ("transport", "Transport"),
    ("snickeri", "Snickeri"),
    ("tradgard", "Trädgårdsskötsel"),
    ("cafe", "Café"),
    ("restaurang", "Restaurang"),
    ("stad", "Städ"),
    ("second-hand", "Second hand"),
    ("tvatteri", "Tvätteri"),
    ("kontor", "Kontor/administration"),
    ("annat", "Annat"),
]


def create_areas(apps, schema_editor):
    BusinessArea = apps.get_model("samordning", "BusinessArea")
    for code, name in AREAS:
        BusinessArea.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("samordning", "0002_role_groups")]

    operations = [migrations.RunPython(create_areas, migrations.RunPython.noop)]
