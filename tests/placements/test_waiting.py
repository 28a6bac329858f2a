"""Waiting lists, one proposal at a time, and parked participants left out of matching."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from enterprises.models import OfferStatus
from participants.models import Parking
from placements.models import LeftReason, Placement, PlacementStatus, WaitingListEntry
from placements.selectors.home import manager_summary
from placements.selectors.matching import not_parked, parking_of
from placements.services import lifecycle, waiting
from placements.tasks import send_daily_digests
from samordning.models import AuditLog
from tests.factories import (
    EnrolledParticipantFactory,
    EnterpriseFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
)

pytestmark = pytest.mark.django_db

S = PlacementStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _full_offer(capacity: int = 1, **extra):
    """An offer whose every place is held by an active placement for a year."""
    offer = TrainingOfferFactory(capacity=capacity, **extra)
    holders = [
        PlacementFactory(
            offer=offer,
            status=S.ACTIVE,
            planned_start=TODAY - 30 * DAY,
            start_date=TODAY - 30 * DAY,
            planned_end=TODAY + 365 * DAY,
        )
        for _ in range(capacity)
    ]
    return offer, holders


def _queue(participant, offer, user, **extra):
    values = {"wanted_start": TODAY + 7 * DAY, "extent": 50}
    values.update(extra)
    return waiting.waiting_add(participant=participant, offer=offer, user=user, **values)


def _end(placement, user):
    return lifecycle.placement_end(
        placement=placement, user=user, end_date=TODAY, end_reason="ill_health", outcome="unknown"
    )


# --- queueing -------------------------------------------------------------------------


def test_queue_a_participant_for_a_full_offer(coordinator):
    offer, _ = _full_offer()
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    entry = _queue(participant, offer, coordinator)
    assert entry.left_at is None and entry.place_freed_at is None
    assert waiting.position(entry) == 1
    second = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    assert waiting.position(second) == 2
    assert AuditLog.objects.filter(detail__startswith="queued", subjects=f",{participant.pk},")


def test_no_queue_for_an_offer_with_a_free_place(coordinator):
    offer = TrainingOfferFactory(capacity=2)
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    with pytest.raises(ValidationError) as error:
        _queue(participant, offer, coordinator)
    assert error.value.code == "not_full"
    assert not WaitingListEntry.objects.exists()


def test_no_duplicate_entry_per_participant_and_offer(coordinator):
    offer, _ = _full_offer()
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    _queue(participant, offer, coordinator)
    with pytest.raises(ValidationError) as error:
        _queue(participant, offer, coordinator)
    assert error.value.code == "duplicate"
    assert WaitingListEntry.objects.count() == 1


def test_only_a_participant_in_scope(coordinator, coordinator2):
    offer, _ = _full_offer()
    theirs = EnrolledParticipantFactory(coordinators=[coordinator2])
    with pytest.raises(ValidationError) as error:
        _queue(theirs, offer, coordinator)
    assert error.value.code == "scope"


def test_extent_and_start_are_checked(coordinator):
    offer, _ = _full_offer(min_extent=50, max_extent=100)
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    with pytest.raises(ValidationError) as error:
        _queue(participant, offer, coordinator, extent=25)
    assert "extent" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _queue(participant, offer, coordinator, wanted_start=TODAY - DAY)
    assert "wanted_start" in error.value.message_dict


# --- a place frees --------------------------------------------------------------------


def test_queue_head_is_marked_when_a_placement_ends(coordinator, manager):
    offer, (holder,) = _full_offer()
    first = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    second = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    _end(holder, manager)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.place_freed_at is not None
    assert second.place_freed_at is None  # one place freed, one entry told


def test_the_queue_heads_coordinator_is_mailed_a_one_click_proposal_link(
    coordinator, coordinator2, manager, client, django_capture_on_commit_callbacks
):
    offer, (holder,) = _full_offer()
    first = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        _end(holder, manager)
    (message,) = mail.outbox
    assert message.to == [coordinator.email]
    assert first.propose_url() in message.body
    assert first.participant.last_name not in message.body + message.subject
    # One click from the mail: the proposal form, filled in from the queue entry.
    client.force_login(coordinator)
    page = client.get(first.propose_url())
    assert page.status_code == 200
    assert page.context["form"].initial["offer"] in (offer.pk, offer)


@pytest.mark.parametrize("step", ["withdraw", "decline"])
def test_queue_head_is_marked_when_a_proposal_is_withdrawn_or_declined(step, coordinator, manager):
    offer = TrainingOfferFactory(capacity=1)
    proposal = PlacementFactory(
        offer=offer,
        status=S.PROPOSED,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 300 * DAY,
        expires_on=TODAY + 14 * DAY,
    )
    entry = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    if step == "withdraw":
        lifecycle.placement_withdraw(placement=proposal, user=coordinator)
    else:
        lifecycle.placement_decline(placement=proposal, user=manager, reason="timing")
    entry.refresh_from_db()
    assert entry.place_freed_at is not None


def test_raising_capacity_marks_as_many_as_new_places(coordinator, manager):
    offer, _ = _full_offer()
    entries = [
        _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
        for _ in range(3)
    ]
    waiting.offer_capacity_set(offer=offer, user=manager, capacity=3)
    marked = [e for e in entries if WaitingListEntry.objects.get(pk=e.pk).place_freed_at]
    assert [e.pk for e in marked] == [entries[0].pk, entries[1].pk]


def test_place_freed_returns_none_when_nothing_is_free(coordinator):
    offer, _ = _full_offer()
    _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    assert waiting.place_freed(offer) is None


def test_expired_proposals_are_found_by_the_daily_refresh(coordinator):
    offer = TrainingOfferFactory(capacity=1)
    proposal = PlacementFactory(
        offer=offer,
        status=S.PROPOSED,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 300 * DAY,
        expires_on=TODAY + 2 * DAY,
    )
    entry = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    assert waiting.refresh_waiting_lists() == []
    marked = waiting.refresh_waiting_lists(today=TODAY + 3 * DAY)
    assert [e.pk for e in marked] == [entry.pk]
    assert proposal.status == S.PROPOSED


def test_the_daily_task_finds_expired_proposals_before_the_digests(
    coordinator, django_capture_on_commit_callbacks
):
    offer = TrainingOfferFactory(capacity=1)
    PlacementFactory(
        offer=offer,
        status=S.PROPOSED,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 300 * DAY,
        expires_on=TODAY + 2 * DAY,
    )
    entry = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        send_daily_digests.call((TODAY + 3 * DAY).isoformat())
    entry.refresh_from_db()
    assert entry.place_freed_at is not None
    assert any(entry.propose_url() in m.body for m in mail.outbox if coordinator.email in m.to)


def test_paused_offer_frees_nobody(coordinator, manager):
    offer, (holder,) = _full_offer()
    entry = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    offer.status = OfferStatus.PAUSED
    offer.save()
    _end(holder, manager)
    entry.refresh_from_db()
    assert entry.place_freed_at is None


def test_the_next_in_line_is_told_when_the_told_one_leaves(coordinator, manager):
    offer, (holder,) = _full_offer()
    first = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    second = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    _end(holder, manager)
    waiting.waiting_remove(entry=first, user=coordinator)
    second.refresh_from_db()
    assert second.place_freed_at is not None


def test_proposing_from_the_queue_takes_the_entry_out(coordinator, manager):
    offer, (holder,) = _full_offer()
    participant = EnrolledParticipantFactory(coordinators=[coordinator], sharing=True)
    entry = _queue(participant, offer, coordinator)
    _end(holder, manager)
    lifecycle.placement_propose(
        participant=participant,
        offer=offer,
        user=coordinator,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 90 * DAY,
        extent=50,
    )
    entry.refresh_from_db()
    assert entry.left_reason == LeftReason.PROPOSED


# --- placed elsewhere: leaves every queue; one proposal at a time ----------------------


def test_placed_participant_leaves_every_queue(coordinator, manager):
    offer_a, _ = _full_offer()
    offer_b, _ = _full_offer()
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    a = _queue(participant, offer_a, coordinator)
    b = _queue(participant, offer_b, coordinator)
    elsewhere = PlacementFactory(
        participant=participant,
        status=S.PROPOSED,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 90 * DAY,
        expires_on=TODAY + 14 * DAY,
    )
    lifecycle.placement_accept(placement=elsewhere, user=manager)
    for entry in (a, b):
        entry.refresh_from_db()
        assert entry.left_reason == LeftReason.PLACED_ELSEWHERE
    assert not WaitingListEntry.objects.waiting().exists()


def test_accepting_one_proposal_withdraws_the_others(coordinator, manager):
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    common = {
        "participant": participant,
        "status": S.PROPOSED,
        "planned_start": TODAY + 7 * DAY,
        "planned_end": TODAY + 90 * DAY,
        "expires_on": TODAY + 14 * DAY,
        "extent": 25,
    }
    chosen = PlacementFactory(**common, offer=TrainingOfferFactory(enterprise=EnterpriseFactory()))
    others = [PlacementFactory(**common), PlacementFactory(**common)]
    unrelated = PlacementFactory(
        status=S.PROPOSED,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 90 * DAY,
        expires_on=TODAY + 14 * DAY,
    )
    lifecycle.placement_accept(placement=chosen, user=manager)
    for other in others:
        other.refresh_from_db()
        assert other.status == S.WITHDRAWN
        assert chosen.offer.enterprise.name in other.withdraw_note
        # Through the normal service: one audit row per withdrawal.
        assert AuditLog.objects.filter(object_id=str(other.pk), detail="withdrawn").count() == 1
    unrelated.refresh_from_db()
    assert unrelated.status == S.PROPOSED
    assert Placement.objects.get(pk=chosen.pk).status == S.ACCEPTED


def test_a_refused_accept_withdraws_nothing(coordinator, manager):
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    offer, _ = _full_offer()
    common = {
        "participant": participant,
        "status": S.PROPOSED,
        "planned_start": TODAY + 7 * DAY,
        "planned_end": TODAY + 90 * DAY,
        "expires_on": TODAY + 14 * DAY,
        "extent": 25,
    }
    # Written around the capacity check: the offer is full, so the accept fails.
    chosen = PlacementFactory(**common, offer=offer)
    other = PlacementFactory(**common)
    with pytest.raises(ValidationError):
        lifecycle.placement_accept(placement=chosen, user=manager)
    other.refresh_from_db()
    assert other.status == S.PROPOSED


# --- parked participants are not suggested ---------------------------------------------


def test_parked_participant_left_out_of_matching(coordinator, client):
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    free = ParticipantFactory(coordinators=[coordinator])
    TrainingOfferFactory(capacity=3)
    Parking.objects.create(
        participant=participant, reason="health", since=TODAY, until=TODAY + 10 * DAY
    )
    assert parking_of(participant, TODAY) is not None
    assert list(not_parked(participant.__class__.objects.all(), TODAY)) == [free]
    client.force_login(coordinator)
    response = client.get(reverse("placements:participant-matches", args=[participant.pk]))
    assert response.status_code == 200
    assert response.context["matches"] == []
    assert response.context["parking"] is not None
    response = client.get(reverse("placements:participant-matches", args=[free.pk]))
    assert len(response.context["matches"]) == 1


def test_ended_or_past_parking_does_not_hold(coordinator):
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    Parking.objects.create(
        participant=participant, reason="health", since=TODAY - 20 * DAY, until=TODAY - DAY
    )
    Parking.objects.create(
        participant=participant,
        reason="health",
        since=TODAY - 5 * DAY,
        until=TODAY + 5 * DAY,
        ended_on=TODAY,
    )
    assert parking_of(participant, TODAY) is None


# --- pages ------------------------------------------------------------------------------


def test_waiting_list_page_shows_position_age_and_freed(
    coordinator, manager, client, django_assert_max_num_queries
):
    offer, (holder,) = _full_offer()
    entries = [
        _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
        for _ in range(4)
    ]
    WaitingListEntry.objects.filter(pk=entries[0].pk).update(
        added_at=timezone.now() - datetime.timedelta(days=12)
    )
    _end(holder, manager)
    client.force_login(coordinator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("placements:waiting-list"))
    rows = {e.pk: e for e in response.context["entries"]}
    assert [rows[e.pk].position for e in entries] == [1, 2, 3, 4]
    assert rows[entries[0].pk].waited == 12
    assert escape(entries[0].propose_url()) in response.content.decode()
    response = client.get(reverse("placements:waiting-list") + "?freed=1")
    assert [e.pk for e in response.context["entries"]] == [entries[0].pk]


def test_waiting_list_positions_break_ties_by_entry_and_skip_those_who_left(coordinator, client):
    """The position is counted per row in a subquery (the page is not grouped by its
    columns, which PostgreSQL took longer to plan than to run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    offer, _holders = _full_offer()
    entries = [
        _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
        for _ in range(4)
    ]
    same = timezone.now() - datetime.timedelta(days=3)
    WaitingListEntry.objects.filter(pk__in=[e.pk for e in entries]).update(added_at=same)
    WaitingListEntry.objects.filter(pk=entries[1].pk).update(
        left_at=timezone.now(), left_reason="removed"
    )
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("placements:waiting-list"))
    rows = {e.pk: e.position for e in response.context["entries"]}
    assert rows == {entries[0].pk: 1, entries[2].pk: 2, entries[3].pk: 3}
    assert not [
        q
        for q in queries.captured_queries
        if 'GROUP BY "placements_waitinglistentry"."id"' in q["sql"]
    ]


def test_waiting_pages_404_outside_scope(coordinator, coordinator2, client):
    offer, _ = _full_offer()
    theirs = EnrolledParticipantFactory(coordinators=[coordinator2])
    entry = _queue(theirs, offer, coordinator2)
    client.force_login(coordinator)
    assert client.get(reverse("placements:waiting-create", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("placements:waiting-remove", args=[entry.pk])).status_code == 404
    response = client.get(reverse("placements:waiting-list"))
    assert list(response.context["entries"]) == []


def test_queue_from_the_form(coordinator, client):
    offer, _ = _full_offer()
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    url = reverse("placements:waiting-create", args=[participant.pk])
    assert client.get(f"{url}?offer={offer.pk}").context["form"].initial["offer"] == offer.pk
    response = client.post(
        url,
        {"offer": offer.pk, "wanted_start": (TODAY + 7 * DAY).isoformat(), "extent": 50},
    )
    assert response.status_code == 302
    assert WaitingListEntry.objects.waiting().filter(participant=participant).count() == 1
    # Again: the duplicate is a form error, not a 500.
    response = client.post(
        url,
        {"offer": offer.pk, "wanted_start": (TODAY + 7 * DAY).isoformat(), "extent": 50},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_propose_form_is_prefilled_from_the_entry(coordinator, manager, client):
    offer, (holder,) = _full_offer(min_extent=25, max_extent=100)
    participant = EnrolledParticipantFactory(coordinators=[coordinator], wanted_extent=50)
    entry = _queue(participant, offer, coordinator, extent=75, wanted_start=TODAY + 20 * DAY)
    _end(holder, manager)
    client.force_login(coordinator)
    response = client.get(entry.propose_url())
    initial = response.context["form"].initial
    assert initial["offer"] == offer.pk
    assert initial["extent"] == 75
    assert initial["planned_start"] == TODAY + 20 * DAY


def test_manager_sees_counts_not_who(coordinator, manager, manager2):
    offer, _ = _full_offer(enterprise=EnterpriseFactory(managers=[manager]))
    people = [EnrolledParticipantFactory(coordinators=[coordinator]) for _ in range(2)]
    for person in people:
        _queue(person, offer, coordinator)
    summary = manager_summary(manager, today=TODAY)
    assert [(o.pk, o.waiting) for o in summary.queued_offers] == [(offer.pk, 2)]
    assert manager_summary(manager2, today=TODAY).queued_offers == []


def test_manager_home_shows_the_count_and_no_names(coordinator, manager, client):
    offer, _ = _full_offer(enterprise=EnterpriseFactory(managers=[manager]))
    person = EnrolledParticipantFactory(coordinators=[coordinator], last_name="Köstenssonsdotter")
    _queue(person, offer, coordinator)
    client.force_login(manager)
    page = client.get(reverse("home")).content.decode()
    assert "1 deltagare väntar" in page
    assert "Köstenssonsdotter" not in page
    assert client.get(reverse("placements:waiting-list")).status_code == 403


def test_daily_command_marks_freed_places(coordinator):
    from io import StringIO

    from django.core.management import call_command

    offer = TrainingOfferFactory(capacity=1)
    proposal = PlacementFactory(
        offer=offer,
        status=S.PROPOSED,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 300 * DAY,
        expires_on=TODAY + 2 * DAY,
    )
    entry = _queue(EnrolledParticipantFactory(coordinators=[coordinator]), offer, coordinator)
    Placement.objects.filter(pk=proposal.pk).update(expires_on=TODAY - DAY)
    out = StringIO()
    call_command("mark_freed_places", stdout=out)
    assert "Marked 1" in out.getvalue()
    entry.refresh_from_db()
    assert entry.place_freed_at is not None
