"""Importing participants from real files (tests/data/, made by make_files.py)."""

from __future__ import annotations

import datetime
import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from participants.models import Consent, Participant
from participants.resources import ParticipantResource
from samordning import audit
from samordning.imports import run_import
from samordning.models import AuditAction, AuditLog
from samordning.spreadsheets import SpreadsheetRefused
from tests.data.make_files import MESSY_PEOPLE
from tests.factories import MunicipalityFactory, ParticipantFactory, make_personal_number
from tests.helpers import last_audit_pk

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def municipalities():
    return {
        code: MunicipalityFactory(name=name, code=code)
        for code, name in (("0136", "Haninge"), ("0138", "Tyresö"), ("0192", "Nynäshamn"))
    }


def _import(user, name, *, dry_run):
    resource = ParticipantResource(user=user)
    kind = "xlsx" if name.endswith(".xlsx") else "csv"
    return run_import(resource, DATA / name, kind, dry_run=dry_run, file_name=name)


def twelve(number: str) -> str:
    return number.replace("-", "")


def test_the_messy_excel_file_imports_every_person(admin_user, coordinator, municipalities):
    dataset, result = _import(admin_user, "participants_messy.xlsx", dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert len(dataset) == 4  # the title, the blank rows and the merged header cell are gone
    assert Participant.objects.count() == 4
    for number, first, last in MESSY_PEOPLE:
        person = Participant.objects.get(personal_number=twelve(number))
        assert (person.first_name, person.last_name) == (first.strip(), last)
        assert list(person.coordinators.all()) == [coordinator]
        assert Consent.objects.filter(participant=person, purpose="registration").exists()
    anna, bo, cecilia, dan = (
        Participant.objects.get(personal_number=twelve(n)) for n, _f, _l in MESSY_PEOPLE
    )
    assert anna.home_municipality == municipalities["0136"]  # "0136" stored as text
    assert bo.home_municipality == municipalities["0138"]  # the number 138
    assert cecilia.home_municipality == municipalities["0192"]  # by name
    assert dan.home_municipality == municipalities["0136"]  # by name, any case
    assert cecilia.start_date == datetime.date(2026, 3, 15)  # "15.03.2026"
    assert bo.first_name == "Bo"  # spaces trimmed
    # "=1+1" was not calculated: a formula without a saved value reads as empty.
    assert bo.phone == ""


def test_a_second_import_of_the_same_file_changes_nothing(admin_user, coordinator, municipalities):
    _import(admin_user, "participants_messy.xlsx", dry_run=False)
    before = list(Participant.objects.order_by("pk").values())

    _dataset, result = _import(admin_user, "participants_messy.xlsx", dry_run=False)

    assert [row.import_type for row in result.rows] == ["skip"] * 4
    assert list(Participant.objects.order_by("pk").values()) == before


def test_a_known_number_updates_the_person_instead_of_a_duplicate(
    admin_user, coordinator, municipalities
):
    number = twelve(MESSY_PEOPLE[0][0])
    existing = ParticipantFactory(personal_number=number, first_name="Annika", last_name="Berg")

    _dataset, result = _import(admin_user, "participants_messy.xlsx", dry_run=False)

    assert [r.import_type for r in result.rows] == ["update", "new", "new", "new"]
    existing.refresh_from_db()
    assert existing.first_name == "Anna"
    assert Participant.objects.filter(personal_number=number).count() == 1


def test_a_file_with_errors_writes_nothing_and_names_each_error_row(
    admin_user, coordinator, municipalities
):
    logs_before = AuditLog.objects.count()
    dataset, result = _import(admin_user, "participants_errors.csv", dry_run=False)

    assert Participant.objects.count() == 0
    assert AuditLog.objects.count() == logs_before
    from samordning.imports import build_preview

    preview = build_preview(ParticipantResource(user=admin_user), dataset, result)
    errors = {row.number: row.errors for row in preview.error_rows}
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert ("Personnummer", "Numret har fel kontrollsiffra.") in errors[3]
    assert errors[4][0][0] == "Folkbokföringskommun"
    assert "Okänd kommun" in errors[4][0][1]
    assert errors[5][0] == ("Startdatum", "Datumet ligger utanför 1900–2100.")
    assert errors[6] == [("Personnummer", "Samma nummer finns redan på rad 2 i filen.")]
    assert ("Samtycke lämnat", "Ange när samtycket lämnades.") in errors[7]


def _upload(client, name, content=None, *, url="participants:participant-import"):
    content = content if content is not None else (DATA / name).read_bytes()
    return client.post(reverse(url), {"file": SimpleUploadedFile(name, content)})


def test_upload_previews_then_confirm_saves_and_logs_once(
    client, admin_user, coordinator, municipalities
):
    client.force_login(admin_user)
    response = _upload(client, "participants_messy.xlsx")

    assert response.status_code == 200
    preview = response.context["preview"]
    assert [r.label for r in preview.rows] == ["Ny"] * 4
    assert [r.number for r in preview.rows] == [4, 6, 7, 10]  # the rows as Excel shows them
    assert Participant.objects.count() == 0  # nothing before the confirmation
    content = response.getvalue().decode()
    assert twelve(MESSY_PEOPLE[0][0])[-4:] not in content.split("preview-table")[1][:2000]

    token = response.context["token"]
    response = client.post(reverse("participants:participant-import-confirm"), {"token": token})

    assert response.status_code == 302
    assert Participant.objects.count() == 4
    log = AuditLog.objects.get(object_type="import.participants")
    assert log.action == AuditAction.CREATE
    assert log.object_repr == "participants_messy.xlsx"
    assert log.detail == "import participants: new=4 changed=0 unchanged=0"
    # The token is used up: confirming twice does nothing more.
    response = client.post(reverse("participants:participant-import-confirm"), {"token": token})
    assert response.status_code == 302
    assert AuditLog.objects.filter(object_type="import.participants").count() == 1


def test_identity_numbers_never_reach_the_audit_log(
    client, admin_user, coordinator, municipalities
):
    client.force_login(admin_user)
    content = (DATA / "participants_messy.xlsx").read_bytes()
    response = _upload(client, "deltagare-198503121019.xlsx", content)
    client.post(
        reverse("participants:participant-import-confirm"), {"token": response.context["token"]}
    )
    text = " ".join(
        f"{a.object_repr} {a.detail} {a.path} {a.object_id}" for a in AuditLog.objects.all()
    )
    assert not re.search(r"\d{10}", text)
    assert "deltagare-….xlsx" in text


def test_a_preview_with_errors_offers_no_confirmation(
    client, admin_user, coordinator, municipalities
):
    client.force_login(admin_user)
    response = _upload(client, "participants_errors.csv")

    assert response.status_code == 200
    assert response.context["preview"].has_errors
    assert b"confirm-import" not in response.getvalue()
    assert "Rad 3, Personnummer: Numret har fel kontrollsiffra." in response.getvalue().decode()


def test_the_confirmation_needs_this_sessions_upload(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("participants:participant-import-confirm"), {"token": "x"})
    assert response.status_code == 302
    assert Participant.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("lista.xlsm", b"PK\x03\x04", "makron"),
        ("lista.xls", b"\xd0\xcf\x11\xe0", "makron"),
        ("lista.pdf", b"%PDF-1.4", "Filtypen känns inte igen"),
        ("lista.xlsx", b"not a zip", "ingen giltig Excel-arbetsbok"),
    ],
)
def test_macro_and_unknown_files_are_refused(client, admin_user, name, content, message):
    client.force_login(admin_user)
    response = _upload(client, name, content)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"])


def test_a_workbook_with_a_macro_project_is_refused_whatever_its_name(client, admin_user, tmp_path):
    path = tmp_path / "book.xlsx"
    shutil.copy(DATA / "participants_messy.xlsx", path)
    import zipfile

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00")
    client.force_login(admin_user)
    response = _upload(client, "book.xlsx", path.read_bytes())
    assert "makron" in str(response.context["form"].errors["file"])


def test_size_and_row_limits_are_settings(
    client, admin_user, settings, coordinator, municipalities
):
    client.force_login(admin_user)
    settings.IMPORT_MAX_BYTES = 100
    response = _upload(client, "participants_messy.xlsx")
    assert "för stor" in str(response.context["form"].errors["file"])

    settings.IMPORT_MAX_BYTES = 10_000_000
    settings.IMPORT_MAX_ROWS = 3
    response = _upload(client, "participants_messy.xlsx")
    assert "fler än 3 rader" in str(response.context["form"].errors["file"])
    with pytest.raises(SpreadsheetRefused):
        _import(admin_user, "participants_messy.xlsx", dry_run=True)


def test_the_template_has_swedish_headers_an_example_and_lists(client, admin_user, municipalities):
    client.force_login(admin_user)
    response = client.get(reverse("participants:participant-import-template"))

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.getvalue()))
    sheet = book["Import"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Personnummer", "Förnamn", "Efternamn"]
    assert sheet["A2"].value == "19121212-1212"
    lists = {
        str(v.sqref).split(":")[0][:-1]: v.formula1 for v in sheet.data_validations.dataValidation
    }
    kon = headers.index("Kön") + 1
    assert book["Listor"].cell(row=1, column=kon).value == "Kvinna"
    assert any(col for col in lists)


def test_coordinator_exports_only_their_own_caseload(client, coordinator, coordinator2):
    mine = ParticipantFactory(coordinators=[coordinator], first_name="Mina")
    ParticipantFactory(coordinators=[coordinator2], first_name="Andras")
    client.force_login(coordinator)

    response = client.get(reverse("participants:caseload-export", args=["csv"]))

    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    assert "Mina" in text and "Andras" not in text
    assert mine.personal_number not in text  # masked
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (log.object_type, log.subjects, log.detail) == (
        "caseload",
        f",{mine.pk},",
        "caseload csv",
    )
    response = client.get(reverse("participants:caseload-export", args=["xlsx"]))
    assert response.status_code == 200
    assert client.get(reverse("participants:caseload-export", args=["pdf"])).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_caseload_export_streams_with_one_audit_row_and_constant_queries(
    client, coordinator, fmt, django_assert_max_num_queries
):
    """Rows are read in chunks while the file is written (a streamed response), one
    audit row names everyone, and the queries do not grow with the caseload."""
    client.force_login(coordinator)
    url = reverse("participants:caseload-export", args=[fmt])
    for size in (3, 30):
        ParticipantFactory.create_batch(
            size - Participant.objects.count(), coordinators=[coordinator]
        )
        before = AuditLog.objects.filter(action=AuditAction.EXPORT).count()
        with django_assert_max_num_queries(10):
            response = client.get(url)
            content = b"".join(response.streaming_content)
        assert response.streaming
        assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == before + 1
        log = AuditLog.objects.filter(action=AuditAction.EXPORT).latest("pk")
        # Written by the database in the order and form subjects_text gives (numeric
        # order: with 30 people, ",10," comes after ",9,"), one id per person.
        assert log.subjects == audit.subjects_text(Participant.objects.values_list("pk", flat=True))
        assert log.object_id == str(size)
        if fmt == "csv":
            assert content.decode("utf-8-sig").count("\n") == size + 1


def test_caseload_export_names_its_people_in_the_database(
    client, coordinator, coordinator2, monkeypatch
):
    """The export's audit row gets its ids from the INSERT itself, so a worker never
    holds them (an admin's caseload is everyone); an empty caseload names nobody."""
    client.force_login(coordinator)
    url = reverse("participants:caseload-export", args=["csv"])

    def refuse(_ids):
        raise AssertionError("the caseload's ids were read into Python")

    monkeypatch.setattr(audit, "subjects_text", refuse)
    b"".join(client.get(url).streaming_content)
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (log.subjects, log.object_id) == ("", "0")

    people = ParticipantFactory.create_batch(3, coordinators=[coordinator])
    people[0].coordinators.add(coordinator2)  # two coordinators: still named once
    b"".join(client.get(url).streaming_content)
    log = AuditLog.objects.filter(action=AuditAction.EXPORT).latest("pk")
    ids = sorted(p.pk for p in people)
    assert (log.subjects, log.object_id) == (f",{','.join(map(str, ids))},", "3")


def test_a_preview_that_finds_registered_people_is_logged_on_them(
    client, admin_user, coordinator, municipalities
):
    """The preview says which numbers are registered ("changed", "unchanged": their
    stored data as in the file): a read of those people, logged like a list page; it
    names nobody else, and what is only in the file is not logged."""
    number = twelve(MESSY_PEOPLE[0][0])
    existing = ParticipantFactory(personal_number=number, first_name="Annika", last_name="Berg")
    client.force_login(admin_user)
    before = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = _upload(client, "participants_messy.xlsx")

    assert [r.status for r in response.context["preview"].rows] == ["update", "new", "new", "new"]
    rows = AuditLog.objects.filter(pk__gt=before)
    assert [(row.action, row.object_type, row.subjects) for row in rows] == [
        (AuditAction.LIST, "import-preview:participants", f",{existing.pk},")
    ]
    assert number not in f"{rows[0].detail} {rows[0].path} {rows[0].object_repr}"


def test_the_admins_preview_that_finds_registered_people_is_logged_too(
    client, admin_user, coordinator, municipalities
):
    existing = ParticipantFactory(personal_number="198005051118", first_name="Ella")
    content = (
        "Personnummer,Förnamn,Efternamn,Folkbokföringskommun,Startdatum,Samtycke lämnat,"
        "Koordinator\n"
        "19800505-1118,Ella,Ok,0136,2026-01-10,2026-01-10,coordinator\n"
        f"{make_personal_number(datetime.date(1985, 3, 12), serial=234)},Ny,Person,0136,"
        "2026-01-10,2026-01-10,coordinator\n"
    ).encode()
    client.force_login(admin_user)
    before = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = client.post(
        reverse("admin:participants_participant_import"),
        {"import_file": SimpleUploadedFile("f.csv", content), "format": 0, "resource": 0},
    )

    result = response.context["result"]
    assert [row.import_type for row in result.rows] == ["update", "new"]
    assert Participant.objects.count() == 1  # a preview only
    rows = AuditLog.objects.filter(pk__gt=before)
    assert [(row.object_type, row.subjects) for row in rows] == [
        ("import-preview:participants", f",{existing.pk},")
    ]


def test_a_confirm_that_fails_shows_the_preview_again_and_logs_it(
    client, admin_user, coordinator, municipalities
):
    """When something changed between preview and confirm, nothing is saved and the
    preview is shown again, with its "Ändras" rows about registered people: logged like
    the first preview, one list row naming them."""
    existing = ParticipantFactory(personal_number="198005051118", first_name="Ella")
    content = (
        "Personnummer,Förnamn,Efternamn,Folkbokföringskommun,Startdatum,Samtycke lämnat,"
        "Koordinator\n"
        "19800505-1118,Ella,Ok,0136,2026-01-10,2026-01-10,coordinator\n"
        f"{make_personal_number(datetime.date(1985, 3, 12), serial=234)},Ny,Person,0192,"
        "2026-01-10,2026-01-10,coordinator\n"
    ).encode()
    client.force_login(admin_user)
    token = _upload(client, "f.csv", content).context["token"]
    municipalities["0192"].delete()  # the new row's municipality is gone since the preview
    before = last_audit_pk()

    response = client.post(reverse("participants:participant-import-confirm"), {"token": token})

    assert response.status_code == 200
    assert [r.status for r in response.context["preview"].rows] == ["update", "invalid"]
    assert Participant.objects.count() == 1
    rows = AuditLog.objects.filter(pk__gt=before)
    assert [(row.action, row.object_type, row.subjects) for row in rows] == [
        (AuditAction.LIST, "import-preview:participants", f",{existing.pk},")
    ]


def test_a_preview_row_with_errors_about_a_registered_person_is_logged_on_them(
    client, admin_user, coordinator, municipalities
):
    """A row with errors shows the file's cells and errors, nothing stored; but a new
    person's row must also have a consent and a coordinator, so the same row's errors
    tell a registered number from a new one: a read of that person like "Ändras"."""
    existing = ParticipantFactory(personal_number="198005051118", last_name="Lagrad")
    new = make_personal_number(datetime.date(1985, 3, 12), serial=234)
    content = (
        "Personnummer,Förnamn,Efternamn,Folkbokföringskommun,Startdatum,E-post\n"
        "19800505-1118,Ella,Ok,0136,2026-01-10,inte-en-adress\n"
        f"{new},Ella,Ok,0136,2026-01-10,inte-en-adress\n"
        "19800505-1118,Ella,Ok,0136,2026-01-10,\n"  # the number again: an error in the file
    ).encode()
    client.force_login(admin_user)
    before = last_audit_pk()

    response = _upload(client, "f.csv", content)

    registered, unknown, again = response.context["preview"].rows
    assert [r.status for r in (registered, unknown, again)] == ["invalid"] * 3
    assert registered.errors == [("E-post", "Fyll i en giltig e-postadress.")]
    assert ("Samtycke lämnat", "Ange när samtycket lämnades.") in unknown.errors
    assert "Lagrad" not in response.text  # nothing stored is shown
    rows = AuditLog.objects.filter(pk__gt=before)
    assert [(row.object_type, row.subjects) for row in rows] == [
        ("import-preview:participants", f",{existing.pk},")
    ]
