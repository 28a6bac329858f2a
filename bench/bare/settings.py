"""A bare Django project served beside the app in `bench/serve.py`: the reference
for what a plain view and a 50-row table read from PostgreSQL cost on this machine."""

import os

import dj_database_url

SECRET_KEY = "bench-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.bare.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
    }
]
# The connection is kept or dropped as the app's is (bench/serve.py sets CONN_MAX_AGE).
DATABASES = {
    "default": dj_database_url.config(conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
}
USE_TZ = True
LANGUAGE_CODE = "sv"
USE_I18N = True
