"""Settings for Samordning, read from the environment (see .env.example).

Small typed helpers raise ImproperlyConfigured on a bad value instead of
guessing, and production secrets have no default.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A `.env` file in the project folder (or DOTENV_FILE; see .env.example) fills in what the
# environment does not set; the environment always wins. The test settings turn
# this off so that the suite never depends on a developer's file.
if os.environ.get("READ_DOTENV", "1") != "0":
    load_dotenv(os.environ.get("DOTENV_FILE") or BASE_DIR / ".env", override=False)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "samordning.apps.SamordningAdminConfig",  # django.contrib.admin, our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "bootstrap",
    "axes",
    "django_otp",
    "import_export",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "django_tasks_db",
    "samordning",
    "enterprises",
    "participants",
    "placements",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's, the device read by a query compiled once (samordning/sessions.py).
    "samordning.sessions.OTPMiddleware",
    # Every page needs a login unless its view says otherwise (login itself).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Hostile input (NUL bytes, huge values, integers beyond 64 bits) is a 400 before any view.
    "samordning.bounds.InputBoundsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "samordning.middleware.NoStoreForAuthenticatedMiddleware",
    "samordning.middleware.SessionTimeoutMiddleware",
    "samordning.twofactor.RequireTwoFactorMiddleware",
    # A busy or lost database becomes the Swedish 503 page, not a bare 500.
    "samordning.middleware.DatabaseBusyMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
    # Must be the last middleware with a process_view (it calls the view itself);
    # it does nothing on the way out, so django-axes still sees every response last.
    "samordning.middleware.AtomicWritesMiddleware",
]

ROOT_URLCONF = "samordning.urls"
WSGI_APPLICATION = "samordning.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "samordning.context_processors.roles",
            ],
        },
    },
]

# SQLite by default; PostgreSQL in production via DATABASE_URL.
# How long a request may wait for a row lock, and run one statement, before the
# database gives up; the user then gets the "busy, nothing was saved" page (503)
# instead of a worker stuck until gunicorn kills it (gunicorn.conf.py waits longer).
DB_LOCK_TIMEOUT_MS = envint("DB_LOCK_TIMEOUT_MS", 5000)
DB_STATEMENT_TIMEOUT_MS = envint("DB_STATEMENT_TIMEOUT_MS", 20000)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # A persistent connection dropped by the server is replaced, not reused.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers work beside the one writer. Safe-method requests run in
    # autocommit, so they never take the write lock; unsafe ones run in one
    # IMMEDIATE transaction (samordning.middleware.AtomicWritesMiddleware), which
    # takes the write lock at BEGIN, so concurrent capacity checks serialise.
    # The busy timeout is how long a writer waits for the lock (SQLite's only wait).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": DB_STATEMENT_TIMEOUT_MS / 1000,
    }
    DATABASES["default"]["ATOMIC_REQUESTS"] = False
    # Opening the file is cheap; runserver's threads end after each request.
    DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 0)
    # The databases whose unsafe-method requests AtomicWritesMiddleware wraps.
    ATOMIC_UNSAFE_REQUESTS = ["default"]
else:
    # Every request is one transaction; PostgreSQL readers never wait for writers.
    # JIT off: PostgreSQL compiles a plan once its estimated cost passes jit_above_cost,
    # which the statistics' grouped aggregates do at national scale; compiling took
    # 5.8 s for a query that ran in 0.1 s (docs/performance.md). Our queries are short.
    # Custom plans always: a prepared statement (below) and every statement of a trigger
    # function would otherwise switch to a generic plan after five runs when that looks
    # no dearer. Planned without the values, a manager's placement list took 0.9 s
    # instead of 2 ms from its tenth run on; planned while a table was empty, a trigger
    # read the whole table for every row after (docs/performance.md, eighth round).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={DB_LOCK_TIMEOUT_MS} -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
        " -c jit=off -c plan_cache_mode=force_custom_plan"
    )
    # Prepared statements: psycopg binds the parameters on the server and, on a kept
    # connection, prepares a statement at its fifth run, so PostgreSQL parses a page's
    # queries once per worker instead of on every request (planned each time, above;
    # with generic plans too, the participant list's database CPU per request went
    # 3.1 -> 1.5 ms, the app's floor 0.33 -> 0.13; docs/performance.md, sixth round).
    # Django turns them off by default for the sake of poolers: 0 behind one that does
    # not keep them (pgbouncer in transaction mode before 1.21).
    if envbool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
    DATABASES["default"]["ATOMIC_REQUESTS"] = True
    # Each worker keeps its connection between requests: a new PostgreSQL connection
    # (a forked server process that reads the catalogue afresh) cost a list page about
    # 16 ms of its 45 (docs/performance.md, fifth round). CONN_HEALTH_CHECKS replaces
    # one the server dropped; 0 connects per request (behind a pooler, say).
    DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 60)
    ATOMIC_UNSAFE_REQUESTS = []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "samordning.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses logins to a locked account before checking the password.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, the logged-in user read by a query compiled once (sessions.py).
    "samordning.sessions.ModelBackend",
]

# Login throttling (samordning/login_throttle.py, docs/security.md): the 6th failed
# attempt for a username from one client address within the cool-off window locks that
# username from that address for the window; a stranger elsewhere cannot lock the user
# out. LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, over any usernames, lock
# the address (password spraying); generous, as the staff share an office address.
# Failed tries during a lock are not counted, so retrying cannot extend it.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 6)
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "samordning.login_throttle.ThrottleHandler"
AXES_USERNAME_CALLABLE = "samordning.login_throttle.username_for_axes"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = envint("PROXY_COUNT", 0)
AXES_VERBOSE = False

# Two-factor login (TOTP + recovery codes) for every role that sees personal data.
# On unless REQUIRE_2FA=0 (the local demo turns it off and says so).
REQUIRE_2FA = envbool("REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Samordning"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if envbool("FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "sv"
# English as the second language in its British form (dates day-month-year, 24-hour
# clock), which suits a Swedish public body better than American English.
LANGUAGES = [("sv", _("Svenska")), ("en-gb", _("Engelska"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates: DATE_FORMAT in running text, SHORT_DATE_FORMAT in tables (samordning/formats/).
FORMAT_MODULE_PATH = ["samordning.formats"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if envbool("PLAIN_STATIC_STORAGE", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Sessions: an idle timeout and an absolute timeout after login, both enforced
# by samordning.middleware.SessionTimeoutMiddleware; never readable from JavaScript.
# Django's database sessions, read by one statement written once (samordning/sessions.py).
SESSION_ENGINE = "samordning.sessions"
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = envint("SESSION_ABSOLUTE_TIMEOUT", 10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Production hardening; `manage.py check --deploy` is clean with DEBUG off and HTTPS on.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy: only our own files, no inline scripts or styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Participants' retention and the funders' statistical protection are policy numbers, kept here.
# Counts of people on the funder pages are cell-key perturbed (reports/perturbation.py,
# docs/statistics.md). Switching it off publishes exact counts: never in production.
STATISTICS_PERTURBATION = envbool("STATISTICS_PERTURBATION", True)
# A perturbed count below this is not published: with the project's ptable no count of people is
# ever published as 1-4, so only a perturbed 0 is hidden ("..").
STATISTICS_THRESHOLD = envint("STATISTICS_THRESHOLD", 5)
# An average or median about people is published only beside a published count of at least
# this many: with the project's ptable (noise of at most 3) that is at least 7 real people.
STATISTICS_GROUP_MINIMUM = envint("STATISTICS_GROUP_MINIMUM", 10)
# The ptable CSV (pcv, ckey, pvalue): the project's maximum-entropy ptable, whose noise depends
# on the cell key (reports/ptable_design.py); empty for the 10-5 rule the ONS package ships.
STATISTICS_PTABLE = os.environ.get(
    "STATISTICS_PTABLE", str(BASE_DIR / "reports" / "ptables" / "ptable_D3_V2_js4.csv")
)
# The funder overview and per-insats pages read their aggregates from a summary the
# task worker computes (reports/summary.py): off, every page computes them live. A row
# of a period still running is fresh this many minutes, one of a period that had ended
# when computed this many hours; rows nobody asks for again are kept this many days.
# `manage.py run_scheduler` recomputes the common ones every STATISTICS_SUMMARY_ROUND_MINUTES.
STATISTICS_SUMMARY = envbool("STATISTICS_SUMMARY", True)
STATISTICS_SUMMARY_MAX_AGE_MINUTES = envint("STATISTICS_SUMMARY_MAX_AGE_MINUTES", 60)
STATISTICS_SUMMARY_PAST_MAX_AGE_HOURS = envint("STATISTICS_SUMMARY_PAST_MAX_AGE_HOURS", 24)
STATISTICS_SUMMARY_KEEP_DAYS = envint("STATISTICS_SUMMARY_KEEP_DAYS", 30)
STATISTICS_SUMMARY_ROUND_MINUTES = envint("STATISTICS_SUMMARY_ROUND_MINUTES", 15)
PROPOSAL_VALID_DAYS = envint("PROPOSAL_VALID_DAYS", 14)
# Participants whose last activity is older than this are anonymised (manage.py anonymise_expired).
PARTICIPANT_RETENTION_DAYS = envint("PARTICIPANT_RETENTION_DAYS", 5 * 365)
# After a placement ends the enterprise sees the participant's name this many days
# (to invoice the months worked), then only the placement number.
PLACEMENT_NAME_ACCESS_DAYS = envint("PLACEMENT_NAME_ACCESS_DAYS", 90)

# Spreadsheet imports (docs/import.md): the largest file and the most data rows
# accepted in one upload; files wait between preview and confirm in IMPORT_TMP_DIR.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 10_000)
IMPORT_TMP_DIR = os.environ.get("IMPORT_TMP_DIR", "") or None
IMPORT_EXPORT_USE_TRANSACTIONS = True

# Background tasks (django.tasks) on a database-backed queue (django-tasks-db): the
# request only writes a row; `manage.py db_worker` runs the tasks and
# `manage.py run_scheduler` enqueues the periodic ones (docs/operations.md).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Mail (Django's MAILERS): notifications and daily digests are sent by the worker,
# never by a request. In production SMTP from the environment (EMAIL_HOST etc.); with
# DEBUG on (make run) the console backend prints them in the worker's output, unless
# EMAIL_BACKEND names another backend (the file backend writes to EMAIL_FILE_PATH).
EMAIL_BACKEND_PATH = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
_MAIL_OPTIONS: dict[str, object] = {}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    _MAIL_OPTIONS = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("EMAIL_USE_TLS", False),
        "use_ssl": envbool("EMAIL_USE_SSL", False),
        # A stuck SMTP server may hold a worker this long, never a request.
        "timeout": envint("EMAIL_TIMEOUT", 30),
    }
elif os.environ.get("EMAIL_FILE_PATH"):
    _MAIL_OPTIONS = {"file_path": os.environ["EMAIL_FILE_PATH"]}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _MAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "samordning@localhost")
# The address links in mails and the calendar feed start with (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A notification whose send failed is tried again after 1, 2, 4 ... minutes, at most
# this many times; a worker that claimed one and died frees it after the lease.
NOTIFICATION_MAX_ATTEMPTS = envint("NOTIFICATION_MAX_ATTEMPTS", 8)
NOTIFICATION_LEASE_SECONDS = envint("NOTIFICATION_LEASE_SECONDS", 300)
# The daily digest is sent from this local hour on (manage.py run_scheduler).
DIGEST_HOUR = envint("DIGEST_HOUR", 7)
# The calendar feed: events from this many days back to this many ahead, at most
# CALENDAR_FEED_MAX_EVENTS; one token is answered at most once per this many seconds.
CALENDAR_FEED_PAST_DAYS = envint("CALENDAR_FEED_PAST_DAYS", 60)
CALENDAR_FEED_FUTURE_DAYS = envint("CALENDAR_FEED_FUTURE_DAYS", 365)
CALENDAR_FEED_MAX_EVENTS = envint("CALENDAR_FEED_MAX_EVENTS", 1000)
CALENDAR_FEED_MIN_INTERVAL = envint("CALENDAR_FEED_MIN_INTERVAL", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Selects are built in Python, the rest from Django's templates (samordning/renderers.py).
FORM_RENDERER = "samordning.renderers.FormRenderer"
