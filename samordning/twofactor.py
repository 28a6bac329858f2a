"""Two-factor login: TOTP (an authenticator app) with single-use recovery codes.

Built on django-otp. Every role that can see personal data (coordinators,
enterprise managers, admins) must verify a second factor after the password when
settings.REQUIRE_2FA is on (the default; `REQUIRE_2FA=0` turns it off, as the
demo does). Funders see aggregates only and are not forced, but may enrol.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from samordning import policy
from samordning.http import AuthedRequest
from samordning.models import User

RECOVERY_CODE_COUNT = 10
RECOVERY_SESSION_KEY = "_samordning_new_recovery_codes"
# The unconfirmed device this session's setup page showed: only it can be confirmed here.
SETUP_DEVICE_SESSION_KEY = "_samordning_setup_device"
ROLES_NEEDING_2FA = frozenset({policy.Role.COORDINATOR, policy.Role.MANAGER, policy.Role.ADMIN})


def is_verified(user: User) -> bool:
    """OTPMiddleware gives request users `is_verified()`; anything else is unverified."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def needs_second_factor(user: User) -> bool:
    """Whether this user must pass a second factor before using the app."""
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    if is_verified(user):
        return False
    return bool(policy.roles_of(user) & ROLES_NEEDING_2FA) or user.is_staff


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Engångskod"),
        max_length=16,
        help_text=gettext_lazy("Sex siffror från din autentiseringsapp, eller en reservkod."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordForm(forms.Form):
    """The current password again, before a change to the user's second factor."""

    password = forms.CharField(
        label=gettext_lazy("Ditt lösenord"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Lösenordet stämmer inte."))
        return password


class SetupForm(PasswordForm, TokenForm):
    """The first code from the new authenticator app, and the current password."""

    field_order = ["token", "password"]


@transaction.atomic
def twofactor_device_for_setup(*, user: User, replacing: int | None = None) -> TOTPDevice:
    """A new unconfirmed TOTP device with a fresh secret, replacing the unconfirmed device
    `replacing` (the one this session was shown before). Never one shown to another
    session: whoever else has the password must not learn the secret the user enrols."""
    if replacing is not None:
        TOTPDevice.objects.filter(user=user, confirmed=False, pk=replacing).delete()
    return TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=False)


@transaction.atomic
def twofactor_recovery_codes_renew(*, user: User) -> list[str]:
    """Replace the user's recovery codes with new single-use ones; returns them once."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="Reservkoder")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def twofactor_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device if `token` matches; then issue recovery codes. None if wrong."""
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Secrets shown to other sessions can never be confirmed now.
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return twofactor_recovery_codes_renew(user=user)


def _qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")


def _session_setup_device(request: AuthedRequest) -> TOTPDevice | None:
    """The unconfirmed device this session's setup page showed, if it still exists."""
    pk = request.session.get(SETUP_DEVICE_SESSION_KEY)
    if not isinstance(pk, int):
        return None
    return TOTPDevice.objects.filter(user=request.user, confirmed=False, pk=pk).first()


@require_http_methods(["GET", "POST"])
def setup(request: AuthedRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code and secret, then one code and the password.

    Every GET shows a new secret, bound to this session. Confirming needs the current
    password, also for a verified user adding another device."""
    if user_has_device(request.user) and not is_verified(request.user):
        return redirect("twofactor-verify")
    device = _session_setup_device(request) if request.method == "POST" else None
    form = SetupForm(request.POST or None, user=request.user)
    if device is None:
        device = twofactor_device_for_setup(
            user=request.user, replacing=request.session.get(SETUP_DEVICE_SESSION_KEY)
        )
        request.session[SETUP_DEVICE_SESSION_KEY] = device.pk
        if request.method == "POST":
            form.is_valid()
            form.add_error(None, _("Skanna den nya koden nedan och försök igen."))
    elif form.is_valid():
        codes = twofactor_confirm(
            user=request.user, device=device, token=form.cleaned_data["token"]
        )
        if codes is None:
            form.add_error(
                "token", _("Koden stämmer inte. Kontrollera klockan i telefonen och försök igen.")
            )
        else:
            request.session.pop(SETUP_DEVICE_SESSION_KEY, None)
            otp_login(request, device)
            request.session[RECOVERY_SESSION_KEY] = codes
            messages.success(request, _("Tvåstegsverifieringen är aktiverad."))
            return redirect("twofactor-recovery-codes")
    context = {
        "form": form,
        "qr_data_uri": _qr_svg(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
    }
    return render(request, "registration/twofactor_setup.html", context)


@require_http_methods(["GET", "POST"])
def verify(request: AuthedRequest) -> HttpResponse:
    """Second step of the login: a TOTP code or a single-use recovery code."""
    if not user_has_device(request.user):
        return redirect("twofactor-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].replace(" ", ""))
        if device is None:
            form.add_error("token", _("Koden stämmer inte."))
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("Du loggade in med en reservkod. %(left)s reservkoder återstår.")
                    % {"left": left},
                )
            next_url = request.GET.get("next") or reverse("home")
            from django.utils.http import url_has_allowed_host_and_scheme

            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = reverse("home")
            return redirect(next_url)
    return render(request, "registration/twofactor_verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def recovery_codes(request: AuthedRequest) -> HttpResponse:
    """Show new recovery codes once; POST with the current password makes a new set
    (the old ones stop working)."""
    if not is_verified(request.user):
        return redirect("twofactor-verify")
    form = PasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        request.session[RECOVERY_SESSION_KEY] = twofactor_recovery_codes_renew(user=request.user)
        return redirect("twofactor-recovery-codes")
    codes = request.session.pop(RECOVERY_SESSION_KEY, None) if request.method == "GET" else None
    context = {"codes": codes, "form": form}
    return render(request, "registration/twofactor_recovery_codes.html", context)


ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/")


class RequireTwoFactorMiddleware:
    """Send a user who still owes a second factor to the verify or setup page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: AuthedRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(ALLOWED_PREFIXES)
            and needs_second_factor(user)
        ):
            target = "twofactor-verify" if user_has_device(user) else "twofactor-setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
