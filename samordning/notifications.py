"""Notifications: a row written with the event, a mail sent by the worker after commit.

`notification_create` is called inside the transaction that makes the event (a
proposal, an answer ...), so the row exists exactly when the event does; on commit it
enqueues the task `send_notification` (below), and the request never waits for SMTP.
`notification_send` claims the row for a short lease (one UPDATE: two workers cannot
both claim it), sends, and marks it sent; a row already sent is left alone, so sending
one notification twice sends one mail. A failed send is tried again after a growing
pause by the periodic sweep (`notifications_retry`); a worker killed while holding the
lease frees the row when the lease runs out. The one window left is a worker killed
after the SMTP server took the mail and before the row was marked sent: that mail may
go out twice (at-least-once), never not at all.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from samordning.models import Notification, NotificationKind, NotificationOptOut, User

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """A link for a mail or a feed: the site's public address and `path`."""
    return f"{settings.SITE_URL}{path}"


def opted_out(user: User, kind: str) -> bool:
    return NotificationOptOut.objects.filter(user=user, kind=kind).exists()


def notification_create(
    *, recipient: User, kind: str, key: str, subject: str, body: str, url: str = ""
) -> Notification | None:
    """Write one notification for `recipient` (in the caller's transaction) and send it
    after commit. None if the user has turned this kind off or has no address; the
    existing row if `key` was written before (an event is told once)."""
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    if not recipient.is_active or not recipient.email or opted_out(recipient, kind):
        return None
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    notification = Notification(
        recipient=recipient,
        kind=kind,
        key=key,
        subject=subject[:200],
        body=body,
        url=url[:300],
    )
    notification.full_clean()
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        # The same key written at the same moment by someone else: theirs stands.
        return Notification.objects.get(key=key)
    transaction.on_commit(lambda: enqueue_send(notification.pk))
    return notification


def enqueue_send(notification_id: int) -> None:
    """Put the sending on the task queue. A queue that fails here loses nothing:
    the row is unsent, and the sweep enqueues it again."""
    try:
        send_notification.enqueue(notification_id)
    except Exception:
        logger.exception("Could not enqueue notification %s; the sweep will", notification_id)


def _backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4 ... minutes after the attempts so far, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def notification_send(notification_id: int) -> bool:
    """Send one notification unless it has been sent or another worker holds it.
    True if this call sent the mail."""
    now = timezone.now()
    lease = now + datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    claimed = (
        Notification.objects.filter(pk=notification_id, sent_at__isnull=True)
        .exclude(locked_until__gte=now)
        .update(locked_until=lease)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        to=[notification.recipient.email],
        headers={"Message-ID": f"<notification-{notification.pk}@samordning>"},
    )
    try:
        message.send()
    except Exception as error:
        attempts = notification.attempts + 1
        Notification.objects.filter(pk=notification_id).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:300],
            next_attempt_at=timezone.now() + _backoff(attempts),
            locked_until=None,
        )
        logger.warning(
            "Notification %s not sent (attempt %s): %s", notification_id, attempts, error
        )
        return False
    Notification.objects.filter(pk=notification_id).update(
        sent_at=timezone.now(), attempts=notification.attempts + 1, last_error="", locked_until=None
    )
    return True


@task()
def send_notification(notification_id: int) -> bool:
    """The worker's task: send one notification (a no-op if it has been sent)."""
    return notification_send(notification_id)


def notifications_retry(
    *, now: datetime.datetime | None = None, min_age_seconds: int = 60, limit: int = 500
) -> int:
    """Enqueue the unsent notifications that are due (failed ones after their pause,
    ones whose worker died after the lease, ones whose enqueue was lost). Only rows
    older than `min_age_seconds`, so a fresh one is left to its own task. The number
    enqueued."""
    now = now or timezone.now()
    due = (
        Notification.objects.due(now)
        .filter(created_at__lte=now - datetime.timedelta(seconds=min_age_seconds))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    for pk in ids:
        enqueue_send(pk)
    return len(ids)


def notification_kinds_wanted(user: User) -> list[str]:
    """The kinds `user` gets mail about (all but those turned off)."""
    off = set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return [kind for kind in NotificationKind.values if kind not in off]


@transaction.atomic
def notification_preferences_set(*, user: User, wanted: Iterable[str]) -> None:
    """Turn off every kind not in `wanted`, turn on those in it."""
    wanted = set(wanted)
    unknown = wanted - set(NotificationKind.values)
    if unknown:
        raise ValidationError(_("Okänd typ av avisering."))
    NotificationOptOut.objects.filter(user=user, kind__in=wanted).delete()
    for kind in NotificationKind.values:
        if kind not in wanted:
            NotificationOptOut.objects.get_or_create(user=user, kind=kind)
