from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Statistik")

    def warm_up(self) -> None:
        """Load the perturbation table in a fresh web worker (samordning/warmup.py):
        a worker's first page or download with perturbed counts read its 192,000
        rows in the request (0.4 s nationally)."""
        from reports.perturbation import ptable

        ptable()
