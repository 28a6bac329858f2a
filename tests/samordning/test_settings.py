"""Settings come from the environment; production settings pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Drop what tests/settings.py put into this process's environment.
    test_only = {
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
        "SECURE_SSL_REDIRECT",
        "PLAIN_STATIC_STORAGE",
        "FAST_PASSWORD_HASHER",
        "SECURE_COOKIES",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "TASKS_BACKEND",
        "CALENDAR_FEED_MIN_INTERVAL",
    }
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-secret-" + "x9Q2" * 12,
        ALLOWED_HOSTS="samordning.example.se",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_bad_boolean_is_refused_not_guessed():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_no_missing_migrations():
    result = _manage("makemigrations", "--check", "--dry-run", DEBUG="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_swedish_first_and_stockholm_time():
    assert settings.LANGUAGE_CODE == "sv"
    assert dict(settings.LANGUAGES).keys() == {"sv", "en-gb"}
    assert settings.TIME_ZONE == "Europe/Stockholm"
    assert settings.USE_TZ is True


def test_every_write_request_is_a_transaction_and_sqlite_serialises_writers():
    database = settings.DATABASES["default"]
    assert database["CONN_HEALTH_CHECKS"] is True
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Unsafe methods only (AtomicWritesMiddleware); reads run in autocommit.
        assert database["ATOMIC_REQUESTS"] is False
        assert settings.ATOMIC_UNSAFE_REQUESTS == ["default"]
        assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
        assert database["OPTIONS"]["timeout"] == settings.DB_STATEMENT_TIMEOUT_MS / 1000
    else:
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert database["ATOMIC_REQUESTS"] is True
        assert settings.ATOMIC_UNSAFE_REQUESTS == []
        assert database["OPTIONS"]["options"] == (
            f"-c lock_timeout={settings.DB_LOCK_TIMEOUT_MS}"
            f" -c statement_timeout={settings.DB_STATEMENT_TIMEOUT_MS}"
            " -c jit=off"  # compiling plans cost seconds per statistics query (performance.md)
            " -c plan_cache_mode=force_custom_plan"  # generic plans went 2 ms -> 0.9 s
        )


def test_a_dotenv_file_fills_in_what_the_environment_does_not_set(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PROPOSAL_VALID_DAYS=23\nPARTICIPANT_RETENTION_DAYS=700\n", encoding="utf-8")
    show = (
        "from django.conf import settings; "
        "print(settings.PROPOSAL_VALID_DAYS, settings.PARTICIPANT_RETENTION_DAYS)"
    )
    common = {"DEBUG": "1", "DOTENV_FILE": str(dotenv), "READ_DOTENV": "1"}

    def shown(**env: str) -> list[str]:
        result = _manage("shell", "--no-imports", "-c", show, **{**common, **env})
        return result.stdout.split()

    assert shown() == ["23", "700"]
    # The environment wins over the file, and READ_DOTENV=0 ignores the file.
    assert shown(PARTICIPANT_RETENTION_DAYS="800") == ["23", "800"]
    assert shown(READ_DOTENV="0") == ["14", "1825"]


def test_postgresql_connections_are_kept_between_requests_and_sqlite_ones_are_not():
    show = (
        "from django.conf import settings; "
        "d = settings.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )

    def shown(**env: str) -> list[str]:
        result = _manage("shell", "--no-imports", "-c", show, DEBUG="1", READ_DOTENV="0", **env)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    postgres = "postgres://samordning@127.0.0.1:5432/samordning"
    # A worker keeps its connection for 60 s; a dropped one is replaced (health checks).
    assert shown(DATABASE_URL=postgres) == ["60", "True"]
    assert shown(DATABASE_URL=postgres, CONN_MAX_AGE="0") == ["0", "True"]
    assert shown(DATABASE_URL="sqlite:///x.sqlite3") == ["0", "True"]


def test_postgresql_statements_are_prepared_unless_turned_off():
    show = (
        "from django.conf import settings; o = settings.DATABASES['default']['OPTIONS']; "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )

    def shown(**env: str) -> list[str]:
        result = _manage("shell", "--no-imports", "-c", show, DEBUG="1", READ_DOTENV="0", **env)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    postgres = "postgres://samordning@127.0.0.1:5432/samordning"
    # Django leaves both off (prepare_threshold None): a statement would never be prepared.
    assert shown(DATABASE_URL=postgres) == ["True", "5"]
    assert shown(DATABASE_URL=postgres, DB_PREPARED_STATEMENTS="0") == ["None", "None"]
    assert shown(DATABASE_URL="sqlite:///x.sqlite3") == ["None", "None"]


@pytest.mark.django_db
def test_a_statement_run_five_times_is_prepared_on_postgresql():
    from django.db import connection

    from samordning.models import User

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    for _ in range(6):
        list(User.objects.filter(username="prepared-probe"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%"samordning_user"."username" = $1%'],
        )
        assert cursor.fetchone()[0] == 1
