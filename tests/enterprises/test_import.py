"""Importing enterprises, annual figures and offers; the register and offer exports."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from enterprises.models import AnnualFigure, CapacityChange, Enterprise, TrainingOffer
from enterprises.resources import AnnualFigureResource, EnterpriseResource, TrainingOfferResource
from placements.models import PlacementStatus
from placements.resources import OfferCapacityResource
from samordning.imports import build_preview, run_import
from samordning.models import AuditAction, AuditLog
from tests.data.make_files import org_number
from tests.factories import (
    EnterpriseFactory,
    MunicipalityFactory,
    PlacementFactory,
    TrainingOfferFactory,
    business_area,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"


def digits(number: str) -> str:
    return number.replace("-", "")


@pytest.fixture
def municipalities():
    return {
        code: MunicipalityFactory(name=name, code=code)
        for code, name in (("0136", "Haninge"), ("0138", "Tyresö"))
    }


def _run(resource, path: Path, *, dry_run=False):
    kind = "xlsx" if path.suffix == ".xlsx" else "csv"
    return run_import(resource, path, kind, dry_run=dry_run, file_name=path.name)


def test_windows_1252_semicolon_csv_of_enterprises(admin_user, municipalities):
    area = business_area("cafe")
    area.name = "Café"  # as the file spells it
    area.save()
    _dataset, result = _run(EnterpriseResource(user=admin_user), DATA / "enterprises_cp1252.csv")

    assert not result.has_validation_errors(), [r.validation_error for r in result.rows]
    cafe = Enterprise.objects.get(org_number=digits(org_number(1)))
    assert cafe.name == "Café Tyresö ekonomisk förening"
    assert cafe.municipality == municipalities["0138"]
    assert cafe.criterion_integration is True
    assert [a.code for a in cafe.business_areas.all()] == ["cafe"]
    wood = Enterprise.objects.get(org_number=digits(org_number(2)))
    assert (wood.name, wood.legal_form, wood.founded_year) == (
        "Snickeriet i Årsta ideell förening",
        "non_profit_association",
        2015,
    )
    # The same file again: matched by org.nr, nothing new and nothing changed.
    _dataset, result = _run(EnterpriseResource(user=admin_user), DATA / "enterprises_cp1252.csv")
    assert [r.import_type for r in result.rows] == ["skip", "skip"]
    assert Enterprise.objects.count() == 2


def test_annual_figures_with_decimal_commas(admin_user, municipalities):
    one = EnterpriseFactory(org_number=digits(org_number(1)))
    two = EnterpriseFactory(org_number=digits(org_number(2)))

    _dataset, result = _run(
        AnnualFigureResource(user=admin_user), DATA / "annual_figures_cp1252.csv"
    )

    assert not result.has_validation_errors(), [r.validation_error for r in result.rows]
    assert AnnualFigure.objects.get(enterprise=one, year=2024).turnover_sek == Decimal("1234567")
    assert AnnualFigure.objects.get(enterprise=one, year=2025).employees == 14
    figure = AnnualFigure.objects.get(enterprise=two, year=2025)
    assert (figure.turnover_sek, figure.employees_target_group) == (Decimal("987654"), 3)
    assert AuditLog.objects.get(object_type="import.annual_figures").detail == (
        "import annual_figures: new=3 changed=0 unchanged=0"
    )


def test_a_manager_imports_only_for_their_own_enterprises(manager, municipalities):
    EnterpriseFactory(org_number=digits(org_number(1)), managers=[manager])
    EnterpriseFactory(org_number=digits(org_number(2)))  # someone else's

    dataset, result = _run(AnnualFigureResource(user=manager), DATA / "annual_figures_cp1252.csv")

    assert AnnualFigure.objects.count() == 0  # one error row: nothing is written
    preview = build_preview(AnnualFigureResource(user=manager), dataset, result)
    assert [(r.number, r.errors) for r in preview.error_rows] == [
        (5, [("Organisationsnummer", "Organisationsnumret hör inte till något av dina företag.")])
    ]


def _offer_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "platser.csv"
    header = (
        "Organisationsnummer;Benämning;Verksamhetsområde;Kommun;Antal platser;Ledig från;"
        "Pris per närvarodag (kr)"
    )
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_offers_are_matched_by_enterprise_and_title(manager, municipalities, tmp_path):
    enterprise = EnterpriseFactory(managers=[manager], municipality=municipalities["0136"])
    existing = TrainingOfferFactory(enterprise=enterprise, title="Kök", capacity=2)
    business_area("cafe")
    path = _offer_csv(
        tmp_path,
        [
            f"{enterprise.org_number};Kök;cafe;0136;4;2030-01-01;",
            f"{enterprise.org_number};Servering;cafe;Haninge;3;;",
        ],
    )

    _dataset, result = _run(OfferCapacityResource(user=manager), path)

    assert [r.import_type for r in result.rows] == ["update", "new"]
    existing.refresh_from_db()
    assert existing.capacity == 4 and existing.free_from == datetime.date(2030, 1, 1)
    assert CapacityChange.objects.filter(offer=existing, new_capacity=4).exists()
    new = TrainingOffer.objects.get(enterprise=enterprise, title="Servering")
    assert (new.capacity, new.price_per_day) == (3, Decimal("150.00"))
    assert TrainingOffer.objects.count() == 2


def test_the_back_offices_offer_import_keeps_a_raised_capacity_in_the_history(
    admin_user, municipalities, tmp_path
):
    """The admin's import (the enterprises layer's resource, which only raises) keeps
    the raise as a CapacityChange like the capacity page does: the history is what a
    past day's places are judged by (capacity.capacity_runs) and what funders see."""
    enterprise = EnterpriseFactory(municipality=municipalities["0136"])
    offer = TrainingOfferFactory(enterprise=enterprise, title="Kök", capacity=2)
    business_area("cafe")
    path = _offer_csv(tmp_path, [f"{enterprise.org_number};Kök;cafe;0136;4;;"])

    _dataset, result = _run(TrainingOfferResource(user=admin_user), path)

    assert not result.has_validation_errors(), [r.validation_error for r in result.rows]
    offer.refresh_from_db()
    assert offer.capacity == 4
    assert list(
        CapacityChange.objects.filter(offer=offer).values_list(
            "old_capacity", "new_capacity", "changed_by"
        )
    ) == [(2, 4, admin_user.pk)]


def test_an_offer_import_cannot_promise_a_place_twice(manager, municipalities, tmp_path):
    enterprise = EnterpriseFactory(managers=[manager], municipality=municipalities["0136"])
    offer = TrainingOfferFactory(enterprise=enterprise, title="Kök", capacity=2)
    today = timezone.localdate()
    for _ in range(2):
        PlacementFactory(
            offer=offer,
            status=PlacementStatus.ACCEPTED,
            planned_start=today + datetime.timedelta(days=10),
            planned_end=today + datetime.timedelta(days=100),
        )
    path = _offer_csv(tmp_path, [f"{enterprise.org_number};Kök;cafe;0136;1;;"])

    dataset, result = _run(OfferCapacityResource(user=manager), path)

    offer.refresh_from_db()
    assert offer.capacity == 2
    preview = build_preview(OfferCapacityResource(user=manager), dataset, result)
    assert preview.error_rows[0].errors[0][0] == "Antal platser"


def test_a_manager_may_not_set_the_price(manager, municipalities, tmp_path):
    enterprise = EnterpriseFactory(managers=[manager], municipality=municipalities["0136"])
    business_area("cafe")
    path = _offer_csv(tmp_path, [f"{enterprise.org_number};Ny;cafe;0136;1;;200,00"])

    dataset, result = _run(OfferCapacityResource(user=manager), path)

    assert TrainingOffer.objects.count() == 0
    preview = build_preview(OfferCapacityResource(user=manager), dataset, result)
    assert preview.error_rows[0].errors == [
        ("Pris per närvarodag (kr)", "Priset per närvarodag sätts av förbundet.")
    ]


def test_manager_import_pages_flow(client, manager, municipalities, tmp_path):
    enterprise = EnterpriseFactory(managers=[manager], municipality=municipalities["0136"])
    business_area("cafe")
    path = _offer_csv(tmp_path, [f"{enterprise.org_number};Kök;cafe;0136;2;;"])
    client.force_login(manager)

    response = client.post(
        reverse("placements:offer-import"),
        {"file": SimpleUploadedFile("platser.csv", path.read_bytes())},
    )
    assert response.status_code == 200 and not response.context["preview"].has_errors
    response = client.post(
        reverse("placements:offer-import-confirm"), {"token": response.context["token"]}
    )
    assert response.status_code == 302
    assert TrainingOffer.objects.filter(enterprise=enterprise, title="Kök").exists()
    assert client.get(reverse("placements:offer-import-template")).status_code == 200
    assert client.get(reverse("enterprises:annual-figure-import-template")).status_code == 200
    assert client.get(reverse("enterprises:enterprise-import")).status_code == 403


def test_manager_exports_their_offers_and_places(client, manager, manager2, municipalities):
    mine = TrainingOfferFactory(
        enterprise=EnterpriseFactory(managers=[manager]), title="Min plats", capacity=3
    )
    TrainingOfferFactory(enterprise=EnterpriseFactory(managers=[manager2]), title="Annans")
    client.force_login(manager)

    response = client.get(reverse("placements:offer-export", args=["csv"]))

    text = response.getvalue().decode("utf-8-sig")
    assert "Min plats" in text and "Annans" not in text
    assert ";3;3;" in text  # capacity 3, 3 free today
    assert AuditLog.objects.get(action=AuditAction.EXPORT).object_id == str(mine.enterprise.pk)


def test_admin_exports_the_full_register(client, admin_user, municipalities):
    EnterpriseFactory(name="Alfa"), EnterpriseFactory(name="=Beta")
    client.force_login(admin_user)

    response = client.get(reverse("enterprises:enterprise-register-export", args=["csv"]))

    text = response.getvalue().decode("utf-8-sig")
    assert "Alfa" in text and "'=Beta" in text  # formula text escaped
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == 2
    response = client.get(reverse("enterprises:enterprise-register-export", args=["xlsx"]))
    assert response.status_code == 200


def test_the_admin_imports_through_the_same_resource(client, admin_user, municipalities):
    client.force_login(admin_user)
    content = (
        "Organisationsnummer,Namn,Juridisk form,Kommun\n"
        f"{org_number(7)},Tvätteriet,Ekonomisk förening,0136\n"
    ).encode()
    url = reverse("admin:enterprises_enterprise_import")
    response = client.post(
        url, {"import_file": SimpleUploadedFile("f.csv", content), "format": 0, "resource": 0}
    )
    assert response.status_code == 200
    assert Enterprise.objects.count() == 0  # the admin's preview
    confirm = response.context["confirm_form"].initial

    response = client.post(reverse("admin:enterprises_enterprise_process_import"), confirm)

    assert response.status_code == 302
    assert Enterprise.objects.get().name == "Tvätteriet"
    assert AuditLog.objects.get(object_type="import.enterprises").object_repr == "f.csv"
    response = client.post(
        reverse("admin:enterprises_enterprise_export"),
        {"format": 0, "resource": 0, "enterpriseresource_name": "on"},
    )
    assert response.status_code == 200
    assert "Tvätteriet" in response.getvalue().decode("utf-8-sig")
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_the_admin_import_is_the_associations(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    response = client.get(reverse("admin:enterprises_enterprise_import"))
    assert response.status_code in (302, 403)


def test_the_admins_confirm_imports_all_rows_or_none(client, admin_user, municipalities):
    """A row that turned invalid between the preview and the confirmation (its
    municipality removed meanwhile) stops the whole file, with a message; the other
    row is not imported alone."""
    client.force_login(admin_user)
    content = (
        "Organisationsnummer,Namn,Juridisk form,Kommun\n"
        f"{org_number(7)},Tvätteriet,Ekonomisk förening,0136\n"
        f"{org_number(8)},Snickeriet,Ekonomisk förening,0138\n"
    ).encode()
    response = client.post(
        reverse("admin:enterprises_enterprise_import"),
        {"import_file": SimpleUploadedFile("f.csv", content), "format": 0, "resource": 0},
    )
    assert response.status_code == 200
    confirm = response.context["confirm_form"].initial
    municipalities["0138"].delete()

    response = client.post(
        reverse("admin:enterprises_enterprise_process_import"), confirm, follow=True
    )

    assert response.status_code == 200
    assert Enterprise.objects.count() == 0
    text = response.content.decode()
    assert "Inget importerades" in text
    assert "Import finished" not in text and "Importen klar" not in text
