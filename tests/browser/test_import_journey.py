"""An admin brings a caseload in from Excel: the template, filled with 20 people, is
uploaded, previewed, confirmed and found; uploading the same file again changes nothing."""

from __future__ import annotations

import datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from participants.models import Participant
from samordning.models import AuditLog
from tests.browser.helpers import browser_login
from tests.browser.test_accessibility import AxeAudit
from tests.factories import MunicipalityFactory, make_personal_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = 20


def _fill_template(source: str, target: str) -> list[str]:
    """The downloaded template with its example row replaced by 20 people."""
    book = load_workbook(source)
    sheet = book["Import"]
    headers = [cell.value for cell in sheet[1]]
    sheet.delete_rows(2)
    numbers = []
    for n in range(PEOPLE):
        number = make_personal_number(datetime.date(1970 + n, 1 + n % 12, 1 + n), 100 + n)
        numbers.append(number)
        values = {
            "Personnummer": f"{number[:8]}-{number[8:]}",
            "Förnamn": f"Person{n:02d}",
            "Efternamn": "Importerad",
            "Folkbokföringskommun": "Haninge",
            "Startdatum": "2026-01-15",
            "Utbildningsnivå": "Gymnasial (ISCED 3–4)",
            "Samtycke lämnat": "2026-01-15",
            "Koordinator": "coordinator",
        }
        sheet.append([values.get(h) for h in headers])
    book.save(target)
    return numbers


def _upload(page, path: str) -> None:
    page.get_by_label("Fil (Excel .xlsx eller CSV)").set_input_files(path)
    page.get_by_role("button", name="Förhandsgranska").click()
    page.locator("#preview-table").wait_for()


def test_admin_imports_twenty_participants_from_the_template(
    page, admin_user, coordinator, tmp_path
):
    MunicipalityFactory(name="Haninge", code="0136")
    browser_login(page, "admin")

    page.get_by_role("link", name="Deltagare").first.click()
    page.get_by_role("link", name="Importera deltagare").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Hämta mallen (Excel)").click()
    assert download.value.suggested_filename == "mall-deltagare.xlsx"
    template = str(tmp_path / "mall.xlsx")
    download.value.save_as(template)
    filled = str(tmp_path / "deltagare.xlsx")
    numbers = _fill_template(template, filled)

    # Upload: the preview shows the 20 rows as new, and nothing is saved yet.
    _upload(page, filled)
    assert page.locator("#preview-table tbody tr").count() == PEOPLE
    assert page.locator("#preview-table tbody tr[data-status=new]").count() == PEOPLE
    assert (
        "20 nya, 0 ändras, 0 oförändrade, 0 med fel."
        in page.locator("#preview-counts").inner_text()
    )
    assert Participant.objects.count() == 0
    # The preview page passes the same WCAG audit as the other pages (wide and 320 px).
    audit = AxeAudit(page)
    audit.check("Importera deltagare, förhandsgranskning")
    assert not audit.problems, "\n".join(audit.problems)

    # Confirm: all 20 are registered, and the list shows them.
    page.get_by_role("button", name="Spara alla rader").click()
    page.wait_for_url("**/deltagare/")
    assert page.get_by_text(
        "Importen är klar: 20 nya, 0 ändrade, 0 oförändrade rader."
    ).is_visible()
    assert sorted(Participant.objects.values_list("personal_number", flat=True)) == sorted(numbers)
    expect(page.get_by_role("link", name="Person00 Importerad")).to_be_visible()
    assert all(p.coordinators.filter(pk=coordinator.pk).exists() for p in Participant.objects.all())
    before = list(Participant.objects.order_by("pk").values())

    # The same file again: every row unchanged, and confirming changes nothing.
    page.get_by_role("link", name="Importera deltagare").click()
    _upload(page, filled)
    assert page.locator("#preview-table tbody tr[data-status=skip]").count() == PEOPLE
    page.get_by_role("button", name="Spara alla rader").click()
    page.wait_for_url("**/deltagare/")
    expect(page.get_by_text("0 nya, 0 ändrade, 20 oförändrade rader")).to_be_visible()
    assert list(Participant.objects.order_by("pk").values()) == before
    assert AuditLog.objects.filter(object_type="import.participants").count() == 2
