"""Gunicorn settings for Samordning (`make serve`, docs/operations.md).

Read from the environment like samordning/settings.py. The one rule that ties them
together: gunicorn's worker timeout is longer than the database's statement timeout,
so a request stuck on the database is ended by PostgreSQL (and answered with the
503 "busy" page) before gunicorn kills the worker (a bare error, a lost worker).
"""

import os
from typing import Any


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


# Where to listen; `make serve` and `gunicorn -b` override it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Workers are processes, each with `threads` request threads and as many database
# connections; workers x threads <= PostgreSQL's connection budget. Default: sync
# workers (one request each), 2 per core + 1. A sync worker busy with a request does
# not accept the next one, so while some requests wait for a lock the idle workers
# answer everything else; with threads > 1 (gthread) a worker accepts requests that
# then queue behind its own waiting threads (measured in docs/operations.md).
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# Longer than the longest database wait a request can meet (see module docstring).
_statement_timeout_s = _int("DB_STATEMENT_TIMEOUT_MS", 20000) / 1000
timeout = _int("GUNICORN_TIMEOUT", int(_statement_timeout_s) + 15)
# On SIGTERM or reload, requests under way get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5

# Recycle workers now and then, so a slow leak can never grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200

# Logs to stdout/stderr (journald or the container collects them) unless a file is given.
# Access log: client, time, request line, status, bytes, duration in ms, forwarded-for.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms fwd="%({x-forwarded-for}i)s"'


def post_worker_init(worker: Any) -> None:  # noqa: ANN401  (gunicorn's Worker)
    """Compile templates, URL patterns and catalogues before the worker's first request
    (samordning/warmup.py): a fresh worker's first requests were its slowest.
    GUNICORN_WARM_UP=0 leaves it out."""
    from samordning.heartbeat import serve_with

    # Long downloads tell the arbiter they are making progress (samordning/heartbeat.py).
    serve_with(worker)
    if os.environ.get("GUNICORN_WARM_UP", "1") != "0":
        from samordning.warmup import warm_up

        try:
            warm_up()
        except Exception:  # noqa: BLE001  (a worker that cannot warm up still serves)
            worker.log.exception("warm-up failed")
