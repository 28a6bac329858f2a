"""Benchmark: how long the funder overview (/statistik/) takes to render.

Not a test: it prints figures. It builds data in a throwaway database (a
temporary SQLite file unless --database-url names another throwaway one),
with `manage.py seed_demo --scale N` when that command exists, otherwise with
the test factories (tests/worlds/statistics.py: N blocks of 12 participants with
enterprises, offers, placements and attendance), then renders the overview as
a funder several times: live (every aggregate computed by the request) and from
the statistics summary (reports/summary.py; the time the worker takes to compute
it is printed too).

    DEBUG=1 .venv/bin/python bench/funder_overview.py --scale 20
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="data size (seed_demo --scale)")
    parser.add_argument("--repeat", type=int, default=5, help="timed renders (after one warm-up)")
    parser.add_argument("--year", type=int, default=None, help="period shown (default: this year)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a THROWAWAY database to fill (default: a temporary SQLite file)",
    )
    args = parser.parse_args()

    tmpdir = tempfile.TemporaryDirectory(prefix="samordning-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmpdir.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samordning.settings")
    os.environ.setdefault("REQUIRE_2FA", "0")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from participants.models import Participant
    from placements.models import AttendanceDay, Placement
    from reports import views  # noqa: F401  (import errors show before seeding)
    from samordning.policy import Role

    setup_test_environment()
    year = args.year or timezone.localdate().year

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    how = f"seed_demo --scale {args.scale}"
    # A throwaway database: --force lets it run with DEBUG off too.
    call_command("seed_demo", scale=args.scale, force=True)
    seeded = time.perf_counter() - started

    from django.contrib.auth.models import Group

    from samordning.models import User

    funder, _created = User.objects.get_or_create(username="bench-funder")
    funder.groups.add(Group.objects.get_or_create(name=Role.FUNDER)[0])

    from django.conf import settings

    from reports.queries import Period
    from reports.summary import key_for, summary_compute

    client = Client()
    client.force_login(funder)
    url = f"{reverse('reports:overview')}?year={year}"
    period = Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))
    computed = summary_compute(key=key_for(period, None)).seconds or 0.0

    def render(summary: bool) -> tuple[list[float], int, Any]:
        settings.STATISTICS_SUMMARY = summary
        response = client.get(url)  # warm-up: templates, translations, connection
        assert response.status_code == 200, response.status_code
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        return timings, len(queries.captured_queries), response

    live, live_queries, _response = render(False)
    timings, queries, response = render(True)

    print(f"data:        {how}, built in {seeded:.1f} s")
    print(
        f"             {Participant.objects.count()} participants, "
        f"{Placement.objects.count()} placements, {AttendanceDay.objects.count()} attendance days"
    )
    print(f"database:    {connection.vendor}")
    print(f"page:        GET {url} ({len(response.content) // 1024} kB)")
    for what, runs, captured in (("live", live, live_queries), ("summary", timings, queries)):
        print(
            f"{what + ':':12} median {statistics.median(runs) * 1000:.0f} ms, "
            f"min {min(runs) * 1000:.0f} ms, max {max(runs) * 1000:.0f} ms "
            f"over {args.repeat} runs, {captured} queries"
        )
    print(f"summary computed by the worker in {computed * 1000:.0f} ms")
    tmpdir.cleanup()


if __name__ == "__main__":
    main()
