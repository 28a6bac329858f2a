"""EXPLAIN (ANALYZE, BUFFERS) of the queries that matter most, as the pages send them.

Not a test: it prints Markdown for docs/performance.md. Each entry requests one page
in-process as one demo user, takes the page's query whose SQL contains a marker
(by default its slowest), and explains it; a sequential scan on a table of more
than 100,000 rows is flagged.

    DEBUG=1 .venv/bin/python bench/explain.py \
        --database-url postgres://postgres@127.0.0.1:5432/samordning_national

`--only peak` explains only the entries whose title contains "peak" (and not the
statistics worker's queries).
"""

from __future__ import annotations

import argparse
import datetime
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
    ("Matching: the page's slowest other query", "coordinator", "MATCH", ""),
    ("Start page (coordinator): its slowest query", "coordinator", "/", ""),
    ("Coordinator's participant list: its slowest query", "coordinator", "/deltagare/", ""),
    (
        "Invoice basis, coordinator (caseload, one month): its slowest query",
        "coordinator",
        "/arbetstraning/fakturaunderlag/",
        "",
    ),
    (
        "Invoice basis, manager (own enterprises, one month): its slowest query",
        "manager",
        "/arbetstraning/fakturaunderlag/",
        "",
    ),
    (
        "Invoice basis, admin (every enterprise, one month): its slowest query",
        "admin",
        "/arbetstraning/fakturaunderlag/",
        "",
    ),
    (
        "Follow-up list (coordinator): its slowest query",
        "coordinator",
        "/arbetstraning/uppfoljning/",
        "",
    ),
    (
        "Attention page (coordinator): its slowest query",
        "coordinator",
        "/arbetstraning/att-gora/",
        "",
    ),
    ("Attention page (admin): its slowest query", "admin", "/arbetstraning/att-gora/", ""),
    (
        "Attention list, inactive (admin): its slowest query",
        "admin",
        "/arbetstraning/att-gora/inactive/",
        "",
    ),
    (
        "Admin attendance-day changelist: its slowest query",
        "admin",
        "/admin/placements/attendanceday/",
        "",
    ),
    (
        "Admin participant changelist: its slowest query",
        "admin",
        "/admin/participants/participant/",
        "",
    ),
    ("Admin placement changelist: its slowest query", "admin", "/admin/placements/placement/", ""),
    (
        "Funder overview (from the statistics summary): its slowest query",
        "funder",
        "/statistik/",
        "",
    ),
]
# The statistics worker (reports.summary.summary_compute) for this year's overview:
# its slowest queries are explained too (they run in the worker, not in a request).
WORKER_QUERIES = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--only",
        default="",
        help="only the entries whose title contains one of these (comma-separated);"
        " the worker's queries are then left out",
    )
    args = parser.parse_args()
    only = [part.strip().lower() for part in args.only.split(",") if part.strip()]
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
    # The worker first: it also stores the summary row the funder overview then reads.
    if not only:
        worker_queries(big)
    pages: dict[tuple[str, str], list[dict[str, str]]] = {}
    for what, username, path, marker in QUERIES:
        if only and not any(part in what.lower() for part in only):
            continue
        if path == "MATCH":
            path, skip = "/arbetstraning/deltagare/{person}/matchning/", "WITH holds"
        else:
            skip = None
        path = path.format(person=person.pk if person else 0)
        if (username, path) not in pages:
            client = Client()
            client.force_login(User.objects.get(username=username))
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            pages[(username, path)] = captured.captured_queries
        queries = pages[(username, path)]
        if skip:
            queries = [q for q in queries if skip not in q["sql"]]
        chosen = [q for q in queries if marker in q["sql"]] if marker else []
        if not chosen:
            chosen = sorted(queries, key=lambda q: -float(q["time"]))
        explain(what, f"`{username}` `{path}`", chosen[0]["sql"], big)


def explain(what: str, where: str, sql: str, big: set[str]) -> None:
    from django.db import connection

    if sql.startswith("DECLARE"):
        sql = sql[sql.index(" FOR ") + 5 :]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    scans = {m for line in plan for m in re.findall(r"Seq Scan on (\w+)", line)}
    flagged = sorted(scans & big)
    total = next((line for line in plan if line.startswith("Execution Time")), "")
    print(
        f"#### {what}\n\n{where}: {total}"
        + (f" **sequential scan on {', '.join(flagged)}**" if flagged else "")
        + "\n"
    )
    print("```\n" + "\n".join(line[:160] for line in plan) + "\n```\n", flush=True)


def worker_queries(big: set[str]) -> None:
    """The statistics worker's slowest queries for this year's overview."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reports.queries import Period
    from reports.summary import key_for, summary_compute

    today = timezone.localdate()
    year = Period(
        datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31), str(today.year)
    )
    key = key_for(year, None)
    with CaptureQueriesContext(connection) as captured:
        summary_compute(key=key)
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    for rank, query in enumerate(slowest[:WORKER_QUERIES], 1):
        if not query["sql"].lstrip().upper().startswith(("SELECT", "WITH", "DECLARE")):
            continue
        explain(
            f"Statistics worker, this year's overview: slowest query {rank}",
            f"`refresh_statistics` ({float(query['time']) * 1000:.0f} ms in the run)",
            query["sql"],
            big,
        )


if __name__ == "__main__":
    main()
