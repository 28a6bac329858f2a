"""The worker warm-up (samordning/warmup.py, gunicorn's post_worker_init)."""

from __future__ import annotations

import pytest

from samordning import heartbeat
from samordning.warmup import template_names, warm_up


@pytest.fixture(autouse=True)
def no_worker_left_behind(monkeypatch):
    # The hook registers its worker for the heartbeat; the next test must not see it.
    monkeypatch.setattr(heartbeat, "_worker", None)


def test_warm_up_compiles_every_template_without_the_database():
    # No django_db mark: a query would fail the test.
    names = template_names()
    assert "base.html" in names and "placements/offer_match_list.html" in names
    assert warm_up() == len(names)


def test_the_gunicorn_hook_calls_the_warm_up(monkeypatch):
    import runpy

    calls = []
    monkeypatch.setattr("samordning.warmup.warm_up", lambda: calls.append(1))
    config = runpy.run_path("gunicorn.conf.py")
    config["post_worker_init"](object())
    monkeypatch.setenv("GUNICORN_WARM_UP", "0")
    config["post_worker_init"](object())
    assert calls == [1]


def test_a_worker_whose_warm_up_fails_still_starts(monkeypatch):
    import runpy
    from unittest import mock

    def broken() -> int:
        raise RuntimeError("no")

    monkeypatch.setattr("samordning.warmup.warm_up", broken)
    worker = mock.Mock()
    runpy.run_path("gunicorn.conf.py")["post_worker_init"](worker)
    worker.log.exception.assert_called_once()


def test_the_gunicorn_hook_registers_the_worker_for_long_downloads(monkeypatch):
    import runpy
    from unittest import mock

    monkeypatch.setenv("GUNICORN_WARM_UP", "0")
    monkeypatch.setattr(heartbeat, "_last", 0.0)
    worker = mock.Mock()
    runpy.run_path("gunicorn.conf.py")["post_worker_init"](worker)
    heartbeat.still_working()
    worker.notify.assert_called_once()
