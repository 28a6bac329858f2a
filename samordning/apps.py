from django.apps import AppConfig
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
