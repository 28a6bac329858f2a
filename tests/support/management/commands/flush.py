"""Test-only `flush`: also empties the audit log, which its triggers keep append-only.

Django's TransactionTestCase (pytest's `transaction=True`, `live_server`) flushes every
table after each test: TRUNCATE on PostgreSQL, DELETE on SQLite. The audit log's
triggers (samordning.models.AuditLog, migration samordning 0004) refuse both, as they
should in production, so the test database's flush steps around them: on PostgreSQL
with pgtrigger.ignore (this thread's statements only), on SQLite by dropping the
triggers for the flush and recreating them from their stored SQL. Installed by
tests/settings.py only; production's `manage.py flush` cannot empty the audit log.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

AUDIT_TABLE = "samordning_auditlog"
AUDIT_TRIGGERS = (
    "samordning.AuditLog:auditlog_no_truncate",
    "samordning.AuditLog:auditlog_no_delete",
)


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor == "postgresql":
            with pgtrigger.ignore(*AUDIT_TRIGGERS, databases=[options["database"]]):
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
