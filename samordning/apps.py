from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamordningConfig(AppConfig):
    name = "samordning"
    verbose_name = _("Samordning")
