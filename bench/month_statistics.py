"""Time the statistics' present-days aggregate and one whole overview key in-process.

Not a test: it prints figures. Run against a filled PostgreSQL copy, e.g.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/month_national \\
        .venv/bin/python bench/month_statistics.py [--no-key]

Each figure is the best of --runs runs of the query (the data warmed by the first).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samordning.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-key", action="store_true", help="skip the whole overview key")
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import timezone

    from reports import queries
    from reports.summary import SummaryKey, summary_compute
    from samordning.models import Municipality

    today = timezone.localdate()
    municipality = Municipality.objects.order_by("pk").first()
    for year in (today.year, today.year - 1):
        period = queries.Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))
        for label, where in (("all", None), ("one municipality", municipality)):
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                rows = queries.attendance_per_enterprise_year(period, municipality=where)
                times.append(time.perf_counter() - started)
            days = sum(r["days"].n for r in rows)
            print(
                f"attendance_per_enterprise_year {year} {label}: best {min(times):.2f} s "
                f"(runs {', '.join(f'{t:.2f}' for t in times)}), {len(rows)} rows, {days} days"
            )
    if not args.no_key:
        key = SummaryKey(
            "overview", datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
        )
        started = time.perf_counter()
        summary_compute(key=key)
        print(f"summary_compute overview {today.year}: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
