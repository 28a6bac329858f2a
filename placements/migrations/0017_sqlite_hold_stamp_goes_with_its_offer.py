# SQLite only: a hold stamp goes with its offer. A test database's flush (DELETE FROM
# each table, in an order that varies from run to run) could empty the stamps, then
# the placements (whose trigger stamps their offer again, 0011), then the offers: the
# stamp was left naming no offer, and the flush failed on its foreign key
# (tests/placements/test_sqlite_flush.py: 45 of 300 orders). The application never
# deletes an offer with placements (PROTECT), and Django deletes an offer's stamp
# first (CASCADE), so this trigger only matters to a flush. PostgreSQL truncates,
# which fires no row trigger. (SQLite drops a table's triggers when a migration
# rebuilds it: a later migration that alters enterprises_trainingoffer on SQLite
# must create this again.)

from django.db import migrations

TRIGGER = "placements_offer_hold_stamp_goes_with_offer"


def add_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"""
            CREATE TRIGGER {TRIGGER}
            AFTER DELETE ON enterprises_trainingoffer
            BEGIN DELETE FROM placements_offerholdstamp WHERE offer_id = OLD.id; END
            """
        )


def remove_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0016_participant_activity"),
    ]

    operations = [
        migrations.RunPython(add_sqlite_trigger, remove_sqlite_trigger, elidable=False),
    ]
