"""The ESF+ report of an ESF-financed insats, against counts worked out by hand
(tests/worlds/esf.py): exact for admins (logged), perturbed for funders."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.catalogue import esf_tables
from reports.perturbation import Tally
from reports.queries import Period
from reports.tables import count_cell
from samordning.models import AuditAction, AuditLog
from tests.worlds.esf import D, build_esf

pytestmark = pytest.mark.django_db

YEAR_2024 = Period(D(2024, 1, 1), D(2024, 12, 31), "2024")


@pytest.fixture
def world(db):
    return build_esf()


def rows(table):
    """label -> [women, men, other, total] as exported."""
    return {row[0]: row[1:] for row in table.export_rows()}


def test_exact_tables_match_the_hand_count(world):
    entry, exit_, six = esf_tables(world.insats, YEAR_2024, exact=True)
    e = rows(entry)
    # Started in 2024: P1 (woman), P2 (man), P3 (woman); P4 started 2023, P5 another insats.
    assert e["Deltagare som började (totalt)"] == [2, 1, 0, 3]
    assert e["Arbetslösa, inkl. långtidsarbetslösa"] == [1, 0, 0, 1]
    assert e["Långtidsarbetslösa"] == [1, 0, 0, 1]
    assert e["Utanför arbetskraften (inaktiva)"] == [0, 1, 0, 1]
    assert e["Sysselsatta, inkl. egna företagare"] == [0, 0, 0, 0]
    assert e["Situation: vill inte uppge"] == [1, 0, 0, 1]
    assert e["Situation: ej registrerad"] == [0, 0, 0, 0]
    # Age reached in the start year: P1 34, P2 24, P3 59.
    assert e["18–29 år"] == [0, 1, 0, 1]
    assert e["30–54 år"] == [1, 0, 0, 1]
    assert e["55 år eller äldre"] == [1, 0, 0, 1]
    assert e["Under 18 år"] == [0, 0, 0, 0]
    assert e["Utbildning ISCED 0–2"] == [1, 0, 0, 1]
    assert e["Utbildning ISCED 3–4"] == [0, 1, 0, 1]
    assert e["Utbildning: ej registrerad"] == [1, 0, 0, 1]
    assert e["Med funktionsnedsättning"] == [1, 0, 0, 1]  # P2 "vill inte uppge" is not a yes
    assert e["Medborgare i tredjeland"] == [0, 1, 0, 1]
    x = rows(exit_)
    # Ended in 2024: P1, P3 and P4 (who started in 2023).
    assert x["Deltagare som avslutade (totalt)"] == [3, 0, 0, 3]
    assert x["Söker arbete vid avslut"] == [0, 0, 0, 0]
    assert x["I utbildning eller praktik vid avslut"] == [1, 0, 0, 1]
    assert x["Har fått en kvalifikation vid avslut"] == [1, 0, 0, 1]
    assert x["I arbete, inkl. egna företagare, vid avslut"] == [1, 0, 0, 1]
    assert x["Resultat vid avslut ej registrerat"] == [1, 0, 0, 1]
    s = rows(six)
    assert s["Deltagare som avslutade (totalt)"] == [3, 0, 0, 3]
    assert s["Uppgift sex månader efter avslut ej registrerad"] == [3, 0, 0, 3]


def test_funder_tables_are_perturbed_from_the_record_keys(world):
    entry, exit_, _six = esf_tables(world.insats, YEAR_2024, exact=False)
    keys = {p: p.record_key for p in (world.p1, world.p2, world.p3, world.p4)}
    women = Tally(2, (keys[world.p1] + keys[world.p3]) % 256)
    everyone = Tally(3, (keys[world.p1] + keys[world.p2] + keys[world.p3]) % 256)
    total_row = entry.rows[0]
    assert total_row.cells[0] == count_cell(women)
    assert total_row.cells[3] == count_cell(everyone)
    ended = Tally(3, (keys[world.p1] + keys[world.p3] + keys[world.p4]) % 256)
    assert exit_.rows[0].cells[3] == count_cell(ended)
    # Every count of people is a count cell: small ones are hidden, never shown exact.
    for table in (entry, exit_):
        for row in table.rows:
            for cell in row.cells:
                assert cell.kind == "count"
                assert cell.value is None or cell.value == 0 or cell.value >= 5


def test_admin_page_and_download_are_exact_and_logged(client, world, admin_user):
    client.force_login(admin_user)
    url = reverse("reports:esf-exact", args=[world.insats.pk])
    response = client.get(url, {"year": 2024})
    assert response.status_code == 200
    assert "exakta antal" in response.text
    entry = response.context["tables"][0].table
    assert rows(entry)["Deltagare som började (totalt)"] == [2, 1, 0, 3]
    assert AuditLog.objects.filter(
        action=AuditAction.VIEW, user=admin_user, object_repr=world.insats.name
    ).exists()
    response = client.get(
        reverse("reports:esf-exact-export", args=[world.insats.pk]), {"year": 2024}
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    assert workbook.sheetnames == ["esf-start-exakt", "esf-avslut-exakt", "esf-sex-manader-exakt"]
    sheet = workbook["esf-start-exakt"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Indikator", "Kvinna", "Man", "Annat/ej angivet", "Totalt")
    assert values[1] == ("Deltagare som började (totalt)", 2, 1, 0, 3)
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, user=admin_user).count() == 1


@pytest.mark.parametrize("role", ["funder", "coordinator", "manager"])
def test_only_admins_reach_the_exact_report(client, world, role, request):
    client.force_login(request.getfixturevalue(role))
    for name in ("reports:esf-exact", "reports:esf-exact-export"):
        assert client.get(reverse(name, args=[world.insats.pk]), {"year": 2024}).status_code == 403
    assert not AuditLog.objects.exists()


def test_funder_sees_the_protected_report_only(client, world, funder):
    client.force_login(funder)
    response = client.get(reverse("reports:esf", args=[world.insats.pk]), {"year": 2024})
    assert response.status_code == 200
    assert reverse("reports:esf-exact", args=[world.insats.pk]) not in response.text
    tables = [item.table for item in response.context["tables"]]
    assert all(cell.kind == "count" for t in tables for r in t.rows for cell in r.cells)
    download = client.get(reverse("reports:esf-export", args=[world.insats.pk]), {"year": 2024})
    workbook = load_workbook(io.BytesIO(download.getvalue()))
    first = list(workbook["esf-start"].iter_rows(values_only=True))
    # The total row of three people: hidden ("..") or perturbed, never the exact 3.
    assert first[1][4] != 3
    # Not an ESF-financed insats: nothing to show.
    other = reverse("reports:esf", args=[world.other_insats.pk])
    assert client.get(other).status_code == 404


def test_the_report_is_unchanged_by_anonymisation(world, admin_user):
    from placements.privacy import participant_anonymise

    before = [t.export_rows() for t in esf_tables(world.insats, YEAR_2024, exact=True)]
    protected = [t.export_rows() for t in esf_tables(world.insats, YEAR_2024, exact=False)]
    for person in (world.p1, world.p2, world.p3, world.p4):
        participant_anonymise(participant=person, user=admin_user)
    assert [t.export_rows() for t in esf_tables(world.insats, YEAR_2024, exact=True)] == before
    assert [t.export_rows() for t in esf_tables(world.insats, YEAR_2024, exact=False)] == protected
