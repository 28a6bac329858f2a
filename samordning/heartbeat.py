"""Tell gunicorn that a long download is still making progress.

A sync worker tells gunicorn's arbiter it is alive only between requests; the arbiter
kills a worker that has been silent for `GUNICORN_TIMEOUT` (35 s), the last resort
against a worker hung outside the database (docs/operations.md). A download of a whole
country's caseload writes rows for minutes, each chunk's query bounded by the
statement timeout: it is not hung, but was killed at 35 s with a third of the file
sent. The exports call `still_working()` between rows; gunicorn.conf.py registers the
worker (`serve_with`). Outside gunicorn (runserver, tests, the task worker) it does
nothing.
"""

from __future__ import annotations

import time
from typing import Any

# At most this often: notifying touches a file.
INTERVAL_S = 1.0

_worker: Any = None
_last = 0.0


def serve_with(worker: Any) -> None:  # noqa: ANN401  (gunicorn's Worker)
    """The gunicorn worker this process is (gunicorn.conf.py, post_worker_init)."""
    global _worker  # noqa: PLW0603  (one worker per process)
    _worker = worker


def still_working() -> None:
    """The request is making progress: tell the arbiter, at most once a second."""
    global _last  # noqa: PLW0603
    if _worker is None:
        return
    now = time.monotonic()
    if now - _last >= INTERVAL_S:
        _last = now
        _worker.notify()
