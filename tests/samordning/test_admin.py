"""The admin back office: every registered model's pages work with data loaded.

The page tests iterate `admin.site._registry`, so a model registered later is
covered without touching this file; `test_every_project_model_is_registered`
makes sure nothing is left out of the registry in the first place. Our own
models (and the role groups) get the full set with demo data; admins that
third-party apps register (login throttling, two-factor devices) are theirs
to test, so they only get a smoke test that their pages answer.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import CapacityChange, Enterprise, TrainingOffer
from participants.identity import format_full, mask
from participants.models import (
    Consent,
    Enrolment,
    EsfParticipantData,
    Insats,
    Participant,
    ResponsibilityChange,
)
from placements.models import (
    AttentionCount,
    FollowUpDue,
    FollowUpMeeting,
    OfferHoldStamp,
    ParticipantActivity,
    Placement,
    PlacementMonth,
    SharedSnapshot,
    WaitingListEntry,
)
from samordning.audit import audit_record, search_digest
from samordning.models import (
    AuditAction,
    AuditLog,
    AuthenticatorApp,
    BusinessArea,
    CalendarFeed,
    Municipality,
    Notification,
    RecoveryCodeSet,
    User,
)
from samordning.policy import Role
from tests import factories as f
from tests.helpers import audit_rows_about, last_audit_pk
from tests.samordning.test_date_formats import LONG as LONG_DATE

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("samordning", "enterprises", "participants", "placements")
# Apps whose registered models get the full page tests: ours, and auth (roles are groups).
FULLY_TESTED_APPS = (*PROJECT_APPS, "auth")

# Registered models whose admin is view-only (append-only history; the roles, which
# the policy defines and a migration creates; notifications, which the worker writes;
# calendar addresses, which their users make and stop).
VIEW_ONLY = {
    AuditLog,
    CapacityChange,
    Group,
    SharedSnapshot,
    Notification,
    CalendarFeed,
    ResponsibilityChange,
    WaitingListEntry,
    PlacementMonth,  # kept by database triggers on the present days
    OfferHoldStamp,  # kept by database triggers on the placements
    FollowUpDue,  # kept by database triggers on the follow-up meetings
    ParticipantActivity,  # kept by database triggers on the placements and meetings
    AttentionCount,  # kept by the worker and the admin's pages
}
# django-otp's devices under Swedish names: third-party rows (users enrol their own),
# view and delete only, smoke-tested like the other third-party admins.
TWO_FACTOR = {AuthenticatorApp, RecoveryCodeSet}
# Registered models whose rows are created only through services (capacity
# checks, first capacity recorded): no add page in the admin.
NO_ADD = {*VIEW_ONLY, Placement, TrainingOffer}

# Models whose rows other rows PROTECT: no bulk "delete selected" action.
NO_BULK_DELETE = {Participant, Placement, Enterprise, TrainingOffer}


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


ALL_REGISTERED = sorted(admin.site._registry, key=_label)
REGISTERED = [
    m for m in ALL_REGISTERED if m._meta.app_label in FULLY_TESTED_APPS and m not in TWO_FACTOR
]


def _url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def demo_data(seeded_demo: str, db: None) -> None:
    """The demo installation from `seed_demo`, plus one read in the audit log
    (the demo data has had no readers yet)."""
    participant = Participant.objects.filter(is_anonymous=False).first()
    coordinator = participant.coordinators.first()
    audit_record(user=coordinator, action=AuditAction.VIEW, obj=participant)


@pytest.fixture
def admin_client_(client: Any, admin_user: Any) -> Any:
    client.force_login(admin_user)
    return client


def test_every_project_model_is_registered() -> None:
    project_models = {
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.auto_created
    }
    assert project_models - set(admin.site._registry) == set()


def test_site_header_is_swedish(admin_client_: Any) -> None:
    response = admin_client_.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Samordning – administration" in response.text


def test_demo_data_covers_every_registered_model(demo_data: None) -> None:
    empty = [_label(m) for m in REGISTERED if not m._default_manager.exists()]
    assert empty == []


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_changelist(admin_client_: Any, demo_data: None, model: type[models.Model]) -> None:
    response = admin_client_.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    # A changelist is a table: dates in the table format (samordning/admin_site.py).
    cells = re.findall(r"(?is)<td\b[^>]*>(.*?)</td>", response.text)
    assert [cell for cell in cells if LONG_DATE.search(cell)] == []
    # Exercise search_fields (a wrong lookup only fails at request time).
    response = admin_client_.get(_url(model, "changelist"), {"q": "a"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_add_page(admin_client_: Any, demo_data: None, model: type[models.Model]) -> None:
    response = admin_client_.get(_url(model, "add"))
    assert response.status_code == (403 if model in NO_ADD else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_change_page(admin_client_: Any, demo_data: None, model: type[models.Model]) -> None:
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None
    response = admin_client_.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    # View-only admins render no save button.
    assert ('name="_save"' in response.text) is (model not in VIEW_ONLY)


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_delete_page(admin_client_: Any, demo_data: None, model: type[models.Model]) -> None:
    """The confirmation page renders (listing protected rows), never a 500."""
    obj = model._default_manager.order_by("pk").first()
    response = admin_client_.get(_url(model, "delete", obj.pk))
    assert response.status_code == (403 if model in VIEW_ONLY else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_autocomplete_fields_answer(
    admin_client_: Any, demo_data: None, model: type[models.Model]
) -> None:
    model_admin = admin.site._registry[model]
    for field_name in model_admin.autocomplete_fields:
        response = admin_client_.get(
            reverse("admin:autocomplete"),
            {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": field_name,
                "term": "",
            },
        )
        assert response.status_code == 200, field_name
        assert response.json()["results"], field_name


def test_admins_without_an_add_page_are_exactly_the_expected(rf: Any, admin_user: Any) -> None:
    request = rf.get("/")
    request.user = admin_user
    no_add = {
        model for model in REGISTERED if not admin.site._registry[model].has_add_permission(request)
    }
    assert no_add == NO_ADD
    view_only = {
        model
        for model in REGISTERED
        if not admin.site._registry[model].has_change_permission(request)
    }
    assert view_only == VIEW_ONLY


def test_every_registered_admin_answers(rf: Any, admin_client_: Any, admin_user: Any) -> None:
    """Smoke test over the whole registry, third-party admins included, without data."""
    request = rf.get("/")
    request.user = admin_user
    for model in ALL_REGISTERED:
        assert admin_client_.get(_url(model, "changelist")).status_code == 200, model
        may_add = admin.site._registry[model].has_add_permission(request)
        expected = 200 if may_add else 403
        assert admin_client_.get(_url(model, "add")).status_code == expected, model


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_bulk_delete_only_where_nothing_is_protected(
    admin_client_: Any, demo_data: None, model: type[models.Model]
) -> None:
    response = admin_client_.get(_url(model, "changelist"))
    action_form = response.context["action_form"]
    actions = {name for name, _ in action_form.fields["action"].choices} if action_form else set()
    if model in NO_BULK_DELETE or model in VIEW_ONLY:
        assert "delete_selected" not in actions
    else:
        assert "delete_selected" in actions


class TestAuditLogAdmin:
    def test_refuses_add(self, admin_client_: Any) -> None:
        assert admin_client_.get(_url(AuditLog, "add")).status_code == 403
        response = admin_client_.post(_url(AuditLog, "add"), {"action": "view"})
        assert response.status_code == 403
        assert not AuditLog.objects.exists()

    def test_refuses_change(self, admin_client_: Any, admin_user: Any) -> None:
        entry = audit_record(user=admin_user, action=AuditAction.VIEW, obj=admin_user)
        response = admin_client_.post(
            _url(AuditLog, "change", entry.pk),
            {"action": "delete", "object_type": "x", "object_id": "1"},
        )
        assert response.status_code == 403
        entry.refresh_from_db()
        assert entry.action == AuditAction.VIEW

    def test_refuses_delete(self, admin_client_: Any, admin_user: Any) -> None:
        entry = audit_record(user=admin_user, action=AuditAction.VIEW, obj=admin_user)
        assert admin_client_.get(_url(AuditLog, "delete", entry.pk)).status_code == 403
        response = admin_client_.post(_url(AuditLog, "delete", entry.pk), {"post": "yes"})
        assert response.status_code == 403
        assert AuditLog.objects.filter(pk=entry.pk).exists()

    def test_has_no_actions(self, admin_client_: Any, admin_user: Any) -> None:
        audit_record(user=admin_user, action=AuditAction.VIEW, obj=admin_user)
        response = admin_client_.get(_url(AuditLog, "changelist"))
        assert response.status_code == 200
        assert response.context["action_form"] is None
        assert 'name="_selected_action"' not in response.text

    def test_filters_by_action_object_type_user_and_date(self, admin_user: Any) -> None:
        model_admin = admin.site._registry[AuditLog]
        fields = {f[0] if isinstance(f, tuple) else f for f in model_admin.list_filter}
        assert {"action", "object_type", "user", "at"} <= fields
        # Dates by the list filter (ranges an index serves), not a date hierarchy
        # (SELECT DISTINCT over the whole log); no exact count of the whole log.
        assert model_admin.date_hierarchy is None
        assert model_admin.show_full_result_count is False


class TestParticipantAdmin:
    NUMBER = f.make_personal_number(datetime.date(1985, 3, 12), serial=234)

    @pytest.fixture
    def participant(self) -> Participant:
        return f.ParticipantFactory(
            personal_number=self.NUMBER, first_name="Astrid", last_name="Berg"
        )

    def test_changelist_shows_the_masked_number_only(
        self, admin_client_: Any, participant: Participant
    ) -> None:
        response = admin_client_.get(_url(Participant, "changelist"))
        assert response.status_code == 200
        assert mask(self.NUMBER) in response.text
        assert self.NUMBER not in response.text
        assert format_full(self.NUMBER) not in response.text
        assert self.NUMBER[-4:] not in response.text

    def test_partial_number_finds_nobody(
        self, admin_client_: Any, participant: Participant
    ) -> None:
        response = admin_client_.get(_url(Participant, "changelist"), {"q": self.NUMBER[:8]})
        assert response.context["cl"].result_count == 0

    def test_complete_number_finds_the_person(
        self, admin_client_: Any, participant: Participant
    ) -> None:
        f.ParticipantFactory(first_name="Bertil")
        for term in (self.NUMBER, format_full(self.NUMBER)[2:]):
            response = admin_client_.get(_url(Participant, "changelist"), {"q": term})
            assert list(response.context["cl"].result_list) == [participant], term

    def test_change_form_shows_the_number_and_is_audited(
        self, admin_client_: Any, admin_user: Any, participant: Participant
    ) -> None:
        response = admin_client_.get(_url(Participant, "change", participant.pk))
        assert response.status_code == 200
        assert self.NUMBER in response.text
        entry = AuditLog.objects.get(object_id=str(participant.pk))
        assert entry.user == admin_user
        assert entry.action == AuditAction.VIEW
        assert entry.object_type == "participants.participant"

    def test_change_form_has_the_inlines(self, admin_client_: Any, demo_data: None) -> None:
        participant = Participant.objects.filter(placements__isnull=False).first()
        response = admin_client_.get(_url(Participant, "change", participant.pk))
        formsets = {fs.formset.model for fs in response.context["inline_admin_formsets"]}
        assert {"Consent", "Enrolment", "Placement", "ParticipantSupportSource"} == {
            m.__name__ for m in formsets
        }


def test_enterprise_change_form_has_the_inlines(admin_client_: Any, demo_data: None) -> None:
    enterprise = Enterprise.objects.first()
    response = admin_client_.get(_url(Enterprise, "change", enterprise.pk))
    formsets = {fs.formset.model.__name__ for fs in response.context["inline_admin_formsets"]}
    assert formsets == {"TrainingOffer", "AnnualFigure", "EnterpriseAgreement"}


def test_admin_changes_to_personal_data_are_logged(admin_client_: Any, demo_data: None) -> None:
    from samordning.models import AuditLog

    participant = Participant.objects.filter(is_anonymous=False).first()
    consent = participant.consents.first()
    before = AuditLog.objects.filter(action="update", object_id=str(participant.pk)).count()
    url = _url(type(consent), "change", consent.pk)
    form = admin_client_.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["note"] = "Ändrad i administrationen"
    response = admin_client_.post(url, data)
    assert response.status_code == 302, (
        getattr(response, "context", None) and response.context["adminform"].form.errors
    )
    after = AuditLog.objects.filter(action="update", object_id=str(participant.pk)).count()
    assert after == before + 1


def test_capacity_and_placement_lifecycle_are_read_only_in_the_admin(
    admin_client_: Any, demo_data: None
) -> None:
    offer = TrainingOffer.objects.first()
    form = admin_client_.get(_url(TrainingOffer, "change", offer.pk)).context["adminform"].form
    assert "capacity" not in form.fields and "free_from" not in form.fields
    placement = Placement.objects.first()
    form = admin_client_.get(_url(Placement, "change", placement.pk)).context["adminform"].form
    assert not {"status", "offer", "planned_start", "planned_end", "extent"} & set(form.fields)


def test_attendance_days_newest_first(admin_client_: Any) -> None:
    """Not the model's order (by placement, that is by planned start): at national
    scale that walked tens of thousands of placements to find a page of days."""
    older = f.AttendanceDayFactory(date=datetime.date(2031, 3, 3))
    newer = f.AttendanceDayFactory(date=datetime.date(2031, 3, 4))
    later_placement_older_day = f.AttendanceDayFactory(date=datetime.date(2031, 3, 2))
    mine = {older.pk, newer.pk, later_placement_older_day.pk}
    response = admin_client_.get(reverse("admin:placements_attendanceday_changelist"))
    assert [day.pk for day in response.context["cl"].result_list if day.pk in mine] == [
        newer.pk,
        older.pk,
        later_placement_older_day.pk,
    ]


def test_offer_changelist_queries_do_not_grow_with_its_rows(admin_client_: Any) -> None:
    url = reverse("admin:enterprises_trainingoffer_changelist")
    counts = []
    for size in (2, 6):
        f.TrainingOfferFactory.create_batch(size - TrainingOffer.objects.count())
        with CaptureQueriesContext(connection) as captured:
            assert admin_client_.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- deletes: many-to-many links protect like foreign keys ----------------------------


def test_admin_deleting_a_business_area_in_use_deletes_nothing(admin_client_: Any) -> None:
    area = BusinessArea.objects.create(code="tvatteri-qa", name="Tvätteri QA")
    enterprise = f.EnterpriseFactory()
    enterprise.business_areas.add(area)
    participant = f.EnrolledParticipantFactory(first_name="Qvintus", last_name="Revisorsson")
    participant.interests.add(area)
    response = admin_client_.post(_url(BusinessArea, "delete", area.pk), {"post": "yes"})
    assert response.status_code == 200  # Django's "cannot delete: protected" page
    assert response.context["protected"]
    assert BusinessArea.objects.filter(pk=area.pk).exists()
    assert list(Enterprise.objects.get(pk=enterprise.pk).business_areas.all()) == [area]
    assert list(Participant.objects.get(pk=participant.pk).interests.all()) == [area]
    # The enterprise by name; the participant by number, linked to the logged change page.
    assert enterprise.name in response.text
    assert "Revisorsson" not in response.text
    assert _url(Participant, "change", participant.pk) in response.text


def test_admin_bulk_deleting_business_areas_in_use_deletes_nothing(admin_client_: Any) -> None:
    used = BusinessArea.objects.create(code="tvatteri-qa", name="Tvätteri QA")
    unused = BusinessArea.objects.create(code="snickeri-qa", name="Snickeri QA")
    participant = f.EnrolledParticipantFactory()
    participant.interests.add(used)
    response = admin_client_.post(
        _url(BusinessArea, "changelist"),
        {"action": "delete_selected", "_selected_action": [used.pk, unused.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert response.context["protected"]
    assert set(BusinessArea.objects.filter(pk__in=[used.pk, unused.pk])) == {used, unused}
    assert list(Participant.objects.get(pk=participant.pk).interests.all()) == [used]


def test_admin_deleting_a_responsible_coordinator_deletes_nothing(admin_client_: Any) -> None:
    newcomer = f.user_with_role(Role.COORDINATOR, "newcomer")
    participant = f.EnrolledParticipantFactory(coordinators=[newcomer])
    response = admin_client_.post(_url(User, "delete", newcomer.pk), {"post": "yes"})
    assert response.status_code == 200
    assert response.context["protected"]
    assert User.objects.filter(pk=newcomer.pk).exists()
    assert list(Participant.objects.get(pk=participant.pk).coordinators.all()) == [newcomer]


def test_admin_deletes_an_unlinked_business_area(admin_client_: Any) -> None:
    area = BusinessArea.objects.create(code="tvatteri-qa", name="Tvätteri QA")
    response = admin_client_.post(_url(BusinessArea, "delete", area.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not BusinessArea.objects.filter(pk=area.pk).exists()


def test_delete_pages_list_rows_about_participants_by_number(admin_client_: Any) -> None:
    """Protected and cascaded rows of personal-data admins are shown by number, linked
    to their (logged) change pages, so a confirmation page names nobody."""
    participant = f.ParticipantFactory(first_name="Qvintus", last_name="Revisorsson")
    enrolment = f.EnrolmentFactory(participant=participant)
    for url in (
        _url(Municipality, "delete", participant.home_municipality.pk),
        _url(Insats, "delete", enrolment.insats.pk),
    ):
        response = admin_client_.get(url)
        assert response.status_code == 200
        assert response.context["protected"], url
        assert "Revisorsson" not in response.text, url
    assert _url(Enrolment, "change", enrolment.pk) in response.text


# --- every admin page that names a participant writes an audit row ---------------------


def _autocomplete(client: Any, source: type[models.Model], field_name: str, term: str) -> Any:
    return client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": source._meta.app_label,
            "model_name": source._meta.model_name,
            "field_name": field_name,
            "term": term,
        },
    )


class TestAdminReadsOfParticipantsAreLogged:
    NUMBER = f.make_personal_number(datetime.date(1985, 3, 12), serial=234)

    @pytest.fixture
    def participant(self) -> Participant:
        return f.ParticipantFactory(
            personal_number=self.NUMBER, first_name="Qvintus", last_name="Revisorsson"
        )

    @pytest.mark.parametrize("term", ["Revisorsson", NUMBER])
    def test_autocomplete_of_participants(
        self, admin_client_: Any, participant: Participant, term: str
    ) -> None:
        before = last_audit_pk()
        response = _autocomplete(admin_client_, Consent, "participant", term)
        assert "Qvintus Revisorsson" in response.text
        entry = AuditLog.objects.get(pk__gt=before)
        assert entry.action == AuditAction.LIST
        assert entry.subjects == f",{participant.pk},"
        # What was typed is kept as a digest only, in the path and in the filters.
        assert term not in entry.path and term not in entry.detail
        assert f"term={search_digest(term)}" in entry.detail

    def test_autocomplete_of_rows_about_participants(
        self, admin_client_: Any, participant: Participant
    ) -> None:
        enrolment = f.EnrolmentFactory(participant=participant)
        f.PlacementFactory(participant=participant, enrolment=enrolment)
        for source, field_name in (
            (EsfParticipantData, "enrolment"),
            (FollowUpMeeting, "placement"),
        ):
            before = last_audit_pk()
            response = _autocomplete(admin_client_, source, field_name, "Revisorsson")
            assert "Revisorsson" in response.text, source
            assert audit_rows_about(participant, before), source

    def test_autocomplete_of_rows_without_people_is_not_logged(
        self, admin_client_: Any, participant: Participant
    ) -> None:
        before = last_audit_pk()
        response = _autocomplete(admin_client_, Participant, "home_municipality", "")
        assert response.status_code == 200 and response.json()["results"]
        assert not AuditLog.objects.filter(pk__gt=before).exists()

    @pytest.mark.parametrize("view", ["delete", "history"])
    def test_delete_and_history_pages(
        self, admin_client_: Any, participant: Participant, view: str
    ) -> None:
        before = last_audit_pk()
        response = admin_client_.get(_url(Participant, view, participant.pk))
        assert "Revisorsson" in response.text
        assert audit_rows_about(participant, before)

    def test_delete_and_history_pages_of_rows_about_participants(
        self, admin_client_: Any, participant: Participant
    ) -> None:
        enrolment = f.EnrolmentFactory(participant=participant)
        placement = f.PlacementFactory(participant=participant, enrolment=enrolment)
        rows = [
            enrolment,
            EsfParticipantData.objects.create(enrolment=enrolment),
            placement,
            f.FollowUpMeetingFactory(placement=placement),
            WaitingListEntry.objects.create(
                participant=participant, offer=placement.offer, wanted_start=placement.planned_start
            ),
        ]
        for row in rows:
            for view in ("delete", "history"):
                before = last_audit_pk()
                response = admin_client_.get(_url(type(row), view, row.pk))
                if response.status_code == 403:  # view-only: no delete page
                    continue
                assert "Revisorsson" in response.text, (row, view)
                assert audit_rows_about(participant, before), (row, view)

    def test_a_refused_delete_is_logged_like_its_confirmation(
        self, admin_client_: Any, participant: Participant
    ) -> None:
        f.EnrolmentFactory(participant=participant)  # protects the participant
        before = last_audit_pk()
        response = admin_client_.post(_url(Participant, "delete", participant.pk), {"post": "yes"})
        assert response.status_code == 200 and response.context["protected"]
        assert "Revisorsson" in response.text
        assert audit_rows_about(participant, before)
        assert Participant.objects.filter(pk=participant.pk).exists()

    def test_autocomplete_queries_do_not_grow_with_its_rows(self, admin_client_: Any) -> None:
        # The session and the user (every page), the count for "more", the page of
        # placements (participant and offer joined), the audit row's insert.
        counts = []
        for size in (2, 6):
            mine = Placement.objects.filter(participant__last_name="Räknesson").count()
            f.PlacementFactory.create_batch(
                size - mine, participant__last_name="Räknesson", shared=False
            )
            with CaptureQueriesContext(connection) as captured:
                response = _autocomplete(admin_client_, FollowUpMeeting, "placement", "Räknesson")
            assert len(response.json()["results"]) == size
            counts.append(len(captured))
        assert counts[0] == counts[1]


def test_admin_bulk_delete_logs_each_row_about_a_person(admin_client_: Any) -> None:
    """ "Delete selected" on rows about people writes one delete row per row, naming its
    person, as the single delete does."""
    from participants.models import Consent

    consents = [f.ConsentFactory(), f.ConsentFactory()]
    response = admin_client_.post(
        _url(Consent, "changelist"),
        {"action": "delete_selected", "_selected_action": [c.pk for c in consents], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Consent.objects.filter(pk__in=[c.pk for c in consents]).exists()
    deletes = AuditLog.objects.filter(action=AuditAction.DELETE)
    assert sorted(row.subjects for row in deletes) == sorted(
        f",{c.participant_id}," for c in consents
    )
