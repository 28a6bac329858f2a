"""The real worker: `manage.py db_worker` (django-tasks-db) in its own process, against
the test database, killed mid-batch with SIGKILL and started again. Each mail goes out
exactly once: the sent ones are not sent again, the one the dead worker held (its task
is stuck as running in the queue) is sent after its lease by the sweep, and the tasks
left in the queue beside the sweep's new ones send nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from samordning.models import Notification, NotificationKind
from samordning.notifications import notification_create
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
MAILS = 5
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _database_url() -> str:
    """The test database, for a process that is not the test runner."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert name != ":memory:" and "mode=memory" not in name, "needs a file database"
        return f"sqlite:///{Path(name).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(mail_dir: Path, hold_after: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=_database_url(),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        EMAIL_BACKEND="tests.support.slow_mail.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        MAIL_TEST_HOLD_AFTER=hold_after,
        NOTIFICATION_LEASE_SECONDS="3",
    )
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _subjects(mail_dir: Path) -> list[str]:
    subjects = []
    for path in sorted(mail_dir.glob("*.log")):
        # The file backend separates messages with a line of dashes.
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                subjects.append(str(message_from_bytes(chunk.strip())["Subject"]))
    return subjects


def _wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_restarted_sends_each_mail_exactly_once(tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with override_settings(TASKS=DB_QUEUE):
        ids = [
            notification_create(
                recipient=UserFactory(username=f"mottagare{i}"),
                kind=NotificationKind.DIGEST,
                key=f"worker-test:{i}",
                subject=f"Avisering {i}",
                body="Arbetsträning nr 1",
            ).pk
            for i in range(MAILS)
        ]
    # Committed, and one task per notification waiting in the database queue.
    assert DBTaskResult.objects.count() == MAILS

    # A worker that, after its first mail, waits before writing the next: killed once
    # the first is marked sent, so it dies holding the second notification's lease.
    worker = _manage(
        "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1",
        env=_env(mail_dir, hold_after="1"),
    )  # fmt: skip
    try:
        _wait_for(
            lambda: Notification.objects.filter(sent_at__isnull=False).exists(),
            timeout=60,
            what="the first mail",
        )
        _wait_for(
            lambda: Notification.objects.filter(
                sent_at__isnull=True, locked_until__isnull=False
            ).exists(),
            timeout=30,
            what="the second mail's claim",
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert worker.returncode == -signal.SIGKILL, output
    sent_before = _subjects(mail_dir)
    assert len(sent_before) == 1, (sent_before, output)
    # The task the dead worker held stays "running" in the queue: only the sweep frees it.
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
    held = Notification.objects.filter(sent_at__isnull=True, locked_until__isnull=False)
    assert held.count() == 1

    # Restart after the lease: the sweep enqueues the unsent ones again, and a worker
    # runs everything in the queue (the old tasks and the sweep's new ones), then stops.
    _wait_for(
        lambda: not held.filter(locked_until__gte=timezone.now()).exists(),
        timeout=10,
        what="the lease to run out",
    )
    env = _env(mail_dir, hold_after="")
    sweep = _manage("send_unsent_notifications", "--min-age", "0", env=env)
    sweep_output = sweep.communicate(timeout=60)[0].decode(errors="replace")
    assert sweep.returncode == 0, sweep_output
    assert f"{MAILS - len(sent_before)} notification(s) enqueued" in sweep_output
    worker = _manage("db_worker", "--no-reload", "--no-startup-delay", "--batch", env=env)
    output = worker.communicate(timeout=120)[0].decode(errors="replace")
    assert worker.returncode == 0, output

    subjects = _subjects(mail_dir)
    assert sorted(subjects) == sorted(f"Avisering {i}" for i in range(MAILS)), subjects
    assert Notification.objects.filter(pk__in=ids, sent_at__isnull=True).count() == 0
    # More tasks ran than mails went out: the duplicates found their row sent.
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() > MAILS - len(sent_before)
