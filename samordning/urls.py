"""The root URLconf. The core imports no domain app: their pages are included
by module path, the way INSTALLED_APPS names them."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from samordning import twofactor, views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", twofactor.verify, name="twofactor-verify"),
    path("accounts/2fa/setup/", twofactor.setup, name="twofactor-setup"),
    path("accounts/2fa/recovery-codes/", twofactor.recovery_codes, name="twofactor-recovery-codes"),
    path("accounts/installningar/", views.my_settings, name="my-settings"),
    path("accounts/installningar/kalender/ny/", views.calendar_feed_new, name="calendar-feed-new"),
    path(
        "accounts/installningar/kalender/stang/",
        views.calendar_feed_revoke_view,
        name="calendar-feed-revoke",
    ),
    path("granskning/", views.audit_review, name="audit-review"),
    # Browsers ask for /favicon.ico whatever the page says; it is public, like the icons.
    path("favicon.ico", views.favicon, name="favicon"),
    # The language switch works before login too (the login page offers it).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The start page and the per-person export join every app's data.
    path("", include("placements.urls.site")),
    path("deltagare/", include("placements.urls.participants")),
    path("foretag/", include("placements.urls.enterprises")),
    path("arbetstraning/", include("placements.urls")),
    path("statistik/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

# A busy database outside a view is the 503 page too (samordning.views.server_error).
handler500 = "samordning.views.server_error"
