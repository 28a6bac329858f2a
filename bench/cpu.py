"""CPU time of the Django process per request, in-process, with the production settings.

Not a test. Each page is requested with the test client (DEBUG off, connection kept as
under gunicorn with CONN_MAX_AGE=60): some warm-up requests, then --requests timed ones;
it prints the median wall and process (CPU) milliseconds and the number of queries.
Process time, unlike wall time, barely moves with other processes on a shared machine.
With --profile, one cProfile of --requests requests of the first page, sorted by
cumulative time.

With --gunicorn PORT, the pages are served instead by gunicorn (one sync worker for
the app on PORT, one for the bare project of bench/serve.py on PORT+1, whose /table/
comes first) and requested one after another from this process: per request the wall
time and the CPU time of the worker, of its PostgreSQL server process and of this
client (from /proc), i.e. where a request's cost goes outside Django too.

    DEBUG=1 .venv/bin/python bench/cpu.py \
        --database-url postgres://postgres@127.0.0.1:5432/samordning_demo \
        coordinator=/deltagare/ coordinator=/finns-inte/
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--lines", type=int, default=45, help="profile lines shown")
    parser.add_argument("--gunicorn", type=int, metavar="PORT", help="serve with gunicorn")
    parser.add_argument("pages", nargs="+", help="USER=PATH (user: a demo login)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.serve import production_env

    env = production_env(args.database_url)

    import django

    django.setup()
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from samordning.models import User

    logging.disable(logging.WARNING)  # the 404 floor logs each request
    clients: dict[str, Client] = {}
    if args.gunicorn:
        _split(args, env, clients, User)
        return

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


def _ticks(pid: int) -> int:
    """User and system CPU of a process so far, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _split(args: argparse.Namespace, env: dict[str, str], clients: dict, user_model: Any) -> None:
    from django.db import connection
    from django.test import Client

    from bench import serve

    env = {**env, "GUNICORN_MAX_REQUESTS": "0"}  # the same worker throughout
    cookies = {}
    for page in args.pages:
        username = page.partition("=")[0]
        if username not in cookies:
            client = Client()
            client.force_login(user_model.objects.get(username=username))
            cookies[username] = f"sessionid={client.cookies['sessionid'].value}"
    app = serve.gunicorn("samordning.wsgi", args.gunicorn, 1, env)
    bare = serve.gunicorn("bench.bare.wsgi:application", args.gunicorn + 1, 1, env)
    hz = os.sysconf("SC_CLK_TCK")
    try:
        serve.wait_until_up(args.gunicorn)
        serve.wait_until_up(args.gunicorn + 1)
        print(f"{'page':56} {'wall':>6} {'worker':>7} {'pg':>6} {'client':>7}  ms per request")
        for kind, page in [("bare", "=/table/"), *(("app", p) for p in args.pages)]:
            username, _, path = page.partition("=")
            port, master = (
                (args.gunicorn, app.pid) if kind == "app" else (args.gunicorn + 1, bare.pid)
            )
            cookie = cookies.get(username, "")
            for _ in range(args.warmup):
                serve.get(port, path, cookie)
            workers = [
                int(pid)
                for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()
            ]
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                backends = [pid for (pid,) in cursor.fetchall()]
            before = [sum(map(_ticks, workers)), sum(map(_ticks, backends))]
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.requests):
                serve.get(port, path, cookie)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            after = [sum(map(_ticks, workers)), sum(map(_ticks, backends))]
            per = [(b - a) / hz / args.requests * 1000 for a, b in zip(before, after, strict=True)]
            label = f"{kind} {path} {username}".strip()
            print(
                f"{label:56} {wall / args.requests * 1000:6.2f} {per[0]:7.2f} {per[1]:6.2f}"
                f" {cpu / args.requests * 1000:7.2f}"
            )
    finally:
        for process in (app, bare):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()


if __name__ == "__main__":
    main()
