"""Issue 11: consent that decides, access that ends, every read logged.

Each bullet of the issue through the views, with the role cast of tests/conftest.py
(coordinator, coordinator2, manager, manager2, funder, admin).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from enterprises.models import TrainingOffer
from participants.models import Consent, Participant
from placements.models import FollowUpMeeting, Placement, PlacementStatus, SharedSnapshot
from samordning.audit import search_digest
from samordning.models import AuditAction, AuditLog
from tests.factories import (
    AttendanceDayFactory,
    ConsentFactory,
    EnrolmentFactory,
    EnterpriseFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate()
NAME = ("Ylvali", "Strandqvistare")
ADAPTATION = "ANPASSNINGXQ ståbord"
LATER_ADAPTATION = "SENAREXQ diagnos"
NEEDS = "STODBEHOVXQ"


@dataclass
class Cast:
    clients: dict[str, Client]
    users: dict[str, Any]
    offer: TrainingOffer
    offer2: TrainingOffer
    participant: Participant


@pytest.fixture
def cast(coordinator, coordinator2, manager, manager2, funder, admin_user) -> Cast:
    users = {
        "coordinator": coordinator,
        "coordinator2": coordinator2,
        "manager": manager,
        "manager2": manager2,
        "funder": funder,
        "admin": admin_user,
    }
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    offer = TrainingOfferFactory(
        enterprise=EnterpriseFactory(name="Café Sidensvans", managers=[manager]), capacity=9
    )
    offer2 = TrainingOfferFactory(
        enterprise=EnterpriseFactory(name="Snickeri Gärdsmyg", managers=[manager2]), capacity=9
    )
    participant = ParticipantFactory(
        first_name=NAME[0],
        last_name=NAME[1],
        workplace_adaptations=ADAPTATION,
        support_needs=NEEDS,
        start_date=TODAY - 100 * DAY,
        coordinators=[coordinator],
        wanted_extent=50,
    )
    ConsentFactory(participant=participant, given_on=TODAY - 100 * DAY)
    EnrolmentFactory(participant=participant, start_date=TODAY - 100 * DAY)
    return Cast(clients, users, offer, offer2, participant)


def _propose(client: Client, participant: Participant, offer: TrainingOffer, **extra: Any):
    data = {
        "offer": offer.pk,
        "placement_type": "training",
        "extent": 50,
        "planned_start": (TODAY + 10 * DAY).isoformat(),
        "planned_end": (TODAY + 100 * DAY).isoformat(),
        **extra,
    }
    return client.post(reverse("placements:placement-propose", args=[participant.pk]), data)


def _share_consent(participant: Participant, **extra: Any) -> Consent:
    return ConsentFactory(
        participant=participant,
        purpose="share_with_enterprise",
        given_on=TODAY - 50 * DAY,
        **extra,
    )


def _placement(cast: Cast, status: str, **extra: Any) -> Placement:
    """A placement at the manager's offer; the factory gives the sharing consent and
    the snapshot (what placement_propose does)."""
    fields: dict[str, Any] = {
        "participant": cast.participant,
        "offer": cast.offer,
        "status": status,
        "planned_start": TODAY - 40 * DAY,
        "planned_end": TODAY + 60 * DAY,
    }
    if status in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED):
        fields["start_date"] = TODAY - 40 * DAY
    fields.update(extra)
    return PlacementFactory(**fields)


def _enterprise_pages(client: Client, placement: Placement) -> str:
    """Every page and download where an enterprise sees its placements."""
    month = {"month": f"{TODAY:%Y-%m}"}
    urls = [
        (reverse("placements:enterprise-proposal-list"), {}),
        (reverse("placements:enterprise-placement-list"), {}),
        (reverse("placements:enterprise-placement-list"), {"period": "past"}),
        (reverse("placements:enterprise-placement-detail", args=[placement.pk]), {}),
        (reverse("placements:attendance-grid"), month),
        (reverse("placements:invoice-basis"), month),
        (reverse("placements:invoice-export", args=["csv"]), month),
        (reverse("home"), {}),
    ]
    texts = []
    for url, query in urls:
        response = client.get(url, query)
        assert response.status_code == 200, url
        texts.append(response.getvalue().decode("utf-8-sig"))
    return "\n".join(texts)


# --- sharing consent gates sharing ---------------------------------------------------


def test_no_proposal_without_sharing_consent(cast):
    participant = cast.participant
    for role in ("coordinator", "admin"):
        client = cast.clients[role]
        page = client.get(reverse("placements:placement-propose", args=[participant.pk]))
        assert "inget gällande samtycke till att namn och anpassningar delas" in page.text
        assert reverse("participants:consent-create", args=[participant.pk]) in page.text
        response = _propose(client, participant, cast.offer)
        assert response.status_code == 200
        assert "Registrera samtycket först" in response.text
    assert not Placement.objects.exists()
    assert _propose(cast.clients["coordinator2"], participant, cast.offer).status_code == 404
    for role in ("manager", "manager2", "funder"):
        assert _propose(cast.clients[role], participant, cast.offer).status_code == 403


def test_the_enterprise_sees_the_snapshot_until_the_coordinator_shares_an_update(cast):
    participant = cast.participant
    _share_consent(participant)
    coordinator, manager = cast.clients["coordinator"], cast.clients["manager"]
    response = _propose(coordinator, participant, cast.offer, shared_support_needs="Tydliga ramar")
    assert response.status_code == 302
    placement = Placement.objects.get()
    snapshot = SharedSnapshot.objects.get(placement=placement)
    assert (snapshot.name, snapshot.workplace_adaptations) == (" ".join(NAME), ADAPTATION)
    proposals = manager.get(reverse("placements:enterprise-proposal-list")).text
    assert " ".join(NAME) in proposals and ADAPTATION in proposals
    assert "Tydliga ramar" in proposals
    assert NEEDS not in proposals  # support needs only as the coordinator wrote them
    assert (
        NAME[0]
        not in cast.clients["manager2"].get(reverse("placements:enterprise-proposal-list")).text
    )

    # The coordinator writes more on the record: the enterprise does not see it.
    Participant.objects.filter(pk=participant.pk).update(workplace_adaptations=LATER_ADAPTATION)
    detail = reverse("placements:enterprise-placement-detail", args=[placement.pk])
    assert LATER_ADAPTATION not in manager.get(detail).text
    assert ADAPTATION in manager.get(detail).text

    # Until they choose to share an update (POST only, their own caseload only).
    share = reverse("placements:placement-share-update", args=[placement.pk])
    assert coordinator.get(share).status_code == 405
    assert cast.clients["coordinator2"].post(share, {}).status_code == 404
    assert cast.clients["manager"].post(share, {}).status_code == 403
    response = coordinator.post(share, {"share-shared_support_needs": ""})
    assert response.status_code == 302
    text = manager.get(detail).text
    assert LATER_ADAPTATION in text and ADAPTATION not in text
    assert "Tydliga ramar" not in text


# --- withdrawing sharing consent ---------------------------------------------------------


def test_withdrawing_sharing_consent_ends_the_enterprise_view_at_once(cast):
    active = _placement(cast, PlacementStatus.ACTIVE)
    AttendanceDayFactory(placement=active, date=TODAY.replace(day=1))
    manager = cast.clients["manager"]
    before = _enterprise_pages(manager, active)
    assert " ".join(NAME) in before and ADAPTATION in before

    consent = cast.participant.consents.get(purpose="share_with_enterprise")
    url = reverse("participants:consent-withdraw", args=[cast.participant.pk, consent.pk])
    page = cast.clients["coordinator"].get(url)
    assert f"Arbetsträning nr {active.pk} hos Café Sidensvans" in page.text
    response = cast.clients["coordinator"].post(
        url, {"withdrawn_on": TODAY.isoformat()}, follow=True
    )
    # The coordinator is told which placements it affects.
    assert f"nr {active.pk} hos Café Sidensvans" in response.text
    assert not SharedSnapshot.objects.exists()

    after = _enterprise_pages(manager, active)
    assert NAME[0] not in after and NAME[1] not in after and ADAPTATION not in after
    assert f"Arbetsträning nr {active.pk}" in after
    # The admin and the coordinator still see the person on their own pages.
    for role in ("coordinator", "admin"):
        invoice = cast.clients[role].get(
            reverse("placements:invoice-basis"), {"month": f"{TODAY:%Y-%m}"}
        )
        assert " ".join(NAME) in invoice.text


def test_withdrawing_sharing_consent_also_hides_the_agreement_schedule_and_message(cast):
    """docs/security.md: agreement, schedule and message only "with a valid sharing
    consent"; once it is withdrawn, the number only, even while the placement runs."""
    _share_consent(cast.participant)
    active = _placement(
        cast,
        PlacementStatus.ACTIVE,
        agreement_date=TODAY - 41 * DAY,
        agreement_tasks="UPPGIFTERXQ",
        agreement_hours="TIDERXQ",
        schedule="SCHEMAXQ",
    )
    proposed = _placement(
        cast,
        PlacementStatus.PROPOSED,
        planned_start=TODAY + 70 * DAY,
        planned_end=TODAY + 120 * DAY,
        expires_on=TODAY + 10 * DAY,
        schedule="SCHEMA2XQ",
        proposal_note="MEDDELANDEXQ",
    )
    manager = cast.clients["manager"]

    def pages() -> str:
        detail = manager.get(reverse("placements:enterprise-placement-detail", args=[active.pk]))
        proposals = manager.get(reverse("placements:enterprise-proposal-list"))
        return detail.text + proposals.text

    hidden = ("UPPGIFTERXQ", "TIDERXQ", "SCHEMAXQ", "SCHEMA2XQ", "MEDDELANDEXQ")
    before = pages()
    assert all(marker in before for marker in hidden)

    consent = cast.participant.consents.get(purpose="share_with_enterprise")
    cast.clients["coordinator"].post(
        reverse("participants:consent-withdraw", args=[cast.participant.pk, consent.pk]),
        {"withdrawn_on": TODAY.isoformat()},
    )
    after = pages()
    assert f"Arbetsträning nr {active.pk}" in after and f"Arbetsträning nr {proposed.pk}" in after
    for marker in (*hidden, NAME[0]):
        assert marker not in after


def test_a_coordinator_cannot_share_an_update_after_withdrawal(cast):
    active = _placement(cast, PlacementStatus.ACTIVE)
    Consent.objects.filter(participant=cast.participant, purpose="share_with_enterprise").update(
        withdrawn_on=TODAY
    )
    detail = cast.clients["coordinator"].get(
        reverse("placements:placement-detail", args=[active.pk])
    )
    assert "företaget ser bara arbetsträningens nummer" in detail.text
    response = cast.clients["coordinator"].post(
        reverse("placements:placement-share-update", args=[active.pk]), {}
    )
    assert response.status_code == 200
    assert "Registrera samtycket först" in response.text


# --- access ends with the need ------------------------------------------------------------


@pytest.mark.parametrize(
    "status, extra",
    [
        (PlacementStatus.DECLINED, {"decline_reason": "timing"}),
        (PlacementStatus.WITHDRAWN, {}),
        (PlacementStatus.PROPOSED, {"expires_on": TODAY - DAY}),
    ],
    ids=["declined", "withdrawn", "expired"],
)
def test_after_decline_withdrawal_or_expiry_only_the_number(cast, status, extra):
    placement = _placement(
        cast,
        status,
        planned_start=TODAY + 5 * DAY,
        schedule="SCHEMAXQ",
        proposal_note="MEDDELANDEXQ",
        **extra,
    )
    response = cast.clients["manager"].get(
        reverse("placements:enterprise-placement-detail", args=[placement.pk])
    )
    assert response.status_code == 200
    text = response.text
    assert f"Arbetsträning nr {placement.pk}" in text
    assert (
        date_format(placement.planned_start, "SHORT_DATE_FORMAT") in text
    )  # its dates and outcome remain
    assert placement.get_status_display() in text
    for hidden in (*NAME, ADAPTATION, "SCHEMAXQ", "MEDDELANDEXQ"):
        assert hidden not in text
    # Logged as a read, but of no person: nobody was shown.
    row = AuditLog.objects.filter(object_id=str(placement.pk), action=AuditAction.VIEW).get()
    assert row.subjects == ""
    assert (
        cast.clients["manager2"]
        .get(reverse("placements:enterprise-placement-detail", args=[placement.pk]))
        .status_code
        == 404
    )


def _ended(cast: Cast, days_ago: int) -> Placement:
    return _placement(
        cast,
        PlacementStatus.COMPLETED,
        planned_start=TODAY - (days_ago + 60) * DAY,
        start_date=TODAY - (days_ago + 60) * DAY,
        planned_end=TODAY - days_ago * DAY,
        end_date=TODAY - days_ago * DAY,
        end_reason="planned",
        outcome="work",
    )


def test_after_the_end_the_name_for_invoicing_then_only_the_number(cast):
    recent, old = _ended(cast, 10), _ended(cast, 91)
    manager = cast.clients["manager"]
    past = manager.get(reverse("placements:enterprise-placement-list"), {"period": "past"}).text
    assert " ".join(NAME) in past  # the recent one, for invoicing
    assert f"Arbetsträning nr {old.pk}" in past
    recent_page = manager.get(
        reverse("placements:enterprise-placement-detail", args=[recent.pk])
    ).text
    assert " ".join(NAME) in recent_page and ADAPTATION not in recent_page
    old_page = manager.get(reverse("placements:enterprise-placement-detail", args=[old.pk])).text
    assert NAME[0] not in old_page and f"Arbetsträning nr {old.pk}" in old_page
    with override_settings(PLACEMENT_NAME_ACCESS_DAYS=5):
        past = manager.get(reverse("placements:enterprise-placement-list"), {"period": "past"})
        assert NAME[0] not in past.text


# --- follow-up consent ------------------------------------------------------------------


def test_follow_ups_after_the_end_need_the_follow_up_consent(cast):
    ended = _ended(cast, 10)
    coordinator = cast.clients["coordinator"]
    detail = coordinator.get(reverse("placements:placement-detail", args=[ended.pk])).text
    assert "inte samtyckt till uppföljning efter avslut" in detail
    assert reverse("placements:follow-up-create", args=[ended.pk]) not in detail
    url = reverse("placements:follow-up-create", args=[ended.pk])
    response = coordinator.post(url, {"followup-date": TODAY.isoformat()}, follow=True)
    assert "inte samtyckt till uppföljning" in response.text
    assert not FollowUpMeeting.objects.exists()

    listing = coordinator.get(reverse("placements:follow-up-list")).text
    assert " ".join(NAME) in listing and "Kan inte kontaktas" in listing
    ConsentFactory(participant=cast.participant, purpose="follow_up", given_on=TODAY)
    listing = coordinator.get(reverse("placements:follow-up-list"), {"contact": "yes"}).text
    assert " ".join(NAME) in listing and "Kan kontaktas (samtycke finns)" in listing
    assert coordinator.post(url, {"followup-date": TODAY.isoformat()}).status_code == 302
    assert FollowUpMeeting.objects.count() == 1
    # Other roles: another caseload sees no one; the rest may not use the page.
    assert (
        NAME[0] not in cast.clients["coordinator2"].get(reverse("placements:follow-up-list")).text
    )
    for role in ("manager", "manager2", "funder"):
        assert cast.clients[role].get(reverse("placements:follow-up-list")).status_code == 403


# --- every read logged --------------------------------------------------------------------


def test_a_list_page_writes_one_row_with_the_ids_shown_and_the_search(cast):
    others = [ParticipantFactory(coordinators=[cast.users["coordinator"]]) for _ in range(3)]
    client = cast.clients["coordinator"]
    client.get(reverse("participants:participant-list"), {"q": NAME[1]})
    client.get(reverse("participants:participant-list"))
    rows = list(AuditLog.objects.filter(action=AuditAction.LIST).order_by("id"))
    assert len(rows) == 2
    assert rows[0].subject_ids == [cast.participant.pk]
    # What was typed is not kept (the log is append-only, anonymisation could not remove
    # a name from it): a keyed digest instead, in the detail and in the path.
    assert rows[0].detail == f"q={search_digest(NAME[1])}"
    assert NAME[1] not in rows[0].path and "q=" in rows[0].path
    # The reviewer finds the search by typing it (case and spacing do not matter).
    review = cast.clients["admin"].get(reverse("audit-review"), {"search": f"  {NAME[1].upper()} "})
    assert [row.pk for row in review.context["page_obj"]] == [rows[0].pk]
    other = cast.clients["admin"].get(reverse("audit-review"), {"search": "Någon annan"})
    assert list(other.context["page_obj"]) == []
    assert set(rows[1].subject_ids) == {cast.participant.pk, *(p.pk for p in others)}
    assert all(row.user == cast.users["coordinator"] for row in rows)
    # The person's own export (art. 15) says who saw them on a list, too.
    export = client.get(reverse("participant-data-export", args=[cast.participant.pk, "json"]))
    assert [r["action"] for r in export.json()["audit_log"]].count(AuditAction.LIST) == 2


def test_the_small_form_pages_that_name_a_person_log_a_read(cast):
    client = cast.clients["coordinator"]
    person = cast.participant
    enrolment = person.enrolments.first()
    pages = {
        "consent-form": reverse("participants:consent-create", args=[person.pk]),
        "enrolment-form": reverse("participants:enrolment-create", args=[person.pk]),
        "enrolment-end-form": reverse("participants:enrolment-end", args=[person.pk, enrolment.pk]),
    }
    for page, url in pages.items():
        before = AuditLog.objects.count()
        response = client.get(url)
        assert response.status_code == 200
        assert NAME[0] in response.text
        row = AuditLog.objects.latest("id")
        assert AuditLog.objects.count() == before + 1
        assert (row.action, row.detail, row.subject_ids) == (AuditAction.VIEW, page, [person.pk])


def test_enterprise_lists_and_the_admin_are_logged_and_reviewable_by_participant(cast):
    active = _placement(cast, PlacementStatus.ACTIVE)
    AttendanceDayFactory(placement=active, date=TODAY.replace(day=1))
    manager = cast.clients["manager"]
    manager.get(reverse("placements:enterprise-placement-list"))
    manager.get(reverse("placements:attendance-grid"), {"month": f"{TODAY:%Y-%m}"})
    admin = cast.clients["admin"]
    admin.get(reverse("admin:participants_participant_changelist"), {"q": NAME[0]})
    admin.get(reverse("admin:participants_participant_change", args=[cast.participant.pk]))
    admin.get(reverse("admin:placements_attendanceday_changelist"))
    pages = {
        row.object_type: row
        for row in AuditLog.objects.filter(action=AuditAction.LIST)
        if cast.participant.pk in row.subject_ids
    }
    assert set(pages) == {
        "enterprise-placement-list",
        "attendance-grid",
        "admin:participants.participant",
        "admin:placements.attendanceday",
    }
    searched = pages["admin:participants.participant"]
    assert searched.detail == f"q={search_digest(NAME[0])}"
    assert NAME[0] not in searched.path
    assert AuditLog.objects.filter(
        action=AuditAction.VIEW, detail="admin", subjects=f",{cast.participant.pk},"
    ).exists()

    review = reverse("audit-review")
    response = admin.get(review, {"participant": cast.participant.pk})
    assert response.status_code == 200
    shown = {row.object_type for row in response.context["page_obj"]}
    assert {"enterprise-placement-list", "attendance-grid", "participants.participant"} <= shown
    # Another participant's filter does not show these rows.
    other = ParticipantFactory()
    response = admin.get(review, {"participant": other.pk})
    assert list(response.context["page_obj"]) == []
    for role in ("coordinator", "coordinator2", "manager", "manager2", "funder"):
        assert cast.clients[role].get(review, {"participant": 1}).status_code == 403


def test_a_duplicate_number_is_no_oracle_and_admins_see_the_attempt(cast):
    data = {
        "personal_number": cast.participant.personal_number,
        "first_name": "Ny",
        "last_name": "Person",
        "sex": "female",
        "start_date": TODAY.isoformat(),
        "education": "unknown",
        "time_in_support": "unknown",
        "wanted_extent": 50,
        "consent_purposes": ["registration"],
        "consent_given_on": TODAY.isoformat(),
    }
    response = cast.clients["coordinator2"].post(reverse("participants:participant-create"), data)
    assert response.status_code == 200
    assert "Personen kan redan vara registrerad" in response.text
    assert "förbundsadministratör" in response.text
    assert NAME[0] not in response.text and "annan deltagare" not in response.text
    attempt = AuditLog.objects.get(action=AuditAction.DUPLICATE)
    assert attempt.user == cast.users["coordinator2"] and attempt.responsible is False
    review = cast.clients["admin"].get(reverse("audit-review"))
    assert attempt in list(review.context["page_obj"])
    assert "Dubblettförsök" in review.text


# --- invoice basis --------------------------------------------------------------------------


def _invoice_names(client: Client) -> set[str]:
    response = client.get(
        reverse("placements:invoice-export", args=["csv"]), {"month": f"{TODAY:%Y-%m}"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    return {row[3] for row in rows[1:] if row[3]}


def test_invoice_basis_shows_coordinators_only_their_caseload(cast):
    mine = _placement(cast, PlacementStatus.ACTIVE)
    theirs = PlacementFactory(
        participant=ParticipantFactory(
            first_name="Annans", last_name="Deltagare", coordinators=[cast.users["coordinator2"]]
        ),
        offer=cast.offer2,
        status=PlacementStatus.ACTIVE,
        planned_start=TODAY - 40 * DAY,
        start_date=TODAY - 40 * DAY,
        planned_end=TODAY + 60 * DAY,
    )
    for placement in (mine, theirs):
        AttendanceDayFactory(placement=placement, date=TODAY.replace(day=1))
    assert _invoice_names(cast.clients["coordinator"]) == {" ".join(NAME)}
    assert _invoice_names(cast.clients["coordinator2"]) == {"Annans Deltagare"}
    assert _invoice_names(cast.clients["admin"]) == {" ".join(NAME), "Annans Deltagare"}
    assert _invoice_names(cast.clients["manager"]) == {" ".join(NAME)}
    assert _invoice_names(cast.clients["manager2"]) == {"Annans Deltagare"}
    assert cast.clients["funder"].get(reverse("placements:invoice-basis")).status_code == 403


@pytest.mark.parametrize("count", [3, 30])
def test_follow_up_list_query_count_does_not_grow(
    client, coordinator, django_assert_max_num_queries, count
):
    offer = TrainingOfferFactory(capacity=100)
    for _ in range(count):
        PlacementFactory(
            participant=ParticipantFactory(coordinators=[coordinator]),
            offer=offer,
            status=PlacementStatus.COMPLETED,
            planned_start=TODAY - 100 * DAY,
            start_date=TODAY - 100 * DAY,
            planned_end=TODAY - 10 * DAY,
            end_date=TODAY - 10 * DAY,
            end_reason="planned",
            outcome="work",
        )
    client.force_login(coordinator)
    # session, user, savepoint, release, groups, the caseload as a list of ids, the
    # paginator's count, the page of placements (participant, offer, enterprise; the
    # follow-up consent as an EXISTS), the one audit row listing who was shown: 9.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("placements:follow-up-list"))
    assert response.text.count("Kan inte kontaktas (inget") == min(count, 25)


def test_the_backfill_shares_what_was_seen_only_with_consent(cast):
    """Migration 0003: placements from before snapshots get one from the record, if the
    participant consents to sharing; the others' enterprises see the number."""
    from importlib import import_module

    from django.apps import apps as django_apps

    backfill = import_module("placements.migrations.0004_backfill_shared_snapshots")
    with_consent = PlacementFactory(participant=cast.participant, offer=cast.offer, shared=False)
    _share_consent(cast.participant)
    without = PlacementFactory(participant=ParticipantFactory(), offer=cast.offer, shared=False)
    backfill.forward(django_apps, None)
    snapshot = SharedSnapshot.objects.get()
    assert snapshot.placement == with_consent
    assert (snapshot.name, snapshot.workplace_adaptations) == (" ".join(NAME), ADAPTATION)
    assert not SharedSnapshot.objects.filter(placement=without).exists()
