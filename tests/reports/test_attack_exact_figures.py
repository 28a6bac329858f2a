"""The attacker of issue 10 again, now after the figures that were left exact.

A funder may see exact figures about enterprises, places and money, but no such
figure may hand back a count of 1-4 people, nor a number the page hides. The
attacker here downloads the tables a funder gets (CSV, through the site) and
reads them the way docs/statistics.md says they are made:

- present days are days on which people were present: over one day they are the
  number of people present at each enterprise that day, so they are counted and
  perturbed like people (a count of person-days with their record keys);
- the target-group employees of the development table are hidden when 1-4, and
  the whole area is the sum of its municipalities: a hidden municipality must not
  come back as the whole area minus the others.

Each test has its control: with the protection taken away the same reading gets
the figure back, so the test can fail.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from participants.models import Participant
from reports import queries
from reports.ptable_design import PROJECT, project_ptable_path
from samordning.models import Municipality
from tests.factories import (
    AnnualFigureFactory,
    AttendanceDayFactory,
    EnrolmentFactory,
    EnterpriseFactory,
    MunicipalityFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = D(2024, 3, 12)
PRICE = Decimal("150.00")


@pytest.fixture
def production(settings):
    """What production publishes: the project's ptable, threshold 5, perturbation on."""
    settings.STATISTICS_PERTURBATION = True
    settings.STATISTICS_PTABLE = str(project_ptable_path())
    settings.STATISTICS_THRESHOLD = PROJECT.forbidden_up_to + 1


def download(client: Client, slug: str, **query: str) -> dict[str, dict[str, str]]:
    """One table as the funder downloads it: row label -> column -> text."""
    response = client.get(reverse("reports:table-export", args=[slug, "csv"]), query)
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


def present_on_one_day(people: int) -> str:
    """An enterprise where `people` participants were present on DAY (and other days)."""
    enterprise = EnterpriseFactory(name=f"Företag med {people}")
    offer = TrainingOfferFactory(enterprise=enterprise, capacity=5, price_per_day=PRICE)
    for _i in range(people):
        participant = ParticipantFactory(start_date=D(2024, 1, 2))
        EnrolmentFactory(participant=participant, start_date=D(2024, 1, 2))
        placement = PlacementFactory(
            participant=participant,
            offer=offer,
            status="active",
            planned_start=D(2024, 1, 8),
            planned_end=D(2024, 6, 30),
            start_date=D(2024, 1, 8),
        )
        for date in (DAY, DAY + datetime.timedelta(days=1)):
            AttendanceDayFactory(placement=placement, date=date)
    return enterprise.name


def people_present_read_back(client: Client) -> dict[int, tuple[str, str]]:
    """Per true number of people present on DAY: the present days and the amount a
    funder downloads for the one-day range."""
    names = {people: present_on_one_day(people) for people in range(1, 5)}
    table = download(client, "narvaro", date_from=DAY.isoformat(), date_to=DAY.isoformat())
    return {
        people: (table[name]["Närvarodagar"], table[name]["Belopp (kr)"])
        for people, name in names.items()
        if name in table
    }


def test_one_day_of_present_days_is_no_count_of_people(client, funder, production):
    client.force_login(funder)
    seen = people_present_read_back(client)
    for people, (days, amount) in seen.items():
        # Never the number of people present, neither as days nor as days x price.
        assert days in {"..", ""} or int(days) >= 5, (people, days)
        assert amount in {"..", ""} or Decimal(amount) not in {PRICE * n for n in range(1, 5)}, (
            people,
            amount,
        )


def test_one_day_of_present_days_without_perturbation_counts_people(client, funder, settings):
    """The control: exact present days over one day are the number of people present."""
    settings.STATISTICS_PERTURBATION = False
    client.force_login(funder)
    seen = people_present_read_back(client)
    assert seen == {n: (str(n), str(int(PRICE * n))) for n in range(1, 5)}


TARGET_GROUP = "Anställda ur målgruppen"


def employees_in(municipalities: dict[str, int]) -> list[Municipality]:
    """An enterprise per municipality reporting these target-group employees for 2024."""
    found = []
    for i, (name, target_group) in enumerate(municipalities.items()):
        municipality = MunicipalityFactory(name=name, code=f"98{i:02d}")
        enterprise = EnterpriseFactory(municipality=municipality)
        AnnualFigureFactory(
            enterprise=enterprise, year=2024, employees=20, employees_target_group=target_group
        )
        found.append(municipality)
    return found


def hidden_ones_recovered(client: Client) -> list[tuple[str, int]]:
    """Hidden municipality cells got back as the whole area minus the published others."""
    query = {"year": "2024"}
    whole = download(client, "foretag-tillvaxt", **query)["2024"][TARGET_GROUP]
    per_municipality = {
        municipality.name: download(
            client, "foretag-tillvaxt", municipality=str(municipality.pk), **query
        )
        .get("2024", {})
        .get(TARGET_GROUP, "0")
        for municipality in Municipality.objects.all()
    }
    hidden = [name for name, text in per_municipality.items() if text == ".."]
    if whole == ".." or len(hidden) != 1:
        return []
    rest = sum(int(text) for text in per_municipality.values() if text != "..")
    return [(hidden[0], int(whole) - rest)]


def test_hidden_target_group_employees_are_not_the_total_minus_the_others(client, funder):
    client.force_login(funder)
    employees_in({"Haninge X": 2, "Tyresö X": 7, "Nynäshamn X": 9})
    table = download(client, "foretag-tillvaxt", year="2024")
    assert table["2024"]["Anställda"] == "60"  # employees stay exact (not the target group)
    assert hidden_ones_recovered(client) == []


def test_target_group_employees_of_the_whole_area_show_when_nothing_is_hidden(client, funder):
    """The total is hidden only because of a hidden municipality: without one it shows."""
    client.force_login(funder)
    employees_in({"Haninge X": 5, "Tyresö X": 7, "Nynäshamn X": 9})
    table = download(client, "foretag-tillvaxt", year="2024")
    assert table["2024"][TARGET_GROUP] == "21"


def municipality_rows(client: Client) -> list[str]:
    return list(download(client, "deltagare-kommun", year="2024"))


def test_a_row_of_dots_does_not_say_that_someone_from_a_municipality_took_part(
    client, funder, production
):
    """A row that is there only when someone from the municipality took part tells
    that they exist, whatever its cells show: 0 and 1 must look the same."""
    client.force_login(funder)
    haninge = MunicipalityFactory(name="Haninge X", code="9810")
    for _i in range(15):
        EnrolmentFactory(participant=ParticipantFactory(home_municipality=haninge))
    without = municipality_rows(client)
    varmdo = MunicipalityFactory(name="Värmdö X", code="9811", is_member=False)
    # A key with which the ptable publishes this one person's cells as 0 (".."); with
    # another, 1 may be published as 5, a row that says nothing certain either.
    EnrolmentFactory(participant=ParticipantFactory(home_municipality=varmdo, record_key=0))
    assert municipality_rows(client) == without
    assert "Värmdö X" not in without


ENDED_BEFORE = 30  # completed placements ended before DAY, none on it
LENGTHS = "Avslutade enligt plan"
ONE_MORE_DAYS = 290


def a_group_and_one_more() -> Participant:
    """30 people whose placements ended before DAY and one whose ended on DAY after
    ONE_MORE_DAYS; that one is returned. Each person has their own record key."""
    offer = TrainingOfferFactory(capacity=40)
    people = [(40 + 7 * i, i * 8 % 256) for i in range(ENDED_BEFORE)] + [(ONE_MORE_DAYS, 3)]
    for i, (days, record_key) in enumerate(people):
        end = DAY - datetime.timedelta(days=1 + i % 20) if i < ENDED_BEFORE else DAY
        start = end - datetime.timedelta(days=days)
        participant = ParticipantFactory(start_date=start, record_key=record_key)
        EnrolmentFactory(participant=participant, start_date=start)
        PlacementFactory(
            participant=participant,
            offer=offer,
            status="completed",
            planned_start=start,
            planned_end=end,
            start_date=start,
            end_date=end,
            end_reason="planned",
            outcome="work",
        )
    return participant


def one_length_read_back(client: Client, first: datetime.date) -> float:
    """The attacker's reading of two periods a day apart: a count and an average each,
    the same people but the one who ended on DAY. Their sums of lengths differ by that
    person's length: (n + 1) x (average with) - n x (average without)."""
    before = download(
        client,
        "placeringslangd",
        date_from=first.isoformat(),
        date_to=(DAY - datetime.timedelta(days=1)).isoformat(),
    )[LENGTHS]
    with_day = download(
        client, "placeringslangd", date_from=first.isoformat(), date_to=DAY.isoformat()
    )[LENGTHS]
    n = int(before["Antal"])  # published: the true count give or take a few
    average_before = float(before["Medel (dagar)"].replace(",", "."))
    average_with = float(with_day["Medel (dagar)"].replace(",", "."))
    return (n + 1) * average_with - n * average_before


def one_length_errors(client: Client) -> list[float]:
    """How far the attacker gets from the one person's length, for 16 of their record
    keys: per key the median of ten readings, each from a pair of periods with another
    first day (other people in them, so any noise drawn per table would differ)."""
    one_more = a_group_and_one_more()
    firsts = [DAY - datetime.timedelta(days=20 - i) for i in range(10)]  # 15-30 people
    errors = []
    for record_key in range(0, 256, 16):
        Participant.objects.filter(pk=one_more.pk).update(record_key=record_key)
        readings = sorted(one_length_read_back(client, first) for first in firsts)
        errors.append(abs((readings[4] + readings[5]) / 2 - ONE_MORE_DAYS))
    return errors


def test_periods_a_day_apart_do_not_give_one_persons_length(client, funder, production):
    client.force_login(funder)
    errors = one_length_errors(client)
    # Each placement's length is published 20-40 % off (58-116 of its 290 days), and
    # no number of readings takes that away: only the counts' noise moves it a little.
    assert min(errors) > 35, errors


def test_periods_a_day_apart_gave_one_persons_length_from_exact_lengths(
    client, funder, production, monkeypatch
):
    """The control: with the lengths exact (counts still perturbed) the readings give
    the person's length back to within days."""
    monkeypatch.setattr(queries, "published_length", lambda: F("length"))
    client.force_login(funder)
    errors = one_length_errors(client)
    assert max(errors) < 10, errors
