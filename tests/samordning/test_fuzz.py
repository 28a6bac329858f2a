"""No 5xx on any input, admin included (issue 12).

Every registered admin (ours and the third-party ones: axes, django-otp, auth) gets its
list, add and change page requested with hostile query strings (ids beyond 64 bits,
`__year=2**63`, NUL bytes, a 100,000-character search, `1e9` prefills, negative numbers,
non-ASCII digits) and its add and change forms posted with hostile values. Nothing may
answer 5xx; a refused request is a 400 (the input-bounds layer, `samordning/bounds.py`),
a form error, a 404 or the admin's own "?e=1" redirect. The app's forms with multi-selects
and the attendance grid get the same. Runs on SQLite and PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from enterprises.models import (
    CapacityChange,
    DevelopmentComment,
    DevelopmentGoal,
    Milestone,
    SupportActivity,
)
from participants.models import (
    EsfParticipantData,
    Parking,
    ParticipantSupportSource,
    ResponsibilityChange,
)
from placements.models import PlacementStatus, WaitingListEntry
from placements.tasks import refresh_association_counts
from reports.models import StatisticsSummary, SummaryKind
from samordning.audit import audit_record
from samordning.models import AuditAction, CalendarFeed, Notification, NotificationOptOut
from samordning.policy import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

HUGE = str(2**64)  # beyond every database integer
JUST_OVER = str(2**63)  # one more than the largest signed 64-bit integer

# Values a form or a filter may be given for any field.
HOSTILE_VALUES = [
    HUGE,
    "-" + JUST_OVER + "1",
    "-1",
    "1e9",
    "1e999",
    "١٢٣",  # Arabic-Indic digits: int() takes them
    "１２",  # full-width digits
    "²",
    "a\x00b",
    "0001-01-01",
    "9999-12-31",
    "x" * 200_000,
]


def _url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


REGISTERED = sorted(admin.site._registry, key=_label)


def _build_world() -> dict[str, Any]:
    """One row of every registered model."""
    admin_user = f.UserFactory(
        username="fuzz-admin", roles=[Role.ADMIN], is_staff=True, is_superuser=True
    )
    coordinator = f.user_with_role(Role.COORDINATOR, "fuzz-coordinator")
    manager = f.user_with_role(Role.MANAGER, "fuzz-manager")
    placement = f.PlacementFactory(
        status=PlacementStatus.ACTIVE, start_date=datetime.date(2030, 1, 1)
    )
    participant = placement.participant
    participant.coordinators.add(coordinator)
    enterprise = placement.offer.enterprise
    enterprise.managers.add(manager)
    f.AttendanceDayFactory(placement=placement)  # and by trigger its PlacementMonth row
    f.ClosedMonthFactory(month=datetime.date(2024, 1, 1), closed_by=admin_user)
    # A next meeting not yet held: by trigger its FollowUpDue row.
    f.FollowUpMeetingFactory(placement=placement, next_meeting=datetime.date(2030, 3, 1))
    f.ConsentFactory(participant=participant)
    f.EnrolmentFactory(participant=participant)
    f.EnterpriseAgreementFactory(enterprise=enterprise)
    f.AnnualFigureFactory(enterprise=enterprise)
    ParticipantSupportSource.objects.create(
        participant=participant,
        phase=ParticipantSupportSource._meta.get_field("phase").choices[0][0],
        source=ParticipantSupportSource._meta.get_field("source").choices[0][0],
    )
    CapacityChange.objects.create(
        offer=placement.offer, changed_by=admin_user, old_capacity=2, new_capacity=3
    )
    refresh_association_counts.call()  # an AttentionCount row per kind with an admin
    audit_record(user=coordinator, action=AuditAction.VIEW, obj=participant)
    day = datetime.date(2030, 1, 1)
    # Issue 14: queues, parking, handover history; issue 16: development log, ESF+.
    WaitingListEntry.objects.create(
        offer=placement.offer, participant=participant, wanted_start=day, extent=50
    )
    Parking.objects.create(participant=participant, reason="health", since=day, until=day)
    ResponsibilityChange.objects.create(participant=participant, to_user=coordinator)
    esf_enrolment = f.EnrolmentFactory(
        participant=participant, insats=f.InsatsFactory(name="ESF", esf_funded=True)
    )
    EsfParticipantData.objects.create(enrolment=esf_enrolment, entry_recorded_on=day)
    DevelopmentGoal.objects.create(enterprise=enterprise, goal="Mål", target_date=day)
    SupportActivity.objects.create(
        enterprise=enterprise, kind="network_meeting", date=day, hours=2, taking_part="VD"
    )
    Milestone.objects.create(enterprise=enterprise, kind="other", date=day)
    DevelopmentComment.objects.create(enterprise=enterprise, author=manager, text="Bra")
    # Issue 13: a statistics summary (not in the admin: it holds exact counts and keys).
    StatisticsSummary.objects.create(
        key="fuzz", kind=SummaryKind.OVERVIEW, period_start=day, period_end=day
    )
    # Issue 14: notifications, opt-outs, calendar feeds.
    Notification.objects.create(
        recipient=coordinator, kind="proposal_made", key="fuzz", subject="Ämne", body="Text"
    )
    NotificationOptOut.objects.create(user=coordinator, kind="digest")
    CalendarFeed.objects.create(user=coordinator, token_hash="0" * 64)
    now = timezone.now()
    AccessAttempt.objects.create(
        username="x",
        ip_address="10.0.0.1",
        user_agent="ua",
        attempt_time=now,
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/",
        failures_since_start=1,
    )
    AccessLog.objects.create(
        username="x",
        ip_address="10.0.0.1",
        user_agent="ua",
        attempt_time=now,
        http_accept="*/*",
        path_info="/",
    )
    AccessFailureLog.objects.create(
        username="x",
        ip_address="10.0.0.1",
        user_agent="ua",
        attempt_time=now,
        http_accept="*/*",
        path_info="/",
    )
    TOTPDevice.objects.create(user=coordinator, name="app")
    StaticDevice.objects.create(user=coordinator, name="codes")
    Group.objects.get_or_create(name="fuzz")
    return {
        "placement": placement,
        "coordinator": coordinator,
        "manager": manager,
        "admin": admin_user,
    }


@pytest.fixture(scope="module")
def module_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Built once for the module inside a transaction rolled back afterwards (as
    `seeded_demo` does); each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world: dict[str, Any], db: None) -> dict[str, Any]:
    return module_world


@pytest.fixture
def office(world: dict[str, Any]) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world["admin"])
    return client


def _field_names(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.get_fields()
        if (field.concrete or field.many_to_many) and not field.auto_created
    ]


def _changelist_queries(model: type[models.Model]) -> list[dict[str, str]]:
    names = [
        field.name
        for field in model._meta.get_fields()
        if field.concrete and (not field.auto_created or field.primary_key)
    ]
    queries: list[dict[str, str]] = [
        {"q": "a " * 50_000},
        {"q": "\x00"},
        {"q": HUGE},
        {"p": HUGE},
        {"p": "-1"},
        {"o": "-" + HUGE},
        {"o": "1.a"},
        {"all": "", "e": "1"},
        # Refused by the input-bounds layer whatever the field: one request for all.
        {f"{name}__exact": HUGE for name in names},
        {f"{name}__exact": "\x00" for name in names},
    ]
    for field in model._meta.get_fields():
        if not field.concrete or field.auto_created and not field.primary_key:
            continue
        name = field.name
        if isinstance(field, (models.DateField, models.DateTimeField)):
            for value in [JUST_OVER, "99999", "0", "١٢"]:
                queries.append({f"{name}__year": value})
            queries.append({f"{name}__year": "2024", f"{name}__month": "13", f"{name}__day": "0"})
            queries.append({f"{name}__gte": "0001-01-01", f"{name}__lt": "9999-12-31"})
        if field.is_relation:
            for value in ["1e9", "-1", "١٢٣"]:
                queries.append({f"{name}__id__exact": value})
            queries.append({f"{name}__exact": JUST_OVER, f"{name}__isnull": "\x00"})
        else:
            queries.append({f"{name}__exact": "1e9"})
    return queries


def _check(response: Any, what: str, failures: list[str]) -> None:
    if response.status_code >= 500:
        failures.append(f"{response.status_code} {what}")


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_admin_pages_survive_hostile_input(
    office: Client, world: dict[str, Any], model: type[models.Model]
) -> None:
    failures: list[str] = []
    changelist = _url(model, "changelist")
    for query in _changelist_queries(model):
        _check(office.get(changelist, query), f"GET changelist {query!r:.120}", failures)

    fields = _field_names(model)
    add = _url(model, "add")
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the world has no {_label(model)}"
    change = _url(model, "change", obj.pk)
    for value in HOSTILE_VALUES:
        prefill = dict.fromkeys(fields, value)
        _check(office.get(add, prefill), f"GET add ?*={value!r:.40}", failures)
        data = {name: [value, HUGE] for name in fields}
        _check(office.post(add, data), f"POST add *={value!r:.40}", failures)
        data = {name: [value] for name in fields}
        _check(office.post(change, data), f"POST change *={value!r:.40}", failures)
    # One hostile prefill at a time for the fields the admin's widgets look up or parse.
    for field in model._meta.get_fields():
        if field.is_relation and not field.auto_created or isinstance(field, models.DateField):
            for value in ["1e9", "2024-01-01"]:
                query = {field.name: value}
                _check(office.get(add, query), f"GET add ?{field.name}={value!r}", failures)
    for pk in [HUGE, JUST_OVER, "-1", "1e9", "١٢٣"]:
        for view in ["change", "delete", "history"]:
            url = _url(model, view, 1).replace("/1/", f"/{pk}/")
            _check(office.get(url), f"GET {view} pk={pk!r}", failures)
    assert failures == []


def test_the_app_forms_survive_huge_ids_in_multi_selects(world: dict[str, Any]) -> None:
    # The participant and enterprise forms' multi-selects; the lists' filters too.
    participant = world["placement"].participant
    enterprise = world["placement"].offer.enterprise
    pages = [
        ("coordinator", reverse("participants:participant-create"), ["interests", "coordinators"]),
        (
            "coordinator",
            reverse("participants:participant-update", args=[participant.pk]),
            ["interests", "coordinators"],
        ),
        ("coordinator", reverse("participants:participant-list"), ["interests", "coordinators"]),
        (
            "manager",
            reverse("enterprises:enterprise-update", args=[enterprise.pk]),
            ["business_areas"],
        ),
        ("manager", reverse("enterprises:offer-list"), ["business_area", "municipality"]),
    ]
    failures: list[str] = []
    for role, url, names in pages:
        client = Client(raise_request_exception=False)
        client.force_login(world[role])
        for value in [HUGE, JUST_OVER, "-" + HUGE, "١٢٣", "\x00", "x" * 20_000]:
            data = {name: [value] for name in names}
            _check(client.post(url, data), f"POST {url} {value!r:.40}", failures)
            _check(client.get(url, data), f"GET {url} {value!r:.40}", failures)
    assert failures == []


def test_the_attendance_grid_survives_huge_ids(world: dict[str, Any]) -> None:
    manager = Client(raise_request_exception=False)
    manager.force_login(world["manager"])
    url = reverse("placements:attendance-grid")
    failures: list[str] = []
    for value in [HUGE, JUST_OVER, "-1", "١٢٣", "\x00"]:
        for data in [{"shown": [value]}, {f"p{value}": ["2030-01-02"]}, {"shown": ["1", value]}]:
            _check(manager.post(url, data), f"POST grid {data!r}", failures)
    for data in [{"shown": [HUGE]}, {f"p{JUST_OVER}": ["2030-01-02"]}, {"shown": ["1", HUGE]}]:
        assert manager.post(url, data).status_code in (400, 404)
    assert failures == []
