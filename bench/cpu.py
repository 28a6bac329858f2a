"""CPU time of the Django process per request, in-process, with the production settings.

Not a test. Each page is requested with the test client (DEBUG off, connection kept as
under gunicorn with CONN_MAX_AGE=60): some warm-up requests, then --requests timed ones;
it prints the median wall and process (CPU) milliseconds and the number of queries.
Process time, unlike wall time, barely moves with other processes on a shared machine.
With --profile, one cProfile of --requests requests of the first page, sorted by
cumulative time.

    DEBUG=1 .venv/bin/python bench/cpu.py \
        --database-url postgres://postgres@127.0.0.1:5432/samordning_demo \
        coordinator=/deltagare/ coordinator=/finns-inte/
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--lines", type=int, default=45, help="profile lines shown")
    parser.add_argument("pages", nargs="+", help="USER=PATH (user: a demo login)")
    args = parser.parse_args()
    env = {
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "REQUIRE_2FA": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "samordning.settings"
    sys.path.insert(0, str(ROOT))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ},
        check=True,
    )
    import django

    django.setup()
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from samordning.models import User

    logging.disable(logging.WARNING)  # the 404 floor logs each request
    clients: dict[str, Client] = {}

    def client_for(username: str) -> Client:
        if username not in clients:
            client = Client()
            client.force_login(User.objects.get(username=username))
            clients[username] = client
        return clients[username]

    print(f"{'user':12} {'page':50} {'status':>6} {'wall ms':>8} {'CPU ms':>7} {'queries':>7}")
    for page in args.pages:
        username, _, path = page.partition("=")
        client = client_for(username)
        for _ in range(args.warmup):
            client.get(path)
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        count = len(queries)  # read now: the next request clears the log
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.lines)
            stats.sort_stats("tottime").print_stats(args.lines)
            return
        walls, cpus = [], []
        for _ in range(args.requests):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(path)
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
        print(
            f"{username:12} {path:50} {status:>6} {statistics.median(walls) * 1000:8.1f} "
            f"{statistics.mean(cpus) * 1000:7.2f} {count:7}"
        )


if __name__ == "__main__":
    main()
