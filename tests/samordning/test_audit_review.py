"""The admins' log review: reads outside responsibility, reveals and exports."""

import csv
import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from samordning import audit
from samordning.audit import audit_export, audit_page_view, audit_record, search_digest
from samordning.models import SUBJECTS_SHOWN, AuditAction, AuditLog
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(coordinator, coordinator2):
    mine = ParticipantFactory(coordinators=[coordinator])
    theirs = ParticipantFactory(coordinators=[coordinator2])
    audit_record(user=coordinator, action=AuditAction.VIEW, obj=mine, responsible=True)
    audit_record(user=coordinator, action=AuditAction.VIEW, obj=theirs, responsible=False)
    audit_record(user=coordinator2, action=AuditAction.REVEAL, obj=theirs, responsible=True)
    audit_record(user=coordinator2, action=AuditAction.EXPORT, obj=theirs, responsible=True)
    return mine, theirs


def test_only_admins_may_review(client, coordinator, funder, manager):
    for user in (coordinator, funder, manager):
        client.force_login(user)
        assert client.get(reverse("audit-review")).status_code == 403


def test_review_lists_what_needs_looking_at(client, admin_user, log):
    mine, theirs = log
    client.force_login(admin_user)
    response = client.get(reverse("audit-review"))
    assert response.status_code == 200
    rows = list(response.context["page_obj"])
    assert {(r.user.username, r.action, r.object_id) for r in rows} == {
        ("coordinator", "view", str(theirs.pk)),
        ("coordinator2", "reveal", str(theirs.pk)),
        ("coordinator2", "export", str(theirs.pk)),
    }


def test_filter_by_user_and_kind(client, admin_user, coordinator, log):
    client.force_login(admin_user)
    response = client.get(reverse("audit-review"), {"user": coordinator.pk})
    assert [r.action for r in response.context["page_obj"]] == ["view"]
    response = client.get(reverse("audit-review"), {"kind": "reveal"})
    assert [r.action for r in response.context["page_obj"]] == ["reveal"]


def test_bad_period_is_a_message_not_a_500(client, admin_user, log):
    client.force_login(admin_user)
    response = client.get(
        reverse("audit-review"), {"date_from": "2026-05-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "före startdatum" in response.text
    response = client.get(reverse("audit-review"), {"date_from": "nonsense"})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize(
    "params",
    [
        {"date_to": "0001-01-01"},
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_far_off_dates_are_a_form_error_not_a_500(client, admin_user, log, params):
    client.force_login(admin_user)
    response = client.get(reverse("audit-review"), params)
    assert response.status_code == 200
    assert "Välj datum mellan 1900 och 2100." in response.text
    assert not response.context["form"].is_valid()
    assert list(response.context["page_obj"]) == []


def test_csv_download(client, admin_user, log):
    client.force_login(admin_user)
    response = client.get(reverse("audit-review"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Tidpunkt"
    assert len(rows) == 4
    assert {row[1] for row in rows[1:]} == {"coordinator", "coordinator2"}


def test_csv_download_lists_each_rows_people(client, admin_user, coordinator):
    """The people of a row as ids with spaces, read from the stored text as it is."""
    people = ParticipantFactory.create_batch(3, coordinators=[coordinator])
    audit_export(user=coordinator, export="caseload", subjects=[p.pk for p in reversed(people)])
    client.force_login(admin_user)
    response = client.get(reverse("audit-review"), {"format": "csv", "kind": "export"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert [row[6] for row in rows[1:]] == [" ".join(str(p.pk) for p in people)]


def test_subjects_text_is_sorted_and_unique_across_its_pieces(monkeypatch):
    monkeypatch.setattr(audit, "SUBJECTS_BATCH", 3)
    assert audit.subjects_text([]) == audit.subjects_text([None]) == ""
    assert audit.subjects_text([15, None, 12, "15", 12, 9, 9, 9, 30, 4]) == ",4,9,12,15,30,"


def test_bounded_queries(client, admin_user, coordinator, django_assert_max_num_queries):
    client.force_login(admin_user)
    for size in (5, 60):
        for _ in range(size):
            audit_record(
                user=coordinator,
                action=AuditAction.REVEAL,
                obj=ParticipantFactory(),
                responsible=True,
            )
        # session, user, roles (groups), count, user choices for the filter, one page of
        # rows with their users joined; plus the savepoint pair around the request
        # (ATOMIC_REQUESTS inside the test).
        with django_assert_max_num_queries(8):
            assert client.get(reverse("audit-review")).status_code == 200


def test_forwarded_header_is_not_trusted_without_proxies(rf, coordinator, settings):
    from samordning.audit import client_ip

    settings.AXES_IPWARE_PROXY_COUNT = 0
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="10.0.0.7")
    assert client_ip(request) == "10.0.0.7"
    settings.AXES_IPWARE_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4", REMOTE_ADDR="10.0.0.7")
    assert client_ip(request) == "1.2.3.4"
    request = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-ip", REMOTE_ADDR="10.0.0.7")
    assert client_ip(request) is None


def test_garbage_forwarded_header_is_no_500(client, coordinator, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    participant = ParticipantFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    response = client.get(participant.get_absolute_url(), HTTP_X_FORWARDED_FOR="not-an-ip")
    assert response.status_code == 200


def test_page_lists_a_rows_first_people_and_how_many_more(client, admin_user, coordinator):
    """An export may name a million people: the page shows the first ids and a count
    (the download has them all)."""
    audit_export(user=coordinator, export="caseload", subjects=range(1, 1001))
    client.force_login(admin_user)
    response = client.get(reverse("audit-review"), {"kind": "export"})
    shown = ", ".join(str(pk) for pk in range(1, SUBJECTS_SHOWN + 1))
    assert f"{shown} och {1000 - SUBJECTS_SHOWN} till" in response.text
    assert f"{SUBJECTS_SHOWN + 1}," not in response.text


@pytest.mark.parametrize("fmt", ["", "csv", "xlsx"])
def test_an_old_row_s_typed_search_is_shown_as_its_digest(client, admin_user, coordinator, fmt):
    """A list row written before searches were logged as digests holds what was typed
    in `detail` ("q=Berg"): the page and its downloads show the digest it would have
    been logged as (and a digest already logged as it is); the row stays as stored."""
    person = ParticipantFactory(coordinators=[coordinator], last_name="Revisorsson")
    typed = f"Revisorsson {person.personal_number}"
    old = AuditLog.objects.create(
        user=coordinator,
        action=AuditAction.LIST,
        object_type="participant-list",
        object_id="1",
        path=f"/deltagare/?q={typed}",
        detail=f"period=past; q={typed}",
        subjects=f",{person.pk},",
    )
    new = audit_page_view(
        user=coordinator,
        page="participant-list",
        subjects=[person.pk],
        filters=f"q={search_digest('Ek')}",
    )
    client.force_login(admin_user)
    params = {"kind": AuditAction.LIST} | ({"format": fmt} if fmt else {})

    response = client.get(reverse("audit-review"), params)

    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.getvalue()), read_only=True).active
        text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    elif fmt == "csv":
        text = response.getvalue().decode("utf-8-sig")
    else:
        text = response.text
    assert "Revisorsson" not in text and person.personal_number not in text
    assert f"period=past; q={search_digest(typed)}" in text
    assert new.detail in text  # a digest is shown as logged, not made into another
    old.refresh_from_db()
    assert old.detail == f"period=past; q={typed}"


def test_an_export_s_path_keeps_no_typed_search(rf, coordinator):
    """A download's address may carry a search (a link copied from a list page): the
    export's row keeps its digest, like every other row's path."""
    request = rf.get("/deltagare/export/csv/", {"q": "Revisorsson", "period": "past"})
    request.user = coordinator

    row = audit_export(user=coordinator, export="caseload", subjects=[], request=request)

    assert "Revisorsson" not in row.path
    assert (
        unquote(row.path) == f"/deltagare/export/csv/?q={search_digest('Revisorsson')}&period=past"
    )
