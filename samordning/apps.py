from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class SamordningConfig(AppConfig):
    name = "samordning"
    verbose_name = _("Samordning")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from samordning.middleware import stamp_session_on_login
        from samordning.third_party import name_third_party_apps

        user_logged_in.connect(stamp_session_on_login, dispatch_uid="samordning-session-stamp")
        name_third_party_apps()


class SamordningAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the project's site (samordning/admin_site.py)."""

    default = False  # SamordningConfig is this module's app

    default_site = "samordning.admin_site.SamordningAdminSite"
