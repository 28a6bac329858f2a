"""The audit log is append-only in the database, not only in Python.

Each case first steps around the model's Python guards (AuditLog.save/delete, the
queryset's update/delete), the way a bug, a shell session or a raw query would, and
shows that the database itself refuses: on PostgreSQL the pgtrigger triggers on
samordning.AuditLog, on SQLite the triggers of migrations samordning 0005 and 0008. The one
change let through is the pseudonymisation that anonymisation performs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, models, transaction

from samordning.models import AuditLog

PSEUDONYM = "Deltagare 42 (anonymiserad)"


def _row(**extra: object) -> AuditLog:
    values: dict[str, object] = {
        "subjects": ",42,",
        "action": "view",
        "object_type": "participants.participant",
        "object_id": "42",
        "object_repr": "Anna Andersson",
        "path": "/deltagare/42/",
        "detail": "",
    }
    values.update(extra)
    return AuditLog.objects.create(**values)


def _refused(change: Callable[[], object]) -> None:
    """The change fails with a database error and leaves the row as it was."""
    with pytest.raises(DatabaseError), transaction.atomic():
        change()


def _save_changed(row: AuditLog) -> None:
    row.detail = "ändrad"
    models.Model.save(row)  # the UPDATE that AuditLog.save refuses in Python


def _raw(sql: str) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    return run


WAYS_AROUND_PYTHON = {
    "queryset update": lambda: models.QuerySet.update(AuditLog.objects.all(), detail="x"),
    "queryset update of object_repr to a free text": lambda: models.QuerySet.update(
        AuditLog.objects.all(), object_repr="Någon annan"
    ),
    "pseudonym plus another column": lambda: models.QuerySet.update(
        AuditLog.objects.all(), object_repr=PSEUDONYM, detail="x"
    ),
    "queryset delete": lambda: models.QuerySet.delete(AuditLog.objects.all()),
    "_raw_delete": lambda: AuditLog.objects.all()._raw_delete(using="default"),
    "raw UPDATE": _raw("UPDATE samordning_auditlog SET path = '/annat/'"),
    "raw UPDATE with a look-alike pseudonym": _raw(
        "UPDATE samordning_auditlog SET object_repr = 'Deltagare 4x2 (anonymiserad)'"
    ),
    "raw DELETE": _raw("DELETE FROM samordning_auditlog"),
    # Who was shown: erasing it would hide whom a list page showed.
    "raw UPDATE of the people shown, with a pseudonym": _raw(
        "UPDATE samordning_auditlog SET subjects = '', object_repr = 'Deltagare 42 (anonymiserad)'"
    ),
    "queryset update of the people shown, with a pseudonym": lambda: models.QuerySet.update(
        AuditLog.objects.all(), object_repr=PSEUDONYM, subjects=",1,"
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("way", list(WAYS_AROUND_PYTHON), ids=list(WAYS_AROUND_PYTHON))
def test_the_database_refuses_changes_and_deletes(way: str) -> None:
    row = _row()

    _refused(WAYS_AROUND_PYTHON[way])

    row.refresh_from_db()
    assert (row.object_repr, row.detail, row.path) == ("Anna Andersson", "", "/deltagare/42/")
    assert row.subjects == ",42,"
    assert AuditLog.objects.count() == 1


def test_every_column_but_the_name_is_frozen() -> None:
    """The triggers list the columns an UPDATE may not change: all but object_repr
    (which only pseudonymisation may change). A column added to the log must be added
    there too, and a migration written for both databases."""
    from samordning.models import _AUDIT_FROZEN_COLUMNS

    columns = {field.column for field in AuditLog._meta.concrete_fields}
    assert set(_AUDIT_FROZEN_COLUMNS) == columns - {"object_repr"}


@pytest.mark.django_db
def test_saving_a_changed_row_is_refused_by_the_database() -> None:
    row = _row()

    _refused(lambda: _save_changed(row))

    assert AuditLog.objects.get().detail == ""


@pytest.mark.django_db
def test_the_python_guards_still_answer_first() -> None:
    row = _row()
    with pytest.raises(ValidationError):
        AuditLog.objects.all().update(detail="x")
    with pytest.raises(ValidationError):
        AuditLog.objects.all().delete()
    with pytest.raises(ValidationError):
        row.delete()
    with pytest.raises(ValueError, match="pseudonym"):
        AuditLog.objects.all().pseudonymise("Någon annan")


@pytest.mark.django_db
def test_truncate_is_refused_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _row()

    _refused(_raw("TRUNCATE samordning_auditlog"))
    _refused(_raw("TRUNCATE samordning_auditlog CASCADE"))

    assert AuditLog.objects.count() == 1


@pytest.mark.django_db
def test_pseudonymisation_is_the_one_change_let_through() -> None:
    row = _row()
    other = _row(object_id="43", object_repr="Bo Berg")

    assert AuditLog.objects.filter(object_id="42").pseudonymise(PSEUDONYM) == 1

    row.refresh_from_db()
    other.refresh_from_db()
    assert row.object_repr == PSEUDONYM
    assert (row.detail, row.path, row.action) == ("", "/deltagare/42/", "view")
    assert other.object_repr == "Bo Berg"


@pytest.mark.django_db
def test_inserting_is_still_allowed() -> None:
    _row()
    AuditLog.objects.bulk_create([AuditLog(action="view", object_type="x", object_id="1")])
    assert AuditLog.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_test_flush_empties_the_log_and_keeps_the_triggers() -> None:
    """TransactionTestCase's flush (tests/support) may empty the log; afterwards
    the database refuses deletes again."""
    _row()

    call_command("flush", interactive=False, verbosity=0)

    assert AuditLog.objects.count() == 0
    _row()
    _refused(lambda: AuditLog.objects.all()._raw_delete(using="default"))
    assert AuditLog.objects.count() == 1
