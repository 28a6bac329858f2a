""" "Att göra": attention_items per role, their lists, and the start page's first block."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from participants.models import Consent, Parking, Participant
from placements.models import PlacementStatus, WaitingListEntry
from placements.selectors import attention
from placements.selectors.attention import (
    KINDS_BY_SLUG,
    AttentionItem,
    attention_items,
    attention_rows,
)
from samordning.models import AuditAction, AuditLog
from tests.factories import (
    AttendanceDayFactory,
    EnrolledParticipantFactory,
    EnterpriseFactory,
    FollowUpMeetingFactory,
    PlacementFactory,
    TrainingOfferFactory,
)

pytestmark = pytest.mark.django_db

S = PlacementStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _counts(user) -> dict[str, int]:
    return {item.kind: item.count for item in attention_items(user, today=TODAY)}


def _caseload_world(coordinator):
    """One of every coordinator kind in `coordinator`'s caseload."""
    person = EnrolledParticipantFactory(coordinators=[coordinator])
    PlacementFactory(  # declined a week ago, nothing proposed since
        participant=person,
        status=S.DECLINED,
        planned_start=TODAY + 10 * DAY,
        planned_end=TODAY + 90 * DAY,
        proposed_at=timezone.now() - 10 * DAY,
        answered_at=timezone.now() - 7 * DAY,
        decline_reason="timing",
    )
    expired = EnrolledParticipantFactory(coordinators=[coordinator])
    PlacementFactory(
        participant=expired,
        status=S.PROPOSED,
        planned_start=TODAY + 10 * DAY,
        planned_end=TODAY + 90 * DAY,
        expires_on=TODAY - DAY,
    )
    ending = EnrolledParticipantFactory(coordinators=[coordinator])
    active = PlacementFactory(
        participant=ending,
        status=S.ACTIVE,
        planned_start=TODAY - 60 * DAY,
        start_date=TODAY - 60 * DAY,
        planned_end=TODAY + 10 * DAY,
    )
    FollowUpMeetingFactory(placement=active, date=TODAY - 40 * DAY, next_meeting=TODAY - 2 * DAY)
    idle = EnrolledParticipantFactory(coordinators=[coordinator])
    Participant.objects.filter(pk=idle.pk).update(updated_at=timezone.now() - 90 * DAY)
    # `ending` has an active placement but withdrew the sharing consent.
    Consent.objects.filter(participant=ending, purpose="share_with_enterprise").update(
        withdrawn_on=TODAY - DAY
    )
    offer = TrainingOfferFactory(capacity=1)
    WaitingListEntry.objects.create(
        offer=offer,
        participant=person,
        wanted_start=TODAY + 5 * DAY,
        extent=50,
        place_freed_at=timezone.now(),
    )
    return {"idle": idle, "ending": ending, "person": person}


def test_coordinator_items(coordinator, coordinator2):
    _caseload_world(coordinator)
    counts = _counts(coordinator)
    assert counts == {
        "queue-freed": 1,
        "proposals-answered": 2,
        "ending-soon": 1,
        "follow-ups-due": 1,
        "inactive": 1,
        "sharing-consent-missing": 1,
    }
    # Someone else's caseload: nothing.
    assert _counts(coordinator2) == {}


def test_a_caseload_too_large_for_a_list_counts_the_same(coordinator, coordinator2, monkeypatch):
    # caseload_of gives the pks as a list up to CASELOAD_AS_LIST, else a subquery.
    _caseload_world(coordinator)
    _caseload_world(coordinator2)
    as_list = _counts(coordinator)
    monkeypatch.setattr(attention, "CASELOAD_AS_LIST", 1)
    caseload, count = attention.caseload_of(Participant.objects.visible_to(coordinator))
    assert not isinstance(caseload, list) and count > 1
    assert _counts(coordinator) == as_list
    assert as_list["ending-soon"] == 1


def test_items_carry_kind_label_count_and_url(coordinator):
    _caseload_world(coordinator)
    items = attention_items(coordinator)
    assert all(isinstance(item, AttentionItem) for item in items)
    freed = next(item for item in items if item.kind == "queue-freed")
    assert freed.label == "Köplatser där en plats blivit ledig"
    assert freed.url == reverse("placements:attention-list", args=["queue-freed"])


def test_parked_queued_or_recently_touched_people_are_not_inactive(coordinator):
    world = _caseload_world(coordinator)
    Parking.objects.create(
        participant=world["idle"], reason="health", since=TODAY, until=TODAY + 5 * DAY
    )
    assert "inactive" not in _counts(coordinator)


def test_a_newer_proposal_clears_the_declined_one(coordinator):
    person = EnrolledParticipantFactory(coordinators=[coordinator])
    PlacementFactory(
        participant=person,
        status=S.DECLINED,
        planned_start=TODAY + 10 * DAY,
        planned_end=TODAY + 90 * DAY,
        proposed_at=timezone.now() - 10 * DAY,
        answered_at=timezone.now() - 7 * DAY,
    )
    assert _counts(coordinator)["proposals-answered"] == 1
    PlacementFactory(
        participant=person,
        status=S.PROPOSED,
        planned_start=TODAY + 10 * DAY,
        planned_end=TODAY + 90 * DAY,
        expires_on=TODAY + 10 * DAY,
        proposed_at=timezone.now(),
    )
    assert "proposals-answered" not in _counts(coordinator)


def test_manager_items(manager, manager2, coordinator):
    enterprise = EnterpriseFactory(managers=[manager])
    stale = TrainingOfferFactory(enterprise=enterprise, last_confirmed=TODAY - 40 * DAY)
    PlacementFactory(
        offer=stale,
        status=S.PROPOSED,
        planned_start=TODAY + 10 * DAY,
        planned_end=TODAY + 90 * DAY,
        expires_on=TODAY + 10 * DAY,
    )
    first_of_last_month = (TODAY.replace(day=1) - DAY).replace(day=1)
    reported = PlacementFactory(
        offer=stale,
        status=S.ACTIVE,
        planned_start=first_of_last_month - 30 * DAY,
        start_date=first_of_last_month - 30 * DAY,
        planned_end=TODAY + 60 * DAY,
    )
    AttendanceDayFactory(placement=reported, date=first_of_last_month)
    PlacementFactory(  # no day reported last month
        offer=stale,
        status=S.ACTIVE,
        planned_start=first_of_last_month - 30 * DAY,
        start_date=first_of_last_month - 30 * DAY,
        planned_end=TODAY + 60 * DAY,
    )
    assert _counts(manager) == {
        "proposals-waiting": 1,
        "capacity-stale": 1,
        "attendance-missing": 1,
    }
    assert _counts(manager2) == {}
    month = next(i for i in attention_items(manager) if i.kind == "attendance-missing")
    assert month.url.endswith(f"?month={first_of_last_month:%Y-%m}")


def test_admin_sees_association_wide_and_the_log_review(admin_user, coordinator, manager):
    _caseload_world(coordinator)
    TrainingOfferFactory(
        enterprise=EnterpriseFactory(managers=[manager]), last_confirmed=TODAY - 40 * DAY
    )
    AuditLog.objects.create(
        user=coordinator, action=AuditAction.REVEAL, object_type="x", object_id="1"
    )
    counts = _counts(admin_user)
    assert counts["queue-freed"] == 1
    assert counts["capacity-stale"] == 1
    assert counts["audit-review"] >= 1


def test_query_count_is_bounded(admin_user, coordinator, django_assert_max_num_queries):
    for _ in range(3):
        _caseload_world(coordinator)
    # An admin's first: roles, the stored counts, ten counts, one upsert; then one.
    with django_assert_max_num_queries(13):
        attention_items(admin_user)
    with django_assert_max_num_queries(1):
        attention_items(admin_user)
    # The roles, six count queries, and the caseload's pks read once for two of them
    # (ending soon, answered proposals).
    with django_assert_max_num_queries(8):
        attention_items(coordinator)


@pytest.mark.parametrize("worlds", [1, 4])
def test_a_coordinators_start_page_reads_the_caseload_once(
    coordinator, client, worlds, django_assert_max_num_queries
):
    """Session, user, roles; "Att göra": the caseload's pks, six counts; the overview:
    the placements by status, those ending soon; the audit row; on PostgreSQL the
    request's savepoint and its release (ATOMIC_REQUESTS). The same at two sizes."""
    for _ in range(worlds):
        _caseload_world(coordinator)
    client.force_login(coordinator)
    with django_assert_max_num_queries(15 if connection.vendor == "postgresql" else 13):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert len(response.context["overview"].ending_soon) == worlds


def test_the_caseload_read_once_does_not_outlive_the_count(coordinator):
    """The same user object counted again after its caseload grew (a request that
    registers someone, a worker's loop) counts the new people too."""
    _caseload_world(coordinator)
    before = _counts(coordinator)
    _caseload_world(coordinator)
    ending_soon = attention_rows(coordinator, KINDS_BY_SLUG["ending-soon"], TODAY)
    assert (before["ending-soon"], ending_soon.count()) == (1, 2)
    after = _counts(coordinator)
    assert after["proposals-answered"] == 2 * before["proposals-answered"] > 0


def test_the_page_and_the_start_page_link_to_the_lists(coordinator, client):
    _caseload_world(coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("placements:attention")).content.decode()
    assert reverse("placements:attention-list", args=["ending-soon"]) in page
    home = client.get(reverse("home")).content.decode()
    assert home.index("Att göra") < home.index('id="home-coordinator"')
    assert reverse("placements:attention-list", args=["queue-freed"]) in home


def test_list_pages_are_scoped_audited_and_bounded(
    coordinator, coordinator2, client, django_assert_max_num_queries
):
    world = _caseload_world(coordinator)
    client.force_login(coordinator)
    url = reverse("placements:attention-list", args=["inactive"])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert [p.pk for p in response.context["rows"]] == [world["idle"].pk]
    log = AuditLog.objects.filter(action=AuditAction.LIST, object_type="attention-inactive").get()
    assert log.subjects == f",{world['idle'].pk},"
    client.force_login(coordinator2)
    assert list(client.get(url).context["rows"]) == []


def test_freed_entry_list_links_to_the_prefilled_proposal(coordinator, client):
    world = _caseload_world(coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("placements:attention-list", args=["queue-freed"]))
    entry = WaitingListEntry.objects.get(participant=world["person"])
    assert entry.propose_url().replace("&", "&amp;") in response.content.decode()


def test_manager_cannot_list_a_coordinator_kind(manager, client):
    client.force_login(manager)
    assert client.get(reverse("placements:attention-list", args=["inactive"])).status_code == 404
    assert (
        client.get(reverse("placements:attention-list", args=["proposals-waiting"])).status_code
        == 404
    )


# --- an admin's association-wide counts, kept a few minutes (AttentionCount) ---------


def test_an_admins_counts_are_stored_and_read_back_until_they_are_too_old(
    admin_user, coordinator, django_assert_num_queries
):
    from placements.models import AttentionCount

    today = timezone.localdate()
    _caseload_world(coordinator)
    first = {item.kind: item for item in attention_items(admin_user)}
    assert first["queue-freed"].count == 1 and first["queue-freed"].counted_at is not None
    stored = dict(AttentionCount.objects.values_list("kind", "count"))
    assert set(stored) == {kind.slug for kind in attention.kinds_for(admin_user)}
    # More to do now, but the stored counts are fresh: one query, the old count.
    _caseload_world(coordinator)
    with django_assert_num_queries(1):
        again = {item.kind: item.count for item in attention_items(admin_user)}
    assert again["queue-freed"] == 1
    # Too old (or counted for another day): counted again and stored.
    AttentionCount.objects.update(
        counted_at=timezone.now() - attention.ASSOCIATION_COUNTS_MAX_AGE - DAY / 24
    )
    assert {item.kind: item.count for item in attention_items(admin_user)}["queue-freed"] == 2
    AttentionCount.objects.filter(kind="queue-freed").update(day=today - DAY)
    _caseload_world(coordinator)
    assert {item.kind: item.count for item in attention_items(admin_user)}["queue-freed"] == 3
    # Coordinators' counts are live, and an admin's for another day too.
    AttentionCount.objects.update(count=99)
    assert _counts(coordinator)["queue-freed"] == 3
    yesterday = attention_items(admin_user, today=today - DAY)
    assert {item.kind: item.count for item in yesterday}["queue-freed"] == 3


def test_the_worker_counts_for_the_whole_association_as_an_admin_sees_it(admin_user, coordinator):
    from placements.models import AttentionCount
    from placements.tasks import refresh_association_counts

    _caseload_world(coordinator)
    assert refresh_association_counts.call() == len(attention.KINDS)
    assert AttentionCount.objects.get(kind="queue-freed").count == 1
    admin_user.is_active = False
    admin_user.save()
    AttentionCount.objects.all().delete()
    assert refresh_association_counts.call() == 0
    assert not AttentionCount.objects.exists()


def test_the_admins_page_says_when_the_counts_were_counted(admin_user, coordinator, client):
    _caseload_world(coordinator)
    client.force_login(admin_user)
    page = client.get(reverse("placements:attention")).content.decode()
    assert "Antalen gäller hela förbundet och räknades kl." in page
    client.force_login(coordinator)
    page = client.get(reverse("placements:attention")).content.decode()
    assert "räknades kl." not in page
