"""Test settings: production settings with test-only environment values filled in."""

import os

os.environ.setdefault("READ_DOTENV", "0")  # the suite never reads a developer's .env
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("PLAIN_STATIC_STORAGE", "1")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
# Off by default in tests; tests/samordning/test_twofactor.py turns it on.
os.environ.setdefault("REQUIRE_2FA", "0")
# Tasks run at once, in the test's process (after commit); the worker test
# (tests/samordning/test_worker_process.py) runs the real database queue and worker.
os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")
# The funder pages compute live, so a test that creates data and reads the page sees it;
# tests/reports/test_summary.py turns the stored summary on.
os.environ.setdefault("STATISTICS_SUMMARY", "0")
# No limit between two reads of a calendar feed unless a test sets one.
os.environ.setdefault("CALENDAR_FEED_MIN_INTERVAL", "0")

from samordning.settings import *  # noqa: E402,F403

# Serve static files from the apps' folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A file, not SQLite's shared in-memory database: the concurrency tests run
# real threads, each with its own connection, and need SQLite's real locking.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so two runs in the same checkout cannot collide.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")  # noqa: F405
    }

# The test-only `flush` that TransactionTestCase runs between tests: it empties the
# append-only audit log, whose database triggers refuse that (tests/support).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.support"]  # noqa: F405

# Tests that check exact figures need the same published value on every run, and the factories draw
# record keys at random. So the suite publishes with the ONS 10-5 ptable, whose value does not
# depend on the cell key. The project's ptable (the production default) is tested where it decides:
# tests/reports/test_ptable_design.py, test_ons_comparison.py and test_attack.py.
STATISTICS_PTABLE = ""
STATISTICS_THRESHOLD = 10
