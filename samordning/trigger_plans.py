"""The database triggers plan their statements for the tables as they are, every time.

PL/pgSQL caches each statement's plan for the life of a connection. After five runs it
keeps a generic plan if that seems no dearer than the custom ones, and a plan made while
a table was empty (a new database, or a test's flushed and analysed tables) reads the
whole table. In that connection it goes on reading the whole table as the table grows:
a bulk insert of 1,000 follow-up meetings took 8 s instead of 1.3 s, quadratic in the
rows, and a test seeding the demo hit the statement timeout in CI.

`plan_cache_mode = force_custom_plan` on each trigger function plans its statements with
the row's values each time (tens of microseconds; the statements are small). pgtrigger
installs a function with CREATE OR REPLACE, which drops the setting, so it is set again
after every `migrate` (Django's post_migrate signal, which flush sends too).
"""

from typing import Any

from django.db import connections

CUSTOM_PLANS = "plan_cache_mode=force_custom_plan"

# pgtrigger names every function it installs `pgtrigger_<name>_<hash>`; its own helper
# `_pgtrigger_should_ignore` reads a setting, no table.
_UNSET = """
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.proname LIKE 'pgtrigger\\_%%'
       AND p.pronamespace = current_schema()::regnamespace
       AND NOT coalesce(p.proconfig, '{}') @> ARRAY[%s]
"""


def plan_trigger_statements_each_time(using: str = "default", **kwargs: Any) -> None:
    """Set force_custom_plan on every trigger function that lacks it (PostgreSQL only)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_UNSET, [CUSTOM_PLANS])
        for (function,) in cursor.fetchall():
            cursor.execute(f"ALTER FUNCTION {function} SET plan_cache_mode = force_custom_plan")
