"""PostgreSQL: the app's connections plan every prepared statement (and every statement
of a trigger function) with its values, each time. A generic plan made while a table
was small reads the whole table however large it grows; one made without the values
took a manager's placement list from 2 ms to 0.9 s at national scale."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan cache"),
]


def _plan_after_the_table_grew() -> str:
    """A statement prepared and run six times on an empty, analysed table; the plan
    it runs with after the table has grown to 20,000 rows."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE plan_probe (id bigint PRIMARY KEY, v bigint)")
        cursor.execute("ANALYZE plan_probe")
        cursor.execute("PREPARE probe(bigint) AS SELECT v FROM plan_probe WHERE id = $1")
        for key in range(6):
            cursor.execute(f"EXECUTE probe({key})")
        cursor.execute("INSERT INTO plan_probe SELECT n, n FROM generate_series(1, 20000) n")
        cursor.execute("EXPLAIN EXECUTE probe(7)")
        plan = "\n".join(row for (row,) in cursor.fetchall())
        cursor.execute("DEALLOCATE probe")
        cursor.execute("DROP TABLE plan_probe")
    return plan


def test_app_connections_plan_each_statement_with_its_values():
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"
    assert "Index" in _plan_after_the_table_grew()


def test_without_it_the_plan_made_on_the_empty_table_reads_the_whole_table():
    """The hazard itself, so that the test above can fail."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = auto")
    assert "Seq Scan" in _plan_after_the_table_grew()
