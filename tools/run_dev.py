"""`make run`: the web server, the task worker and the scheduler side by side.

Starts `manage.py runserver`, `manage.py db_worker` (django-tasks-db: runs the
queued tasks, such as sending mail) and `manage.py run_scheduler` (enqueues the
periodic ones: notification retries, the daily digests). Ctrl-C, or any of them
exiting, stops all three. Arguments: HOST:PORT for runserver, which is also
SITE_URL (the mail links) unless the environment or .env sets it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the process and its children (its own process group), if still there."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def child_environment(
    address: str, environ: Mapping[str, str], dotenv: Path | str
) -> dict[str, str]:
    """The three processes' environment: ours, and SITE_URL (the links in the worker's
    mail) pointing at this server unless the environment or the .env file sets it."""
    env = dict(environ)
    if "SITE_URL" not in env and "SITE_URL" not in dotenv_values(dotenv):
        env["SITE_URL"] = f"http://{address}"
    return env


def main(address: str) -> int:
    python = sys.executable
    commands = {
        "web": [python, "manage.py", "runserver", address],
        # --no-reload: the worker would otherwise restart on every saved file mid-task.
        "worker": [python, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
        "scheduler": [python, "manage.py", "run_scheduler"],
    }
    env = child_environment(address, os.environ, os.environ.get("DOTENV_FILE") or ROOT / ".env")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for name, command in commands.items():
        # Fixed commands, no user input. Each in its own process group, so that stopping
        # it reaches runserver's autoreloaded child too.
        processes[name] = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, start_new_session=True
        )
    stopping = False

    def stop(signum: int = signal.SIGTERM, frame: object = None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    try:
        while not stopping:
            for name, process in processes.items():
                code = process.poll()
                if code is not None:
                    print(f"{name} stopped (exit {code}); stopping the others", flush=True)
                    status = code or 1
                    stopping = True
            time.sleep(0.5)
    finally:
        # SIGTERM, not SIGINT: a shell may start us with SIGINT ignored, and runserver
        # would then ignore it too; the worker and the scheduler stop cleanly on either.
        for process in processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"))
