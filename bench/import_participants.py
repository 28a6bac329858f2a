"""Benchmark: importing N participants from a spreadsheet, the preview and the real import.

Not a test: it prints figures (docs/performance.md). It builds a throwaway
database (a temporary SQLite file unless --database-url names another throwaway
one), writes a CSV (or XLSX) of N valid participants, then runs what the import
page runs: the dry run behind the preview and the confirmed import in one
transaction. Time is measured without tracing; the peak Python memory of one
more preview of the same file is measured with tracemalloc, and the process's
peak resident size is read from getrusage at the end.

    DEBUG=1 .venv/bin/python bench/import_participants.py --rows 10000
    DEBUG=1 .venv/bin/python bench/import_participants.py --rows 10000 --format xlsx
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def personnummer(n: int) -> str:
    """The n-th of a run of valid personnummer (Luhn), as ÅÅÅÅMMDD-NNNN."""
    from stdnum import luhn

    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 900)
    serial = n % 900 + 100
    nine = f"{birth:%y%m%d}{serial:03d}"
    return f"{birth:%Y%m%d}-{serial:03d}{luhn.calc_check_digit(nine)}"


HEADER = [
    "Personnummer",
    "Förnamn",
    "Efternamn",
    "Folkbokföringskommun",
    "Startdatum",
    "Utbildningsnivå",
    "Samtycke lämnat",
    "Koordinator",
]


def rows(count: int) -> list[list[str]]:
    return [
        [
            personnummer(n),
            f"Person{n}",
            "Benchmark",
            "0136",
            "2026-01-15",
            "Gymnasial (ISCED 3–4)",
            "2026-01-15",
            "bench-coordinator",
        ]
        for n in range(count)
    ]


def write_file(path: Path, fmt: str, count: int) -> None:
    if fmt == "csv":
        with path.open("w", encoding="cp1252", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(HEADER)
            writer.writerows(rows(count))
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Import")
    sheet.append(HEADER)
    for row in rows(count):
        sheet.append(row)
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
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
    os.environ["IMPORT_MAX_ROWS"] = str(max(args.rows, 10_000))
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, transaction

    from participants.models import Participant
    from participants.resources import ParticipantResource
    from samordning.imports import build_preview, run_import
    from samordning.models import Municipality, User
    from samordning.policy import Role

    call_command("migrate", verbosity=0)
    Municipality.objects.get_or_create(code="0136", defaults={"name": "Haninge"})
    admin = User.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    admin.groups.add(Group.objects.get_or_create(name=Role.ADMIN)[0])
    coordinator = User.objects.create(username="bench-coordinator")
    coordinator.groups.add(Group.objects.get_or_create(name=Role.COORDINATOR)[0])

    path = Path(tmpdir.name) / f"deltagare.{args.format}"
    write_file(path, args.format, args.rows)

    def preview() -> int:
        resource_ = ParticipantResource(user=admin)
        dataset, result = run_import(
            resource_, path, args.format, dry_run=True, file_name=path.name
        )
        return len(build_preview(resource_, dataset, result).rows)

    start = time.perf_counter()
    shown = preview()
    preview_time = time.perf_counter() - start

    start = time.perf_counter()
    with transaction.atomic():
        _dataset, result = run_import(
            ParticipantResource(user=admin), path, args.format, dry_run=False, file_name=path.name
        )
    import_time = time.perf_counter() - start
    assert not result.has_errors() and not result.has_validation_errors()

    start = time.perf_counter()
    preview()  # every row unchanged now
    again_time = time.perf_counter() - start

    tracemalloc.start()
    preview()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(f"file:          {path.name}, {args.rows} rows, {path.stat().st_size // 1024} kB")
    print(f"database:      {connection.vendor}")
    print(f"preview (dry run, {shown} rows shown): {preview_time:.1f} s")
    print(f"import (one transaction): {import_time:.1f} s, {Participant.objects.count()} saved")
    print(f"same file again (preview, all unchanged): {again_time:.1f} s")
    print(f"peak Python memory of a preview (tracemalloc): {peak / 2**20:.0f} MiB")
    print(f"peak resident size of the process (getrusage): {rss_kb / 1024:.0f} MiB")
    tmpdir.cleanup()


if __name__ == "__main__":
    main()
