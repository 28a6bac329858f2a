"""The 6th failed login within the window locks the account; unknown users answer the same."""

import pytest
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
