"""The funder page on the association's work with the enterprises, against figures
worked out by hand. Enterprises, hours, turnover and places are not people: exact."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import CapacityChange, Milestone, SupportActivity
from reports.catalogue import Report
from reports.queries import Period
from tests.factories import (
    AnnualFigureFactory,
    EnterpriseFactory,
    MunicipalityFactory,
    TrainingOfferFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def data(db):
    """Two enterprises in Haninge and one in Tyresö.

    2022: A (1.0 MSEK, 4 employees, 2 from the target group) and B (2.5 MSEK, 10, 6).
    2023: A (1.5 MSEK, 5, 3), B (3.0 MSEK, 12, 7), C in Tyresö (0.5 MSEK, 2, 1).
    Places: A's offer 3 from 2022-03-01, 5 from 2023-02-01; C's offer 2 from 2023-06-01.
    Support: 2022 A network meeting 2.5 h, B training 6 h; 2023 A business advice
    1.5 h and procurement 4 h, C network meeting 2 h; 2021 none.
    Milestones: 2022 A first AF agreement; 2023 B and C approved supplier, A IOP.
    """
    haninge = MunicipalityFactory(name="Haninge", code="0136")
    tyreso = MunicipalityFactory(name="Tyresö", code="0138")
    a = EnterpriseFactory(name="A", municipality=haninge)
    b = EnterpriseFactory(name="B", municipality=haninge)
    c = EnterpriseFactory(name="C", municipality=tyreso)
    for enterprise, year, turnover, employees, target in [
        (a, 2022, 1_000_000, 4, 2),
        (b, 2022, 2_500_000, 10, 6),
        (a, 2023, 1_500_000, 5, 3),
        (b, 2023, 3_000_000, 12, 7),
        (c, 2023, 500_000, 2, 1),
    ]:
        AnnualFigureFactory(
            enterprise=enterprise,
            year=year,
            turnover_sek=Decimal(turnover),
            employees=employees,
            employees_target_group=target,
        )

    def at(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))

    offer_a = TrainingOfferFactory(enterprise=a)
    offer_c = TrainingOfferFactory(enterprise=c)
    CapacityChange.objects.create(offer=offer_a, changed_at=at(D(2022, 3, 1)), new_capacity=3)
    CapacityChange.objects.create(offer=offer_a, changed_at=at(D(2023, 2, 1)), new_capacity=5)
    CapacityChange.objects.create(offer=offer_c, changed_at=at(D(2023, 6, 1)), new_capacity=2)
    for enterprise, kind, day, hours in [
        (a, "network_meeting", D(2022, 3, 14), "2.5"),
        (b, "training", D(2022, 9, 1), "6"),
        (a, "business_advice", D(2023, 1, 20), "1.5"),
        (a, "procurement", D(2023, 4, 2), "4"),
        (c, "network_meeting", D(2023, 3, 14), "2"),
    ]:
        SupportActivity.objects.create(
            enterprise=enterprise, kind=kind, date=day, hours=Decimal(hours)
        )
    for enterprise, kind, day in [
        (a, "first_af_agreement", D(2022, 5, 1)),
        (b, "approved_supplier", D(2023, 1, 1)),
        (c, "approved_supplier", D(2023, 8, 1)),
        (a, "iop_municipality", D(2023, 10, 1)),
    ]:
        Milestone.objects.create(enterprise=enterprise, kind=kind, date=day)
    return haninge


def period(year):
    return Period(D(year, 1, 1), D(year, 12, 31), str(year))


def rows(table):
    return {row[0]: row[1:] for row in table.export_rows()}


def test_growth_support_and_milestones_by_hand(data):
    report = Report(period(2023))
    growth = rows(report.enterprise_growth())
    # enterprises, MSEK, places 31/12, employees, from the target group (1-4 hidden).
    # 2023: Tyresö's 1 is hidden, so the whole area's 11 is too (11 - Haninge's 10 = 1).
    assert growth == {
        "2022": [2, 3.5, 3, 14, 8],
        "2023": [3, 5.0, 7, 19, ".."],
    }
    support = rows(report.support_activities())
    # activities; hours per kind in the list's order: network meeting, training,
    # business advice, authority contact, procurement, other; total hours
    assert support == {
        "2022": [2, 2.5, 6.0, 0.0, 0.0, 0.0, 0.0, 8.5],
        "2023": [3, 2.0, 0.0, 1.5, 0.0, 4.0, 0.0, 7.5],
    }
    milestones = rows(report.milestones())
    # first AF agreement, approved supplier, IOP, first target-group employee, other
    assert milestones == {"2022": [1, 0, 0, 0, 0], "2023": [0, 2, 1, 0, 0]}


def test_the_municipality_filter_and_small_people_figures(data):
    report = Report(period(2023), municipality=data)  # Haninge: A and B
    growth = rows(report.enterprise_growth())
    assert growth["2023"] == [2, 4.5, 5, 17, 10]
    tyreso = Report(period(2023), municipality=data.__class__.objects.get(code="0138"))
    # C alone: one employee from the target group is a small count of people.
    assert rows(tyreso.enterprise_growth()) == {"2023": [1, 0.5, 2, 2, ".."]}


def test_funder_sees_the_development_page(client, data, funder):
    client.force_login(funder)
    response = client.get(reverse("reports:development"), {"year": 2023})
    assert response.status_code == 200
    slugs = [item.table.slug for item in response.context["items"]]
    assert slugs == ["foretag-tillvaxt", "foretag-stod", "foretag-milstolpar"]
    assert "Stöd vid upphandling/avtal (timmar)" in response.text
    download = client.get(
        reverse("reports:table-export", args=["foretag-stod", "csv"]), {"year": 2023}
    )
    assert download.status_code == 200
    assert "2023;3;2,0" in download.getvalue().decode()  # Swedish Excel: decimal comma


def test_managers_do_not_reach_the_statistics(client, data, manager):
    client.force_login(manager)
    assert client.get(reverse("reports:development")).status_code == 403
