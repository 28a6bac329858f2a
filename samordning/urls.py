from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from samordning import twofactor, views


class ExportFormatConverter:
    """Only the export formats we produce; anything else is a 404 from the resolver."""

    regex = "json|html"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormatConverter, "export_format")

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", twofactor.verify, name="twofactor-verify"),
    path("accounts/2fa/setup/", twofactor.setup, name="twofactor-setup"),
    path("accounts/2fa/recovery-codes/", twofactor.recovery_codes, name="twofactor-recovery-codes"),
    path("granskning/", views.audit_review, name="audit-review"),
    path(
        "integritet/deltagare/<int:pk>/export.<export_format:fmt>",
        views.participant_data_export,
        name="participant-data-export",
    ),
    # The language switch works before login too (the login page offers it).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("deltagare/", include("participants.urls")),
    path("foretag/", include("enterprises.urls")),
    path("arbetstraning/", include("placements.urls")),
    path("statistik/", include("samordning.reports.urls")),
    path("admin/", admin.site.urls),
]
