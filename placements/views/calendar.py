"""The calendar feed: the one page opened by a secret token instead of a login."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from placements.calendar import calendar_ics
from samordning import policy
from samordning.audit import audit_record
from samordning.feeds import calendar_feed_for
from samordning.http import read_only
from samordning.models import AuditAction, CalendarFeed


@login_not_required
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed of the token's owner. Unknown or revoked token: 404. One
    token is answered at most once per CALENDAR_FEED_MIN_INTERVAL seconds (429).
    Each read writes one audit row, without the token and without personal data."""
    feed = calendar_feed_for(token)
    if feed is None or not policy.can(feed.user, policy.Perm.CALENDAR_FEED):
        raise Http404
    if refused := read_only(request):
        return refused
    now = timezone.now()
    pause = datetime.timedelta(seconds=settings.CALENDAR_FEED_MIN_INTERVAL)
    if pause and feed.last_read_at and now - feed.last_read_at < pause:
        response = HttpResponse(status=429)
        response["Retry-After"] = str(settings.CALENDAR_FEED_MIN_INTERVAL)
        return response
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
    body, count = calendar_ics(feed.user)
    audit_record(
        user=feed.user,
        action=AuditAction.VIEW,
        obj=feed,
        request=request,
        path="/kalender/…",
        detail=f"calendar feed: {count} events (placement numbers and dates)",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="samordning.ics"'
    return response
