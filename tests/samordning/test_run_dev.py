"""`make run`'s launcher (tools/run_dev.py): the web server, the worker and the
scheduler start together; a queued mail is sent by that worker; Ctrl-C stops all three."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from samordning.models import Notification, NotificationKind
from samordning.notifications import notification_create
from tests.factories import UserFactory
from tests.samordning.test_worker_process import DB_QUEUE, ROOT, _database_url, _wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of the running processes (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(entry.name)] = (parent, cmdline)
    return found


def _children(pid: int) -> list[str]:
    return [cmd for parent, cmd in _processes().values() if parent == pid]


def _processes_mentioning(text: str) -> list[int]:
    return [pid for pid, (_, cmd) in _processes().items() if text in cmd]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_run_dev_starts_server_worker_and_scheduler_and_stops_them(tmp_path: Path) -> None:
    port = _free_port()
    address = f"127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=_database_url(),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path),
        DEBUG="1",
    )
    launcher = subprocess.Popen(  # noqa: S603
        [sys.executable, "tools/run_dev.py", address],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(
            lambda: _answers(f"http://{address}/accounts/login/"), timeout=90, what="the server"
        )
        children = _children(launcher.pid)
        assert any(f"manage.py runserver {address}" in cmd for cmd in children), children
        assert any("manage.py db_worker" in cmd for cmd in children), children
        assert any("manage.py run_scheduler" in cmd for cmd in children), children
        with override_settings(TASKS=DB_QUEUE):
            notification = notification_create(
                recipient=UserFactory(),
                kind=NotificationKind.DIGEST,
                key="run-dev",
                subject="Prov",
                body="Arbetsträning nr 1",
            )
        _wait_for(
            lambda: Notification.objects.get(pk=notification.pk).sent_at is not None,
            timeout=60,
            what="the worker to send",
        )
        assert len(list(tmp_path.glob("*.log"))) == 1
    finally:
        launcher.send_signal(signal.SIGINT)
        launcher.wait(timeout=30)
    # runserver's reloaded child (whose parent is runserver) is gone too.
    _wait_for(lambda: not _processes_mentioning(address), timeout=15, what="runserver to stop")
    assert _children(launcher.pid) == []
    assert launcher.returncode == 0


def _launcher_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_dev", ROOT / "tools" / "run_dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mail_links_follow_the_port_unless_site_url_is_set(tmp_path: Path) -> None:
    child_environment = _launcher_module().child_environment
    no_dotenv = tmp_path / "missing.env"
    env = child_environment("127.0.0.1:8123", {"PATH": "/bin"}, no_dotenv)
    assert env == {"PATH": "/bin", "SITE_URL": "http://127.0.0.1:8123"}
    given = child_environment("127.0.0.1:8123", {"SITE_URL": "https://x.se"}, no_dotenv)
    assert given["SITE_URL"] == "https://x.se"
    dotenv = tmp_path / ".env"
    dotenv.write_text("SITE_URL=https://demo.example.se\n")
    assert "SITE_URL" not in child_environment("127.0.0.1:8123", {}, dotenv)
