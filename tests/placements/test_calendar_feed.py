"""The calendar feed and "Mina inställningar": a secret address per user, revocable and
renewable, opened without login; only the user's own scope, no names; bounded,
throttled and audit-logged without the token."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from placements.models import PlacementStatus
from samordning.feeds import calendar_feed_issue, calendar_feed_revoke
from samordning.models import AuditLog, CalendarFeed, NotificationOptOut
from samordning.policy import Role
from tests.factories import (
    EnrolledParticipantFactory,
    EnterpriseFactory,
    FollowUpMeetingFactory,
    PlacementFactory,
    TrainingOfferFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = PlacementStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(coordinator, coordinator2, manager, manager2):
    offer = TrainingOfferFactory(enterprise=EnterpriseFactory(managers=[manager]))
    other_offer = TrainingOfferFactory(enterprise=EnterpriseFactory(managers=[manager2]))
    mine = EnrolledParticipantFactory(
        first_name="Ingeborg", last_name="Zetterqvist", coordinators=[coordinator]
    )
    theirs = EnrolledParticipantFactory(
        first_name="Ragnvald", last_name="Öhrström", coordinators=[coordinator2]
    )
    proposed = PlacementFactory(
        participant=mine,
        offer=offer,
        status=S.PROPOSED,
        planned_start=TODAY + 10 * DAY,
        planned_end=TODAY + 100 * DAY,
        expires_on=TODAY + 5 * DAY,
    )
    active = PlacementFactory(
        participant=mine,
        offer=offer,
        status=S.ACTIVE,
        planned_start=TODAY - 20 * DAY,
        start_date=TODAY - 20 * DAY,
        planned_end=TODAY + 40 * DAY,
        extent=25,
    )
    meeting = FollowUpMeetingFactory(
        placement=active, date=TODAY - 3 * DAY, next_meeting=TODAY + 11 * DAY, notes="Mår dåligt"
    )
    other = PlacementFactory(
        participant=theirs,
        offer=other_offer,
        status=S.ACCEPTED,
        planned_start=TODAY + 12 * DAY,
        planned_end=TODAY + 80 * DAY,
        expires_on=TODAY + 30 * DAY,
    )
    return {"proposed": proposed, "active": active, "meeting": meeting, "other": other}


def _feed(client, token: str):
    client.logout()
    return client.get(reverse("calendar-feed", kwargs={"token": token}))


def _events(response) -> dict[str, tuple[datetime.date, str]]:
    calendar = Calendar.from_ical(response.content)
    return {
        str(event["uid"]): (event.decoded("dtstart"), str(event["summary"]))
        for event in calendar.walk("VEVENT")
    }


def test_a_coordinator_s_feed_has_their_dates_and_no_names(client, coordinator, world):
    token = calendar_feed_issue(user=coordinator)
    response = _feed(client, token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    events = _events(response)
    p, a, m = world["proposed"].pk, world["active"].pk, world["meeting"].pk
    assert events == {
        f"start-{p}@samordning": (TODAY + 10 * DAY, f"Planerad start: arbetsträning nr {p}"),
        f"end-{p}@samordning": (TODAY + 100 * DAY, f"Planerat slut: arbetsträning nr {p}"),
        f"expiry-{p}@samordning": (
            TODAY + 5 * DAY,
            f"Sista svarsdag: förslag om arbetsträning nr {p}",
        ),
        f"end-{a}@samordning": (TODAY + 40 * DAY, f"Planerat slut: arbetsträning nr {a}"),
        f"follow-up-{m}@samordning": (TODAY - 3 * DAY, f"Uppföljningsmöte: arbetsträning nr {a}"),
        f"next-follow-up-{m}@samordning": (
            TODAY + 11 * DAY,
            f"Uppföljningsmöte: arbetsträning nr {a}",
        ),
    }
    text = response.content.decode()
    for word in ("Ingeborg", "Zetterqvist", "Ragnvald", "Mår dåligt", "Handledare"):
        assert word not in text
    # Another coordinator's placement is not in it.
    assert f"nr {world['other'].pk}" not in text
    assert f"/arbetstraning/{p}/" in text


def test_a_manager_s_feed_has_their_enterprise_s_dates(client, manager, manager2, world):
    events = _events(_feed(client, calendar_feed_issue(user=manager)))
    numbers = {re.search(r"nr (\d+)", summary).group(1) for _, summary in events.values()}
    assert numbers == {str(world["proposed"].pk), str(world["active"].pk)}
    other = _events(_feed(client, calendar_feed_issue(user=manager2)))
    assert {s for _, s in other.values()} == {
        f"Planerad start: arbetsträning nr {world['other'].pk}",
        f"Planerat slut: arbetsträning nr {world['other'].pk}",
    }
    assert "/arbetstraning/foretag/" in _feed(client, calendar_feed_issue(user=manager)).text


def test_a_manager_s_feed_has_no_follow_up_meetings(client, manager, coordinator, world):
    """Follow-ups are the coordinator's (docs/security.md: a manager never sees them);
    one held months after the end, under the follow-up consent, least of all."""
    active = world["active"]
    ended = PlacementFactory(
        participant=active.participant,
        offer=active.offer,
        status=S.COMPLETED,
        planned_start=TODAY - 300 * DAY,
        start_date=TODAY - 300 * DAY,
        planned_end=TODAY - 200 * DAY,
        end_date=TODAY - 200 * DAY,
        end_reason="planned",
        outcome="work",
    )
    late = FollowUpMeetingFactory(
        placement=ended, date=TODAY - 5 * DAY, next_meeting=TODAY + 30 * DAY
    )
    events = _events(_feed(client, calendar_feed_issue(user=manager)))
    assert not [uid for uid in events if "follow-up" in uid]
    assert f"nr {ended.pk}" not in " ".join(summary for _, summary in events.values())
    # The coordinator's feed keeps them all.
    mine = _events(_feed(client, calendar_feed_issue(user=coordinator)))
    for meeting in (world["meeting"], late):
        assert f"follow-up-{meeting.pk}@samordning" in mine
        assert f"next-follow-up-{meeting.pk}@samordning" in mine


def test_a_user_with_both_roles_gets_links_that_open(client, coordinator2, world):
    """Coordinator and manager at once: their caseload's dates link to the coordinator's
    page, their enterprise's other placements to the enterprise's (the coordinator's page
    of another coordinator's participant is a 404 to them)."""
    both = UserFactory(username="both-roles", roles=[Role.COORDINATOR, Role.MANAGER])
    world["proposed"].offer.enterprise.managers.add(both)
    world["other"].participant.coordinators.add(both)
    links = {
        str(event["uid"]): str(event["url"])
        for event in Calendar.from_ical(_feed(client, calendar_feed_issue(user=both)).content).walk(
            "VEVENT"
        )
    }
    p, a, o = world["proposed"].pk, world["active"].pk, world["other"].pk
    assert links[f"start-{p}@samordning"].endswith(
        reverse("placements:enterprise-placement-detail", args=[p])
    )
    assert links[f"end-{a}@samordning"].endswith(
        reverse("placements:enterprise-placement-detail", args=[a])
    )
    assert links[f"start-{o}@samordning"].endswith(reverse("placements:placement-detail", args=[o]))
    client.force_login(both)
    for url in links.values():
        assert client.get(url.split("testserver", 1)[-1]).status_code == 200, url


def test_a_revoked_or_replaced_token_is_not_found(client, coordinator, world):
    first = calendar_feed_issue(user=coordinator)
    second = calendar_feed_issue(user=coordinator)
    assert _feed(client, first).status_code == 404
    assert _feed(client, second).status_code == 200
    assert calendar_feed_revoke(user=coordinator) is True
    assert _feed(client, second).status_code == 404
    assert _feed(client, "x" * 200).status_code == 404


def test_the_token_is_not_stored(coordinator):
    token = calendar_feed_issue(user=coordinator)
    feed = CalendarFeed.objects.get(user=coordinator)
    assert token not in feed.token_hash
    assert len(token) >= 40


def test_a_deactivated_user_s_feed_is_not_found(client, coordinator, world):
    token = calendar_feed_issue(user=coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert _feed(client, token).status_code == 404


def test_a_read_is_audit_logged_without_the_token(client, coordinator, world):
    token = calendar_feed_issue(user=coordinator)
    _feed(client, token)
    row = AuditLog.objects.get(object_type="samordning.calendarfeed")
    assert row.user == coordinator
    assert row.action == "view"
    assert row.subjects == ""
    assert token not in row.path and token not in row.detail
    assert "6 events" in row.detail


def test_a_feed_refuses_post(client, coordinator, world):
    token = calendar_feed_issue(user=coordinator)
    client.logout()
    assert client.post(reverse("calendar-feed", kwargs={"token": token})).status_code == 405


def test_reads_are_throttled_per_token(client, coordinator, world, settings):
    settings.CALENDAR_FEED_MIN_INTERVAL = 60
    token = calendar_feed_issue(user=coordinator)
    assert _feed(client, token).status_code == 200
    refused = _feed(client, token)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert AuditLog.objects.filter(object_type="samordning.calendarfeed").count() == 1


def test_the_feed_is_bounded(client, coordinator, world, settings):
    settings.CALENDAR_FEED_MAX_EVENTS = 2
    assert len(_events(_feed(client, calendar_feed_issue(user=coordinator)))) == 2
    settings.CALENDAR_FEED_MAX_EVENTS = 1000
    settings.CALENDAR_FEED_FUTURE_DAYS = 7
    settings.CALENDAR_FEED_PAST_DAYS = 1
    events = _events(_feed(client, calendar_feed_issue(user=coordinator)))
    assert {day for day, _ in events.values()} == {TODAY + 5 * DAY}


def test_the_feed_s_queries_do_not_grow_with_its_events(
    client, coordinator, world, django_assert_max_num_queries
):
    for _ in range(15):
        placement = PlacementFactory(
            participant=world["proposed"].participant,
            offer=world["proposed"].offer,
            status=S.ACTIVE,
            planned_start=TODAY - 5 * DAY,
            start_date=TODAY - 5 * DAY,
            planned_end=TODAY + 30 * DAY,
            extent=25,
        )
        FollowUpMeetingFactory(placement=placement, date=TODAY)
    token = calendar_feed_issue(user=coordinator)
    client.logout()
    with django_assert_max_num_queries(10):
        response = client.get(reverse("calendar-feed", kwargs={"token": token}))
    assert len(_events(response)) > 30


# --- Mina inställningar -------------------------------------------------------------


def test_the_settings_page_makes_shows_once_renews_and_stops_the_address(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("my-settings"))
    assert page.status_code == 200
    assert "<h1" in page.text and "Skapa kalenderadress" in page.text
    response = client.post(reverse("calendar-feed-new"))
    assert response.status_code == 302
    page = client.get(reverse("my-settings")).text
    token = re.search(r"/kalender/([\w-]+)\.ics", page).group(1)
    assert CalendarFeed.objects.filter(user=coordinator).exists()
    # Shown once: not on the next visit.
    assert token not in client.get(reverse("my-settings")).text
    client.post(reverse("calendar-feed-new"))
    assert _feed(client, token).status_code == 404
    client.force_login(coordinator)
    client.post(reverse("calendar-feed-revoke"))
    assert not CalendarFeed.objects.filter(user=coordinator).exists()


def test_the_settings_page_turns_kinds_off_and_on(client, manager):
    client.force_login(manager)
    response = client.post(reverse("my-settings"), {"kinds": ["digest", "place_freed"]})
    assert response.status_code == 302
    off = set(NotificationOptOut.objects.filter(user=manager).values_list("kind", flat=True))
    assert off == {"proposal_made", "proposal_answered", "proposal_withdrawn"}
    page = client.get(reverse("my-settings")).text
    assert re.search(r'value="digest"[^>]*checked', page)
    assert not re.search(r'value="proposal_made"[^>]*checked', page)
    response = client.post(reverse("my-settings"), {"kinds": ["nonsense"]})
    assert response.status_code == 200  # the form again, with its error
    assert NotificationOptOut.objects.filter(user=manager).count() == 3


def test_a_funder_has_mail_settings_but_no_calendar(client, funder):
    client.force_login(funder)
    page = client.get(reverse("my-settings"))
    assert page.status_code == 200
    assert "Skapa kalenderadress" not in page.text
    assert client.post(reverse("calendar-feed-new")).status_code == 403
