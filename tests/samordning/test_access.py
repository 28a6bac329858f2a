"""Login is required everywhere but the login page and static files."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Logga in" in response.text


def test_home_sends_no_store_to_logged_in_users(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_user_without_role_sees_a_message(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("home"))
    assert "ingen roll" in response.text


@pytest.mark.parametrize(
    "username", ["admin", "coordinator", "manager", "funder", "nobody", "coordinator_manager"]
)
def test_templates_get_each_capability_the_policy_grants(rf, username):
    """The `can` flags of the menus and buttons come from one mapping per set of roles;
    each must answer as the policy does for that user, whose roles it was made for."""
    from samordning import policy
    from samordning.context_processors import roles
    from tests.factories import UserFactory

    groups = {
        "admin": [policy.Role.ADMIN],
        "coordinator": [policy.Role.COORDINATOR],
        "manager": [policy.Role.MANAGER],
        "funder": [policy.Role.FUNDER],
        "nobody": [],
        "coordinator_manager": [policy.Role.COORDINATOR, policy.Role.MANAGER],
    }[username]
    user = UserFactory(username=username)
    for role in groups:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    request = rf.get("/")
    request.user = user
    can = roles(request)["can"]
    assert set(can) == set(policy.Perm.names())
    for name, perm in policy.Perm.names().items():
        assert can[name] is policy.can(user, perm), name
    assert any(can.values()) is bool(groups)
