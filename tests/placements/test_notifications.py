"""Notifications: the lifecycle's events are mailed once, after commit, to the right
people, without personal data; opting out stops a kind; failed sends are retried."""

from __future__ import annotations

import datetime
import re
import smtplib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from placements.models import PlacementStatus
from placements.notifications import (
    digest_items,
    digest_send,
    digests_send,
    notify_place_freed,
)
from placements.scheduler import Scheduler
from placements.selectors.attention import attention_items
from placements.services import lifecycle
from samordning.models import Notification, NotificationKind, NotificationOptOut
from samordning.notifications import (
    notification_create,
    notification_kinds_wanted,
    notification_preferences_set,
    notification_send,
    notifications_retry,
    send_notification,
)
from tests.factories import (
    EnrolledParticipantFactory,
    EnterpriseFactory,
    PlacementFactory,
    TrainingOfferFactory,
    UserFactory,
    make_personal_number,
)

pytestmark = pytest.mark.django_db

S = PlacementStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
NAME = ("Ingeborg", "Zetterqvist")
SUPPORT = "Hörselnedsättning och epilepsi"


@pytest.fixture
def cast(coordinator, manager, manager2):
    """A coordinator's participant (a distinctive name, number and support needs) and an
    offer at an enterprise with two managers."""
    enterprise = EnterpriseFactory(managers=[manager, manager2])
    offer = TrainingOfferFactory(enterprise=enterprise, capacity=3)
    participant = EnrolledParticipantFactory(
        first_name=NAME[0],
        last_name=NAME[1],
        personal_number=make_personal_number(datetime.date(1971, 7, 19), serial=486),
        support_needs=SUPPORT,
        coordinators=[coordinator],
        sharing=True,
    )
    return SimpleNamespace(
        coordinator=coordinator,
        managers=[manager, manager2],
        offer=offer,
        participant=participant,
    )


def _propose(cast, capture):
    with capture(execute=True):
        return lifecycle.placement_propose(
            participant=cast.participant,
            offer=cast.offer,
            user=cast.coordinator,
            planned_start=TODAY + 7 * DAY,
            planned_end=TODAY + 90 * DAY,
            extent=50,
            shared_support_needs=SUPPORT,
        )


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_proposal_mails_each_manager_of_the_enterprise_once(
    cast, django_capture_on_commit_callbacks
):
    placement = _propose(cast, django_capture_on_commit_callbacks)
    assert _recipients() == sorted(m.email for m in cast.managers)
    rows = Notification.objects.filter(kind=NotificationKind.PROPOSAL_MADE)
    assert rows.count() == 2
    assert all(row.sent_at is not None for row in rows)
    assert f"nr {placement.pk}" in mail.outbox[0].subject
    assert "/arbetstraning/foretag/forslag/" in mail.outbox[0].body


def test_nothing_is_mailed_before_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lifecycle.placement_propose(
            participant=cast.participant,
            offer=cast.offer,
            user=cast.coordinator,
            planned_start=TODAY + 7 * DAY,
            planned_end=TODAY + 90 * DAY,
            extent=50,
        )
    # The rows are written with the proposal; the mail waits for the commit.
    assert Notification.objects.count() == 2
    assert mail.outbox == []
    assert len(callbacks) == 2


def test_a_failed_proposal_writes_no_notification(cast, django_capture_on_commit_callbacks):
    cast.offer.capacity = 0
    cast.offer.save()
    with pytest.raises(Exception), django_capture_on_commit_callbacks(execute=True):  # noqa: B017
        lifecycle.placement_propose(
            participant=cast.participant,
            offer=cast.offer,
            user=cast.coordinator,
            planned_start=TODAY + 7 * DAY,
            planned_end=TODAY + 90 * DAY,
            extent=50,
        )
    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_an_answer_mails_the_responsible_coordinator(
    cast, answer, django_capture_on_commit_callbacks
):
    placement = _propose(cast, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        if answer == "accept":
            lifecycle.placement_accept(placement=placement, user=cast.managers[0])
        else:
            lifecycle.placement_decline(
                placement=placement, user=cast.managers[0], reason="no_capacity"
            )
    assert _recipients() == [cast.coordinator.email]
    status = "accepterad" if answer == "accept" else "avböjd"
    assert status in mail.outbox[0].subject
    assert f"/arbetstraning/{placement.pk}/" in mail.outbox[0].body


def test_a_withdrawal_mails_the_managers(cast, django_capture_on_commit_callbacks):
    placement = _propose(cast, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.placement_withdraw(placement=placement, user=cast.coordinator)
    assert _recipients() == sorted(m.email for m in cast.managers)
    assert "Återkallat" in mail.outbox[0].subject


def test_no_mail_carries_personal_data(cast, django_capture_on_commit_callbacks):
    """Names, the identity number in any form, support needs: in no subject or body."""
    placement = _propose(cast, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.placement_decline(
            placement=placement, user=cast.managers[0], reason="other", note=NAME[1]
        )
    with django_capture_on_commit_callbacks(execute=True):
        notify_place_freed(
            SimpleNamespace(pk=1, offer=cast.offer, participant=cast.participant, coordinator=None)
        )
        digest_send(cast.managers[0])
    number = cast.participant.personal_number
    forbidden = [*NAME, SUPPORT, number, number[2:], f"{number[:8]}-{number[8:]}"]
    forbidden.append(cast.participant.birth_date.isoformat())
    texts = [f"{m.subject}\n{m.body}" for m in mail.outbox]
    texts += [f"{n.subject}\n{n.body}\n{n.url}" for n in Notification.objects.all()]
    assert len(mail.outbox) >= 4
    for text in texts:
        for word in forbidden:
            assert word not in text, (word, text)
        # No run of ten or more digits (an identity number in some other form).
        assert not re.search(r"\d{10,}", text), text


def test_two_sends_of_one_notification_send_one_mail(coordinator):
    notification = notification_create(
        recipient=coordinator, kind=NotificationKind.DIGEST, key="k1", subject="S", body="B"
    )
    assert notification_send(notification.pk) is True
    assert notification_send(notification.pk) is False
    send_notification.enqueue(notification.pk)
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.attempts == 1


def test_one_key_is_one_notification(coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_create(
            recipient=coordinator, kind=NotificationKind.DIGEST, key="k", subject="S", body="B"
        )
        second = notification_create(
            recipient=coordinator, kind=NotificationKind.DIGEST, key="k", subject="S", body="B"
        )
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_notification_claimed_by_another_worker_is_left_alone(coordinator):
    notification = notification_create(
        recipient=coordinator, kind=NotificationKind.DIGEST, key="k", subject="S", body="B"
    )
    Notification.objects.filter(pk=notification.pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert notification_send(notification.pk) is False
    assert mail.outbox == []
    # Once the lease has run out (the worker died), it is sent.
    Notification.objects.filter(pk=notification.pk).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert notification_send(notification.pk) is True
    assert len(mail.outbox) == 1


def test_an_smtp_failure_is_retried_after_a_pause(coordinator, monkeypatch):
    notification = notification_create(
        recipient=coordinator, kind=NotificationKind.DIGEST, key="k", subject="S", body="B"
    )

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", refuse)
        assert notification_send(notification.pk) is False
    notification.refresh_from_db()
    assert notification.sent_at is None
    assert notification.attempts == 1
    assert "SMTPServerDisconnected" in notification.last_error
    assert notification.locked_until is None
    assert notification.next_attempt_at > timezone.now()
    # The sweep leaves it during the pause, then sends it.
    assert notifications_retry(min_age_seconds=0) == 0
    assert mail.outbox == []
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert notifications_retry(now=later, min_age_seconds=0) == 1
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.attempts == 2
    assert notification.last_error == ""


def test_the_sweep_gives_up_after_the_last_attempt(coordinator, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = notification_create(
        recipient=coordinator, kind=NotificationKind.DIGEST, key="k", subject="S", body="B"
    )
    Notification.objects.filter(pk=notification.pk).update(
        attempts=3, next_attempt_at=timezone.now() - DAY
    )
    assert notifications_retry(min_age_seconds=0) == 0


def test_an_opted_out_kind_is_not_written(cast, django_capture_on_commit_callbacks):
    manager = cast.managers[0]
    notification_preferences_set(
        user=manager, wanted=[k for k in NotificationKind.values if k != "proposal_made"]
    )
    assert "proposal_made" not in notification_kinds_wanted(manager)
    _propose(cast, django_capture_on_commit_callbacks)
    assert _recipients() == [cast.managers[1].email]
    assert not Notification.objects.filter(recipient=manager).exists()
    notification_preferences_set(user=manager, wanted=NotificationKind.values)
    assert not NotificationOptOut.objects.filter(user=manager).exists()


def test_a_user_without_an_address_gets_no_notification():
    user = UserFactory(email="")
    assert (
        notification_create(
            recipient=user, kind=NotificationKind.DIGEST, key="k", subject="S", body="B"
        )
        is None
    )


def test_place_freed_goes_to_the_entry_s_coordinator(
    coordinator, coordinator2, django_capture_on_commit_callbacks
):
    offer = TrainingOfferFactory()
    entry = SimpleNamespace(pk=7, offer=offer, coordinator=coordinator2)
    with django_capture_on_commit_callbacks(execute=True):
        notify_place_freed(entry)
        notify_place_freed(entry)  # the same day: told once
    assert _recipients() == [coordinator2.email]
    assert f"nr {offer.pk}" in mail.outbox[0].subject
    assert f"/foretag/platser/{offer.pk}/" in mail.outbox[0].body


def test_place_freed_without_a_coordinator_goes_to_the_participant_s(
    coordinator, django_capture_on_commit_callbacks
):
    participant = EnrolledParticipantFactory(coordinators=[coordinator])
    entry = SimpleNamespace(offer=TrainingOfferFactory(), participant=participant)
    with django_capture_on_commit_callbacks(execute=True):
        notify_place_freed(entry)
    assert _recipients() == [coordinator.email]


# --- digests ---------------------------------------------------------------------------


def test_digest_items_count_what_waits(cast):
    PlacementFactory(
        participant=cast.participant,
        offer=cast.offer,
        status=S.PROPOSED,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 60 * DAY,
        expires_on=TODAY + 7 * DAY,
    )
    # The digest is the "Att göra" list: a proposal waits on the enterprise, not on the
    # coordinator, until it is declined.
    assert "proposals-answered" not in {i.kind for i in digest_items(cast.coordinator)}
    manager_items = {i.kind: i.count for i in digest_items(cast.managers[0])}
    assert manager_items["proposals-waiting"] == 1
    assert manager_items == {i.kind: i.count for i in attention_items(cast.managers[0])}


def test_the_digest_counts_every_placement_ending_soon(cast):
    for _ in range(12):
        PlacementFactory(
            participant=EnrolledParticipantFactory(coordinators=[cast.coordinator]),
            offer=cast.offer,
            status=S.ACTIVE,
            planned_start=TODAY - 30 * DAY,
            start_date=TODAY - 30 * DAY,
            planned_end=TODAY + 10 * DAY,
        )
    items = {i.kind: i.count for i in digest_items(cast.coordinator)}
    assert items["ending-soon"] == 12


def test_one_digest_per_person_and_day(cast, django_capture_on_commit_callbacks):
    PlacementFactory(
        participant=cast.participant,
        offer=cast.offer,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 60 * DAY,
        expires_on=TODAY + 7 * DAY,
    )
    PlacementFactory(  # something on the coordinator's "Att göra" list too
        participant=EnrolledParticipantFactory(coordinators=[cast.coordinator]),
        offer=cast.offer,
        status=S.ACTIVE,
        planned_start=TODAY - 30 * DAY,
        start_date=TODAY - 30 * DAY,
        planned_end=TODAY + 10 * DAY,
    )
    idle = UserFactory(username="idle", roles=["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(today=TODAY) == 3  # the coordinator and both managers
        assert digests_send(today=TODAY) == 3  # the same rows again ...
    assert len(mail.outbox) == 3  # ... and no second mail
    assert idle.email not in _recipients()
    keys = set(Notification.objects.values_list("key", flat=True))
    assert f"digest:{cast.coordinator.pk}:{TODAY.isoformat()}" in keys
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", date=(TODAY + DAY).isoformat(), stdout=StringIO())
    assert len(mail.outbox) == 6


def test_an_opted_out_digest_is_not_sent(cast):
    PlacementFactory(
        participant=cast.participant,
        offer=cast.offer,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 60 * DAY,
        expires_on=TODAY + 7 * DAY,
    )
    NotificationOptOut.objects.create(user=cast.coordinator, kind=NotificationKind.DIGEST)
    assert digest_send(cast.coordinator) is None
    assert mail.outbox == []


def test_the_scheduler_enqueues_the_digests_once_a_day_from_the_digest_hour(cast, settings):
    settings.DIGEST_HOUR = 7
    PlacementFactory(
        participant=cast.participant,
        offer=cast.offer,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 60 * DAY,
        expires_on=None,
    )
    scheduler = Scheduler(interval=60)
    zone = timezone.get_current_timezone()
    early = datetime.datetime(2030, 3, 4, 6, 59, tzinfo=zone)

    def digest_days() -> list[str]:
        # The manager has a proposal to answer on every one of these days.
        keys = Notification.objects.filter(recipient=cast.managers[0], kind="digest")
        return sorted(key.rsplit(":", 1)[1] for key in keys.values_list("key", flat=True))

    assert scheduler.tick(early) == ["0 notification(s)", "refresh_association_counts"]
    assert digest_days() == []
    assert "send_daily_digests" in scheduler.tick(early + datetime.timedelta(minutes=1))
    assert "send_daily_digests" not in scheduler.tick(early + datetime.timedelta(hours=3))
    assert digest_days() == ["2030-03-04"]
    scheduler.tick(early + datetime.timedelta(days=1, minutes=1))
    assert digest_days() == ["2030-03-04", "2030-03-05"]


def test_on_the_database_queue_the_scheduler_enqueues_and_prunes(settings):
    from django_tasks_db.models import DBTaskResult

    settings.DIGEST_HOUR = 0
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert "send_daily_digests" in Scheduler(interval=60).tick(timezone.now())
    queued = DBTaskResult.objects.get(task_path="placements.tasks.send_daily_digests")
    assert queued.status == "READY"
