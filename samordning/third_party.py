"""Swedish names for the third-party apps the admin shows.

django-axes and django-otp have no translated app names, so the Swedish admin
would say "Axes" and "Otp_Totp". An app's verbose name is not part of any
migration, so it is set here when the apps are ready. Strings that upstream
marks for translation are translated in locale/sv; django-otp's models, whose
names are hard-coded English, are shown through Swedish proxies
(`samordning.models.AuthenticatorApp`, `RecoveryCodeSet`, `samordning/admin.py`).
"""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext_lazy as _

APP_NAMES = {
    "axes": _("Inloggningsspärr"),
    "otp_totp": _("Tvåfaktorsinloggning"),
    "otp_static": _("Reservkoder"),
}


def name_third_party_apps() -> None:
    for label, name in APP_NAMES.items():
        apps.get_app_config(label).verbose_name = name
