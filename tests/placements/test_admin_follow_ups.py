"""Follow-up meetings written in the admin keep the service's date rules
(`lifecycle.check_follow_up_dates`): a meeting is held by today, not before the
placement was proposed or the participant's enrolment began, and plans the next at
most a year later. Refused dates are errors on the admin form, with what was typed
kept; nothing is saved, never a 500. On the meeting's own admin (add and change) and
on the placement's page (the inline)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participants.choices import EndReason, Outcome
from placements.models import FollowUpMeeting, Placement, PlacementStatus
from samordning.models import User
from tests.factories import FollowUpMeetingFactory, PlacementFactory
from tests.helpers import submitted_form

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate()
PROPOSED_DAYS_AGO = 10

REFUSED = [
    # (date, next meeting, field, words of the message)
    (datetime.date(1900, 1, 2), "", "date", "skrevs in"),  # before the enrolment
    (TODAY - (PROPOSED_DAYS_AGO + 1) * DAY, "", "date", "föreslogs"),  # the day before
    (TODAY + DAY, "", "date", "hållits"),  # not held yet
    (TODAY, TODAY + 367 * DAY, "next_meeting", "ett år"),
]
IDS = ["before-enrolment", "before-proposal", "future", "next-too-late"]


@pytest.fixture
def office(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def placement() -> Placement:
    """An active placement proposed ten days ago, in an enrolment from 2024."""
    made = PlacementFactory(
        status=PlacementStatus.ACTIVE,
        planned_start=TODAY - 5 * DAY,
        start_date=TODAY - 5 * DAY,
        planned_end=TODAY + 100 * DAY,
        agreement_date=TODAY - 6 * DAY,
    )
    Placement.objects.filter(pk=made.pk).update(
        proposed_at=timezone.now() - PROPOSED_DAYS_AGO * DAY
    )
    return Placement.objects.get(pk=made.pk)


def _meeting_data(placement: Placement, date: Any, next_meeting: Any) -> dict[str, Any]:
    return {
        "placement": placement.pk,
        "date": str(date),
        "next_meeting": str(next_meeting),
        "attendees": "Deltagare, handledare",
        "notes": "Skrivet i admin",
        "recorded_by": "",
    }


def _refused(response: Any, form: Any, field: str, words: str, typed: str) -> None:
    assert response.status_code == 200
    assert words in " ".join(form.errors[field])
    assert f'value="{typed}"' in response.text  # what was typed is shown again


@pytest.mark.parametrize(("date", "next_meeting", "field", "words"), REFUSED, ids=IDS)
def test_the_meeting_admin_refuses_what_the_service_refuses(
    office: Client, placement: Placement, date: Any, next_meeting: Any, field: str, words: str
) -> None:
    add = reverse("admin:placements_followupmeeting_add")
    response = office.post(add, _meeting_data(placement, date, next_meeting))
    typed = str(next_meeting if field == "next_meeting" else date)
    _refused(response, response.context["adminform"].form, field, words, typed)
    assert not FollowUpMeeting.objects.exists()

    held = FollowUpMeetingFactory(placement=placement, date=TODAY - 2 * DAY, next_meeting=None)
    change = reverse("admin:placements_followupmeeting_change", args=[held.pk])
    response = office.post(change, _meeting_data(placement, date, next_meeting))
    _refused(response, response.context["adminform"].form, field, words, typed)
    held.refresh_from_db()
    assert (held.date, held.next_meeting) == (TODAY - 2 * DAY, None)


def test_the_meeting_admin_saves_a_meeting_the_service_would(
    office: Client, placement: Placement
) -> None:
    """The control: the first and last days allowed are saved."""
    add = reverse("admin:placements_followupmeeting_add")
    first = TODAY - PROPOSED_DAYS_AGO * DAY
    response = office.post(add, _meeting_data(placement, first, first + 366 * DAY))
    assert response.status_code == 302
    response = office.post(add, _meeting_data(placement, TODAY, ""))
    assert response.status_code == 302
    assert sorted(FollowUpMeeting.objects.values_list("date", flat=True)) == [first, TODAY]


def _placement_page(office: Client, placement: Placement) -> tuple[str, dict[str, list[str]]]:
    url = reverse("admin:placements_placement_change", args=[placement.pk])
    page = office.get(url)
    assert page.status_code == 200
    return url, submitted_form(page.text)


@pytest.mark.parametrize(("date", "next_meeting", "field", "words"), REFUSED, ids=IDS)
def test_the_placement_page_refuses_a_new_meeting_the_service_refuses(
    office: Client, placement: Placement, date: Any, next_meeting: Any, field: str, words: str
) -> None:
    url, data = _placement_page(office, placement)
    data["follow_ups-TOTAL_FORMS"] = ["1"]
    for name, value in _meeting_data(placement, date, next_meeting).items():
        if name != "placement":
            data[f"follow_ups-0-{name}"] = [value]
    response = office.post(url, data)
    inline = response.context["inline_admin_formsets"][0].formset
    typed = str(next_meeting if field == "next_meeting" else date)
    _refused(response, inline.forms[0], field, words, typed)
    assert not FollowUpMeeting.objects.exists()

    # The control: the same form with an allowed meeting is saved.
    data["follow_ups-0-date"] = [str(TODAY)]
    data["follow_ups-0-next_meeting"] = [str(TODAY + 30 * DAY)]
    assert office.post(url, data).status_code == 302
    assert FollowUpMeeting.objects.get().date == TODAY


@pytest.mark.parametrize(("date", "next_meeting", "field", "words"), REFUSED, ids=IDS)
def test_the_placement_page_refuses_moving_a_meeting_where_the_service_would_not_record_it(
    office: Client, placement: Placement, date: Any, next_meeting: Any, field: str, words: str
) -> None:
    held = FollowUpMeetingFactory(placement=placement, date=TODAY - 2 * DAY, next_meeting=None)
    url, data = _placement_page(office, placement)
    assert data["follow_ups-0-id"] == [str(held.pk)]
    data["follow_ups-0-date"] = [str(date)]
    data["follow_ups-0-next_meeting"] = [str(next_meeting)]
    response = office.post(url, data)
    inline = response.context["inline_admin_formsets"][0].formset
    typed = str(next_meeting if field == "next_meeting" else date)
    _refused(response, inline.forms[0], field, words, typed)
    held.refresh_from_db()
    assert (held.date, held.next_meeting) == (TODAY - 2 * DAY, None)


def test_a_meeting_whose_dates_are_untouched_is_not_judged_again(
    office: Client, placement: Placement
) -> None:
    """A row written before the rules (here: before the proposal) can still have its
    notes corrected, on its own page and on the placement's."""
    old = FollowUpMeetingFactory(placement=placement, date=TODAY - 30 * DAY, next_meeting=None)
    change = reverse("admin:placements_followupmeeting_change", args=[old.pk])
    data = _meeting_data(placement, old.date, "")
    data["notes"] = "Rättad anteckning"
    assert office.post(change, data).status_code == 302
    url, page_data = _placement_page(office, placement)
    page_data["follow_ups-0-notes"] = ["Rättad igen"]
    assert office.post(url, page_data).status_code == 302
    old.refresh_from_db()
    assert (old.date, old.notes) == (TODAY - 30 * DAY, "Rättad igen")


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (PlacementStatus.PROPOSED, "blivit av"),
        (PlacementStatus.DECLINED, "blivit av"),
        (PlacementStatus.COMPLETED, "samtyckt"),  # ended; the person gave no such consent
    ],
)
def test_the_meeting_admin_refuses_a_placement_the_service_would_not_follow_up(
    office: Client, placement: Placement, status: str, words: str
) -> None:
    """A new meeting keeps the service's status and consent rule, not only its dates."""
    fields: dict[str, Any] = {"status": status}
    if status == PlacementStatus.COMPLETED:
        fields.update(
            end_date=TODAY - DAY, end_reason=EndReason.values[0], outcome=Outcome.values[0]
        )
    Placement.objects.filter(pk=placement.pk).update(**fields)
    add = reverse("admin:placements_followupmeeting_add")
    response = office.post(add, _meeting_data(placement, TODAY, ""))
    assert response.status_code == 200
    assert words in " ".join(response.context["adminform"].form.non_field_errors())
    assert not FollowUpMeeting.objects.exists()


def test_an_older_meeting_can_have_its_next_meeting_corrected(
    office: Client, placement: Placement
) -> None:
    """A row from before the rules (here: before the proposal) is judged only by the
    one-year rule when its next meeting alone changes."""
    old = FollowUpMeetingFactory(placement=placement, date=TODAY - 30 * DAY, next_meeting=None)
    change = reverse("admin:placements_followupmeeting_change", args=[old.pk])
    assert (
        office.post(change, _meeting_data(placement, old.date, TODAY + 7 * DAY)).status_code == 302
    )
    old.refresh_from_db()
    assert old.next_meeting == TODAY + 7 * DAY
    # The one-year rule still holds for it.
    response = office.post(change, _meeting_data(placement, old.date, old.date + 400 * DAY))
    _refused(
        response,
        response.context["adminform"].form,
        "next_meeting",
        "ett år",
        str(old.date + 400 * DAY),
    )
