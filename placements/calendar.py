"""The iCalendar feed of a coordinator's or manager's dates (icalendar).

Planned starts and ends and the last day to answer a proposal, for the placements
in the user's scope (`Placement.objects.visible_to`); follow-up meetings (held and
next) for the coordinator's side only (`in_caseload_of`): an enterprise never sees
follow-ups (docs/security.md), least of all those after the end, which are between
the coordinator and the person under the follow-up consent. Every event names the
placement by its number and links to it: no names, no notes, nothing about the
person. The window (CALENDAR_FEED_PAST_DAYS back, CALENDAR_FEED_FUTURE_DAYS ahead)
and CALENDAR_FEED_MAX_EVENTS bound the answer's size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from placements.models import FollowUpMeeting, Placement, PlacementStatus, unexpired
from samordning import policy
from samordning.models import User
from samordning.notifications import absolute_url

S = PlacementStatus


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    day: datetime.date
    summary: str
    url: str


def _coordinator_side(user: User, placement_ids: set[int]) -> set[int]:
    """Which of these placements the user opens on the coordinator's page: all for an
    admin or a coordinator only, none for a manager only; a user with both roles gets
    the coordinator's page for their caseload and the enterprise's for the rest (the
    coordinator's page of another coordinator's participant is a 404 to them)."""
    if policy.is_admin(user) or not policy.is_manager(user):
        return placement_ids if policy.is_admin(user) or policy.is_coordinator(user) else set()
    if not policy.is_coordinator(user):
        return set()
    caseload = Placement.objects.in_caseload_of(user).filter(pk__in=placement_ids)
    return set(caseload.values_list("pk", flat=True))


def _placement_path(placement_id: int, coordinator_side: set[int]) -> str:
    if placement_id in coordinator_side:
        return reverse("placements:placement-detail", args=[placement_id])
    return reverse("placements:enterprise-placement-detail", args=[placement_id])


def calendar_entries(user: User, *, today: datetime.date) -> list[CalendarEntry]:
    """The user's dates in the window, at most CALENDAR_FEED_MAX_EVENTS, by day."""
    first = today - datetime.timedelta(days=settings.CALENDAR_FEED_PAST_DAYS)
    last = today + datetime.timedelta(days=settings.CALENDAR_FEED_FUTURE_DAYS)
    limit = settings.CALENDAR_FEED_MAX_EVENTS
    scope = Placement.objects.visible_to(user)
    pending = Q(status__in=[S.PROPOSED, S.ACCEPTED]) & unexpired(today)
    rows = list(
        scope.filter(
            (pending & Q(planned_start__range=(first, last)))
            | ((pending | Q(status=S.ACTIVE)) & Q(planned_end__range=(first, last)))
            | (Q(status=S.PROPOSED) & Q(expires_on__range=(first, last)))
        )
        .order_by("pk")
        .values_list("pk", "status", "planned_start", "planned_end", "expires_on")[: limit * 3]
    )
    meetings = list(
        FollowUpMeeting.objects.filter(
            placement__in=Placement.objects.in_caseload_of(user).values("pk")
        )
        .filter(Q(date__range=(first, last)) | Q(next_meeting__range=(first, last)))
        .order_by("pk")
        .values_list("pk", "placement_id", "date", "next_meeting")[:limit]
    )
    coordinator_side = _coordinator_side(user, {row[0] for row in rows})
    # Follow-up meetings are the coordinator's side only (their caseload).
    coordinator_side |= {row[1] for row in meetings}
    entries: list[CalendarEntry] = []
    for pk, status, start, end, expires in rows:
        number = _("arbetsträning nr %(id)s") % {"id": pk}
        url = absolute_url(_placement_path(pk, coordinator_side))
        held = status in (S.PROPOSED, S.ACCEPTED) and (expires is None or expires >= today)
        if held and first <= start <= last:
            summary = _("Planerad start: %(placement)s") % {"placement": number}
            entries.append(CalendarEntry(f"start-{pk}", start, summary, url))
        if (held or status == S.ACTIVE) and first <= end <= last:
            summary = _("Planerat slut: %(placement)s") % {"placement": number}
            entries.append(CalendarEntry(f"end-{pk}", end, summary, url))
        if status == S.PROPOSED and expires is not None and first <= expires <= last:
            summary = _("Sista svarsdag: förslag om %(placement)s") % {"placement": number}
            entries.append(CalendarEntry(f"expiry-{pk}", expires, summary, url))
    for pk, placement_id, date, next_meeting in meetings:
        number = _("arbetsträning nr %(id)s") % {"id": placement_id}
        url = absolute_url(_placement_path(placement_id, coordinator_side))
        summary = _("Uppföljningsmöte: %(placement)s") % {"placement": number}
        if first <= date <= last:
            entries.append(CalendarEntry(f"follow-up-{pk}", date, summary, url))
        if next_meeting is not None and first <= next_meeting <= last:
            entries.append(CalendarEntry(f"next-follow-up-{pk}", next_meeting, summary, url))
    entries.sort(key=lambda entry: (entry.day, entry.uid))
    return entries[:limit]


def calendar_ics(user: User, *, today: datetime.date | None = None) -> tuple[bytes, int]:
    """The feed as iCalendar bytes and the number of events in it."""
    today = today or timezone.localdate()
    stamp = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        entries = calendar_entries(user, today=today)
        calendar = Calendar()
        calendar.add("prodid", "-//Samordning//Kalender//SV")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _("Samordning"))
        for entry in entries:
            event = Event()
            event.add("uid", f"{entry.uid}@samordning")
            event.add("dtstamp", stamp)
            event.add("dtstart", entry.day)
            event.add("dtend", entry.day + datetime.timedelta(days=1))
            event.add("summary", entry.summary)
            event.add("url", entry.url)
            calendar.add_component(event)
    return calendar.to_ical(), len(entries)
