"""Two-factor login: required for roles that see personal data, TOTP and recovery codes."""

import base64

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from samordning.twofactor import twofactor_confirm, twofactor_device_for_setup

pytestmark = [pytest.mark.django_db]


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@override_settings(REQUIRE_2FA=True)
@pytest.mark.parametrize("fixture", ["coordinator", "manager", "admin_user"])
def test_roles_with_personal_data_must_enrol(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("twofactor-setup"))


@override_settings(REQUIRE_2FA=True)
def test_funder_sees_aggregates_only_and_is_not_forced(client, funder):
    client.force_login(funder)
    assert client.get(reverse("home")).status_code == 200


@override_settings(REQUIRE_2FA=False)
def test_switch_turns_it_off(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("home")).status_code == 200


@override_settings(REQUIRE_2FA=True)
def test_enrol_with_a_code_then_log_in_with_totp(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("twofactor-setup"))
    assert page.status_code == 200
    assert "data:image/svg+xml" in page.text
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)

    wrong = client.post(reverse("twofactor-setup"), {"token": "000000", "password": "pw"})
    assert wrong.status_code == 200
    assert "stämmer inte" in wrong.text
    device.refresh_from_db()
    assert device.confirmed is False
    device.throttle_reset()  # django-otp slows retries after a wrong code

    ok = client.post(reverse("twofactor-setup"), {"token": _code(device), "password": "pw"})
    assert ok["Location"] == reverse("twofactor-recovery-codes")
    codes_page = client.get(reverse("twofactor-recovery-codes"))
    assert codes_page.context["codes"] and len(codes_page.context["codes"]) == 10
    assert client.get(reverse("home")).status_code == 200

    # A new login needs the second step again.
    client.logout()
    client.force_login(coordinator)
    assert client.get(reverse("home"))["Location"].startswith(reverse("twofactor-verify"))
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again in this test
    device.save()
    assert client.post(reverse("twofactor-verify"), {"token": _code(device)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


@override_settings(REQUIRE_2FA=True)
def test_recovery_code_works_once(client, manager):
    device = twofactor_device_for_setup(user=manager)
    codes = twofactor_confirm(user=manager, device=device, token=_code(device))
    assert codes is not None
    client.force_login(manager)
    first = client.post(reverse("twofactor-verify"), {"token": codes[0]})
    assert first.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()

    client.logout()
    client.force_login(manager)
    reused = client.post(reverse("twofactor-verify"), {"token": codes[0]})
    assert reused.status_code == 200
    assert client.get(reverse("home")).status_code == 302


@override_settings(REQUIRE_2FA=True)
def test_admin_site_is_behind_the_second_factor_too(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("twofactor-setup"))


# --- Enrolment cannot be hijacked (issue 12) ----------------------------------------------


def _shown_secret(page) -> str:
    return page.context["secret"]


def _device_of(secret: str) -> TOTPDevice:
    return next(
        d for d in TOTPDevice.objects.all() if base64.b32encode(d.bin_key).decode() == secret
    )


def _enrol(client, user, password="pw"):
    """Open the setup page and confirm it with the app's code; returns the device."""
    page = client.get(reverse("twofactor-setup"))
    device = _device_of(_shown_secret(page))
    response = client.post(
        reverse("twofactor-setup"), {"token": _code(device), "password": password}
    )
    assert response.status_code == 302, response.context["form"].errors
    device.refresh_from_db()
    return device


@override_settings(REQUIRE_2FA=True)
def test_a_secret_seen_by_another_session_is_never_the_enrolled_one(coordinator):
    attacker, victim = Client(), Client()
    attacker.force_login(coordinator)  # has the password, opens the setup page first
    stolen = _shown_secret(attacker.get(reverse("twofactor-setup")))

    victim.force_login(coordinator)
    victims_secret = _shown_secret(victim.get(reverse("twofactor-setup")))
    assert victims_secret != stolen
    enrolled = _enrol(victim, coordinator)
    assert enrolled.confirmed
    assert base64.b32encode(enrolled.bin_key).decode() != stolen
    # The secret the attacker saw is gone: it can neither be confirmed nor used to log in.
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1
    stolen_code = f"{totp(base64.b32decode(stolen)):06d}"
    late = attacker.post(reverse("twofactor-setup"), {"token": stolen_code, "password": "pw"})
    assert late.status_code == 302 and late["Location"].startswith(reverse("twofactor-verify"))
    attacker.post(reverse("twofactor-verify"), {"token": stolen_code})
    assert attacker.get(reverse("home")).status_code == 302  # still not verified


@override_settings(REQUIRE_2FA=True)
def test_every_view_of_the_setup_page_shows_a_new_secret(client, coordinator):
    client.force_login(coordinator)
    first = _shown_secret(client.get(reverse("twofactor-setup")))
    second = _shown_secret(client.get(reverse("twofactor-setup")))
    assert first != second
    # Only the secret shown last is kept for this session.
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=False).count() == 1


@override_settings(REQUIRE_2FA=True)
def test_confirming_needs_the_current_password(client, coordinator):
    client.force_login(coordinator)
    device = _device_of(_shown_secret(client.get(reverse("twofactor-setup"))))
    for password in ["", "wrong"]:
        response = client.post(
            reverse("twofactor-setup"), {"token": _code(device), "password": password}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["password"]
    device.refresh_from_db()
    assert device.confirmed is False


@override_settings(REQUIRE_2FA=True)
def test_a_verified_session_cannot_add_a_device_without_the_password(client, coordinator):
    client.force_login(coordinator)
    _enrol(client, coordinator)
    second = _device_of(_shown_secret(client.get(reverse("twofactor-setup"))))
    refused = client.post(reverse("twofactor-setup"), {"token": _code(second), "password": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["password"]
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).count() == 1
    second.refresh_from_db()
    second.throttle_reset()
    accepted = client.post(reverse("twofactor-setup"), {"token": _code(second), "password": "pw"})
    assert accepted.status_code == 302
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).count() == 2


@override_settings(REQUIRE_2FA=True)
def test_recovery_codes_are_only_replaced_with_the_password(client, coordinator):
    client.force_login(coordinator)
    _enrol(client, coordinator)
    client.get(reverse("twofactor-recovery-codes"))  # the codes shown once after enrolment
    before = set(StaticToken.objects.values_list("token", flat=True))
    assert len(before) == 10

    refused = client.post(reverse("twofactor-recovery-codes"), {"password": "wrong"})
    assert refused.status_code == 200 and refused.context["form"].errors["password"]
    assert refused.context["codes"] is None
    assert set(StaticToken.objects.values_list("token", flat=True)) == before

    renewed = client.post(reverse("twofactor-recovery-codes"), {"password": "pw"})
    assert renewed["Location"] == reverse("twofactor-recovery-codes")
    after = set(StaticToken.objects.values_list("token", flat=True))
    assert len(after) == 10 and not after & before
