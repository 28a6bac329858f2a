"""EXPLAIN (ANALYZE, BUFFERS) of the queries that matter most, as the pages send them.

Not a test: it prints Markdown for docs/performance.md. Each entry requests one page
in-process as one demo user, takes the page's query whose SQL contains a marker
(by default its slowest), and explains it; a sequential scan on a table of more
than 100,000 rows is flagged.

    DEBUG=1 .venv/bin/python bench/explain.py \
        --database-url postgres://postgres@127.0.0.1:5432/samordning_national
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (what, user, page, a marker of the query in its SQL; "" for the page's slowest query)
QUERIES = [
    (
        "Free places: the peak of places held per offer",
        "coordinator",
        "/arbetstraning/lediga-platser/",
        "WITH holds",
    ),
    (
        "Matching: the peak of places held per offer",
        "coordinator",
        "/arbetstraning/deltagare/{person}/matchning/",
        "WITH holds",
    ),
    (
        "Start page: the caseload's placements ending within 30 days",
        "coordinator",
        "/",
        'ORDER BY "placements_placement"."planned_end" ASC',
    ),
    ("Coordinator's participant list (a page of the caseload)", "coordinator", "/deltagare/", ""),
    (
        "Invoice basis, coordinator (caseload, one month)",
        "coordinator",
        "/arbetstraning/fakturaunderlag/",
        'COUNT("placements_attendanceday"."id") AS "present_days"',
    ),
    (
        "Invoice basis, manager (own enterprises, one month)",
        "manager",
        "/arbetstraning/fakturaunderlag/",
        'COUNT("placements_attendanceday"."id") AS "present_days"',
    ),
    (
        "Admin participant changelist (ordered by name)",
        "admin",
        "/admin/participants/participant/",
        'ORDER BY "participants_participant"."last_name"',
    ),
    (
        "Admin placement changelist",
        "admin",
        "/admin/placements/placement/",
        'ORDER BY "placements_placement"."planned_start" DESC',
    ),
    ("Statistics: participants by sex in the period", "funder", "/statistik/", 'AS "sex"'),
    ("Statistics: places held per month end", "funder", "/statistik/", "FILTER (WHERE (CASE WHEN"),
    ("Statistics: insats progress", "funder", "/statistik/", 'AS "insats", COUNT'),
    ("Statistics: support sources at start", "funder", "/statistik/", "has_ill_health_start"),
    (
        "Statistics: present days per enterprise and year",
        "funder",
        "/statistik/",
        'EXTRACT(YEAR FROM "placements_attendanceday"."date")',
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "samordning.settings",
            "REQUIRE_2FA": "0",
            "SECURE_SSL_REDIRECT": "0",
            "DB_STATEMENT_TIMEOUT_MS": "0",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from participants.models import Participant
    from samordning.models import User

    setup_test_environment()
    person = (
        Participant.objects.filter(
            coordinators__username="coordinator", enrolments__end_date__isnull=True
        )
        .order_by("pk")
        .first()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > 100000")
        big = {row[0] for row in cursor.fetchall()}
    pages: dict[tuple[str, str], list[dict[str, str]]] = {}
    for what, username, path, marker in QUERIES:
        path = path.format(person=person.pk if person else 0)
        if (username, path) not in pages:
            client = Client()
            client.force_login(User.objects.get(username=username))
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            pages[(username, path)] = captured.captured_queries
        queries = pages[(username, path)]
        chosen = [q for q in queries if marker in q["sql"]] if marker else []
        if not chosen:
            chosen = sorted(queries, key=lambda q: -float(q["time"]))
        sql = chosen[0]["sql"]
        if sql.startswith("DECLARE"):
            sql = sql[sql.index(" FOR ") + 5 :]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        scans = {m for line in plan for m in re.findall(r"Seq Scan on (\w+)", line)}
        flagged = sorted(scans & big)
        total = next((line for line in plan if line.startswith("Execution Time")), "")
        print(
            f"### {what}\n\n`{username}` `{path}`: {total}"
            + (f" **sequential scan on {', '.join(flagged)}**" if flagged else "")
            + "\n"
        )
        print("```\n" + "\n".join(line[:160] for line in plan) + "\n```\n", flush=True)


if __name__ == "__main__":
    main()
