"""Invoice basis: present days x price per present day, per placement and per enterprise;
the CSV and XLSX downloads are read back and their figures checked."""

from __future__ import annotations

import csv
import datetime
import gc
import io
import weakref
from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Enterprise
from placements.models import PlacementStatus
from placements.selectors import invoicing
from placements.selectors.invoicing import (
    InvoiceRowList,
    export_table,
    invoice_offer_totals,
    invoice_placements,
    invoice_rows,
    invoice_totals,
)
from samordning.models import AuditAction, AuditLog
from tests.factories import (
    AttendanceDayFactory,
    EnterpriseFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
    share,
)

pytestmark = pytest.mark.django_db

MARCH = (2031, 3)


def _active(offer, participant=None, **extra):
    start = extra.pop("start_date", datetime.date(2031, 1, 1))
    return PlacementFactory(
        offer=offer,
        participant=participant or ParticipantFactory(),
        status=PlacementStatus.ACTIVE,
        planned_start=start,
        start_date=start,
        planned_end=datetime.date(2031, 12, 31),
        **extra,
    )


def _present(placement, *days):
    for day in days:
        AttendanceDayFactory(placement=placement, date=datetime.date(2031, 3, day))


@pytest.fixture
def books(manager, manager2, coordinator):
    """Two enterprises. Cafe: 150 kr/day, Anna 3 days + Bo 2 days in March (and a day in
    February and April that must not count). Snickeri (manager2): 300 kr/day, Cai 4 days."""
    cafe = EnterpriseFactory(name="Café Ett", managers=[manager])
    cafe_offer = TrainingOfferFactory(
        enterprise=cafe, title="Kök", price_per_day=Decimal("150.00"), capacity=5
    )
    anna = _active(
        cafe_offer,
        ParticipantFactory(first_name="Anna", last_name="Ek", coordinators=[coordinator]),
    )
    bo = _active(cafe_offer, ParticipantFactory(first_name="Bo", last_name="Al"))
    _present(anna, 3, 4, 5)
    _present(bo, 10, 31)
    AttendanceDayFactory(placement=anna, date=datetime.date(2031, 2, 28))
    AttendanceDayFactory(placement=bo, date=datetime.date(2031, 4, 1))
    # A placement without days in March gives no row.
    _active(cafe_offer)
    wood = EnterpriseFactory(name="Snickeri Två", managers=[manager2])
    wood_offer = TrainingOfferFactory(
        enterprise=wood, title="Verkstad", price_per_day=Decimal("300.00"), capacity=5
    )
    cai = _active(wood_offer, ParticipantFactory(first_name="Cai", last_name="Berg"))
    _present(cai, 1, 2, 3, 4)
    return {"cafe": cafe, "wood": wood, "anna": anna, "bo": bo, "cai": cai}


def test_rows_and_totals_are_days_times_price(books, admin_user):
    rows = list(
        invoice_rows(enterprises=Enterprise.objects.all(), year=2031, month=3, user=admin_user)
    )
    figures = {r.pk: (r.present_days, Decimal(r.amount)) for r in rows}
    assert figures == {
        books["anna"].pk: (3, Decimal("450.00")),
        books["bo"].pk: (2, Decimal("300.00")),
        books["cai"].pk: (4, Decimal("1200.00")),
    }
    totals = invoice_totals(
        enterprises=Enterprise.objects.all(), year=2031, month=3, user=admin_user
    )
    assert [(t.name, t.days, t.amount) for t in totals] == [
        ("Café Ett", 5, Decimal("750.00")),
        ("Snickeri Två", 4, Decimal("1200.00")),
    ]


def test_names_only_for_those_who_may_see_them(books, coordinator):
    rows = {
        r.pk: r
        for r in invoice_rows(
            enterprises=Enterprise.objects.all(), year=2031, month=3, user=coordinator
        )
    }
    # The coordinator is responsible for Anna only: the other caseloads' placements
    # are not on their invoice basis at all.
    from placements.selectors.invoicing import row_participant

    assert set(rows) == {books["anna"].pk}
    assert row_participant(rows[books["anna"].pk]).label == "Anna Ek"


def _csv(response):
    text = response.getvalue().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _xlsx(response):
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_manager_page_shows_own_enterprise_only(client, manager, books):
    client.force_login(manager)
    response = client.get(reverse("placements:invoice-basis"), {"month": "2031-03"})
    assert response.status_code == 200
    text = response.text
    assert "Anna Ek" in text and "Bo Al" in text
    assert "750,00" in text
    assert "Snickeri" not in text and "Cai" not in text


def test_manager_csv_download_figures(client, manager, books):
    client.force_login(manager)
    response = client.get(reverse("placements:invoice-export", args=["csv"]), {"month": "2031-03"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fakturaunderlag-2031-03.csv"'
    rows = _csv(response)
    assert rows[0][0] == "Företag"
    by_name = {row[3]: row for row in rows[1:] if row[3]}
    assert by_name["Anna Ek"][5:] == ["3", "150,00", "450,00"]
    assert by_name["Bo Al"][5:] == ["2", "150,00", "300,00"]
    assert rows[-2][0] == "Café Ett" and rows[-2][2] == "Summa"
    assert rows[-2][5] == "5" and rows[-2][7] == "750,00"
    assert rows[-1][0] == "Totalt" and rows[-1][7] == "750,00"
    assert not any("Cai" in cell for row in rows for cell in row)


def test_coordinator_xlsx_download_covers_only_their_caseload(client, coordinator, books):
    client.force_login(coordinator)
    response = client.get(reverse("placements:invoice-export", args=["xlsx"]), {"month": "2031-03"})
    assert response.status_code == 200
    rows = _xlsx(response)
    assert rows[0][5] == "Närvarodagar"
    sums = {row[0]: row for row in rows if row[2] == "Summa"}
    # Anna (3 days) is theirs; Bo at the same café and Cai at the snickeri are not.
    assert sums["Café Ett"][5] == 3 and Decimal(str(sums["Café Ett"][7])) == Decimal("450")
    assert "Snickeri Två" not in sums
    assert rows[-1][0] == "Totalt"
    assert rows[-1][5] == 3 and Decimal(str(rows[-1][7])) == Decimal("450")
    participants = {row[3] for row in rows[1:]}
    assert "Anna Ek" in participants
    assert not {"Cai Berg", "Bo Al", f"Arbetsträning nr {books['bo'].pk}"} & participants
    # One audit row for the export (issue 13: not one per row), naming every person in it.
    placement_rows = [row for row in rows[1:] if row[2] not in ("Summa", "") and row[0] != "Totalt"]
    logged = AuditLog.objects.filter(action=AuditAction.EXPORT, user=coordinator)
    assert logged.count() == 1
    entry = logged.get()
    assert entry.object_type == "invoice-basis"
    assert entry.subject_ids == [books["anna"].participant_id]
    assert len(placement_rows) == 1
    assert (
        AuditLog.objects.about_subject(books["anna"].participant_id)
        .filter(action=AuditAction.EXPORT)
        .exists()
    )


def test_filter_by_enterprise(client, admin_user, books):
    client.force_login(admin_user)
    response = client.get(
        reverse("placements:invoice-export", args=["csv"]),
        {"month": "2031-03", "enterprise": books["wood"].pk},
    )
    rows = _csv(response)
    assert {row[0] for row in rows[1:]} == {"Snickeri Två", "Totalt"}
    assert rows[-1][7] == "1200,00"


def test_formula_injection_is_escaped_in_both_formats(client, manager):
    enterprise = EnterpriseFactory(name='=HYPERLINK("http://x")', managers=[manager])
    offer = TrainingOfferFactory(enterprise=enterprise, title="+SUM(A1)")
    placement = _active(offer, ParticipantFactory(first_name="@Eva", last_name="-Lind"))
    _present(placement, 2)
    client.force_login(manager)
    params = {"month": "2031-03"}
    csv_rows = _csv(client.get(reverse("placements:invoice-export", args=["csv"]), params))
    xlsx_rows = _xlsx(client.get(reverse("placements:invoice-export", args=["xlsx"]), params))
    for rows in (csv_rows, xlsx_rows):
        first = rows[1]
        assert first[0] == '\'=HYPERLINK("http://x")'
        assert first[2] == "'+SUM(A1)"
        assert first[3] == "'@Eva -Lind"


def test_unknown_format_is_404(client, manager, books):
    client.force_login(manager)
    assert client.get(reverse("placements:invoice-export", args=["pdf"])).status_code == 404


def test_bad_month_is_a_form_error(client, manager, books):
    client.force_login(manager)
    response = client.get(reverse("placements:invoice-basis"), {"month": "mars"})
    assert response.status_code == 200
    assert "Ange månad som ÅÅÅÅ-MM" in response.text


@pytest.mark.parametrize("value", ["²", "1²", "１"])
def test_unicode_digits_in_the_enterprise_filter_are_a_404(client, coordinator, books, value):
    client.force_login(coordinator)
    params = {"month": "2031-03", "enterprise": value}
    assert client.get(reverse("placements:invoice-basis"), params).status_code == 404
    export = reverse("placements:invoice-export", args=["csv"])
    assert client.get(export, params).status_code == 404


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
def test_far_off_month_is_a_form_error(client, manager, books, month):
    client.force_login(manager)
    response = client.get(reverse("placements:invoice-basis"), {"month": month})
    assert response.status_code == 200
    assert "Välj datum mellan 1900 och 2100." in response.text
    export = client.get(reverse("placements:invoice-export", args=["csv"]), {"month": month})
    assert export.status_code == 200


def test_funder_is_refused(client, funder, books):
    client.force_login(funder)
    assert client.get(reverse("placements:invoice-basis")).status_code == 403


def test_export_via_service_matches_page_totals(books, admin_user):
    header, rows = export_table(
        enterprises=Enterprise.objects.all(), year=2031, month=3, user=admin_user
    )
    assert len(header) == 8
    assert not isinstance(rows, list)  # a generator: the export streams its rows
    rows = list(rows)
    placement_rows = [r for r in rows if r[2] not in ("Summa", "")]
    assert sum(r[7] for r in placement_rows) == rows[-1][7] == Decimal("1950.00")


@pytest.mark.parametrize("count", [5, 100])
def test_invoice_page_query_count_does_not_grow(
    client, coordinator, django_assert_max_num_queries, count
):
    offer = TrainingOfferFactory(capacity=200)
    for _ in range(count):
        _present(_active(offer, ParticipantFactory(coordinators=[coordinator])), 2, 3)
    client.force_login(coordinator)
    # session, user, savepoint, release, groups, the totals per offer (which also
    # count the rows: no COUNT query), those offers' titles, prices and enterprises,
    # the page of rows (offer and enterprise joined), the page's participants,
    # snapshots, present days and sharing consents, the enterprises for the filter,
    # the month's closing (if any), the one audit row listing who was shown: 15.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("placements:invoice-basis"), {"month": "2031-03"})
    assert response.status_code == 200
    assert f'<td class="num">{count * 2}</td>' in response.text


@pytest.mark.parametrize("count", [5, 60])
def test_admin_invoice_page_sums_only_the_shown_page(
    client, admin_user, django_assert_max_num_queries, count
):
    """All enterprises (admin): counted and paged first, the page's days summed
    afterwards; the query count does not grow with the month, and a later page
    carries its own placements' figures."""
    offer = TrainingOfferFactory(capacity=200, price_per_day=Decimal("100.00"))
    for _ in range(count):
        _present(_active(offer), 2, 3, 4)
    client.force_login(admin_user)
    # As the coordinator's page (test above): 15.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("placements:invoice-basis"), {"month": "2031-03"})
    assert response.status_code == 200
    assert f'<td class="num">{count * 3}</td>' in response.text  # the total of the month
    last_page = (count - 1) // 25 + 1
    response = client.get(
        reverse("placements:invoice-basis"), {"month": "2031-03", "page": last_page}
    )
    rows = response.context["rows"]
    assert len(rows) == count - (last_page - 1) * 25
    assert {(p.present_days, p.amount) for p, _label in rows} == {(3, Decimal("300.00"))}


def test_export_in_chunks_keeps_every_row_and_figure(books, admin_user, monkeypatch):
    """The download reads placements in chunks with their days summed per chunk: a
    chunk boundary between two placements loses nothing and mixes no figures."""
    from placements.selectors import invoicing

    monkeypatch.setattr(invoicing, "EXPORT_CHUNK", 2)
    _header, rows = export_table(
        enterprises=Enterprise.objects.all(), year=2031, month=3, user=admin_user
    )
    rows = list(rows)
    placement_rows = [r for r in rows if r[2] not in ("Summa", "") and r[0] != "Totalt"]
    assert sorted((r[3], r[5], r[7]) for r in placement_rows) == [
        ("Anna Ek", 3, Decimal("450.00")),
        ("Bo Al", 2, Decimal("300.00")),
        ("Cai Berg", 4, Decimal("1200.00")),
    ]
    assert rows[-1][5] == 9 and rows[-1][7] == Decimal("1950.00")


def test_export_frees_each_chunk_when_the_next_is_read(books, admin_user, monkeypatch):
    """A chunk's rows are freed by reference counting once the download has moved
    on: no reference cycle (a snapshot pointing back at its placement) keeps them
    until Python's full garbage collection, which at national scale let several
    chunks pile up in a worker."""
    monkeypatch.setattr(invoicing, "EXPORT_CHUNK", 1)
    for placement in (books["anna"], books["bo"], books["cai"]):
        share(placement)
    rows = invoice_rows(enterprises=Enterprise.objects.all(), year=2031, month=3, user=admin_user)
    gc.disable()
    try:
        first = next(rows)
        assert first.shared is not None  # the snapshot is still there for the row
        gone = weakref.ref(first)
        del first
        next(rows)
        assert gone() is None
    finally:
        rows.close()
        gc.enable()


@pytest.fixture
def crowded(manager, coordinator):
    """Offers whose rows interleave in the basis's order (enterprise name, offer
    title, start): two enterprises of one name, each with a "Kök" (and the second
    with an "Arkiv" before them); a second "Kök" at the first; an enterprise sorting
    first with two offers; an offer without rows in March. Start dates alternate,
    so the run of "Kök" offers interleaves."""
    same = [EnterpriseFactory(name="Samma AB") for _ in range(2)]
    first = EnterpriseFactory(name="Bageri", managers=[manager])
    same[0].managers.add(manager)
    kitchens = [
        TrainingOfferFactory(enterprise=same[0], title="Kök", price_per_day=Decimal("100.00")),
        TrainingOfferFactory(enterprise=same[1], title="Kök", price_per_day=Decimal("200.00")),
        TrainingOfferFactory(enterprise=same[0], title="Kök", price_per_day=Decimal("300.00")),
    ]
    others = [
        TrainingOfferFactory(enterprise=first, title="Kassa", price_per_day=Decimal("50.00")),
        TrainingOfferFactory(enterprise=first, title="Disk", price_per_day=Decimal("70.00")),
        TrainingOfferFactory(enterprise=same[1], title="Lager"),
        # The later "Samma AB" comes first by its offers' titles.
        TrainingOfferFactory(enterprise=same[1], title="Arkiv", price_per_day=Decimal("10.00")),
    ]
    counts = {
        kitchens[0]: 4,
        kitchens[1]: 3,
        kitchens[2]: 2,
        others[0]: 3,
        others[1]: 1,
        others[3]: 1,
    }
    day = 0
    for offer, count in counts.items():
        for _ in range(count):
            day += 1
            placement = _active(
                offer,
                ParticipantFactory(coordinators=[coordinator] if day % 2 else []),
                # Alternating start dates within and across offers.
                start_date=datetime.date(2031, 1, 1 + (day * 7) % 28),
            )
            _present(placement, 1 + day % 28, 2 + day % 28)
    _active(others[2])  # no days in March: no row
    return {"same": same, "first": first, "kitchens": kitchens, "others": others}


@pytest.mark.parametrize("role", ["admin_user", "coordinator", "manager"])
@pytest.mark.parametrize("per_page", [1, 2, 3, 4, 7, 25])
def test_pages_are_slices_of_the_sorted_rows(crowded, request, role, per_page):
    """Every page read from the offers it spans is the same slice of the rows as
    sorting the whole month would give (runs of offers sharing a name and title
    interleave by start date), for every role and page size."""
    user = request.getfixturevalue(role)
    query = {
        "enterprises": Enterprise.objects.visible_to(user),
        "year": 2031,
        "month": 3,
        "user": user,
    }
    whole = [p.pk for p in invoice_placements(**query)]
    assert len(whole) == {"admin_user": 14, "coordinator": 7, "manager": 10}[role]
    rows = InvoiceRowList(invoice_offer_totals(**query), **query)
    paginator = Paginator(rows, per_page)
    assert paginator.count == len(whole)
    paged = [p.pk for n in paginator.page_range for p in paginator.page(n).object_list]
    assert paged == whole
    assert rows[0].pk == whole[0] and rows[-1].pk == whole[-1]
    with pytest.raises(IndexError):
        rows[len(whole)]
    if role == "admin_user":
        # The "Kök" run interleaves its three offers: sorting each offer on its own
        # would not give this order.
        kitchens = {o.pk for o in crowded["kitchens"]}
        by_pk = {p.pk: p for p in invoice_placements(**query)}
        offers_in_run = [by_pk[pk].offer_id for pk in whole if by_pk[pk].offer_id in kitchens]
        assert offers_in_run != sorted(offers_in_run, key=[o.pk for o in crowded["kitchens"]].index)


def test_a_page_reads_only_the_offers_it_spans(crowded, admin_user, monkeypatch):
    query = {"enterprises": Enterprise.objects.all(), "year": 2031, "month": 3, "user": admin_user}
    asked: list[list[int]] = []
    real = invoicing.invoice_placements

    def recording(**kwargs):
        asked.append(sorted(kwargs["offers"]))
        return real(**kwargs)

    monkeypatch.setattr(invoicing, "invoice_placements", recording)
    rows = InvoiceRowList(invoice_offer_totals(**query), **query)
    kassa, disk, _lager, arkiv = crowded["others"]
    kitchens = [o.pk for o in crowded["kitchens"]]
    assert [p.offer_id for p in rows[0:3]] == [disk.pk, kassa.pk, kassa.pk]
    # Bageri's "Disk" (1 row) and "Kassa" (3 rows), then Samma AB's "Arkiv" (1) and
    # its "Kök" run (9): rows 1-3 are Kassa's alone; rows 3-5 the last of Kassa,
    # Arkiv and the first of the run (whose three offers are read together).
    assert [p.offer_id for p in rows[1:4]] == [kassa.pk] * 3
    assert [p.offer_id for p in rows[3:6]][:2] == [kassa.pk, arkiv.pk]
    assert rows[5].offer_id in kitchens
    assert asked == [
        sorted([disk.pk, kassa.pk]),
        [kassa.pk],
        sorted([kassa.pk, arkiv.pk, *kitchens]),
        sorted(kitchens),
    ]


def test_totals_per_enterprise_keep_their_order_and_sums(crowded, admin_user):
    """Enterprises by name, two of one name by id; each enterprise's offers summed at
    their own prices."""
    totals = invoice_totals(
        enterprises=Enterprise.objects.all(), year=2031, month=3, user=admin_user
    )
    same = crowded["same"]
    assert [t.enterprise_id for t in totals] == [crowded["first"].pk, same[0].pk, same[1].pk]
    assert [(t.days, t.amount, t.placements) for t in totals] == [
        (8, Decimal("50.00") * 6 + Decimal("70.00") * 2, 4),
        (12, Decimal("100.00") * 8 + Decimal("300.00") * 4, 6),
        (8, Decimal("200.00") * 6 + Decimal("10.00") * 2, 4),
    ]
