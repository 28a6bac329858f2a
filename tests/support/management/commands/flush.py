"""Test-only `flush`: also empties the audit log, which its triggers keep append-only.

Django's TransactionTestCase (pytest's `transaction=True`, `live_server`) flushes every
table after each test: TRUNCATE on PostgreSQL, DELETE on SQLite. The audit log's
triggers (samordning.models.AuditLog, migration samordning 0004) refuse both, as they
should in production, so the test database's flush steps around them: on PostgreSQL
with pgtrigger's ignore setting (this transaction only), on SQLite by dropping the
triggers for the flush and recreating them from their stored SQL. Installed by
tests/settings.py only; production's `manage.py flush` cannot empty the audit log.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections, transaction

AUDIT_TABLE = "samordning_auditlog"
AUDIT_TRIGGERS = (
    "samordning.AuditLog:auditlog_no_truncate",
    "samordning.AuditLog:auditlog_no_delete",
)


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor == "postgresql":
            # What pgtrigger.ignore sets, set once for the flush's transaction: its own
            # way prepends `SELECT set_config(...);` to every statement, which
            # PostgreSQL refuses from a prepared statement (server-side binding).
            ignored = sorted(
                name
                for model, trigger in pgtrigger.registered(*AUDIT_TRIGGERS)
                for name in (
                    trigger.get_pgid(model),
                    f"{model._meta.db_table}:{trigger.get_pgid(model)}",
                )
            )
            with transaction.atomic(using=options["database"]):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('pgtrigger.ignore', %s, true)",
                        ["{" + ",".join(ignored) + "}"],
                    )
                super().handle(**options)
            return
        if connection.vendor != "sqlite":
            super().handle(**options)
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [AUDIT_TABLE],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
