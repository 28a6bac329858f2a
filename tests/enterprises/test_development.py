"""Enterprise development: the plan, the support log, milestones and comments.

Rules in the models and services; access: a manager sees only their own
enterprise's plan (another's is a 404), writes are for the association's staff,
comments for anyone who sees the plan."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from enterprises import services
from enterprises.models import (
    DevelopmentComment,
    DevelopmentGoal,
    GoalStatus,
    Milestone,
    SupportActivity,
)
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 6, 10)


@pytest.fixture
def own(manager):
    return EnterpriseFactory(name="Café Eget", managers=[manager])


@pytest.fixture
def other(manager2):
    return EnterpriseFactory(name="Snickeri Annat", managers=[manager2])


def log(enterprise, user, **extra):
    data = {"kind": "network_meeting", "date": TODAY, "hours": Decimal("2.5"), "today": TODAY}
    data.update(extra)
    return services.support_activity_log(enterprise=enterprise, user=user, **data)


# --- models and services ------------------------------------------------------------


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("-1"), Decimal("100.1"), Decimal("500")])
def test_hours_must_be_positive_and_sensible(own, coordinator, hours):
    with pytest.raises(ValidationError) as error:
        log(own, coordinator, hours=hours)
    assert "hours" in error.value.message_dict
    assert not SupportActivity.objects.exists()


@pytest.mark.parametrize("hours", [Decimal("0.5"), Decimal("100")])
def test_hours_within_bounds_are_logged(own, coordinator, hours):
    activity = log(own, coordinator, hours=hours, taking_part="verksamhetsledare")
    assert activity.hours == hours
    assert activity.created_by == coordinator


def test_an_activity_is_logged_when_done_not_before(own, coordinator):
    with pytest.raises(ValidationError) as error:
        log(own, coordinator, date=TODAY + datetime.timedelta(days=1))
    assert "date" in error.value.message_dict


@pytest.mark.parametrize("role", ["manager", "funder"])
def test_only_association_staff_write_the_record(own, role, request):
    user = request.getfixturevalue(role)
    with pytest.raises(ValidationError):
        log(own, user)
    with pytest.raises(ValidationError):
        services.milestone_record(
            enterprise=own, user=user, kind="approved_supplier", date=TODAY, today=TODAY
        )
    with pytest.raises(ValidationError):
        services.development_goal_save(
            enterprise=own, user=user, goal_text="Mål", target_date=TODAY
        )
    assert not (SupportActivity.objects.exists() or Milestone.objects.exists())


def test_a_named_milestone_is_reached_once_other_may_repeat(own, admin_user):
    services.milestone_record(
        enterprise=own, user=admin_user, kind="iop_municipality", date=TODAY, today=TODAY
    )
    with pytest.raises(ValidationError):
        services.milestone_record(
            enterprise=own, user=admin_user, kind="iop_municipality", date=TODAY, today=TODAY
        )
    for _ in range(2):
        services.milestone_record(
            enterprise=own, user=admin_user, kind="other", date=TODAY, today=TODAY
        )
    assert Milestone.objects.filter(enterprise=own).count() == 3


def test_a_goal_gets_an_achieved_date_only_when_achieved(own, coordinator):
    goal = services.development_goal_save(
        enterprise=own, user=coordinator, goal_text="Godkänd leverantör", target_date=TODAY
    )
    assert goal.status == GoalStatus.ONGOING and goal.achieved_on is None
    goal = services.development_goal_save(
        enterprise=own,
        user=coordinator,
        goal=goal,
        goal_text=goal.goal,
        target_date=TODAY,
        status=GoalStatus.ACHIEVED,
    )
    assert goal.achieved_on == timezone.localdate()
    bad = DevelopmentGoal(
        enterprise=own, goal="x", target_date=TODAY, status="ongoing", achieved_on=TODAY
    )
    with pytest.raises(ValidationError):
        bad.full_clean()


def test_a_goal_of_another_enterprise_is_refused(own, other, coordinator):
    goal = services.development_goal_save(
        enterprise=other, user=coordinator, goal_text="Mål", target_date=TODAY
    )
    with pytest.raises(ValidationError):
        services.development_goal_save(
            enterprise=own, user=coordinator, goal=goal, goal_text="x", target_date=TODAY
        )


def test_only_those_who_see_the_enterprise_comment(own, manager, manager2, funder):
    services.development_comment_add(enterprise=own, user=manager, text=" Tack för stödet ")
    assert DevelopmentComment.objects.get().text == "Tack för stödet"
    for outsider in (manager2, funder):
        with pytest.raises(ValidationError):
            services.development_comment_add(enterprise=own, user=outsider, text="x")


# --- pages --------------------------------------------------------------------------


def page(enterprise):
    return reverse("enterprises:development", args=[enterprise.pk])


def test_manager_sees_only_their_own_enterprise_plan(client, own, other, manager, coordinator):
    log(own, coordinator, note="Genomgång av LOV-ansökan")
    log(other, coordinator, note="Hemlig anteckning om annat företag")
    client.force_login(manager)
    response = client.get(page(own))
    assert response.status_code == 200
    assert "Genomgång av LOV-ansökan" in response.text
    assert "Hemlig anteckning" not in response.text
    # No write links for the manager, but the comment form.
    assert reverse("enterprises:support-activity-create", args=[own.pk]) not in response.text
    assert reverse("enterprises:development-comment-create", args=[own.pk]) in response.text
    assert client.get(page(other)).status_code == 404
    assert (
        client.post(
            reverse("enterprises:development-comment-create", args=[other.pk]), {"text": "x"}
        ).status_code
        == 404
    )
    assert not DevelopmentComment.objects.exists()


def test_funder_does_not_see_an_enterprise_plan(client, own, funder):
    client.force_login(funder)
    assert client.get(page(own)).status_code == 403


def test_staff_log_activity_and_milestone_through_the_pages(client, own, coordinator):
    client.force_login(coordinator)
    today = timezone.localdate()
    response = client.post(
        reverse("enterprises:support-activity-create", args=[own.pk]),
        {
            "kind": "procurement",
            "date": today.isoformat(),
            "hours": "3,5",
            "taking_part": "verksamhetsledare",
        },
    )
    assert response.status_code == 302, response.content
    response = client.post(
        reverse("enterprises:milestone-create", args=[own.pk]),
        {"kind": "approved_supplier", "date": today.isoformat()},
    )
    assert response.status_code == 302
    text = client.get(page(own)).text
    assert "Stöd vid upphandling/avtal" in text and "Godkänd leverantör" in text
    # A second "approved supplier" comes back as a form error, not a 500.
    response = client.post(
        reverse("enterprises:milestone-create", args=[own.pk]),
        {"kind": "approved_supplier", "date": today.isoformat()},
    )
    assert response.status_code == 200
    assert "redan nått" in response.text
    # Hours out of range: the form again with the error.
    response = client.post(
        reverse("enterprises:support-activity-create", args=[own.pk]),
        {"kind": "other", "date": today.isoformat(), "hours": "0"},
    )
    assert response.status_code == 200
    assert SupportActivity.objects.count() == 1


def test_manager_comments_on_their_plan(client, own, manager):
    client.force_login(manager)
    response = client.post(
        reverse("enterprises:development-comment-create", args=[own.pk]),
        {"text": "Vi vill gärna ha hjälp med IOP."},
    )
    assert response.status_code == 302
    assert "Vi vill gärna ha hjälp med IOP." in client.get(page(own)).text


def test_development_page_query_count(client, own, coordinator, django_assert_max_num_queries):
    for i in range(5):
        log(own, coordinator, note=f"Aktivitet {i}")
        services.milestone_record(
            enterprise=own, user=coordinator, kind="other", date=TODAY, today=TODAY
        )
        services.development_goal_save(
            enterprise=own, user=coordinator, goal_text=f"Mål {i}", target_date=TODAY
        )
        services.development_comment_add(enterprise=own, user=coordinator, text=f"K {i}")
    client.force_login(coordinator)
    # session + user, roles, the enterprise, goals, activities, their hour total,
    # milestones, comments with authors, and a little slack for the menu.
    with django_assert_max_num_queries(14):
        response = client.get(page(own))
    assert response.status_code == 200
    assert response.text.count("Aktivitet ") == 5
