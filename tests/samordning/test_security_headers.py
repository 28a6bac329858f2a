"""Headers and sessions: CSP without inline scripts, no-store, idle and absolute timeouts."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from samordning.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY

pytestmark = pytest.mark.django_db


def test_strict_csp_on_every_page(client, coordinator):
    client.force_login(coordinator)
    for url in (reverse("login"), reverse("home")):
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "object-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy


def test_pages_have_no_inline_script_without_nonce(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("home")).text
    for chunk in html.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag or "nonce=" in tag, tag


def test_idle_timeout_logs_out_a_quiet_session(client, coordinator):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    client.force_login(coordinator)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT + 120
    session.save()
    # Still within the idle time: the request renews the last-seen time.
    assert client.get(reverse("home")).status_code == 200
    assert client.session[SESSION_SEEN_KEY] > time.time() - 10
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_absolute_timeout_logs_out_an_old_session(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    # The session is gone: the next request is anonymous too.
    assert client.get(reverse("home")).status_code == 302


def test_logout_invalidates_the_session(client, coordinator):
    client.force_login(coordinator)
    old_key = client.session.session_key
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.get(reverse("home")).status_code == 302
