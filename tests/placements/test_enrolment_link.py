"""One truth for outcomes: every placement belongs to one of its participant's
enrolments, and a placement that ends in work or studies can end that enrolment
in the same step, so the funder's outcome figures (which count enrolments) and
the placement outcomes cannot disagree."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from participants.choices import WORK_OR_STUDIES
from participants.models import Enrolment
from placements.models import Placement, PlacementStatus
from placements.services import lifecycle
from reports import queries
from reports.catalogue import Report
from reports.queries import Period
from tests.factories import (
    EnrolledParticipantFactory,
    EnrolmentFactory,
    InsatsFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
)

pytestmark = pytest.mark.django_db

S = PlacementStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _propose(participant, user, **extra):
    return lifecycle.placement_propose(
        participant=participant,
        offer=TrainingOfferFactory(capacity=5),
        user=user,
        planned_start=TODAY + DAY,
        planned_end=TODAY + 90 * DAY,
        extent=50,
        **extra,
    )


def _active(participant=None, **extra) -> Placement:
    participant = participant or EnrolledParticipantFactory(start_date=TODAY - 60 * DAY)
    return PlacementFactory(
        participant=participant,
        status=S.ACTIVE,
        planned_start=TODAY - 30 * DAY,
        start_date=TODAY - 30 * DAY,
        planned_end=TODAY + 60 * DAY,
        offer=TrainingOfferFactory(capacity=3),
        **extra,
    )


def test_a_proposal_belongs_to_the_open_enrolment_by_default(coordinator):
    participant = EnrolledParticipantFactory(sharing=True)
    placement = _propose(participant, coordinator)
    assert placement.enrolment == participant.enrolments.get()


def test_a_proposal_without_an_open_enrolment_is_refused(coordinator):
    participant = ParticipantFactory(sharing=True)
    EnrolmentFactory(
        participant=participant, end_date=datetime.date(2024, 6, 1), end_reason="planned"
    )
    with pytest.raises(ValidationError) as error:
        _propose(participant, coordinator)
    assert "enrolment" in error.value.message_dict
    assert not Placement.objects.exists()


def test_a_proposal_in_someone_elses_or_an_ended_enrolment_is_refused(coordinator):
    participant = EnrolledParticipantFactory(sharing=True)
    other = EnrolmentFactory()
    ended = EnrolmentFactory(
        participant=participant, end_date=datetime.date(2024, 6, 1), end_reason="planned"
    )
    for enrolment in (other, ended):
        with pytest.raises(ValidationError) as error:
            _propose(participant, coordinator, enrolment=enrolment)
        assert "enrolment" in error.value.message_dict
    assert not Placement.objects.exists()


def test_a_placement_in_someone_elses_enrolment_is_invalid():
    placement = PlacementFactory.build(
        participant=ParticipantFactory(), enrolment=EnrolmentFactory(), offer=TrainingOfferFactory()
    )
    with pytest.raises(ValidationError) as error:
        placement.clean()
    assert "enrolment" in error.value.message_dict


def test_ending_in_work_can_end_the_enrolment_with_the_same_outcome(coordinator):
    placement = _active()
    lifecycle.placement_end(
        placement=placement,
        user=coordinator,
        end_date=TODAY,
        end_reason="planned",
        outcome="work",
        end_enrolment=True,
    )
    enrolment = Enrolment.objects.get(pk=placement.enrolment_id)
    assert (enrolment.end_date, enrolment.end_reason, enrolment.outcome) == (
        TODAY,
        "planned",
        "work",
    )


def test_without_the_choice_the_enrolment_stays_open(coordinator):
    placement = _active()
    lifecycle.placement_end(
        placement=placement, user=coordinator, end_date=TODAY, end_reason="planned", outcome="work"
    )
    assert Enrolment.objects.get(pk=placement.enrolment_id).end_date is None


def test_only_work_or_studies_ends_the_enrolment_here(coordinator):
    placement = _active()
    with pytest.raises(ValidationError) as error:
        lifecycle.placement_end(
            placement=placement,
            user=coordinator,
            end_date=TODAY,
            end_reason="ill_health",
            outcome="ill_health",
            end_enrolment=True,
        )
    assert "end_enrolment" in error.value.message_dict
    placement.refresh_from_db()
    assert placement.status == S.ACTIVE


def test_a_refused_enrolment_end_leaves_the_placement_running(coordinator):
    # Another placement of the same person is still active: the enrolment may not
    # end, and the whole step is undone.
    placement = _active()
    _active(placement.participant, enrolment=placement.enrolment)
    with pytest.raises(ValidationError) as error:
        lifecycle.placement_end(
            placement=placement,
            user=coordinator,
            end_date=TODAY,
            end_reason="planned",
            outcome="studies",
            end_enrolment=True,
        )
    assert "end_enrolment" in error.value.message_dict
    placement.refresh_from_db()
    assert placement.status == S.ACTIVE
    assert placement.enrolment.end_date is None


def test_the_end_form_ends_both(client, coordinator):
    placement = _active(EnrolledParticipantFactory(coordinators=[coordinator]))
    client.force_login(coordinator)
    response = client.post(
        reverse("placements:placement-end", args=[placement.pk]),
        {
            "end-end_date": TODAY.isoformat(),
            "end-end_reason": "planned",
            "end-outcome": "studies",
            "end-end_enrolment": "on",
        },
    )
    assert response.status_code == 302
    assert Enrolment.objects.get(pk=placement.enrolment_id).outcome == "studies"


def test_the_funders_outcomes_and_the_placement_outcomes_never_disagree(coordinator, settings):
    """Placements end in every work-or-studies outcome, with the enrolment, in one step;
    the funder's outcome table counts exactly those outcomes."""
    settings.STATISTICS_PERTURBATION = False  # compare exact figures
    insats = InsatsFactory(name="Arbetsträning ASF")
    outcomes = [*WORK_OR_STUDIES, *WORK_OR_STUDIES[:2]]
    for outcome in outcomes:
        participant = EnrolledParticipantFactory(
            start_date=TODAY - 60 * DAY, enrolment__insats=insats
        )
        lifecycle.placement_end(
            placement=_active(participant),
            user=coordinator,
            end_date=TODAY,
            end_reason="planned",
            outcome=outcome,
            end_enrolment=True,
        )
    period = Period(TODAY.replace(month=1, day=1), TODAY.replace(month=12, day=31), "i år")
    funder = {code: t.n for code, t in queries.outcome_counts(period).items()}
    placed = Counter(
        Placement.objects.filter(status__in=[S.COMPLETED], outcome__in=WORK_OR_STUDIES)
        .values_list("outcome", flat=True)
        .order_by()
    )
    assert funder == dict(placed)
    # Every ended placement's enrolment says what the placement says.
    for placement in Placement.objects.select_related("enrolment"):
        assert placement.enrolment.participant_id == placement.participant_id
        assert placement.enrolment.outcome == placement.outcome
    # And the funder's table adds them up the same way.
    work_row = Report(period, insats=insats).work_or_studies().export_rows()[0]
    assert work_row[1] == len(outcomes)
