"""SQLite: a test database's flush (Django's DELETE FROM each table, in an order that
varies with the process's hash seed) leaves no row naming a deleted one, whatever the
order, although the triggers that keep the summary tables fire on each deletion."""

from __future__ import annotations

import random

import pytest
from django.core.management.color import no_style
from django.db import connection, transaction

from tests.factories import FollowUpMeetingFactory
from tests.worlds.enterprise import enterprise_world

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's flush truncates"),
]


def test_every_order_of_a_flush_leaves_no_row_naming_a_deleted_one(manager):
    world = enterprise_world(manager, "Ett")
    FollowUpMeetingFactory(placement=world.active)
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    orders = random.Random(13)
    dangling = {}
    for _ in range(300):
        order = list(tables)
        orders.shuffle(order)
        flush = connection.ops.sql_flush(no_style(), order)
        savepoint = transaction.savepoint_create()
        with connection.cursor() as cursor:
            for statement in flush:
                cursor.execute(statement)
            cursor.execute("PRAGMA foreign_key_check")
            for table, _rowid, parent, _key in cursor.fetchall():
                dangling[(table, parent)] = dangling.get((table, parent), 0) + 1
        transaction.savepoint_rollback(savepoint)
    assert dangling == {}
