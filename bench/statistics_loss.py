"""Measure what the cell-key perturbation costs on the demo data (docs/statistics.md).

Not a test: it prints figures. In a throwaway database (a temporary SQLite file
unless --database-url names another throwaway one) it runs `seed_demo`, then
builds every funder table (overview and per insats) for each of the last
`--years` years and their quarters, for all municipalities and each one, once
with exact counts and once as published, and compares every count of people:

- cells: how many counts of people were compared;
- changed: the share whose published value differs from the exact one
  (a hidden cell counts as changed unless its exact value is 0);
- hidden: the share below the threshold, shown as "..";
- mean absolute change: over the cells that are published, |published - exact|;
- relative change: the same divided by the exact value, for exact values >= 10.

    DEBUG=1 .venv/bin/python bench/statistics_loss.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="seed_demo --scale")
    parser.add_argument("--years", type=int, default=3, help="how many recent years")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a THROWAWAY database to fill (default: a temporary SQLite file)",
    )
    args = parser.parse_args()

    tmpdir = tempfile.TemporaryDirectory(prefix="samordning-loss-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmpdir.name}/loss.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samordning.settings")
    sys.path.insert(0, str(ROOT))

    import datetime

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from participants.models import Insats, Participant
    from reports.catalogue import INSATS_TABLES, OVERVIEW_TABLES, Report
    from reports.queries import Period
    from reports.tables import Kind
    from samordning.models import Municipality

    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale=args.scale, force=True)
    today = timezone.localdate()

    def periods() -> list[Period]:
        found = []
        for year in range(today.year - args.years + 1, today.year + 1):
            found.append(Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year)))
            for q in range(4):
                start = datetime.date(year, 3 * q + 1, 1)
                end = (
                    datetime.date(year, 3 * q + 4, 1) - datetime.timedelta(days=1)
                    if q < 3
                    else datetime.date(year, 12, 31)
                )
                found.append(Period(start, end, f"Q{q + 1} {year}"))
        return found

    def counts(perturbed: bool) -> dict[tuple[str, ...], int | None]:
        settings.STATISTICS_PERTURBATION = perturbed
        cells: dict[tuple[str, ...], int | None] = {}
        for period in periods():
            for municipality in [None, *Municipality.objects.all()]:
                report = Report(period, municipality=municipality, today=today)
                tables = [build(report) for build in OVERVIEW_TABLES.values()]
                for insats in Insats.objects.all() if municipality is None else []:
                    scoped = Report(period, insats=insats, today=today)
                    tables += [build(scoped) for build in INSATS_TABLES.values()]
                for table in tables:
                    for row in table.rows:
                        for column, cell in zip(table.columns, row.cells, strict=True):
                            if column.kind == Kind.COUNT:
                                key = (period.label, str(municipality), table.slug, row.label)
                                cells[(*key, column.label)] = cell.value
        return cells

    exact = counts(False)
    published = counts(True)

    def summary(title: str, keys: list[tuple[str, ...]]) -> None:
        hidden = [k for k in keys if published[k] is None]
        changed = [
            k
            for k in keys
            if published[k] != exact[k] and not (published[k] is None and exact[k] == 0)
        ]
        shown = [k for k in keys if published[k] is not None]
        changes = [abs(published[k] - exact[k]) for k in shown]  # type: ignore[operator]
        relative = [
            abs(published[k] - exact[k]) / exact[k]  # type: ignore[operator]
            for k in shown
            if exact[k] and exact[k] >= 10  # type: ignore[operator]
        ]
        nonzero = [k for k in keys if exact[k]]
        print(f"{title}:")
        print(f"  cells:    {len(keys)} counts of people ({len(nonzero)} of them not 0)")
        print(f"  changed:  {len(changed) / len(keys):.1%} of the cells")
        print(
            f"  hidden:   {len(hidden) / len(keys):.1%} of the cells; "
            f"{len([k for k in hidden if exact[k]]) / max(len(nonzero), 1):.1%} "
            "of the non-zero ones"
        )
        print(
            "  mean absolute change of the published cells: "
            f"{sum(changes) / max(len(changes), 1):.2f}"
        )
        print(
            "  mean relative change of the published cells: "
            f"{sum(relative) / max(len(relative), 1):.1%}"
        )

    print(f"data:     seed_demo --scale {args.scale}: {Participant.objects.count()} participants")
    print(
        f"ptable:   {settings.STATISTICS_PTABLE or 'ONS ptable_10_5_rule.csv'}, "
        f"threshold {settings.STATISTICS_THRESHOLD}"
    )
    summary("every year and quarter, all municipalities and each one", list(exact))
    whole_years = [k for k in exact if k[0].isdigit() and k[1] == "None"]
    summary("whole years, all municipalities (the default view)", whole_years)
    key = (str(today.year), "None", "resultat", "Totalt avslutade", "Antal")
    print(
        f"ended this year (resultat, all municipalities): exact {exact.get(key)}, "
        f"published {published.get(key)}"
    )
    tmpdir.cleanup()


if __name__ == "__main__":
    main()
