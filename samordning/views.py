import sys

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_safe

from samordning import policy
from samordning.audit import search_digest, shown_detail
from samordning.exports import table_response
from samordning.feeds import calendar_feed_issue, calendar_feed_revoke
from samordning.forms import AuditReviewForm, LoginForm, NotificationSettingsForm
from samordning.http import AuthedRequest, post_only
from samordning.middleware import busy_response, is_database_busy
from samordning.models import AuditAction, AuditLog, CalendarFeed
from samordning.notifications import (
    absolute_url,
    notification_kinds_wanted,
    notification_preferences_set,
)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


AUDIT_PAGE_SIZE = 50


@policy.perm_required(policy.Perm.AUDIT_REVIEW)
@require_safe
def audit_review(request: AuthedRequest) -> HttpResponseBase:
    """Log review for admins: reads outside responsibility, reveals, exports and
    duplicate registrations; on request list views, or everything about one person."""
    # Always bound: every field is optional and the form fills in the defaults.
    form = AuditReviewForm(request.GET)
    rows = AuditLog.objects.none()
    if form.is_valid():
        data = form.cleaned_data
        # One person: everything about them, unless a kind narrows it.
        # A search text: the list views where it was searched.
        kind = data.get("kind") or (
            "all" if data.get("participant") else AuditAction.LIST if data.get("search") else ""
        )
        rows = (
            AuditLog.objects.to_review(kind)
            .filter(at__date__gte=data["date_from"], at__date__lte=data["date_to"])
            .select_related("user")
        )
        if data.get("user"):
            rows = rows.filter(user=data["user"])
        if data.get("participant"):
            rows = rows.about_subject(data["participant"])
        if data.get("search"):
            rows = rows.filter(detail__contains=search_digest(data["search"]))
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx") and form.is_valid():
        header = [
            _("Tidpunkt"),
            _("Användare"),
            _("Händelse"),
            _("Objekt"),
            _("Ansvarig"),
            _("IP-adress"),
            _("Deltagare (id)"),
            _("Sökning eller filter"),
        ]
        table = (
            [
                timezone.localtime(row.at),
                row.user.username if row.user else "",
                row.get_action_display(),
                f"{row.object_type} {row.object_id}",
                {True: _("Ja"), False: _("Nej"), None: ""}[row.responsible],
                row.ip_address or "",
                # The stored ",12,15," as "12 15" (not parsed: a row may name a million).
                row.subjects.strip(",").replace(",", " "),
                shown_detail(row.detail),
            ]
            for row in rows.iterator()
        )
        return table_response(fmt, "granskningslogg", header, table, sheet=_("Granskningslogg"))
    page = Paginator(rows, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "samordning/audit_review.html",
        {
            "form": form,
            "page_obj": page,
            # A search typed before searches were logged as digests is shown as one.
            "rows": [(row, shown_detail(row.detail)) for row in page],
            "query": query.urlencode(),
        },
    )


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links: the static icon.
    The URL is looked up per request (the manifest exists only after collectstatic)."""
    return redirect(static("icons/favicon.ico"), permanent=True)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A busy or lost database can fail outside any view (loading the
    session, the login check): that is the Swedish 503 "nothing was saved" page too,
    not a 500. Django calls this inside its `except`, so the exception is at hand."""
    exception = sys.exc_info()[1]
    if exception is not None and is_database_busy(exception):
        return busy_response(request, exception)
    return defaults.server_error(request)


FEED_SESSION_KEY = "calendar_feed_token"


def my_settings(request: AuthedRequest) -> HttpResponse:
    """Mina inställningar: which mails to get, and (coordinators and managers) the
    secret calendar address. A new address is shown once, right after it is made."""
    user = request.user
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            notification_preferences_set(user=user, wanted=form.cleaned_data["kinds"])
            messages.success(request, _("Dina inställningar är sparade."))
            return redirect("my-settings")
    elif request.method in ("GET", "HEAD"):
        form = NotificationSettingsForm(initial={"kinds": notification_kinds_wanted(user)})
    else:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    feed = CalendarFeed.objects.filter(user=user).first()
    token = request.session.pop(FEED_SESSION_KEY, None) if feed else None
    feed_url = absolute_url(reverse("calendar-feed", kwargs={"token": token})) if token else None
    return render(
        request,
        "samordning/my_settings.html",
        {"form": form, "feed": feed, "feed_url": feed_url},
    )


@policy.perm_required(policy.Perm.CALENDAR_FEED)
def calendar_feed_new(request: AuthedRequest) -> HttpResponse:
    """Make (or replace) the user's secret calendar address."""
    if refused := post_only(request):
        return refused
    request.session[FEED_SESSION_KEY] = calendar_feed_issue(user=request.user)
    messages.success(
        request, _("En ny kalenderadress är skapad. En tidigare adress fungerar inte längre.")
    )
    return redirect("my-settings")


@policy.perm_required(policy.Perm.CALENDAR_FEED)
def calendar_feed_revoke_view(request: AuthedRequest) -> HttpResponse:
    """Stop the user's calendar address."""
    if refused := post_only(request):
        return refused
    request.session.pop(FEED_SESSION_KEY, None)
    if calendar_feed_revoke(user=request.user):
        messages.success(request, _("Kalenderadressen är stängd."))
    return redirect("my-settings")
