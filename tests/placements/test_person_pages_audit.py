"""Every response that names a participant writes one audit row naming them.

The pages that show a form about one person (register a consent, park, withdraw a
consent, propose, queue, the lifecycle steps on the placement page...) are reads like
the participant's page: on GET, and when a POST with a mistake shows the page again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from placements.models import Placement
from tests.factories import (
    EnrolledParticipantFactory,
    EnrolmentFactory,
    InsatsFactory,
    PlacementFactory,
    TrainingOfferFactory,
)
from tests.helpers import audit_rows_about, last_audit_pk

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


class World:
    """One participant of the coordinator's with what each page needs."""

    def __init__(self, coordinator: Any) -> None:
        self.participant = EnrolledParticipantFactory(sharing=True, coordinators=[coordinator])
        self.enrolment = self.participant.enrolments.get()
        self.esf_enrolment = EnrolmentFactory(
            participant=self.participant, insats=InsatsFactory(name="ESF", esf_funded=True)
        )
        self.consent = self.participant.consents.get()
        self.accepted = PlacementFactory(
            participant=self.participant,
            offer=TrainingOfferFactory(capacity=2),
            planned_start=TODAY + 7 * DAY,
            planned_end=TODAY + 90 * DAY,
            expires_on=TODAY + 14 * DAY,
            status="accepted",
        )
        self.active = PlacementFactory(
            participant=self.participant,
            offer=TrainingOfferFactory(capacity=2),
            planned_start=TODAY - 30 * DAY,
            start_date=TODAY - 30 * DAY,
            planned_end=TODAY + 60 * DAY,
            extent=25,
            status="active",
        )


# (url name, its arguments from the world, a POST that the form refuses or None: GET only)
PAGES: list[tuple[str, Callable[[World], list[int]], dict[str, str] | None]] = [
    ("participants:participant-update", lambda w: [w.participant.pk], {"first_name": ""}),
    ("participants:consent-create", lambda w: [w.participant.pk], {"purpose": "nonsense"}),
    ("participants:enrolment-create", lambda w: [w.participant.pk], {"insats": ""}),
    (
        "participants:enrolment-end",
        lambda w: [w.participant.pk, w.enrolment.pk],
        {"end_date": "2027-02-30"},
    ),
    (
        "participants:esf-entry",
        lambda w: [w.participant.pk, w.esf_enrolment.pk],
        {"education": "nonsense"},
    ),
    ("participants:parking-create", lambda w: [w.participant.pk], {"reason": ""}),
    (
        "participants:consent-withdraw",
        lambda w: [w.participant.pk, w.consent.pk],
        {"withdrawn_on": "2027-02-30"},
    ),
    ("placements:placement-propose", lambda w: [w.participant.pk], {"offer": ""}),
    ("placements:waiting-create", lambda w: [w.participant.pk], {"offer": ""}),
    ("placements:placement-detail", lambda w: [w.accepted.pk], None),
    ("placements:placement-start", lambda w: [w.accepted.pk], {"start-start_date": "2027-02-30"}),
    (
        "placements:placement-change-plan",
        lambda w: [w.accepted.pk],
        {"plan-planned_start": "2027-02-30"},
    ),
    ("placements:follow-up-create", lambda w: [w.accepted.pk], {"followup-date": "2027-02-30"}),
    ("placements:placement-end", lambda w: [w.active.pk], {"end-end_date": "2027-02-30"}),
]
# The lifecycle steps answer POST only; their page is the placement's.
LIFECYCLE_FORMS = {
    "placements:placement-start": "start_form",
    "placements:placement-change-plan": "plan_form",
    "placements:follow-up-create": "follow_up_form",
    "placements:placement-end": "end_form",
}
GETS = [(name, args) for name, args, _post in PAGES if name not in LIFECYCLE_FORMS]
POSTS = [(name, args, post) for name, args, post in PAGES if post is not None]


@pytest.fixture
def world(client: Any, coordinator: Any) -> World:
    client.force_login(coordinator)
    return World(coordinator)


@pytest.mark.parametrize(("name", "args"), GETS, ids=[name for name, _ in GETS])
def test_a_page_that_names_the_person_is_a_logged_read(client, world, name, args):
    since = last_audit_pk()
    response = client.get(reverse(name, args=args(world)))
    assert response.status_code == 200
    assert str(world.participant) in response.text  # it does name them
    assert audit_rows_about(world.participant, since) == 1


@pytest.mark.parametrize(("name", "args", "post"), POSTS, ids=[name for name, *_ in POSTS])
def test_a_form_shown_again_with_its_mistakes_is_a_logged_read(client, world, name, args, post):
    before = Placement.objects.order_by("pk").values_list("status", "start_date", "planned_start")
    before = list(before)
    since = last_audit_pk()
    response = client.post(reverse(name, args=args(world)), post)
    assert response.status_code == 200
    assert response.context[LIFECYCLE_FORMS.get(name, "form")].errors
    assert str(world.participant) in response.text
    assert audit_rows_about(world.participant, since) == 1
    after = Placement.objects.order_by("pk").values_list("status", "start_date", "planned_start")
    assert list(after) == before
