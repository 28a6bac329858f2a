"""The placement lifecycle: every status pair, the required data, the 100 % rule, the audit rows."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone

from placements.models import FollowUpMeeting, Placement, PlacementStatus
from placements.services import lifecycle
from placements.services.capacity import CapacityError
from samordning.models import AuditAction, AuditLog
from tests.factories import (
    EnrolledParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = PlacementStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _placement(status: str, **extra) -> Placement:
    """A placement in `status` with the data that status requires."""
    fields: dict = {
        "status": status,
        "planned_start": TODAY + 7 * DAY,
        "planned_end": TODAY + 180 * DAY,
        "expires_on": TODAY + 14 * DAY,
        "offer": TrainingOfferFactory(capacity=3),
    }
    if status in (S.ACTIVE, S.COMPLETED, S.INTERRUPTED):
        fields.update(planned_start=TODAY - 30 * DAY, start_date=TODAY - 30 * DAY)
    if status in (S.COMPLETED, S.INTERRUPTED):
        fields.update(
            end_date=TODAY - DAY,
            end_reason="planned" if status == S.COMPLETED else "ill_health",
            outcome="work",
        )
    fields.update(extra)
    return PlacementFactory(**fields)


def _agreement(**overrides):
    values = {
        "start_date": TODAY + 7 * DAY,
        "supervisor_name": "Hanna Handledare",
        "agreement_date": TODAY,
        "agreement_tasks": "Disk och servering",
        "agreement_hours": "Mån–fre 9–13",
        "agreement_support": "Handledare finns på plats",
    }
    values.update(overrides)
    return values


def _step(target: str, placement: Placement, user) -> Placement:
    """Call the service that moves a placement to `target`."""
    if target == S.ACCEPTED:
        return lifecycle.placement_accept(placement=placement, user=user)
    if target == S.DECLINED:
        return lifecycle.placement_decline(placement=placement, user=user, reason="timing")
    if target == S.WITHDRAWN:
        return lifecycle.placement_withdraw(placement=placement, user=user)
    if target == S.ACTIVE:
        return lifecycle.placement_start(placement=placement, user=user, **_agreement())
    if target in (S.COMPLETED, S.INTERRUPTED):
        return lifecycle.placement_end(
            placement=placement,
            user=user,
            end_date=TODAY,
            end_reason="planned" if target == S.COMPLETED else "own_request",
            outcome="job_seeking",
        )
    raise AssertionError(f"no service moves a placement to {target}")


STEP_TARGETS = [s for s in S.values if s != S.PROPOSED]


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S.values, STEP_TARGETS)))
def test_every_status_pair(source, target):
    user = UserFactory(username="koordinator")
    placement = _placement(source)
    before = model_to_dict(Placement.objects.get(pk=placement.pk))
    legal = target in lifecycle.TRANSITIONS[source]
    assert lifecycle.can_transition(placement, target) is legal

    if legal:
        result = _step(target, placement, user)
        assert result.status == target
        assert Placement.objects.get(pk=placement.pk).status == target
        row = AuditLog.objects.get()
        assert (row.action, row.object_id) == (AuditAction.UPDATE, str(placement.pk))
    else:
        with pytest.raises(lifecycle.TransitionError) as caught:
            _step(target, placement, user)
        assert caught.value.messages  # a message, never a crash
        assert model_to_dict(Placement.objects.get(pk=placement.pk)) == before
        assert not AuditLog.objects.exists()


@pytest.mark.parametrize("source", S.values)
def test_nothing_goes_back_to_proposed(source):
    assert not lifecycle.can_transition(_placement(source), S.PROPOSED)


def test_the_transition_table_is_the_documented_lifecycle():
    documented = {
        S.PROPOSED: {S.ACCEPTED, S.DECLINED, S.WITHDRAWN},
        S.ACCEPTED: {S.ACTIVE, S.WITHDRAWN},
        S.ACTIVE: {S.COMPLETED, S.INTERRUPTED},
        S.DECLINED: set(),
        S.WITHDRAWN: set(),
        S.COMPLETED: set(),
        S.INTERRUPTED: set(),
    }
    assert documented == lifecycle.TRANSITIONS


def test_propose_writes_the_placement_and_one_create_row(coordinator):
    participant = EnrolledParticipantFactory(sharing=True, coordinators=[coordinator])
    offer = TrainingOfferFactory(capacity=1, supervisor_name="Hanna")
    placement = lifecycle.placement_propose(
        participant=participant,
        offer=offer,
        user=coordinator,
        planned_start=TODAY + DAY,
        planned_end=TODAY + 90 * DAY,
        extent=50,
    )
    assert placement.status == S.PROPOSED
    assert placement.supervisor_name == "Hanna"
    assert placement.expires_on == TODAY + 14 * DAY
    row = AuditLog.objects.get()
    assert (row.action, row.user) == (AuditAction.CREATE, coordinator)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"planned_start": TODAY - DAY}, "planned_start"),
        ({"planned_end": TODAY}, "planned_end"),
        ({"extent": 30}, "extent"),
    ],
)
def test_propose_refuses_bad_data_without_writing(coordinator, overrides, field):
    values = {
        "planned_start": TODAY + DAY,
        "planned_end": TODAY + 90 * DAY,
        "extent": 50,
    }
    values.update(overrides)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_propose(
            participant=EnrolledParticipantFactory(sharing=True),
            offer=TrainingOfferFactory(),
            user=coordinator,
            **values,
        )
    assert field in caught.value.message_dict
    assert not Placement.objects.exists()
    assert not AuditLog.objects.exists()


def test_propose_to_a_paused_offer_or_an_extent_not_offered_is_refused(coordinator):
    participant = EnrolledParticipantFactory(sharing=True)
    paused = TrainingOfferFactory(status="paused")
    narrow = TrainingOfferFactory(min_extent=25, max_extent=50)
    args = {"planned_start": TODAY + DAY, "planned_end": TODAY + 60 * DAY}
    with pytest.raises(ValidationError, match="pausad"):
        lifecycle.placement_propose(
            participant=participant, offer=paused, user=coordinator, extent=50, **args
        )
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_propose(
            participant=participant, offer=narrow, user=coordinator, extent=75, **args
        )
    assert "extent" in caught.value.message_dict
    assert not Placement.objects.exists()


def test_accepting_an_expired_proposal_is_refused(manager):
    placement = _placement(S.PROPOSED, expires_on=TODAY - DAY)
    with pytest.raises(lifecycle.TransitionError, match="gick ut"):
        lifecycle.placement_accept(placement=placement, user=manager)
    assert Placement.objects.get().status == S.PROPOSED


@pytest.mark.parametrize(
    "missing",
    ["supervisor_name", "agreement_tasks", "agreement_hours", "agreement_support"],
)
def test_start_requires_the_agreement_and_a_handledare(coordinator, missing):
    placement = _placement(S.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_start(
            placement=placement, user=coordinator, **_agreement(**{missing: "  "})
        )
    assert missing in caught.value.message_dict
    assert Placement.objects.get().status == S.ACCEPTED
    assert not AuditLog.objects.exists()


def test_start_requires_the_agreement_before_the_start(coordinator):
    placement = _placement(S.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_start(
            placement=placement,
            user=coordinator,
            **_agreement(agreement_date=TODAY + 30 * DAY),
        )
    assert "agreement_date" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_start(
            placement=placement, user=coordinator, **_agreement(agreement_date=None)
        )
    assert "agreement_date" in caught.value.message_dict


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"end_date": None}, "end_date"),
        ({"end_date": TODAY + DAY}, "end_date"),
        ({"end_date": TODAY - 60 * DAY}, "end_date"),
        ({"end_reason": "nonsense"}, "end_reason"),
        ({"outcome": ""}, "outcome"),
    ],
)
def test_end_requires_date_reason_and_outcome(coordinator, values, field):
    placement = _placement(S.ACTIVE)
    arguments = {"end_date": TODAY, "end_reason": "own_request", "outcome": "work"}
    arguments.update(values)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_end(placement=placement, user=coordinator, **arguments)
    assert field in caught.value.message_dict
    assert Placement.objects.get().status == S.ACTIVE


def test_end_may_not_be_later_than_the_planned_end(coordinator):
    placement = _placement(S.ACTIVE, planned_end=TODAY - 5 * DAY)
    arguments = {"end_reason": "planned", "outcome": "work"}
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_end(
            placement=placement, user=coordinator, end_date=TODAY - 4 * DAY, **arguments
        )
    assert caught.value.message_dict["end_date"] == [
        f"Slutdatum kan inte ligga efter planerat slut ({TODAY - 5 * DAY}). Ska "
        "arbetsträningen förlängas, ändra planen först."
    ]
    assert Placement.objects.get().status == S.ACTIVE
    # On the planned end (or before it) is fine.
    ended = lifecycle.placement_end(
        placement=placement, user=coordinator, end_date=TODAY - 5 * DAY, **arguments
    )
    assert (ended.status, ended.end_date) == (S.COMPLETED, TODAY - 5 * DAY)


def test_extending_means_changing_the_plan_first(coordinator):
    placement = _placement(S.ACTIVE, planned_end=TODAY - 5 * DAY)
    lifecycle.placement_change_plan(
        placement=placement,
        user=coordinator,
        planned_start=placement.planned_start,
        planned_end=TODAY,
        extent=placement.extent,
    )
    ended = lifecycle.placement_end(
        placement=placement, user=coordinator, end_date=TODAY, end_reason="planned", outcome="work"
    )
    assert ended.end_date == TODAY


def test_a_planned_end_completes_and_any_other_reason_interrupts(coordinator):
    completed = lifecycle.placement_end(
        placement=_placement(S.ACTIVE),
        user=coordinator,
        end_date=TODAY,
        end_reason="planned",
        outcome="work",
    )
    interrupted = lifecycle.placement_end(
        placement=_placement(S.ACTIVE),
        user=coordinator,
        end_date=TODAY,
        end_reason="moved",
        outcome="moved",
    )
    assert (completed.status, interrupted.status) == (S.COMPLETED, S.INTERRUPTED)


# --- the 100 % rule ----------------------------------------------------------------


def _propose(participant, user, start, end, extent, offer=None):
    return lifecycle.placement_propose(
        participant=participant,
        offer=offer or TrainingOfferFactory(capacity=5),
        user=user,
        planned_start=start,
        planned_end=end,
        extent=extent,
    )


def test_overlapping_placements_may_add_up_to_100_percent(coordinator):
    participant = EnrolledParticipantFactory(sharing=True)
    start, end = TODAY + DAY, TODAY + 60 * DAY
    _propose(participant, coordinator, start, end, 50)
    _propose(participant, coordinator, start, end, 25)
    _propose(participant, coordinator, start, end, 25)
    assert Placement.objects.filter(participant=participant).count() == 3


def test_overlapping_placements_may_not_exceed_100_percent(coordinator):
    participant = EnrolledParticipantFactory(sharing=True)
    start, end = TODAY + DAY, TODAY + 60 * DAY
    _propose(participant, coordinator, start, end, 75)
    with pytest.raises(CapacityError, match="100 %"):
        _propose(participant, coordinator, end, end + 30 * DAY, 50)
    assert Placement.objects.filter(participant=participant).count() == 1


def test_100_percent_rule_at_the_edges(coordinator):
    participant = EnrolledParticipantFactory(sharing=True)
    start, end = TODAY + DAY, TODAY + 30 * DAY
    _propose(participant, coordinator, start, end, 100)
    # Starting on the last day overlaps that day; the day after does not.
    with pytest.raises(CapacityError):
        _propose(participant, coordinator, end, end + 30 * DAY, 25)
    with pytest.raises(CapacityError):
        _propose(participant, coordinator, start - DAY, start, 25)
    _propose(participant, coordinator, end + DAY, end + 30 * DAY, 100)
    assert Placement.objects.filter(participant=participant).count() == 2


def test_declined_and_withdrawn_placements_free_the_participants_time(coordinator, manager):
    participant = EnrolledParticipantFactory(sharing=True)
    start, end = TODAY + DAY, TODAY + 60 * DAY
    first = _propose(participant, coordinator, start, end, 100)
    lifecycle.placement_withdraw(placement=first, user=coordinator)
    second = _propose(participant, coordinator, start, end, 100)
    lifecycle.placement_decline(placement=second, user=manager, reason="timing")
    _propose(participant, coordinator, start, end, 100)


def test_change_plan_rechecks_the_100_percent_rule(coordinator):
    participant = EnrolledParticipantFactory(sharing=True)
    start, end = TODAY + DAY, TODAY + 60 * DAY
    _propose(participant, coordinator, start, end, 50)
    second = _propose(participant, coordinator, start, end, 50)
    with pytest.raises(CapacityError):
        lifecycle.placement_change_plan(
            placement=second, user=coordinator, planned_start=start, planned_end=end, extent=75
        )
    assert Placement.objects.get(pk=second.pk).extent == 50
    lifecycle.placement_change_plan(
        placement=second, user=coordinator, planned_start=start, planned_end=end, extent=25
    )
    assert Placement.objects.get(pk=second.pk).extent == 25


def test_change_plan_of_an_active_placement_cannot_end_before_it_started(coordinator):
    placement = _placement(S.ACTIVE)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_change_plan(
            placement=placement,
            user=coordinator,
            planned_start=placement.planned_start - 90 * DAY,
            planned_end=placement.start_date - DAY,
            extent=50,
        )
    assert "planned_end" in caught.value.message_dict
    assert Placement.objects.get().planned_end == placement.planned_end


def test_change_plan_of_a_proposal_cannot_move_the_start_into_the_past(coordinator):
    placement = _placement(S.PROPOSED)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_change_plan(
            placement=placement,
            user=coordinator,
            planned_start=TODAY - DAY,
            planned_end=placement.planned_end,
            extent=50,
        )
    assert "planned_start" in caught.value.message_dict


@pytest.mark.parametrize("status", [S.PROPOSED, S.ACCEPTED])
def test_change_plan_cannot_move_a_pending_start_before_the_offer_is_free(coordinator, status):
    offer = TrainingOfferFactory(capacity=3, free_from=TODAY + 7 * DAY)
    placement = _placement(status, offer=offer)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_change_plan(
            placement=placement,
            user=coordinator,
            planned_start=TODAY + 6 * DAY,
            planned_end=placement.planned_end,
            extent=placement.extent,
        )
    assert caught.value.message_dict["planned_start"] == [
        f"Platsen är ledig först från {TODAY + 7 * DAY}."
    ]
    assert Placement.objects.get().planned_start == TODAY + 7 * DAY
    # Moving it later (still from the free-from day on) is fine.
    lifecycle.placement_change_plan(
        placement=placement,
        user=coordinator,
        planned_start=TODAY + 8 * DAY,
        planned_end=placement.planned_end,
        extent=placement.extent,
    )
    assert Placement.objects.get().planned_start == TODAY + 8 * DAY


@pytest.mark.parametrize("status", [S.DECLINED, S.WITHDRAWN, S.COMPLETED, S.INTERRUPTED])
def test_change_plan_of_a_placement_that_holds_no_place_is_refused(coordinator, status):
    placement = _placement(status)
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.placement_change_plan(
            placement=placement,
            user=coordinator,
            planned_start=TODAY + DAY,
            planned_end=TODAY + 30 * DAY,
            extent=50,
        )


# --- follow-ups -------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.PROPOSED, S.DECLINED, S.WITHDRAWN])
def test_follow_up_needs_a_placement_that_happened(coordinator, status):
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.follow_up_record(placement=_placement(status), user=coordinator, date=TODAY)
    assert not FollowUpMeeting.objects.exists()


def test_follow_up_is_recorded_with_one_audit_row(coordinator):
    placement = _placement(S.ACTIVE)
    meeting = lifecycle.follow_up_record(
        placement=placement,
        user=coordinator,
        date=TODAY,
        notes="Går bra",
        next_meeting=TODAY + 30 * DAY,
    )
    assert meeting.recorded_by == coordinator
    assert AuditLog.objects.get().object_id == str(placement.pk)
    with pytest.raises(ValidationError):
        lifecycle.follow_up_record(
            placement=placement, user=coordinator, date=TODAY, next_meeting=TODAY - DAY
        )


@pytest.mark.parametrize("status", [S.WITHDRAWN, S.ACCEPTED, S.DECLINED])
def test_declining_what_is_no_longer_a_proposal_says_so_before_the_reason(manager, status):
    placement = _placement(status)
    for reason, note in (("", ""), ("other", "")):
        with pytest.raises(lifecycle.TransitionError) as caught:
            lifecycle.placement_decline(placement=placement, user=manager, reason=reason, note=note)
        assert "kan inte bli avböjd" in " ".join(caught.value.messages)
    assert Placement.objects.get().status == status
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize(
    ("status", "steps"),
    [
        ("proposed", {"withdraw", "change_plan"}),
        ("accepted", {"withdraw", "start", "change_plan", "follow_up"}),
        ("active", {"end", "change_plan", "follow_up"}),
        ("declined", set()),
        ("withdrawn", set()),
        ("completed", {"follow_up"}),
        ("interrupted", {"follow_up"}),
    ],
)
def test_allowed_steps_is_the_one_answer_for_every_status(status, steps):
    from placements.models import Placement
    from placements.services.lifecycle import allowed_steps

    assert allowed_steps(Placement(status=status)) == steps


# --- dates: nothing of a placement happens before it was proposed or before its enrolment --


def _proposed_days_ago(days: int, status: str = S.ACCEPTED, **extra) -> Placement:
    placement = _placement(status, **extra)
    Placement.objects.filter(pk=placement.pk).update(proposed_at=timezone.now() - days * DAY)
    return Placement.objects.get(pk=placement.pk)


@pytest.mark.parametrize(
    ("start", "agreed", "field", "words"),
    [
        # QA's case: before the enrolment (and the proposal, the offer, the birth).
        (datetime.date(1900, 1, 1), datetime.date(1900, 1, 1), "start_date", "skrevs in"),
        (TODAY - 11 * DAY, TODAY - 12 * DAY, "start_date", "föreslogs"),  # the day before
        (TODAY, TODAY - 11 * DAY, "agreement_date", "föreslogs"),  # agreed before a proposal
    ],
)
def test_a_placement_cannot_start_or_be_agreed_before_it_was_proposed(
    coordinator, start, agreed, field, words
):
    placement = _proposed_days_ago(10)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_start(
            placement=placement,
            user=coordinator,
            **_agreement(start_date=start, agreement_date=agreed),
        )
    assert words in " ".join(caught.value.message_dict[field])
    assert Placement.objects.get().status == S.ACCEPTED
    assert not AuditLog.objects.exists()


def test_a_placement_may_start_on_the_day_it_was_proposed(coordinator):
    placement = _proposed_days_ago(10)
    lifecycle.placement_start(
        placement=placement,
        user=coordinator,
        **_agreement(start_date=TODAY - 10 * DAY, agreement_date=TODAY - 10 * DAY),
    )
    assert Placement.objects.get().start_date == TODAY - 10 * DAY


def test_a_placement_starts_within_its_enrolment(coordinator):
    placement = _placement(S.ACCEPTED)
    enrolment = placement.enrolment
    type(enrolment).objects.filter(pk=enrolment.pk).update(start_date=TODAY + 3 * DAY)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_start(
            placement=placement, user=coordinator, **_agreement(start_date=TODAY + 2 * DAY)
        )
    assert enrolment.insats.name in " ".join(caught.value.message_dict["start_date"])
    type(enrolment).objects.filter(pk=enrolment.pk).update(
        start_date=TODAY - 100 * DAY, end_date=TODAY - DAY, end_reason="planned", outcome="work"
    )
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_start(placement=placement, user=coordinator, **_agreement())
    assert "avslutades" in " ".join(caught.value.message_dict["start_date"])
    assert Placement.objects.get().status == S.ACCEPTED


def test_a_proposal_is_planned_within_its_enrolment(coordinator):
    participant = EnrolledParticipantFactory(sharing=True, start_date=TODAY + 30 * DAY)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_propose(
            participant=participant,
            offer=TrainingOfferFactory(),
            user=coordinator,
            planned_start=TODAY + DAY,
            planned_end=TODAY + 90 * DAY,
            extent=50,
        )
    assert "skrevs in" in " ".join(caught.value.message_dict["planned_start"])
    assert not Placement.objects.exists()


def test_change_plan_cannot_move_an_active_start_before_the_proposal(coordinator):
    placement = _proposed_days_ago(40, S.ACTIVE)
    with pytest.raises(ValidationError) as caught:
        lifecycle.placement_change_plan(
            placement=placement,
            user=coordinator,
            planned_start=TODAY - 41 * DAY,
            planned_end=TODAY + 30 * DAY,
            extent=50,
        )
    assert "föreslogs" in " ".join(caught.value.message_dict["planned_start"])
    # Its planned start as it was (the day it started) is kept when only the end moves.
    lifecycle.placement_change_plan(
        placement=placement,
        user=coordinator,
        planned_start=placement.planned_start,
        planned_end=TODAY + 30 * DAY,
        extent=50,
    )


# --- an acceptance holds the place until its expires_on; a start is no later -------------


def test_an_accepted_placement_cannot_start_after_its_acceptance_lapsed(coordinator):
    placement = _proposed_days_ago(30, planned_start=TODAY - 20 * DAY, expires_on=TODAY - 6 * DAY)
    for start in (TODAY, TODAY - 5 * DAY):  # today, and the day after the last day
        with pytest.raises(ValidationError) as caught:
            lifecycle.placement_start(
                placement=placement,
                user=coordinator,
                **_agreement(start_date=start, agreement_date=TODAY - 20 * DAY),
            )
        assert "gällde till" in " ".join(caught.value.message_dict["start_date"])
    assert Placement.objects.get().status == S.ACCEPTED
    assert not AuditLog.objects.exists()


def test_a_start_while_the_acceptance_held_may_be_registered_afterwards(coordinator):
    placement = _proposed_days_ago(30, planned_start=TODAY - 20 * DAY, expires_on=TODAY - 6 * DAY)
    lifecycle.placement_start(
        placement=placement,
        user=coordinator,
        **_agreement(start_date=TODAY - 6 * DAY, agreement_date=TODAY - 20 * DAY),
    )
    assert Placement.objects.get().start_date == TODAY - 6 * DAY


def test_a_put_off_start_moves_the_acceptance_along(coordinator):
    placement = _placement(S.ACCEPTED)  # planned start in a week, accepted until 14 days
    lifecycle.placement_change_plan(
        placement=placement,
        user=coordinator,
        planned_start=TODAY + 40 * DAY,
        planned_end=TODAY + 180 * DAY,
        extent=50,
    )
    assert Placement.objects.get().expires_on == TODAY + 54 * DAY
    # It holds its new dates after the old acceptance would have lapsed.
    held = Placement.objects.holding_between(
        TODAY + 40 * DAY, TODAY + 41 * DAY, today=TODAY + 30 * DAY
    )
    assert list(held) == [placement]
    lifecycle.placement_start(
        placement=placement, user=coordinator, **_agreement(start_date=TODAY + 40 * DAY)
    )
    assert Placement.objects.get(pk=placement.pk).status == S.ACTIVE
    # A proposal's date is the enterprise's answer date: a new plan leaves it.
    proposal = _placement(S.PROPOSED)
    lifecycle.placement_change_plan(
        placement=proposal,
        user=coordinator,
        planned_start=TODAY + 40 * DAY,
        planned_end=TODAY + 180 * DAY,
        extent=50,
    )
    assert Placement.objects.get(pk=proposal.pk).expires_on == TODAY + 14 * DAY


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"date": datetime.date(1900, 1, 1)}, "date", "skrevs in"),
        ({"date": TODAY - 11 * DAY}, "date", "föreslogs"),
        ({"date": TODAY + DAY}, "date", "hållits"),
        ({"date": TODAY, "next_meeting": TODAY + 367 * DAY}, "next_meeting", "ett år"),
    ],
)
def test_a_follow_up_is_held_between_the_proposal_and_today(coordinator, values, field, words):
    placement = _proposed_days_ago(10, S.ACTIVE)
    with pytest.raises(ValidationError) as caught:
        lifecycle.follow_up_record(placement=placement, user=coordinator, **values)
    assert words in " ".join(caught.value.message_dict[field])
    assert not FollowUpMeeting.objects.exists()
    lifecycle.follow_up_record(
        placement=placement, user=coordinator, date=TODAY - 10 * DAY, next_meeting=TODAY + 356 * DAY
    )
