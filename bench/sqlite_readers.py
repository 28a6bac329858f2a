"""Benchmark: do SQLite reads answer while another connection holds the write lock?

Not a test: it prints figures. It builds the demo data (`manage.py seed_demo`) in a
temporary SQLite file with the project's settings (WAL, reads in autocommit, writes in
one IMMEDIATE transaction), logs in as the demo coordinator, then times page loads
through Django's test client:

1. with nobody writing;
2. while a second sqlite3 connection holds an open write transaction (BEGIN IMMEDIATE
   and an UPDATE, as a slow request or a shell would);
3. the old behaviour for comparison: a read inside an IMMEDIATE transaction (what
   ATOMIC_REQUESTS did for every request) with a 1 s busy timeout, during the same hold;
4. a write that arrives during the hold, with the lock released after --hold seconds:
   it waits for the writer and then succeeds (writes serialise, no "database is locked").

    DEBUG=1 .venv/bin/python bench/sqlite_readers.py
"""

from __future__ import annotations

import argparse
import io
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reads", type=int, default=10, help="timed loads of each page")
    parser.add_argument("--hold", type=float, default=1.5, help="seconds the writer holds (4.)")
    args = parser.parse_args()

    tmpdir = tempfile.TemporaryDirectory(prefix="samordning-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samordning.settings")
    os.environ.setdefault("REQUIRE_2FA", "0")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import OperationalError, connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from enterprises.models import TrainingOffer
    from samordning.models import User

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", force=True, stdout=io.StringIO())
    client = Client()
    client.force_login(User.objects.get(username="coordinator"))
    pages = [
        reverse("home"),
        reverse("placements:offer-free-list"),
        reverse("participants:participant-list"),
    ]
    offer_pk = TrainingOffer.objects.order_by("pk").values_list("pk", flat=True)[0]

    def timed(call: Callable[[], object]) -> tuple[object, float]:
        started = time.monotonic()
        result = call()
        return result, time.monotonic() - started

    def read_pages() -> tuple[list[int], list[float]]:
        statuses, times = [], []
        for _ in range(args.reads):
            for page in pages:
                response, seconds = timed(lambda page=page: client.get(page))
                statuses.append(response.status_code)  # type: ignore[attr-defined]
                times.append(seconds)
        return statuses, times

    def report(label: str, statuses: list[int], times: list[float]) -> None:
        codes = ", ".join(f"{code}: {statuses.count(code)}" for code in sorted(set(statuses)))
        print(
            f"| {label} | {len(times)} | {codes} | {_ms(statistics.median(times))} "
            f"| {_ms(max(times))} |"
        )

    read_pages()  # warm-up
    print(f"SQLite {sqlite3.sqlite_version}, {args.reads} loads of each of: {', '.join(pages)}\n")
    print("| phase | requests | status | median | max |")
    print("|---|---|---|---|---|")
    report("1. nobody writing", *read_pages())

    path = connection.settings_dict["NAME"]
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE enterprises_trainingoffer SET title = title WHERE id = ?", [offer_pk])
    try:
        report("2. another connection holds the write lock", *read_pages())

        # 3. The old way: the request's transaction begins IMMEDIATE, so it needs the lock.
        connection.close()
        connection.settings_dict["OPTIONS"]["timeout"] = 1
        started = time.monotonic()
        try:
            with transaction.atomic():
                TrainingOffer.objects.filter(pk=offer_pk).exists()
            outcome = "answered"
        except OperationalError as error:
            outcome = f"failed with {error!r}"
        print(
            "\n3. A read in an IMMEDIATE transaction (the old ATOMIC_REQUESTS), 1 s busy "
            f"timeout, during the hold: {outcome} after {_ms(time.monotonic() - started)}"
        )
        connection.close()
        connection.settings_dict["OPTIONS"]["timeout"] = 20

        # 4. A write arriving during the hold waits for the writer, then succeeds.
        threading.Timer(args.hold, writer.execute, ["ROLLBACK"]).start()
        started = time.monotonic()
        with transaction.atomic():
            TrainingOffer.objects.filter(pk=offer_pk).update(title="Kök (bekräftad)")
        print(
            f"4. A write during the hold (lock released after {args.hold:.1f} s): "
            f"committed after {_ms(time.monotonic() - started)}, no error"
        )
    finally:
        time.sleep(0.1)
        writer.close()
        connection.close()
        tmpdir.cleanup()


if __name__ == "__main__":
    main()
