"""Operations drill: a proposal storm, a killed worker and a held row lock, over HTTP.

Not a test and not part of `make test`: it prints figures for docs/operations.md.
Against PostgreSQL on this machine only (loopback addresses, bounded loops):

1. drops and recreates a THROWAWAY database (its name must start with
   "samordning_faults"), migrates it and fills it with `manage.py seed_demo --force`;
2. starts gunicorn with the checked-in gunicorn.conf.py on a loopback port (DEBUG off,
   plain HTTP) and logs in as the demo coordinator over HTTP (CSRF cookie and token);
3. storm: --proposals concurrent proposals (--concurrency client threads) for a few
   open offers, every one of the coordinator's participants proposed to each offer
   for the same future period; one gunicorn worker is SIGKILLed a third of the way in;
4. held lock: a second connection holds one offer's row (SELECT ... FOR UPDATE) for
   --lock-seconds while proposals for that offer and unrelated pages are requested;
5. prints places held vs capacity per offer (the app's own count, held_peak), the
   status counts (5xx split into the 503 "busy" page and others), connection errors
   from the killed worker, and the longest waits.

    .venv/bin/python bench/faults.py
    .venv/bin/python bench/faults.py --proposals 600 --concurrency 24 --lock-seconds 10
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import datetime
import http.client
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BUSY_TEXT = "Systemet är upptaget just nu"

# Printed as JSON by `manage.py shell`: the coordinator's participants and open offers
# taking 25 % from the storm's start (the app's own querysets, no demo internals).
DISCOVER = """
import json, datetime
from django.utils import timezone
from enterprises.models import TrainingOffer
from participants.models import Participant
from samordning.models import User
start = timezone.localdate() + datetime.timedelta(days={start_days})
user = User.objects.get(username="coordinator")
people = list(Participant.objects.visible_to(user).order_by("pk").values_list("pk", flat=True))
offers = [
    {{"pk": o.pk, "capacity": o.capacity, "title": str(o)}}
    for o in TrainingOffer.objects.visible_to(user).open().order_by("pk")
    if o.offers_extent(25) and (o.free_from is None or o.free_from <= start) and o.capacity >= 2
]
print("JSON" + json.dumps({{"participants": people, "offers": offers}}))
"""

HELD = """
import json, datetime
from django.utils import timezone
from enterprises.models import TrainingOffer
from placements.services.capacity import held_peak
start = timezone.localdate() + datetime.timedelta(days={start_days})
end = start + datetime.timedelta(days={length_days})
result = []
for pk in {offers}:
    offer = TrainingOffer.objects.get(pk=pk)
    result.append({{"pk": pk, "capacity": offer.capacity,
                   "held": held_peak(offer, start, end).count}})
print("JSON" + json.dumps(result))
"""


@dataclass
class Outcome:
    phase: str
    kind: str  # "proposal" or "page"
    status: int  # 0 = connection error
    seconds: float
    busy_page: bool = False


@dataclass
class Results:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


class Site:
    """A tiny HTTP client for one logged-in session (cookies and the CSRF token)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.cookie_lock = threading.Lock()

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, timeout: float = 60
    ) -> tuple[int, str, float]:
        headers = {"Host": f"{self.host}:{self.port}"}
        with self.cookie_lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(value)
                with self.cookie_lock:
                    for name, morsel in cookie.items():
                        self.cookies[name] = morsel.value
            return response.status, text, time.monotonic() - started
        finally:
            connection.close()

    def login(self, username: str, password: str) -> None:
        self.request("GET", "/accounts/login/")
        status, _, _ = self.request(
            "POST", "/accounts/login/", {"username": username, "password": password}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"Login as {username} failed (HTTP {status}).")


def run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def shell_json(code: str, env: dict[str, str]) -> object:
    output = run([PYTHON, "manage.py", "shell", "-c", code], env)
    return json.loads(output[output.index("JSON") + 4 :])


def fresh_database(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.hostname not in LOOPBACK:
        raise SystemExit("Loopback databases only.")
    if not re.fullmatch(r"samordning_faults\w*", name):
        raise SystemExit(
            "The database is dropped first: its name must start with samordning_faults"
        )
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def wait_until_up(host: str, port: int, deadline: float) -> None:
    site = Site(host, port)  # no session: the login page answers 200
    while time.monotonic() < deadline:
        try:
            if site.request("GET", "/accounts/login/", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time.")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/samordning_faults"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--proposals", type=int, default=600, help="storm size (bounded)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--offers", type=int, default=3, help="offers the storm targets")
    parser.add_argument("--lock-seconds", type=float, default=8.0)
    parser.add_argument("--lock-timeout-ms", type=int, default=5000, help="DB_LOCK_TIMEOUT_MS")
    args = parser.parse_args()
    host = "127.0.0.1"
    start_days, length_days = 200, 90
    start = datetime.date.today() + datetime.timedelta(days=start_days)
    end = start + datetime.timedelta(days=length_days)

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": host,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "PLAIN_STATIC_STORAGE": "1",
        "REQUIRE_2FA": "0",
        "DEMO_PASSWORD": "demo",
        "DB_LOCK_TIMEOUT_MS": str(args.lock_timeout_ms),
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "LOG_LEVEL": "WARNING",
        # WhiteNoise warns that STATIC_ROOT is missing: the drill serves no static files.
        "PYTHONWARNINGS": "ignore::UserWarning",
    }
    print(f"Fresh database {args.database_url}: migrate, seed_demo --force ...", flush=True)
    fresh_database(args.database_url)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "seed_demo", "--force"], env)
    found = shell_json(DISCOVER.format(start_days=start_days), env)
    assert isinstance(found, dict)
    participants: list[int] = found["participants"]
    offers = found["offers"][: args.offers]
    if not participants or len(offers) < 2:
        raise SystemExit("The demo data has too few participants or open offers.")
    storm_offers, locked_offer = offers[:-1], offers[-1]

    logs = tempfile.mkdtemp(prefix="samordning-faults-")
    access_log, error_log = f"{logs}/access.log", f"{logs}/error.log"
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "samordning.wsgi",
            "-b",
            f"{host}:{args.port}",
            "--access-logfile",
            access_log,
            "--error-logfile",
            error_log,
        ],
        cwd=ROOT,
        env=env,
    )
    results = Results()
    try:
        site = Site(host, args.port)
        wait_until_up(host, args.port, time.monotonic() + 60)
        site.login("coordinator", "demo")
        print(
            f"gunicorn pid {gunicorn.pid} on http://{host}:{args.port}/ with "
            f"{args.workers} workers x {args.threads} threads; logs in {logs}\n",
            flush=True,
        )

        def propose(phase: str, participant: int, offer: int) -> None:
            form = {
                "offer": str(offer),
                "placement_type": "training",
                "extent": "25",
                "planned_start": start.isoformat(),
                "planned_end": end.isoformat(),
            }
            path = f"/arbetstraning/deltagare/{participant}/foresla/"
            try:
                status, text, seconds = site.request("POST", path, form)
                results.add(
                    Outcome(phase, "proposal", status, seconds, busy_page=BUSY_TEXT in text)
                )
            except OSError:
                results.add(Outcome(phase, "proposal", 0, 0.0))

        def page(phase: str, path: str) -> None:
            try:
                status, _, seconds = site.request("GET", path)
                results.add(Outcome(phase, "page", status, seconds))
            except OSError:
                results.add(Outcome(phase, "page", 0, 0.0))

        # --- 3. the storm, with one worker killed a third of the way in ------------
        pairs = [(p, o["pk"]) for o in storm_offers for p in participants][: args.proposals]
        killed: list[int] = []
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            futures = [pool.submit(propose, "storm", p, o) for p, o in pairs]
            for done, _future in enumerate(concurrent.futures.as_completed(futures), 1):
                if done == len(futures) // 3 and not killed:
                    victims = worker_pids(gunicorn.pid)
                    if victims:
                        os.kill(victims[0], signal.SIGKILL)
                        killed.append(victims[0])
        storm_seconds = time.monotonic() - started

        # --- 4. a held row lock on one offer ----------------------------------------
        wait_until_up(host, args.port, time.monotonic() + 30)  # the killed worker is back
        unrelated = ["/", "/arbetstraning/lediga-platser/", "/deltagare/"]
        with psycopg.connect(args.database_url) as holder:
            holder.execute(
                "SELECT id FROM enterprises_trainingoffer WHERE id = %s FOR UPDATE",
                [locked_offer["pk"]],
            )
            lock_started = time.monotonic()
            lock_ends = lock_started + args.lock_seconds

            def proposals_while_locked(offset: int) -> None:
                for participant in participants[offset::4][:5]:  # bounded
                    if time.monotonic() >= lock_ends:
                        return
                    propose("lock", participant, locked_offer["pk"])

            def pages_while_locked() -> None:
                for _ in range(40):  # bounded
                    if time.monotonic() >= lock_ends:
                        return
                    for path in unrelated:
                        page("lock", path)

            threads = [threading.Thread(target=proposals_while_locked, args=(i,)) for i in range(4)]
            threads.append(threading.Thread(target=pages_while_locked))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.lock_seconds + 60)
            holder.rollback()
        lock_seconds = time.monotonic() - lock_started
        # The lock released, the same offer takes proposals again.
        propose("after", participants[-1], locked_offer["pk"])
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=60)
        except subprocess.TimeoutExpired:
            gunicorn.kill()

    held = shell_json(
        HELD.format(
            start_days=start_days,
            length_days=length_days,
            offers=[o["pk"] for o in [*storm_offers, locked_offer]],
        ),
        env,
    )
    report(results, held, killed, storm_seconds, lock_seconds, args, start, end, logs)


def report(
    results: Results,
    held: object,
    killed: list[int],
    storm_seconds: float,
    lock_seconds: float,
    args: argparse.Namespace,
    start: datetime.date,
    end: datetime.date,
    logs: str,
) -> None:
    assert isinstance(held, list)
    print(f"Period proposed: {start} to {end}, extent 25 %")
    print("\nPlaces held vs capacity (peak over the period, the app's held_peak):")
    overbooked = 0
    for row in held:
        flag = "OVERBOOKED" if row["held"] > row["capacity"] else "ok"
        overbooked += row["held"] > row["capacity"]
        print(f"  offer {row['pk']}: held {row['held']} / capacity {row['capacity']}  {flag}")

    print("\n| phase | requests | by status | 5xx | of which 503 busy page | median | longest |")
    print("|---|---|---|---|---|---|---|")
    for phase, kind in [
        ("storm", "proposal"),
        ("lock", "proposal"),
        ("lock", "page"),
        ("after", "proposal"),
    ]:
        rows = [o for o in results.outcomes if o.phase == phase and o.kind == kind]
        if not rows:
            continue
        counts = collections.Counter("conn. error" if o.status == 0 else o.status for o in rows)
        by_status = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str))
        fives = [o for o in rows if o.status >= 500]
        busy = [o for o in fives if o.status == 503 and o.busy_page]
        longest = max(o.seconds for o in rows)
        median = statistics.median(o.seconds for o in rows)
        print(
            f"| {phase} ({kind}s) | {len(rows)} | {by_status} | {len(fives)} | {len(busy)} "
            f"| {median:.2f} s | {longest:.2f} s |"
        )
    everything = results.outcomes
    print(
        f"\nStorm: {sum(o.phase == 'storm' for o in everything)} proposals in "
        f"{storm_seconds:.1f} s with {args.concurrency} client threads; "
        f"worker killed mid-run: {killed or 'none found'}."
    )
    print(
        f"Held lock: {lock_seconds:.1f} s (asked {args.lock_seconds:.0f} s), "
        f"DB_LOCK_TIMEOUT_MS={args.lock_timeout_ms}."
    )
    print(
        f"Total: {len(everything)} requests, "
        f"5xx: {sum(o.status >= 500 for o in everything)} "
        f"(503 busy page: {sum(o.status == 503 and o.busy_page for o in everything)}), "
        f"connection errors: {sum(o.status == 0 for o in everything)}, "
        f"longest wait: {max(o.seconds for o in everything):.2f} s, "
        f"overbooked offers: {overbooked}."
    )
    print(f"gunicorn logs: {logs}/access.log, {logs}/error.log")


if __name__ == "__main__":
    main()
