from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from participants.forms import ConsentWithdrawForm, apply_service_error
from participants.models import Participant
from placements.privacy import consent_withdraw as consent_withdraw_service
from placements.privacy import participant_export
from samordning import policy
from samordning.exports import table_response
from samordning.forms import AuditReviewForm, LoginForm
from samordning.models import AuditLog
from samordning.policy import role_required


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "samordning/home.html", {})


AUDIT_PAGE_SIZE = 50


@role_required(*policy.roles_for(policy.Perm.AUDIT_REVIEW))
def audit_review(request: HttpRequest) -> HttpResponse:
    """Log review for admins: reads outside responsibility, reveals and exports."""
    # Always bound: every field is optional and the form fills in the defaults.
    form = AuditReviewForm(request.GET)
    rows = AuditLog.objects.none()
    if form.is_valid():
        data = form.cleaned_data
        rows = (
            AuditLog.objects.to_review(data.get("kind") or "")
            .filter(at__date__gte=data["date_from"], at__date__lte=data["date_to"])
            .select_related("user")
        )
        if data.get("user"):
            rows = rows.filter(user=data["user"])
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx") and form.is_valid():
        header = [
            _("Tidpunkt"),
            _("Användare"),
            _("Händelse"),
            _("Objekt"),
            _("Ansvarig"),
            _("IP-adress"),
        ]
        table = (
            [
                timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                row.user.username if row.user else "",
                row.get_action_display(),
                f"{row.object_type} {row.object_id}",
                {True: _("Ja"), False: _("Nej"), None: ""}[row.responsible],
                row.ip_address or "",
            ]
            for row in rows.iterator()
        )
        return table_response(fmt, "granskningslogg", header, table)
    page = Paginator(rows, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "samordning/audit_review.html",
        {"form": form, "page_obj": page, "query": query.urlencode()},
    )


@role_required(*policy.roles_for(policy.Perm.PARTICIPANT_VIEW))
def participant_data_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """One person's complete data (GDPR art. 15) as JSON or a printable HTML page."""
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)
    data = participant_export(participant=participant, user=request.user, request=request, fmt=fmt)
    if fmt == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="deltagare-{participant.pk}.json"'
        return response
    context = {"participant": participant, "data": data, "tree": _display_tree(data["participant"])}
    return render(request, "samordning/participant_export.html", context)


def _display_tree(value: Any) -> dict[str, Any]:
    """Tag each value of the export with its kind, so the template needs no guessing."""
    if isinstance(value, dict):
        return {"kind": "map", "items": [(key, _display_tree(item)) for key, item in value.items()]}
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        return {"kind": "list", "items": [_display_tree(item) for item in value]}
    if isinstance(value, list):
        return {"kind": "text", "text": ", ".join(str(item) for item in value)}
    if isinstance(value, bool):
        return {"kind": "text", "text": _("Ja") if value else _("Nej")}
    return {"kind": "text", "text": "" if value is None else str(value)}


@role_required(*policy.roles_for(policy.Perm.PARTICIPANT_EDIT))
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    """Withdraw a consent from the participant's page (participants:consent-withdraw).

    Lives here, in the cross-app layer, because withdrawing the registration
    consent anonymises the person, placements included.
    """
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)
    consent = get_object_or_404(participant.consents.all(), pk=consent_pk)
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_withdraw_service(
                consent=consent,
                user=request.user,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                request=request,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Samtycket är återkallat."))
            return redirect(participant)
    return render(
        request,
        "participants/consent_withdraw.html",
        {"form": form, "participant": participant, "consent": consent},
    )
