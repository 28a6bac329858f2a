"""PostgreSQL: the trigger functions plan their statements each time (trigger_plans.py), so
a plan cached while a table was empty does not read the whole table for ever after."""

import pgtrigger
import pytest
from django.db import connection

from samordning.trigger_plans import CUSTOM_PLANS, plan_trigger_statements_each_time

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PL/pgSQL's plan cache"),
]

_TRIGGER_FUNCTIONS = """
    SELECT p.proname, coalesce(p.proconfig, '{}') FROM pg_proc p
      JOIN pg_trigger t ON t.tgfoid = p.oid
     WHERE NOT t.tgisinternal AND p.pronamespace = current_schema()::regnamespace
"""


def _settings_of_trigger_functions() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(_TRIGGER_FUNCTIONS)
        return dict(cursor.fetchall())


def test_every_trigger_function_plans_its_statements_each_time():
    functions = _settings_of_trigger_functions()
    assert set(functions) == {trigger.get_pgid(model) for model, trigger in pgtrigger.registered()}
    assert {name for name, config in functions.items() if CUSTOM_PLANS not in config} == set()


def test_a_function_installed_again_gets_the_setting_back_after_migrate():
    name = next(iter(_settings_of_trigger_functions()))
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER FUNCTION {name}() RESET plan_cache_mode")
    assert CUSTOM_PLANS not in _settings_of_trigger_functions()[name]

    plan_trigger_statements_each_time(using=connection.alias)

    assert CUSTOM_PLANS in _settings_of_trigger_functions()[name]
