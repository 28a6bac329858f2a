"""GDPR: one person's complete export, and anonymisation after the retention period."""

import datetime
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models

from participants.choices import AnonymousReason
from participants.models import Participant, ParticipantSupportSource
from placements.models import Placement, PlacementStatus
from placements.privacy import (
    anonymise_expired,
    participant_anonymise,
    participant_export,
    participant_export_data,
    participants_past_retention,
)
from samordning.audit import audit_record
from samordning.models import AuditAction, AuditLog
from tests.factories import (
    AttendanceDayFactory,
    ConsentFactory,
    EnrolmentFactory,
    FollowUpMeetingFactory,
    ParticipantFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db

MARK = "QXMARKER"


@pytest.fixture
def person(coordinator):
    participant = ParticipantFactory(
        first_name=f"{MARK}first",
        last_name=f"{MARK}last",
        email=f"{MARK.lower()}@example.se",
        phone=f"{MARK}phone",
        address=f"{MARK}address",
        support_needs=f"{MARK}needs",
        workplace_adaptations=f"{MARK}adapt",
        notes=f"{MARK}notes",
        coordinators=[coordinator],
        start_date=datetime.date(2015, 1, 10),
    )
    ParticipantSupportSource.objects.create(
        participant=participant, phase="start", source="sickness_benefit"
    )
    ConsentFactory(participant=participant, note=f"{MARK}consent")
    enrolment = EnrolmentFactory(
        participant=participant,
        start_date=datetime.date(2015, 1, 10),
        end_date=datetime.date(2015, 12, 31),
        end_reason="planned",
        outcome="work",
    )
    placement = PlacementFactory(
        participant=participant,
        enrolment=enrolment,
        status=PlacementStatus.COMPLETED,
        planned_start=datetime.date(2015, 2, 1),
        planned_end=datetime.date(2015, 7, 31),
        start_date=datetime.date(2015, 2, 1),
        end_date=datetime.date(2015, 7, 31),
        end_reason="planned",
        outcome="work",
        schedule=f"{MARK}schedule",
        proposal_note=f"{MARK}proposal",
        agreement_tasks=f"{MARK}tasks",
        agreement_hours=f"{MARK}hours",
        agreement_support=f"{MARK}support",
    )
    AttendanceDayFactory(placement=placement, date=datetime.date(2015, 2, 2))
    FollowUpMeetingFactory(
        placement=placement, date=datetime.date(2015, 3, 1), notes=f"{MARK}followup"
    )
    audit_record(user=coordinator, action=AuditAction.VIEW, obj=participant, responsible=True)
    Participant.objects.filter(pk=participant.pk).update(
        updated_at=datetime.datetime(2016, 1, 1, tzinfo=datetime.UTC)
    )
    participant.refresh_from_db()
    return participant


def _models_pointing_at(model, depth=2):
    """Every model reachable through reverse foreign keys from `model`."""
    found = set()
    frontier = [model]
    for _ in range(depth):
        nxt = []
        for current in frontier:
            for relation in current._meta.related_objects:
                if relation.many_to_many or relation.related_model is AuditLog:
                    continue
                found.add(relation.related_model)
                nxt.append(relation.related_model)
        frontier = nxt
    return found


def _keys(data, into):
    if isinstance(data, dict):
        for key, value in data.items():
            into.add(key)
            _keys(value, into)
    elif isinstance(data, list):
        for value in data:
            _keys(value, into)
    return into


def test_export_covers_every_model_holding_personal_data(person):
    data = participant_export_data(participant=person)
    keys = _keys(data, set())
    project_models = {
        m
        for m in _models_pointing_at(Participant)
        if m._meta.app_label in {"participants", "placements"}
    }
    assert project_models, "the walk found nothing: it could not fail"
    for model in project_models:
        accessors = {
            r.get_accessor_name()
            for parent in apps.get_models()
            for r in parent._meta.related_objects
            if r.related_model is model
        }
        assert accessors & keys, f"{model.__name__} is missing from the export"
    text = json.dumps(data, ensure_ascii=False)
    for marker in ("first", "needs", "consent", "followup", "tasks"):
        assert f"{MARK}{marker}" in text
    assert data["audit_log"][0]["user"] == "coordinator"
    # The statistical record key is shown to no one, not even in the person's own export.
    assert "record_key" not in keys
    assert "sex" in data["participant"]


def test_export_is_logged(person, coordinator):
    before = AuditLog.objects.filter(action=AuditAction.EXPORT).count()
    participant_export(participant=person, user=coordinator, fmt="json")
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == before + 1


def _dump() -> str:
    """Every text column of every project table, as a database dump would show it."""
    chunks = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label not in {"participants", "placements", "samordning"}:
                continue
            columns = [
                f.column
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField)
            ]
            if not columns:
                continue
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT {quoted} FROM {table}")  # noqa: S608 - our own names
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_anonymise_removes_every_marker_and_keeps_the_counts(person):
    assert MARK in _dump()
    placement = Placement.objects.get(participant=person)
    participant_anonymise(participant=person)
    assert MARK not in _dump()
    assert MARK.lower() not in _dump()
    person.refresh_from_db()
    assert person.is_anonymous and person.anonymous_reason == AnonymousReason.RETENTION
    assert person.personal_number is None and person.birth_date is None
    # What the statistics count is kept.
    assert person.sex == "female" and person.birth_year
    placement.refresh_from_db()
    assert (placement.status, placement.outcome, placement.extent) == ("completed", "work", 50)
    assert person.enrolments.get().outcome == "work"
    assert person.support_sources.count() == 1
    assert placement.attendance_days.count() == 1
    row = AuditLog.objects.filter(object_id=str(person.pk), action="view").get()
    assert row.object_repr.endswith("(anonymiserad)")


def test_retention_selects_only_the_inactive(person, coordinator, settings):
    settings.PARTICIPANT_RETENTION_DAYS = 365 * 5
    today = datetime.date(2026, 11, 23)
    recent = ParticipantFactory(coordinators=[coordinator], start_date=datetime.date(2025, 1, 1))
    ongoing = ParticipantFactory(start_date=datetime.date(2014, 1, 1))
    EnrolmentFactory(participant=ongoing, start_date=datetime.date(2014, 1, 1))
    Participant.objects.filter(pk__in=[recent.pk, ongoing.pk]).update(
        updated_at=datetime.datetime(2016, 1, 1, tzinfo=datetime.UTC)
    )
    assert list(participants_past_retention(today=today)) == [person]
    assert anonymise_expired(today=today) == 1
    assert list(participants_past_retention(today=today)) == []


def test_command_dry_run_and_run(person, capsys, settings):
    settings.PARTICIPANT_RETENTION_DAYS = 365
    call_command("anonymise_expired", "--dry-run")
    assert "1 participants are past retention" in capsys.readouterr().out
    call_command("anonymise_expired")
    assert "Anonymised 1" in capsys.readouterr().out
    person.refresh_from_db()
    assert person.anonymised_at is not None


def test_export_views_are_scoped_and_logged(client, person, coordinator, coordinator2, funder):
    from django.urls import reverse

    json_url = reverse("participant-data-export", args=[person.pk, "json"])
    html_url = reverse("participant-data-export", args=[person.pk, "html"])
    client.force_login(coordinator2)
    assert client.get(json_url).status_code == 404
    client.force_login(funder)
    assert client.get(json_url).status_code == 403
    client.force_login(coordinator)
    response = client.get(json_url)
    assert response.status_code == 200
    assert response.json()["participant"]["first_name"] == f"{MARK}first"
    page = client.get(html_url)
    assert page.status_code == 200
    assert f"{MARK}followup" in page.text
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, object_id=str(person.pk)).count() == 2
    assert client.get(f"/integritet/deltagare/{person.pk}/export.xml").status_code == 404


def test_withdrawing_registration_consent_keeps_only_the_anonymous_minimum(
    client, person, coordinator
):
    from django.urls import reverse

    consent = person.consents.get(purpose="registration")
    url = reverse("participants:consent-withdraw", args=[person.pk, consent.pk])
    client.force_login(coordinator)
    response = client.post(url, {"withdrawn_on": datetime.date.today().isoformat()})
    assert response.status_code == 302
    consent.refresh_from_db()
    person.refresh_from_db()
    assert consent.withdrawn_on is not None
    assert person.is_anonymous and person.anonymous_reason == AnonymousReason.NO_CONSENT
    assert MARK not in _dump()
    # Withdrawing twice is a message on the form, not a 500.
    again = client.post(url, {"withdrawn_on": datetime.date.today().isoformat()})
    assert again.status_code == 200
    assert "redan återkallat" in again.text


def test_withdrawing_a_sharing_consent_keeps_the_person(client, person, coordinator):
    from django.urls import reverse

    sharing = ConsentFactory(participant=person, purpose="share_with_enterprise")
    client.force_login(coordinator)
    url = reverse("participants:consent-withdraw", args=[person.pk, sharing.pk])
    assert client.post(url, {"withdrawn_on": datetime.date.today().isoformat()}).status_code == 302
    person.refresh_from_db()
    assert not person.is_anonymous and person.first_name == f"{MARK}first"


def test_withdrawing_another_coordinators_consent_is_404(client, person, coordinator2):
    from django.urls import reverse

    client.force_login(coordinator2)
    consent = person.consents.get(purpose="registration")
    url = reverse("participants:consent-withdraw", args=[person.pk, consent.pk])
    assert client.post(url, {"withdrawn_on": "2026-01-01"}).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_admin_action_anonymises_only_those_past_retention(client, person, admin_user, settings):
    from django.urls import reverse

    settings.PARTICIPANT_RETENTION_DAYS = 365 * 5
    recent = ParticipantFactory(start_date=datetime.date.today())
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:participants_participant_changelist"),
        {"action": "anonymise_past_retention", "_selected_action": [person.pk, recent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 av 2 valda" in response.text
    person.refresh_from_db()
    recent.refresh_from_db()
    assert person.anonymised_at is not None
    assert recent.anonymised_at is None and recent.personal_number


def test_a_future_withdrawal_date_is_refused_and_nothing_happens(client, person, coordinator):
    from django.urls import reverse

    consent = person.consents.get(purpose="registration")
    client.force_login(coordinator)
    url = reverse("participants:consent-withdraw", args=[person.pk, consent.pk])
    response = client.post(url, {"withdrawn_on": "2099-01-01"})
    assert response.status_code == 200
    assert "inte i förväg" in response.text
    consent.refresh_from_db()
    person.refresh_from_db()
    assert consent.withdrawn_on is None and not person.is_anonymous
