"""The core's background tasks (django.tasks; the worker is `manage.py db_worker`)."""

from __future__ import annotations

from django.tasks import task

from samordning.notifications import notification_send


@task()
def send_notification(notification_id: int) -> bool:
    """Send one notification (a no-op if it has been sent)."""
    return notification_send(notification_id)
