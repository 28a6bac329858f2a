"""Anonymisation is complete: after it, no table of the project apps or of
django.contrib.admin holds the person's name, identity number or free texts.

The test does not list where those could be: it walks every model of the project
apps and django.contrib.admin's LogEntry, and searches every text column.
"""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from participants.identity import format_full
from participants.services import handover, parking_start
from placements.models import SharedSnapshot
from placements.privacy import participant_anonymise
from placements.services import lifecycle
from placements.services.sharing import placement_share_update
from samordning.policy import Role
from tests.factories import (
    ConsentFactory,
    EnrolmentFactory,
    EnterpriseFactory,
    ParticipantFactory,
    TrainingOfferFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("samordning", "enterprises", "participants", "placements", "reports", "demo")
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _models() -> list[type[models.Model]]:
    found: list[type[models.Model]] = [LogEntry]
    for label in PROJECT_APPS:
        found += list(apps.get_app_config(label).get_models())
    return found


def _holders(needle: str) -> list[str]:
    """Every table.column whose text contains `needle`."""
    hits = []
    for model in _models():
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS):
                lookup = {f"{field.attname}__icontains": needle}
                if model._base_manager.filter(**lookup).exists():
                    hits.append(f"{model._meta.db_table}.{field.column}")
    return hits


def test_no_table_holds_the_person_after_anonymisation(admin_user, coordinator, manager, client):
    person = ParticipantFactory(
        first_name="Vendelina",
        last_name="Kvarnstrommare",
        email="vendelina.k@example.se",
        phone="070-5551234",
        address="Kvarngatan 9 ZQ",
        support_needs="WALKSTODZQ",
        workplace_adaptations="WALKANPASSZQ",
        notes="WALKNOTZQ",
        coordinators=[coordinator],
        sharing=True,
        start_date=TODAY - 60 * DAY,
    )
    ConsentFactory(participant=person, note="WALKSAMTYCKEZQ", given_on=TODAY - 60 * DAY)
    enrolment = EnrolmentFactory(participant=person, start_date=TODAY - 60 * DAY)
    offer = TrainingOfferFactory(enterprise=EnterpriseFactory(managers=[manager]), capacity=5)
    placement = lifecycle.placement_propose(
        participant=person,
        offer=offer,
        user=coordinator,
        planned_start=TODAY + 5 * DAY,
        planned_end=TODAY + 90 * DAY,
        extent=50,
        enrolment=enrolment,
        schedule="WALKSCHEMAZQ",
        proposal_note="WALKFORSLAGZQ",
        shared_support_needs="WALKDELATZQ",
    )
    placement_share_update(placement=placement, user=coordinator, support_needs="WALKDELAT2ZQ")
    assert SharedSnapshot.objects.filter(placement=placement).exists()
    lifecycle.placement_decline(
        placement=placement, user=manager, reason="other", note="WALKAVBOJZQ"
    )
    # Parked after the decline, then handed over, both with a note.
    parking_start(
        participant=person,
        user=coordinator,
        reason="after_decline",
        until=TODAY + DAY,
        note="WALKPARKZQ",
    )
    other = UserFactory(username="coordinator_walk", roles=[Role.COORDINATOR])
    handover(
        participants=[person],
        from_user=coordinator,
        to_user=other,
        user=admin_user,
        note="WALKOVERZQ",
    )
    # The admin looks at and changes the person in the back office: "recent actions".
    client.force_login(admin_user)
    client.get(reverse("admin:participants_participant_change", args=[person.pk]))
    client.get(reverse("admin:placements_placement_change", args=[placement.pk]))
    client.get(reverse("admin:participants_enrolment_change", args=[enrolment.pk]))
    client.get(reverse("admin:placements_sharedsnapshot_change", args=[placement.shared.pk]))
    # ... and searches for them by name and number, on its list and on the coordinator's.
    client.get(reverse("admin:participants_participant_changelist"), {"q": "Kvarnstrommare"})
    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    coordinator_client.get(reverse("participants:participant-list"), {"q": "Vendelina"})
    coordinator_client.get(
        reverse("participants:participant-list"), {"q": person.personal_number[2:]}
    )
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    participant_admin = admin.site._registry[type(person)]
    participant_admin.log_change(request, person, [{"changed": {"fields": ["Förnamn"]}}])
    participant_admin.log_change(
        request,
        person,
        [{"added": {"name": "inskrivning", "object": str(enrolment)}}],
    )
    admin.site._registry[type(placement)].log_change(request, placement, "Ändrad")
    admin.site._registry[type(enrolment)].log_change(request, enrolment, "Ändrad")

    number = person.personal_number
    needles = [
        "Vendelina",
        "Kvarnstrommare",
        number,
        number[2:],
        format_full(number),
        "vendelina.k@example.se",
        "070-5551234",
        "Kvarngatan 9 ZQ",
        "WALKSTODZQ",
        "WALKANPASSZQ",
        "WALKNOTZQ",
        "WALKSAMTYCKEZQ",
        "WALKSCHEMAZQ",
        "WALKFORSLAGZQ",
        "WALKDELATZQ",
        "WALKDELAT2ZQ",
        "WALKAVBOJZQ",
        "WALKPARKZQ",
        "WALKOVERZQ",
    ]
    # The walk finds them before (so it searches where they are) ...
    assert "django_admin_log.object_repr" in _holders("Kvarnstrommare")
    assert "placements_sharedsnapshot.workplace_adaptations" in _holders("WALKANPASSZQ")
    # The full written form is never stored; the first shared support needs were
    # replaced by the shared update.
    stored = [n for n in needles if n not in (format_full(number), "WALKDELATZQ")]
    assert [needle for needle in stored if not _holders(needle)] == []

    participant_anonymise(participant=person, user=admin_user)

    # ... and nowhere after.
    left = {needle: _holders(needle) for needle in needles}
    assert {needle: hits for needle, hits in left.items() if hits} == {}
    assert not SharedSnapshot.objects.exists()
