"""Long downloads tell gunicorn's arbiter they are making progress (samordning/heartbeat.py):
a sync worker silent for GUNICORN_TIMEOUT is killed, and a national caseload download
was cut off at 35 s."""

from __future__ import annotations

import itertools

import pytest

from samordning import heartbeat
from samordning.exports import csv_response, xlsx_response


class FakeWorker:
    def __init__(self) -> None:
        self.notified = 0

    def notify(self) -> None:
        self.notified += 1


@pytest.fixture
def worker(monkeypatch):
    fake = FakeWorker()
    monkeypatch.setattr(heartbeat, "_last", 0.0)
    heartbeat.serve_with(fake)
    yield fake
    heartbeat.serve_with(None)


@pytest.fixture
def clock(monkeypatch):
    """time.monotonic() two seconds later at every call."""
    ticks = itertools.count(start=100, step=2)
    monkeypatch.setattr(heartbeat.time, "monotonic", lambda: float(next(ticks)))


ROWS = [(n, f"rad {n}") for n in range(5)]


def test_a_csv_download_tells_the_worker_between_rows_while_it_streams(worker, clock):
    response = csv_response("fil", ["Nr", "Text"], iter(ROWS))
    assert worker.notified == 0  # nothing before the body is read
    chunks = iter(response.streaming_content)
    next(chunks)  # the header
    next(chunks)
    assert worker.notified == 1
    list(chunks)
    assert worker.notified == len(ROWS)


def test_an_xlsx_download_tells_the_worker_while_it_writes_the_file(worker, clock):
    xlsx_response("fil", ["Nr", "Text"], iter(ROWS))
    assert worker.notified == len(ROWS)


def test_at_most_once_a_second(worker):
    # The real clock: five rows take far less than a second.
    list(csv_response("fil", ["Nr", "Text"], iter(ROWS)).streaming_content)
    assert worker.notified == 1


def test_outside_gunicorn_nothing_is_told(clock):
    heartbeat.serve_with(None)
    assert list(csv_response("fil", ["Nr"], iter([(1,)])).streaming_content)
