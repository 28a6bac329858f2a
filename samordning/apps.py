from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class SamordningConfig(AppConfig):
    name = "samordning"
    verbose_name = _("Samordning")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from samordning.middleware import stamp_session_on_login
        from samordning.third_party import name_third_party_apps
        from samordning.trigger_plans import plan_trigger_statements_each_time

        user_logged_in.connect(stamp_session_on_login, dispatch_uid="samordning-session-stamp")
        name_third_party_apps()
        # After every migrate and flush, once all migrations have run (trigger_plans.py).
        post_migrate.connect(
            plan_trigger_statements_each_time, sender=self, dispatch_uid="samordning-trigger-plans"
        )


class SamordningAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the project's site (samordning/admin_site.py)."""

    default = False  # SamordningConfig is this module's app

    default_site = "samordning.admin_site.SamordningAdminSite"
