"""Enterprise side: answering proposals, the placements at the enterprise, the home page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from placements.models import Placement, PlacementStatus
from tests.factories import (
    EnterpriseFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
    share,
)
from tests.worlds.enterprise import enterprise_world

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(manager):
    return enterprise_world(manager, "Ett")


@pytest.fixture
def logged_in(client, manager):
    client.force_login(manager)
    return client


# --- proposals ---------------------------------------------------------------------


def test_proposal_list_shows_waiting_proposals_only(logged_in, world):
    expired = PlacementFactory(
        offer=world.offer,
        participant=ParticipantFactory(first_name="Utgangen", last_name="Deltagare"),
        status=PlacementStatus.PROPOSED,
        planned_start=timezone.localdate() + 3 * DAY,
        planned_end=timezone.localdate() + 30 * DAY,
        expires_on=timezone.localdate() - DAY,
    )
    response = logged_in.get(reverse("placements:enterprise-proposal-list"))
    assert response.status_code == 200
    assert "ForslagEtt Deltagare" in response.text
    assert "AccepteradEtt" not in response.text
    assert expired.participant.first_name not in response.text
    assert reverse("placements:enterprise-proposal-accept", args=[world.proposal.pk]) in (
        response.text
    )


def test_accept_is_post_only(logged_in, world):
    url = reverse("placements:enterprise-proposal-accept", args=[world.proposal.pk])
    assert logged_in.get(url).status_code == 405
    world.proposal.refresh_from_db()
    assert world.proposal.status == PlacementStatus.PROPOSED


def test_accept_answers_the_proposal(logged_in, world, manager):
    url = reverse("placements:enterprise-proposal-accept", args=[world.proposal.pk])
    response = logged_in.post(url, follow=True)
    assert "Du har accepterat förslaget om ForslagEtt Deltagare" in response.text
    world.proposal.refresh_from_db()
    assert world.proposal.status == PlacementStatus.ACCEPTED
    assert world.proposal.answered_by == manager


def test_accept_refused_by_the_lifecycle_is_a_message_not_a_500(logged_in, world):
    url = reverse("placements:enterprise-proposal-accept", args=[world.accepted.pk])
    response = logged_in.post(url, follow=True)
    assert response.status_code == 200
    assert "kan inte bli accepterad" in response.text


def test_decline_with_reason_and_note(logged_in, world, manager):
    url = reverse("placements:enterprise-proposal-decline", args=[world.proposal.pk])
    prefix = f"d{world.proposal.pk}"
    response = logged_in.post(
        url,
        {f"{prefix}-decline_reason": "timing", f"{prefix}-decline_note": "Kan ta emot i maj."},
        follow=True,
    )
    assert "Du har tackat nej" in response.text
    world.proposal.refresh_from_db()
    assert (
        world.proposal.status,
        world.proposal.decline_reason,
        world.proposal.decline_note,
        world.proposal.answered_by,
    ) == (PlacementStatus.DECLINED, "timing", "Kan ta emot i maj.", manager)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Detta fält måste fyllas i"),
        ({"decline_reason": "whatever"}, "Välj ett giltigt alternativ"),
        ({"decline_reason": "other", "decline_note": "  "}, "Beskriv skälet"),
    ],
)
def test_decline_bad_input_shows_errors_and_changes_nothing(logged_in, world, data, message):
    url = reverse("placements:enterprise-proposal-decline", args=[world.proposal.pk])
    prefix = f"d{world.proposal.pk}"
    response = logged_in.post(url, {f"{prefix}-{k}": v for k, v in data.items()})
    assert response.status_code == 200
    assert message in response.text
    assert "ForslagEtt Deltagare" in response.text
    world.proposal.refresh_from_db()
    assert world.proposal.status == PlacementStatus.PROPOSED
    assert world.proposal.decline_reason == ""


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("status", [PlacementStatus.WITHDRAWN, PlacementStatus.ACCEPTED])
def test_decline_from_a_stale_page_says_the_proposal_is_no_longer_open(
    logged_in, world, status, htmx
):
    """The proposal was withdrawn (or answered) while the page was open; the manager
    gave no reason. The status is the answer, not the missing reason."""
    Placement.objects.filter(pk=world.proposal.pk).update(status=status)
    url = reverse("placements:enterprise-proposal-decline", args=[world.proposal.pk])
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {"follow": True}
    response = logged_in.post(url, {f"d{world.proposal.pk}-decline_reason": ""}, **extra)
    assert response.status_code == 200
    label = PlacementStatus(status).label.lower()
    assert f"Arbetsträningen är {label} och kan inte bli avböjd." in response.text
    assert "alert-danger" in response.text
    assert "Detta fält måste fyllas i" not in response.text
    assert "Välj ett skäl" not in response.text
    world.proposal.refresh_from_db()
    assert (world.proposal.status, world.proposal.decline_reason) == (status, "")


def test_decline_is_post_only(logged_in, world):
    url = reverse("placements:enterprise-proposal-decline", args=[world.proposal.pk])
    assert logged_in.get(url).status_code == 405


# --- placements at the enterprise ------------------------------------------------------


def test_placement_list_current_and_past(logged_in, world):
    current = logged_in.get(reverse("placements:enterprise-placement-list"))
    assert "AktivEtt Deltagare" in current.text
    assert "AccepteradEtt Deltagare" in current.text
    assert "AvslutadEtt" not in current.text
    assert "ForslagEtt" not in current.text
    assert "HandledareEtt" in current.text
    assert "20" in current.text  # hours a week at 50 %
    past = logged_in.get(reverse("placements:enterprise-placement-list"), {"period": "past"})
    assert "AvslutadEtt Deltagare" in past.text
    assert "AktivEtt" not in past.text


def test_placement_detail_shows_adaptations_and_anonymous_participants_without_identity(
    logged_in, world
):
    participant = world.active.participant
    participant.workplace_adaptations = "Höj- och sänkbart bord"
    participant.save()
    url = reverse("placements:enterprise-placement-detail", args=[world.active.pk])
    # The enterprise sees what was shared, not the live record: until the coordinator
    # shares an update, the new adaptation stays with the coordinator.
    assert "Höj- och sänkbart bord" not in logged_in.get(url).text
    share(world.active)
    response = logged_in.get(url)
    assert "Höj- och sänkbart bord" in response.text
    assert "AktivEtt Deltagare" in response.text

    anonymous = ParticipantFactory(
        personal_number=None,
        first_name="",
        last_name="",
        is_anonymous=True,
        anonymous_reason="protected_identity",
        birth_year=1977,
    )
    placement = PlacementFactory(
        offer=world.offer,
        participant=anonymous,
        status=PlacementStatus.ACTIVE,
        planned_start=timezone.localdate() - 3 * DAY,
        start_date=timezone.localdate() - 3 * DAY,
        planned_end=timezone.localdate() + 30 * DAY,
    )
    response = logged_in.get(reverse("placements:enterprise-placement-detail", args=[placement.pk]))
    assert "Anonym deltagare" in response.text
    assert "1977" not in response.text


def _many_placements(manager, count):
    today = timezone.localdate()
    enterprise = EnterpriseFactory(managers=[manager])
    offer = TrainingOfferFactory(enterprise=enterprise, capacity=200)
    for _ in range(count):
        PlacementFactory(
            offer=offer,
            status=PlacementStatus.ACTIVE,
            planned_start=today - 10 * DAY,
            start_date=today - 10 * DAY,
            planned_end=today + 60 * DAY,
        )


@pytest.mark.parametrize("count", [5, 100])
def test_placement_list_query_count_does_not_grow(
    logged_in, manager, django_assert_max_num_queries, count
):
    _many_placements(manager, count)
    # session, user, the request transaction's savepoint and release, the user's groups,
    # the paginator's count, the page of placements with participant/offer and
    # snapshot (the sharing consent as an EXISTS), the one audit row for the page: 8.
    with django_assert_max_num_queries(8):
        response = logged_in.get(reverse("placements:enterprise-placement-list"))
    assert response.status_code == 200
    assert response.text.count("/arbetstraning/foretag/") >= min(count, 25)


def test_the_lists_are_scoped_by_enterprise_without_distinct(client, world):
    """A manager who is also a coordinator sees their enterprises' placements and
    proposals only, not their own caseload's elsewhere; and the lists' queries have no
    DISTINCT (visible_to's join to the managers needed one, which PostgreSQL took
    6-7 ms to plan for the demo's list of placements)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from samordning.policy import Role
    from tests.factories import UserFactory

    both = UserFactory(roles=[Role.MANAGER, Role.COORDINATOR])
    world.offer.enterprise.managers.add(both)
    mine_elsewhere = ParticipantFactory(coordinators=[both], first_name="Annanstans")
    PlacementFactory(participant=mine_elsewhere, status=PlacementStatus.ACTIVE)
    PlacementFactory(participant=mine_elsewhere, status=PlacementStatus.PROPOSED)
    client.force_login(both)
    for name in ("placements:enterprise-placement-list", "placements:enterprise-proposal-list"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name))
        assert response.status_code == 200
        assert "Annanstans" not in response.text
        assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"]], name
    listed = client.get(reverse("placements:enterprise-placement-list")).context["rows"]
    assert {placement for placement, _name in listed} == {world.active, world.accepted}


@pytest.mark.parametrize("count", [5, 100])
def test_proposal_list_query_count_does_not_grow(
    logged_in, manager, django_assert_max_num_queries, count
):
    today = timezone.localdate()
    offer = TrainingOfferFactory(enterprise=EnterpriseFactory(managers=[manager]), capacity=200)
    for _ in range(count):
        PlacementFactory(offer=offer, planned_start=today + DAY, planned_end=today + 90 * DAY)
    # session, user, savepoint, release, groups, count, the page with participant/offer
    # and snapshot, the one audit row for the page: 8.
    with django_assert_max_num_queries(8):
        response = logged_in.get(reverse("placements:enterprise-proposal-list"))
    assert response.text.count('/acceptera/" hx-post') == min(count, 25)


# --- navigation and home ----------------------------------------------------------------


def test_home_shows_waiting_proposals_active_placements_and_stale_capacity(logged_in, world):
    world.offer.last_confirmed = timezone.localdate() - 45 * DAY
    world.offer.save()
    response = logged_in.get(reverse("home"))
    text = response.text
    assert "1 förslag väntar på svar" in text
    assert "1 pågående arbetsträning" in text
    assert "Stämmer antalet platser?" in text
    assert world.offer.title in text
    for name in ["Mitt företag", "Förslag", "Närvaro", "Fakturaunderlag"]:
        assert f">{name}</a>" in text


def test_home_has_no_stale_warning_when_confirmed(logged_in, world):
    response = logged_in.get(reverse("home"))
    assert "Stämmer antalet platser?" not in response.text


def test_placement_counts_on_home_are_only_my_enterprise(logged_in, world, manager2):
    enterprise_world(manager2, "Tva")
    response = logged_in.get(reverse("home"))
    assert "1 förslag väntar på svar" in response.text
    assert Placement.objects.filter(status=PlacementStatus.PROPOSED).count() == 2


def test_manager_reading_a_placement_is_logged(logged_in, world):
    from samordning.models import AuditLog

    def reads():
        return AuditLog.objects.filter(
            action="view", object_type="placements.placement", object_id=str(world.active.pk)
        ).count()

    before = reads()
    logged_in.get(reverse("placements:enterprise-placement-detail", args=[world.active.pk]))
    assert reads() == before + 1
