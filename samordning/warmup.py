"""Work a fresh web worker would otherwise do in its first requests, done at its start.

Measured at national scale (issue 13): a worker's first request to the start page
took 1.1-1.3 s against 0.2 s warm; compiling the page's templates was about 0.4 s
of that. With four workers, every worker's first request to each page is one of the
slowest few and sets the p95. `warm_up()` compiles every template into the cached
loader (DEBUG off), builds the URL resolver, loads both languages' catalogues and
runs each app's own `warm_up()` (an AppConfig method, if the app has one: the
statistics load their perturbation table); it reads nothing from the database.
gunicorn.conf.py calls it in `post_worker_init`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def template_names() -> list[str]:
    """Every .html template under the engines' directories (project and apps)."""
    from django.template import engines

    names: set[str] = set()
    for engine in engines.all():
        for directory in engine.template_dirs:
            root = Path(directory)
            names.update(str(path.relative_to(root)) for path in root.rglob("*.html"))
    return sorted(names)


def warm_up() -> int:
    """Compile the templates, build the URL resolver, load the catalogues; returns the
    number of templates compiled. A template that does not compile is left for its
    request to report, as it would be without the warm-up."""
    from django.apps import apps
    from django.conf import settings
    from django.template import TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    started = time.perf_counter()
    compiled = 0
    for name in template_names():
        try:
            get_template(name)
        except (TemplateSyntaxError, LookupError, ImportError):
            continue
        compiled += 1
    get_resolver().url_patterns  # noqa: B018  (builds the patterns)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Samordning")
    for config in apps.get_app_configs():
        app_warm_up = getattr(config, "warm_up", None)
        if callable(app_warm_up):
            app_warm_up()
    logger.info(
        "warm-up: %s templates in %.0f ms", compiled, (time.perf_counter() - started) * 1000
    )
    return compiled
