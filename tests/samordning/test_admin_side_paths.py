"""The admin's side paths that show a person: each one writes an audit row, or names
nobody (the pages the main admin tests walk are in test_admin.py).

- a change page shown again after a POST (its errors, with the whole record);
- a changelist answered to a POST that is neither an action nor a list edit;
- an add page whose relation to a person is filled in from the address
  (`?participant=12`) or shown again after an error: the widget names the person;
- the admin's start page ("Senaste åtgärder": the admin log's texts, which name
  people) and the audit log's own admin pages (each logged read's text is the
  person's name).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import reverse

from participants.models import Consent, Enrolment, Participant
from placements.models import AttendanceDay, FollowUpMeeting
from samordning.audit import audit_record, search_digest
from samordning.models import AuditAction, AuditLog
from tests import factories as f
from tests.helpers import audit_rows_about, last_audit_pk, page_form

pytestmark = pytest.mark.django_db

NAME = "Revisorsson"


def _url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def office(client: Any, admin_user: Any) -> Any:
    client.force_login(admin_user)
    return client


@pytest.fixture
def participant() -> Participant:
    return f.ParticipantFactory(first_name="Qvintus", last_name=NAME)


def _shown_again(office: Any, obj: models.Model, field: str, bad: str) -> tuple[int, Any]:
    """The change page of `obj` posted as shown, with `field` made invalid; and the
    audit mark taken after the page was opened."""
    url = _url(type(obj), "change", obj.pk)
    data = page_form(office, url)
    data[field] = [bad]
    before = last_audit_pk()
    return before, office.post(url, data)


def test_a_change_page_shown_again_with_errors_is_logged(
    office: Any, participant: Participant
) -> None:
    placement = f.PlacementFactory(participant=participant, shared=False)
    before, response = _shown_again(office, participant, "email", "inte-en-adress")
    assert response.status_code == 200 and response.context["errors"]
    # The record again, what the database holds beside the form included.
    assert NAME in response.text and placement.offer.title in response.text
    assert audit_rows_about(participant, before)


def test_a_change_page_of_a_row_about_a_person_shown_again_is_logged(
    office: Any, participant: Participant
) -> None:
    consent = f.ConsentFactory(participant=participant)
    before, response = _shown_again(office, consent, "given_on", "inte ett datum")
    assert response.status_code == 200 and response.context["errors"]
    assert NAME in response.text
    assert audit_rows_about(participant, before)


def test_a_change_page_shown_again_naming_another_person_logs_both(
    office: Any, participant: Participant
) -> None:
    consent = f.ConsentFactory()
    url = _url(Consent, "change", consent.pk)
    data = page_form(office, url)
    data["participant"] = [str(participant.pk)]
    data["given_on"] = ["inte ett datum"]
    before = last_audit_pk()
    response = office.post(url, data)
    assert response.status_code == 200 and response.context["errors"]
    assert NAME in response.text  # the relation's widget names the person posted
    assert audit_rows_about(participant, before)
    assert audit_rows_about(consent.participant, before)


def test_a_saved_change_is_logged_once_as_a_change(office: Any, participant: Participant) -> None:
    consent = f.ConsentFactory(participant=participant, note="")
    url = _url(Consent, "change", consent.pk)
    data = page_form(office, url)
    data["note"] = ["ändrad"]
    before = last_audit_pk()
    response = office.post(url, data)
    assert response.status_code == 302
    rows = AuditLog.objects.filter(pk__gt=before)
    assert [row.action for row in rows] == [AuditAction.UPDATE]


def test_a_changelist_answered_to_a_post_is_logged(office: Any, participant: Participant) -> None:
    for model in (Participant, Consent):
        if model is Consent:
            f.ConsentFactory(participant=participant)
        before = last_audit_pk()
        response = office.post(_url(model, "changelist"), {})
        assert response.status_code == 200, model
        assert NAME in response.text, model
        assert audit_rows_about(participant, before), model


@pytest.mark.parametrize("model", [Consent, Enrolment])
def test_an_add_page_naming_a_person_from_the_address_is_logged(
    office: Any, participant: Participant, model: type[models.Model]
) -> None:
    before = last_audit_pk()
    response = office.get(_url(model, "add"), {"participant": participant.pk})
    assert response.status_code == 200
    assert NAME in response.text
    assert audit_rows_about(participant, before)


def test_an_add_page_naming_a_placement_is_logged(office: Any, participant: Participant) -> None:
    placement = f.PlacementFactory(participant=participant, shared=False)
    for model in (AttendanceDay, FollowUpMeeting):
        before = last_audit_pk()
        response = office.get(_url(model, "add"), {"placement": placement.pk})
        assert response.status_code == 200, model
        assert NAME in response.text, model
        assert audit_rows_about(participant, before), model


def test_an_add_page_shown_again_with_errors_naming_a_person_is_logged(
    office: Any, participant: Participant
) -> None:
    before = last_audit_pk()
    response = office.post(
        _url(Consent, "add"), {"participant": participant.pk, "given_on": "inte ett datum"}
    )
    assert response.status_code == 200 and response.context["errors"]
    assert NAME in response.text
    assert audit_rows_about(participant, before)


def test_an_empty_add_page_is_not_logged(office: Any) -> None:
    before = last_audit_pk()
    response = office.get(_url(Consent, "add"))
    assert response.status_code == 200
    assert not AuditLog.objects.filter(pk__gt=before).exists()


def test_the_start_page_names_no_person_in_the_recent_actions(
    office: Any, admin_user: Any, participant: Participant
) -> None:
    municipality = participant.home_municipality
    for obj in (participant, f.ConsentFactory(participant=participant), municipality):
        LogEntry.objects.log_actions(
            user_id=admin_user.pk, queryset=[obj], action_flag=CHANGE, change_message="[]"
        )
    response = office.get(reverse("admin:index"))
    assert response.status_code == 200
    assert NAME not in response.text
    # The rows are still there, by number, linked to their (logged) change pages.
    assert _url(Participant, "change", participant.pk) in response.text
    assert f"nr {participant.pk}" in response.text
    # Rows about nobody keep their name.
    assert municipality.name in response.text


def test_the_audit_log_admin_names_no_person(office: Any, admin_user: Any) -> None:
    participant = f.ParticipantFactory(first_name="Qvintus", last_name=NAME)
    entry = audit_record(user=admin_user, action=AuditAction.VIEW, obj=participant)
    assert NAME in entry.object_repr  # what the log keeps (pseudonymised on anonymisation)
    changelist = office.get(_url(AuditLog, "changelist"))
    assert changelist.status_code == 200
    assert NAME not in changelist.text
    # The row is there, by its object's type and id.
    assert list(changelist.context["cl"].result_list) == [entry]
    assert f'<td class="field-object_id">{participant.pk}</td>' in changelist.text
    change = office.get(_url(AuditLog, "change", entry.pk))
    assert change.status_code == 200
    assert NAME not in change.text
    # The log cannot be searched by name either (the review page filters by person).
    searched = office.get(_url(AuditLog, "changelist"), {"q": NAME})
    assert searched.status_code == 200
    assert searched.context["cl"].result_count == 0


def test_an_old_row_s_typed_search_is_neither_found_nor_shown(
    office: Any, admin_user: Any, participant: Participant
) -> None:
    """Rows written before searches were logged as digests hold what was typed: the
    carried search in `path` (until 1 December 2026), `q` in `path` and `detail`
    (until 30 November). The log's admin finds no row by that text and shows it as the
    digest it would have been logged as; the stored rows stay as they are."""
    number = participant.personal_number
    carried = urlencode({"_changelist_filters": urlencode({"q": NAME, "sex": "woman"})})
    old = [
        AuditLog.objects.create(
            user=admin_user,
            action=AuditAction.VIEW,
            object_type="participants.participant",
            object_id=str(participant.pk),
            path=f"{_url(Participant, 'change', participant.pk)}?{carried}",
            detail="admin",
            subjects=f",{participant.pk},",
        ),
        AuditLog.objects.create(
            user=admin_user,
            action=AuditAction.LIST,
            object_type="participant-list",
            object_id="1",
            path=f"/deltagare/?q={number}&period=past",
            detail=f"period=past; q={number}",
            subjects=f",{participant.pk},",
        ),
    ]
    stored = [(row.path, row.detail) for row in old]
    for term in (NAME, number, number[-4:]):
        searched = office.get(_url(AuditLog, "changelist"), {"q": term})
        assert searched.status_code == 200
        assert searched.context["cl"].result_count == 0, term
    for row, term in zip(old, (NAME, number), strict=True):
        change = office.get(_url(AuditLog, "change", row.pk))
        assert change.status_code == 200
        shown = unquote(unquote(change.text))
        assert NAME not in shown and number not in shown
        assert search_digest(term) in shown
    assert "sex=woman" in unquote(unquote(office.get(_url(AuditLog, "change", old[0].pk)).text))
    assert [
        (row.path, row.detail)
        for row in AuditLog.objects.filter(pk__in=[r.pk for r in old]).order_by("pk")
    ] == stored


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_a_search_carried_to_a_row_s_page_is_logged_as_a_digest_only(
    office: Any, participant: Participant, view: str
) -> None:
    """The admin keeps the changelist's search in the links to a row's pages
    (`_changelist_filters=q%3D...`): the log keeps the digest of it, never the text."""
    number = participant.personal_number
    for term in (NAME, number):
        query = urlencode({"_changelist_filters": urlencode({"q": term, "sex": "woman"})})
        before = last_audit_pk()
        response = office.get(f"{_url(Participant, view, participant.pk)}?{query}")
        assert response.status_code == 200
        (row,) = AuditLog.objects.filter(pk__gt=before)
        assert term not in row.path and term not in row.detail, row.path
        assert search_digest(term) in unquote(unquote(row.path))
        assert "sex=woman" in unquote(row.path)


def test_staff_without_the_admin_role_reach_no_side_path(
    client: Any, coordinator: Any, participant: Participant
) -> None:
    """The back office is the admin role's (superusers have it): a coordinator who is
    marked as staff, and even given the models' permissions, reaches no page of it,
    and nothing is logged as read."""
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    coordinator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["participants", "samordning"])
    )
    participant.coordinators.add(coordinator)  # even their own participant
    consent = f.ConsentFactory(participant=participant)
    client.force_login(coordinator)
    before = last_audit_pk()
    urls = [
        reverse("admin:index"),
        _url(Participant, "changelist"),
        _url(Participant, "change", participant.pk),
        _url(Participant, "history", participant.pk),
        _url(Participant, "delete", participant.pk),
        f"{_url(Consent, 'add')}?participant={participant.pk}",
        _url(Consent, "history", consent.pk),
        reverse("admin:autocomplete")
        + f"?app_label=participants&model_name=consent&field_name=participant&term={NAME}",
        _url(AuditLog, "changelist"),
    ]
    for url in urls:
        response = client.get(url)
        # The admin's login page ("not authorised"), or a refusal.
        assert response.status_code in (302, 403), url
        assert NAME not in response.text, url
        assert "Qvintus" not in response.text, url
    assert not AuditLog.objects.filter(pk__gt=before).exists()
