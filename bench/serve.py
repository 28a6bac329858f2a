"""Serve the app and a bare Django project with gunicorn and time pages from outside.

Not a test: it prints one table. The databases must already be filled (for the
national size: bench/national.py; for the demo: bench/national.py --participants 0).
Several `--database-url SCALE=URL` give one table with a row per scale and page
(each scale in its own run of this script, with its own servers). Both
projects run under gunicorn with the same number of sync workers; each page gets
one cold request (its time is shown), then --requests requests from --clients
threads at once. Columns: p50/p95 of those requests, requests per second, that
throughput as a share of the bare 50-row page's, the page's number of queries
(one in-process request with the test client), and the largest peak resident size
(VmHWM) of any app worker after the page (peaks only grow, so it is the peak so far).

With --exports it serves each download instead, once, from a fresh app server of one
worker (its own gunicorn, long timeouts): status, seconds, bytes, and the worker's
peak resident size before the request (started and warmed up) and after it.

    DEBUG=1 .venv/bin/python bench/serve.py \
        --database-url demo=postgres://postgres@127.0.0.1:5432/samordning_demo \
        --database-url national=postgres://postgres@127.0.0.1:5432/samordning_national
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_PORT, BARE_PORT = 8771, 8772


def gunicorn(module: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
        [
            str(ROOT / ".venv/bin/gunicorn"),
            module,
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn on port {port} did not start")


def get(port: int, path: str, cookie: str, timeout: float = 300) -> tuple[int, float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    size = 0
    while chunk := response.read(65536):
        size += len(chunk)
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, elapsed, size


def load(port: int, path: str, cookie: str, requests: int, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    statuses: set[int] = set()
    lock = threading.Lock()
    todo = iter(range(requests))

    def worker() -> None:
        while True:
            with lock:
                if next(todo, None) is None:
                    return
            status, elapsed, _size = get(port, path, cookie)
            with lock:
                latencies.append(elapsed)
                statuses.add(status)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000,
        "rps": len(latencies) / wall,
        "status": min(statuses),
    }


def worker_peak_rss_mb(master: int) -> float:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0.0
    peak = 0
    for pid in children:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


# Every download (role, path): the largest scope each role has, CSV and XLSX.
EXPORTS = [
    ("manager", "/arbetstraning/fakturaunderlag/csv/"),
    ("manager", "/arbetstraning/fakturaunderlag/xlsx/"),
    ("admin", "/arbetstraning/fakturaunderlag/csv/"),
    ("admin", "/arbetstraning/fakturaunderlag/xlsx/"),
    ("coordinator", "/deltagare/arendelista/csv/"),
    ("coordinator", "/deltagare/arendelista/xlsx/"),
    ("admin", "/deltagare/arendelista/csv/"),
    ("admin", "/deltagare/arendelista/xlsx/"),
    ("manager", "/arbetstraning/platser/export/xlsx/"),
    ("admin", "/arbetstraning/platser/export/csv/"),
    ("admin", "/arbetstraning/platser/export/xlsx/"),
    ("admin", "/foretag/export/csv/"),
    ("admin", "/foretag/export/xlsx/"),
    ("admin", "/granskning/?format=csv"),
    ("admin", "/granskning/?format=xlsx"),
]
EXPORT_TIMEOUT_S = 1800


EXPORT_HEADER = (
    f"{'scale':9} {'export':40} {'user':12} {'status':>6} {'seconds':>8} {'kB sent':>9} "
    f"{'RSS before':>10} {'RSS after':>9}"
)


# What --exports raises for the measurement (unless --app-timeouts).
LONG_TIMEOUTS = ("GUNICORN_TIMEOUT", "DB_STATEMENT_TIMEOUT_MS")


def serve_exports(
    scale: str,
    env: dict[str, str],
    port: int,
    sessions: dict[str, str],
    only: str,
    header: bool,
    long_timeouts: bool = True,
) -> None:
    """Each export once from a fresh server of one worker: its peak RSS before and after."""
    if long_timeouts:
        env = {
            **env,
            "GUNICORN_TIMEOUT": str(EXPORT_TIMEOUT_S + 60),
            "DB_STATEMENT_TIMEOUT_MS": str(EXPORT_TIMEOUT_S * 1000),
        }
    if header:
        print(EXPORT_HEADER, flush=True)
    for user, path in EXPORTS:
        if only and not any(w in f"{user} {path}" for w in only.split(",")):
            continue
        app = gunicorn("samordning.wsgi", port, 1, env)
        try:
            wait_until_up(port)
            before = worker_peak_rss_mb(app.pid)
            status, seconds, size = get(port, path, sessions[user], timeout=EXPORT_TIMEOUT_S)
            after = worker_peak_rss_mb(app.pid)
        finally:
            os.killpg(app.pid, signal.SIGTERM)
            app.wait(timeout=30)
        print(
            f"{scale:9} {path:40} {user:12} {status:6} {seconds:8.1f} {size / 1e3:9.0f} "
            f"{before:10.0f} {after:9.0f}",
            flush=True,
        )


HEADER = (
    f"{'scale':9} {'page':58} {'user':12} {'cold':>7} {'p50':>7} {'p95':>7} {'req/s':>6} "
    f"{'ratio':>6} {'queries':>7} {'RSS MB':>7}"
)


def production_env(database_url: str) -> dict[str, str]:
    """Set this process up as the app's production settings on `database_url` (DEBUG
    off, 2FA off for the demo logins, connections kept as `CONN_MAX_AGE` says, for the
    app and the bare project alike), collect the static files, and return the
    environment for the servers it starts."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "REQUIRE_2FA": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DB_STATEMENT_TIMEOUT_MS": os.environ.get("DB_STATEMENT_TIMEOUT_MS", "120000"),
        # Both projects keep (or both drop) each worker's connection between requests.
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "GUNICORN_ERROR_LOG": "/dev/null",
    }
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "samordning.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    subprocess.run(  # noqa: S603  (manage.py of this project)
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        required=True,
        action="append",
        help="[SCALE=]URL; repeat it for one table over several scales",
    )
    parser.add_argument("--no-header", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--only",
        default="",
        help="only pages whose path contains one of these (comma-separated; =/ is exactly /);"
        " with --exports, exports whose 'user path' contains one",
    )
    parser.add_argument(
        "--port", type=int, default=APP_PORT, help="the app's port (the bare project: the next)"
    )
    parser.add_argument(
        "--exports",
        action="store_true",
        help="serve each download once per fresh worker instead: seconds, size, peak RSS",
    )
    parser.add_argument(
        "--app-timeouts",
        action="store_true",
        help="with --exports: the app's own statement and gunicorn timeouts (20 s, 35 s)",
    )
    args = parser.parse_args()
    if len(args.database_url) > 1:
        # One table: the header here, each scale's rows from its own run.
        print(EXPORT_HEADER if args.exports else HEADER, flush=True)
        for database in args.database_url:
            rest = [
                a
                for a in sys.argv[1:]
                if a not in args.database_url and not a.startswith("--database-url")
            ]
            subprocess.run(  # noqa: S603  (this script, our own arguments)
                [sys.executable, __file__, "--database-url", database, "--no-header", *rest],
                check=True,
            )
        return
    # SCALE=URL: the scale is what comes before the first "=", if that is before "://".
    value = args.database_url[0]
    scale, _, url = value.partition("=") if "=" in value.split("://")[0] else ("", "", value)

    env = production_env(url)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from enterprises.models import TrainingOffer
    from participants.models import Insats, Participant
    from samordning.models import User

    setup_test_environment()
    sessions: dict[str, str] = {}
    clients: dict[str, Client] = {}
    for username in ("coordinator", "manager", "admin", "funder"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client
        sessions[username] = f"sessionid={client.cookies['sessionid'].value}"
    insats = Insats.objects.order_by("pk").first()
    person = (
        Participant.objects.filter(
            coordinators__username="coordinator", enrolments__end_date__isnull=True
        )
        .order_by("pk")
        .first()
    )
    # An offer of the manager's (the offer page is theirs and every coordinator's).
    offer = TrainingOffer.objects.filter(enterprise__managers__username="manager").first()
    if args.exports:
        if args.app_timeouts:
            env = {k: v for k, v in env.items() if k not in LONG_TIMEOUTS}
        serve_exports(
            scale,
            env,
            args.port,
            sessions,
            args.only,
            header=not args.no_header,
            long_timeouts=not args.app_timeouts,
        )
        return
    pages = [
        ("bare", "", "/plain/"),
        ("bare", "", "/table/"),
        # The app's floor: a logged-in 404 (every middleware, session, user, roles and
        # the page frame, no view of its own). No page of the app can beat it.
        ("app", "coordinator", "/finns-inte/"),
        ("app", "coordinator", "/"),
        ("app", "coordinator", "/deltagare/"),
        ("app", "coordinator", f"/deltagare/{person.pk}/" if person else "/deltagare/"),
        ("app", "coordinator", "/arbetstraning/lediga-platser/"),
        (
            "app",
            "coordinator",
            f"/arbetstraning/deltagare/{person.pk}/foresla/" if person else "/",
        ),
        (
            "app",
            "coordinator",
            # From a match: the chosen offer instead of a select of every open offer.
            f"/arbetstraning/deltagare/{person.pk}/foresla/?offer={offer.pk}"
            if person and offer
            else "/",
        ),
        (
            "app",
            "coordinator",
            f"/arbetstraning/deltagare/{person.pk}/matchning/" if person else "/",
        ),
        ("app", "coordinator", f"/foretag/platser/{offer.pk}/" if offer else "/"),
        ("app", "manager", f"/foretag/platser/{offer.pk}/" if offer else "/"),
        ("app", "coordinator", "/arbetstraning/fakturaunderlag/"),
        ("app", "manager", "/arbetstraning/foretag/"),
        ("app", "manager", "/arbetstraning/fakturaunderlag/"),
        ("app", "manager", "/arbetstraning/fakturaunderlag/csv/"),
        ("app", "admin", "/arbetstraning/fakturaunderlag/"),
        ("app", "admin", "/admin/participants/participant/"),
        ("app", "admin", "/admin/placements/placement/"),
        ("app", "funder", "/statistik/"),
        ("app", "funder", f"/statistik/insats/{insats.pk}/" if insats else "/statistik/"),
        # Outside the first four rounds' table (issue 13, fifth round).
        ("app", "admin", "/"),
        ("app", "coordinator", "/arbetstraning/att-gora/"),
        ("app", "coordinator", "/arbetstraning/att-gora/queue-freed/"),
        ("app", "coordinator", "/arbetstraning/att-gora/proposals-answered/"),
        ("app", "coordinator", "/arbetstraning/att-gora/ending-soon/"),
        ("app", "coordinator", "/arbetstraning/att-gora/follow-ups-due/"),
        ("app", "coordinator", "/arbetstraning/att-gora/inactive/"),
        ("app", "coordinator", "/arbetstraning/att-gora/sharing-consent-missing/"),
        ("app", "coordinator", "/arbetstraning/ko/"),
        ("app", "coordinator", "/arbetstraning/uppfoljning/"),
        ("app", "coordinator", "/foretag/"),
        ("app", "coordinator", "/foretag/platser/"),
        ("app", "manager", "/arbetstraning/att-gora/"),
        ("app", "manager", "/arbetstraning/att-gora/capacity-stale/"),
        ("app", "manager", "/arbetstraning/foretag/forslag/"),
        ("app", "manager", "/arbetstraning/foretag/narvaro/"),
        ("app", "manager", "/foretag/platser/"),
        ("app", "admin", "/arbetstraning/att-gora/"),
        ("app", "admin", "/arbetstraning/att-gora/inactive/"),
        ("app", "admin", "/arbetstraning/ko/"),
        ("app", "admin", "/granskning/"),
        ("app", "admin", "/admin/"),
        ("app", "admin", "/admin/enterprises/enterprise/"),
        ("app", "admin", "/admin/enterprises/trainingoffer/"),
        ("app", "admin", "/admin/participants/enrolment/"),
        ("app", "admin", "/admin/participants/consent/"),
        ("app", "admin", "/admin/placements/attendanceday/"),
        ("app", "admin", "/admin/placements/waitinglistentry/"),
        ("app", "admin", "/admin/placements/followupmeeting/"),
        ("app", "admin", "/admin/samordning/auditlog/"),
        ("app", "admin", "/admin/samordning/user/"),
        ("app", "admin", "/admin/samordning/notification/"),
        ("app", "manager", f"/foretag/{offer.enterprise_id}/" if offer else "/"),
        # An admin hands one coordinator's caseload over (every one of them ticked).
        (
            "app",
            "admin",
            f"/deltagare/overlamning/?from_user={clients['coordinator'].session['_auth_user_id']}",
        ),
        ("app", "funder", "/statistik/foretagsutveckling/"),
        ("app", "admin", "/statistik/uppfoljning-finsam/"),
        ("app", "funder", f"/statistik/esf/{insats.pk}/" if insats else "/statistik/"),
        ("app", "admin", f"/statistik/esf/{insats.pk}/exakt/" if insats else "/statistik/"),
    ]
    if args.only:
        wanted = args.only.split(",")
        pages = [
            p
            for p in pages
            if p[0] == "bare" or any(p[2] == w[1:] if w[:1] == "=" else w in p[2] for w in wanted)
        ]

    app_port, bare_port = args.port, args.port + 1
    app = gunicorn("samordning.wsgi", app_port, args.workers, env)
    bare = gunicorn("bench.bare.wsgi:application", bare_port, args.workers, env)
    try:
        wait_until_up(app_port)
        wait_until_up(bare_port)
        if not args.no_header:
            print(HEADER, flush=True)
        reference = None
        for kind, user, path in pages:
            port = bare_port if kind == "bare" else app_port
            cookie = sessions.get(user, "")
            status, cold, _size = get(port, path, cookie)
            figures = load(port, path, cookie, args.requests, args.clients)
            if path == "/table/":
                reference = figures["rps"]
            ratio = f"{figures['rps'] / reference:.0%}" if reference else ""
            queries = ""
            if kind == "app":
                with CaptureQueriesContext(connection) as captured:
                    response = clients[user].get(path)
                    if hasattr(response, "streaming_content"):
                        for _chunk in response.streaming_content:
                            pass
                queries = str(len(captured.captured_queries))
            rss = worker_peak_rss_mb(app.pid if kind == "app" else bare.pid)
            label = f"{kind} {path}"[:58]
            print(
                f"{scale:9} {label:58} {user:12} {cold * 1000:7.0f} {figures['p50']:7.0f} "
                f"{figures['p95']:7.0f} {figures['rps']:6.1f} {ratio:>6} {queries:>7} "
                f"{rss:7.0f}" + ("" if status == figures["status"] == 200 else f"  HTTP {status}"),
                flush=True,
            )
    finally:
        for server in (app, bare):
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
