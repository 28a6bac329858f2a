"""Two-factor login: required for roles that see personal data, TOTP and recovery codes."""

import pytest
from django.test import override_settings
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

    wrong = client.post(reverse("twofactor-setup"), {"token": "000000"})
    assert wrong.status_code == 200
    assert "stämmer inte" in wrong.text
    device.refresh_from_db()
    assert device.confirmed is False
    device.throttle_reset()  # django-otp slows retries after a wrong code

    ok = client.post(reverse("twofactor-setup"), {"token": _code(device)})
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
