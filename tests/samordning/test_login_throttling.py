"""The 6th failed login within the window locks the username from that client address;
unknown users answer the same; one address spraying many usernames is stopped."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failures_still_allow_the_right_password(client, coordinator):
    for _ in range(5):
        assert _attempt(client, "coordinator", "wrong").status_code == 200
    response = _attempt(client, "coordinator", "pw")
    assert response.status_code == 302


def test_sixth_failure_locks_even_the_right_password(client, coordinator):
    for _ in range(5):
        _attempt(client, "coordinator", "wrong")
    locked = _attempt(client, "coordinator", "wrong")
    assert locked.status_code == 429
    assert "tillfälligt låst" in locked.text
    again = _attempt(client, "coordinator", "pw")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_unknown_user_and_wrong_password_answer_the_same(client, coordinator):
    wrong_password = _attempt(client, "coordinator", "wrong")
    unknown_user = _attempt(client, "nobody-here", "wrong")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert wrong_password.context["form"].errors == unknown_user.context["form"].errors
    for _ in range(5):
        _attempt(client, "nobody-here", "wrong")
    assert _attempt(client, "nobody-here", "wrong").status_code == 429


# --- A lock cannot be turned against the user (issue 12) ---------------------------------

HERE = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


def _attempt_from(client, address, username, password):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _age_attempts(minutes):
    """Move every recorded failure `minutes` into the past (instead of waiting)."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_a_lock_from_one_address_does_not_lock_the_user_elsewhere(client, coordinator):
    for _ in range(6):
        _attempt_from(client, HERE, "coordinator", "wrong")
    assert _attempt_from(client, HERE, "coordinator", "pw").status_code == 429
    assert _attempt_from(Client(), ELSEWHERE, "coordinator", "pw").status_code == 302


def test_retrying_during_a_lock_does_not_extend_it(client, coordinator):
    for _ in range(6):
        _attempt_from(client, HERE, "coordinator", "wrong")
    _age_attempts(14)
    for _ in range(3):  # an attacker keeps trying just before the lock ends
        assert _attempt_from(client, HERE, "coordinator", "wrong").status_code == 429
    _age_attempts(2)  # 16 minutes since the 6th failure: the 15-minute lock is over
    assert _attempt_from(client, HERE, "coordinator", "pw").status_code == 302


def test_spraying_one_password_over_many_usernames_is_stopped(client, coordinator):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    for number in range(limit - 1):
        assert _attempt_from(client, HERE, f"user{number}", "Sommar2026").status_code == 200
    assert _attempt_from(client, HERE, "another", "Sommar2026").status_code == 429
    # Every username is refused from that address now, even with the right password...
    assert _attempt_from(client, HERE, "coordinator", "pw").status_code == 429
    # ...but not from anywhere else.
    assert _attempt_from(Client(), ELSEWHERE, "coordinator", "pw").status_code == 302


def test_an_office_of_colleagues_with_typos_is_not_locked(client, coordinator):
    for number in range(5):  # five colleagues behind one NAT address, five typos each
        for _ in range(5):
            _attempt_from(client, HERE, f"colleague{number}", "typo")
    assert _attempt_from(client, HERE, "coordinator", "pw").status_code == 302


def test_an_admin_unlocks_a_user_from_the_admin(client, coordinator, admin_user):
    for _ in range(6):
        _attempt_from(client, HERE, "coordinator", "wrong")
    assert _attempt_from(client, HERE, "coordinator", "pw").status_code == 429
    attempt = AccessAttempt.objects.get(username="coordinator")

    office = Client()
    office.force_login(admin_user)
    listing = office.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "coordinator" in listing.text
    done = office.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert done.status_code == 302
    assert _attempt_from(client, HERE, "coordinator", "pw").status_code == 302


def test_an_overlong_username_is_a_form_error_not_a_500(client):
    response = _attempt_from(client, HERE, "x" * 300, "wrong")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert all(len(a.username or "") <= 255 for a in AccessAttempt.objects.all())
