"""Each raw figure on the hand-built data set (tests/worlds/statistics.py), answers written out.

The queries return `Tally` (count and cell key); these tests read the counts
through `queries` below, and test_cell_keys checks the keys against the people.
"""

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

import pytest

from participants.models import Enrolment, Participant
from placements.models import AttendanceDay
from reports import queries as raw_queries
from reports.perturbation import Tally
from reports.queries import Period
from tests.factories import EnrolmentFactory, ParticipantFactory
from tests.worlds.statistics import build_small

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR_2024 = Period(D(2024, 1, 1), D(2024, 12, 31), "2024")


def counts(value: Any) -> Any:
    """The same structure with every Tally replaced by its count."""
    if isinstance(value, Tally):
        return value.n
    if isinstance(value, dict):
        return {k: counts(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(counts(v) for v in value)
    if isinstance(value, raw_queries.LengthFigures):
        return dataclasses.replace(value, count=counts(value.count))
    return value


class _CountsOnly:
    """`queries` with the counts of its answers only."""

    def __getattr__(self, name: str) -> Any:
        attr = getattr(raw_queries, name)
        if not callable(attr) or isinstance(attr, type):
            return attr
        return lambda *args, **kwargs: counts(attr(*args, **kwargs))


queries: Any = _CountsOnly()


@pytest.fixture
def data():
    return build_small()


def _key(people) -> int:
    return sum(p.record_key for p in people) % 256


def test_cell_keys_are_the_sum_of_the_peoples_record_keys(data):
    women_2024 = [data.p.F1, data.p.F2, data.p.F3, data.p.F4, data.p.F5]
    for person in women_2024:
        person.refresh_from_db()
    female = raw_queries.participant_breakdown(YEAR_2024, "sex")["female"]
    assert female[1] == Tally(5, _key(women_2024))
    # Ended: F1 F2 F4 (see test_participants_by_sex).
    assert female[2] == Tally(3, _key([data.p.F1, data.p.F2, data.p.F4]))
    # A key survives an update of everything else about the person.
    Participant.objects.filter(pk=data.p.F1.pk).update(first_name="Annan")
    assert raw_queries.participant_breakdown(YEAR_2024, "sex")["female"] == female


def test_participants_by_sex(data):
    assert queries.participant_breakdown(YEAR_2024, "sex") == {
        "female": (4, 5, 3),  # new F2 F3 F4 F5; active + F1; ended F1 F2 F4
        "male": (4, 5, 3),  # new M2 M3 M4 M5; active + M1; ended M2 M3 M5
        "other": (1, 1, 0),  # X1
    }


def test_a_participant_in_two_insatser_counts_once(data):
    # F3 is in MIA and in ASF; the overview counts people, not enrolments.
    female = queries.participant_breakdown(YEAR_2024, "sex")["female"]
    assert female[1] == 5


def test_participants_by_age_band_at_start(data):
    # Age reached during the start year (start year minus birth year, SCB's
    # convention), so birthdays later in the year do not matter.
    assert queries.participant_breakdown(YEAR_2024, "age_band") == {
        # F1 22 (started 2023), M2 18 (born 31 Dec), X1 24
        "under_25": (2, 3, 2),
        # F2 25, F3 25 (birthday the day after start), M5 29
        "25_29": (3, 3, 2),
        # F4 44, M1 33, M4 30 (anonymous)
        "30_54": (2, 3, 1),
        # F5 56, M3 55 (birthday in November, after the June start)
        "55_plus": (2, 2, 1),
    }


def test_participants_by_esf_age_band(data):
    assert queries.participant_breakdown(YEAR_2024, "age_band_esf") == {
        "18_29": (5, 6, 4),  # F1 F2 F3 M2 M5 X1 (M2 turns 18 in his start year)
        "30_54": (2, 3, 1),
        "55_plus": (2, 2, 1),
    }


def test_participants_by_municipality(data):
    assert queries.participant_breakdown(YEAR_2024, "municipality") == {
        "Haninge": (4, 6, 4),  # F1 F2 F3 M1 M2 M3
        "Tyresö": (4, 4, 2),  # F4 F5 M4 M5
        "Nynäshamn": (1, 1, 0),  # X1
    }


def test_participants_by_referring_authority(data):
    assert queries.participant_breakdown(YEAR_2024, "referring_authority") == {
        "arbetsformedlingen": (2, 3, 2),  # F1 F2 F3
        "forsakringskassan": (2, 2, 1),  # F4 F5
        "municipality": (1, 2, 1),  # M1 M2
        "region": (1, 1, 1),  # M3
        "self": (1, 1, 0),  # M4
        "other": (1, 1, 0),  # X1
        "": (1, 1, 1),  # M5
    }


def test_participants_by_education(data):
    assert queries.participant_breakdown(YEAR_2024, "education") == {
        "primary": (2, 2, 2),  # F4 M2
        "secondary": (3, 5, 3),  # F1 F2 M1 M3 X1
        "tertiary": (2, 2, 1),  # F3 M5
        "unknown": (2, 2, 0),  # F5 M4
    }


def test_support_source_groups_at_start(data):
    by_group, total = queries.support_groups_at_start(YEAR_2024)
    assert by_group == {
        "ill_health": (2, 3, 3),  # F1 F4 M3
        "labour_market": (3, 3, 1),  # F2 F3 M4
        "social_assistance": (0, 2, 1),  # F1 M1 (F1 is in two groups)
        "other": (2, 2, 1),  # F5 ("ingen offentlig försörjning") M5 (lön)
        "none_recorded": (2, 2, 1),  # M2 X1
    }
    assert total == (9, 11, 6)


def test_support_source_groups_before_and_after(data):
    by_group, ended = queries.support_groups_before_after(YEAR_2024)
    assert ended == 6  # F1 F2 F4 M2 M3 M5
    assert by_group == {
        "ill_health": (3, 1),  # start F1 F4 M3; end M3
        "labour_market": (1, 1),  # start F2; end M2
        "social_assistance": (1, 0),  # start F1
        "other": (1, 3),  # start M5; end F1 F2 F4
        "none_recorded": (1, 1),  # start M2; end M5
    }


def test_outcomes_of_enrolments_ended_in_the_period(data):
    assert queries.outcome_counts(YEAR_2024) == {
        "work": 1,  # F1 (F6 ended in 2023)
        "work_subsidised": 1,  # F2
        "studies": 1,  # F4
        "job_seeking": 1,  # M2
        "ill_health": 1,  # M3
        "": 1,  # M5, no outcome recorded
    }


@pytest.fixture
def exact_lengths(settings):
    settings.STATISTICS_PERTURBATION = False


def test_placement_lengths(data, exact_lengths):
    figures = queries.placement_lengths(YEAR_2024)
    # Completed 81, 165, 211 days; interrupted 59, 30. P8 (registration error) left out.
    assert figures["completed"].count == 3
    assert figures["completed"].average_days == pytest.approx(457 / 3)
    assert figures["completed"].median_days == 165
    assert figures["interrupted"].count == 2
    assert figures["interrupted"].average_days == pytest.approx(44.5)
    assert figures["interrupted"].median_days == pytest.approx(44.5)
    assert figures["all"].count == 5
    assert figures["all"].average_days == pytest.approx(109.2)
    assert figures["all"].median_days == 81


def test_placement_lengths_by_participants_home(data, exact_lengths):
    figures = queries.placement_lengths(YEAR_2024, municipality=data.tyreso)
    assert figures["all"].count == 1  # F4's 211 days
    assert figures["all"].median_days == 211
    assert figures["interrupted"] == queries.LengthFigures(0, None, None)


def test_each_placement_is_published_20_to_40_percent_off_its_length(data, settings):
    """F4's one placement of 211 days, under each of the 256 record keys its person
    could have: always the same length for the same key, 60-80 % or 120-140 % of the
    true one, and over all keys 100 % on average (so a group's average stays true)."""
    settings.STATISTICS_PERTURBATION = True
    f4 = data.p.F4
    shares = []
    for record_key in range(256):
        Participant.objects.filter(pk=f4.pk).update(record_key=record_key)
        figures = queries.placement_lengths(YEAR_2024, municipality=data.tyreso)
        assert figures["all"].average_days == figures["all"].median_days
        assert queries.placement_lengths(YEAR_2024, municipality=data.tyreso) == figures
        shares.append(figures["all"].median_days / 211)
    assert all(0.6 <= share <= 0.8 or 1.2 <= share <= 1.4 for share in shares), shares
    assert sum(shares) / len(shares) == pytest.approx(1.0, abs=0.01)
    assert min(shares) < 0.61
    assert max(shares) > 1.39


def test_period_points_are_month_ends_or_year_ends():
    assert YEAR_2024.points(today=D(2026, 1, 1))[:3] == [
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 31),
    ]
    assert len(YEAR_2024.points(today=D(2026, 1, 1))) == 12
    # Today cuts the series, ending on today.
    assert YEAR_2024.points(today=D(2024, 3, 10)) == [
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 10),
    ]
    long = Period(D(2020, 1, 1), D(2024, 6, 30), "")
    assert long.points(today=D(2026, 1, 1)) == [
        D(2020, 12, 31),
        D(2021, 12, 31),
        D(2022, 12, 31),
        D(2023, 12, 31),
        D(2024, 6, 30),
    ]
    future = Period(D(2030, 1, 1), D(2030, 12, 31), "")
    assert future.points(today=D(2026, 1, 1)) == [D(2030, 1, 1)]


def test_capacity_from_history_and_places_held(data):
    series = queries.capacity_and_held(YEAR_2024.points(today=D(2026, 1, 1)))
    assert [(day.month, places, held) for day, places, held in series] == [
        (1, 9, 2),  # O1 4 + O2 5; P1 P3
        (2, 9, 3),  # P1 P2 P3
        (3, 11, 3),  # O1 6 from 15 March; P2 P3 P6
        (4, 11, 3),  # P3 P4 P6
        (5, 9, 3),  # O2 3 from 1 May
        (6, 9, 3),  # P4 P5 P6
        (7, 9, 2),
        (8, 9, 2),
        (9, 9, 2),
        (10, 9, 1),  # P6 only
        (11, 9, 2),  # P6 and the accepted P7
        (12, 9, 2),
    ]


def test_capacity_and_held_in_one_municipality(data):
    series = queries.capacity_and_held(
        [D(2024, 1, 9), D(2024, 2, 29), D(2024, 5, 31), D(2024, 11, 30)],
        municipality=data.haninge,
    )
    # O2 only (Haninge): no history before 10 January, so no places on the 9th;
    # held: none on the 9th, P2 P3, P3, the accepted P7.
    assert [(places, held) for _day, places, held in series] == [(0, 0), (5, 2), (3, 1), (3, 1)]


def test_present_days_per_enterprise_year_and_price(data):
    # Present days are people present on a day: a count (with its key) per price,
    # the amount is worked out from the published days (catalogue).
    rows = queries.attendance_per_enterprise_year(YEAR_2024)
    assert rows == [
        {"enterprise": "Café Tyresö", "year": 2024, "price": Decimal(150), "days": 4},
        {"enterprise": "Snickeriet Haninge", "year": 2024, "price": Decimal(300), "days": 4},
    ]
    two_years = Period(D(2024, 1, 1), D(2025, 12, 31), "")
    rows = queries.attendance_per_enterprise_year(two_years, municipality=data.tyreso)
    assert [(r["year"], r["days"], r["price"]) for r in rows] == [
        (2024, 4, Decimal(150)),
        (2025, 1, Decimal(150)),
    ]


def _turnover_rows(**kwargs):
    """The enterprise-count and turnover part of each year (employees are tested with
    the development report, tests/reports/test_development_report.py)."""
    return [
        {key: row[key] for key in ("year", "enterprises", "turnover")}
        for row in queries.enterprises_per_year(**kwargs)
    ]


def test_enterprises_and_turnover_per_year(data):
    assert _turnover_rows(up_to_year=2024) == [
        {"year": 2022, "enterprises": 1, "turnover": Decimal(1_500_000)},
        {"year": 2023, "enterprises": 2, "turnover": Decimal(3_800_000)},
        {"year": 2024, "enterprises": 2, "turnover": Decimal(5_400_000)},
    ]
    assert _turnover_rows(up_to_year=2023, municipality=data.haninge) == [
        {"year": 2023, "enterprises": 1, "turnover": Decimal(1_800_000)},
    ]


def test_insats_progress_toward_targets(data):
    rows = queries.insats_progress(up_to=D(2024, 12, 31))
    by_name = {row["name"]: row for row in rows}
    # MIA: 12 people enrolled by the end of 2024 (F1-F6, M1-M5, X1); 7 ended
    # (F1 F2 F4 F6 M2 M3 M5), 4 of them into work or studies (F1 F2 F4 F6).
    assert by_name["MIA"]["participants"] == 12
    assert by_name["MIA"]["ended"] == 7
    assert by_name["MIA"]["work_or_studies"] == 4
    assert by_name["Arbetsträning ASF"]["participants"] == 1
    assert by_name["Arbetsträning ASF"]["ended"] == 0


def test_insats_scope(data):
    assert queries.participant_breakdown(YEAR_2024, "sex", insats=data.asf) == {"female": (1, 1, 0)}


def test_municipality_scope_for_participants(data):
    assert queries.participant_breakdown(YEAR_2024, "sex", municipality=data.tyreso) == {
        "female": (2, 2, 1),
        "male": (2, 2, 1),
    }


def test_quarter(data):
    q1 = Period(D(2024, 1, 1), D(2024, 3, 31), "")
    # Active in Q1: F1 F2 F3 M1 M2; new F2 F3 M2; ended F1 (31 March).
    assert queries.participant_breakdown(q1, "sex") == {
        "female": (2, 3, 1),
        "male": (1, 2, 0),
    }


def test_a_registration_error_removes_the_person_from_every_figure(data):
    before = queries.participant_breakdown(YEAR_2024, "sex")
    outcomes_before = queries.outcome_counts(YEAR_2024)
    # F1 turns out to have been registered in error (a second enrolment says so).
    EnrolmentFactory(
        participant=data.p.F1,
        insats=data.asf,
        start_date=D(2024, 1, 1),
        end_date=D(2024, 1, 2),
        end_reason="registration_error",
    )
    after = queries.participant_breakdown(YEAR_2024, "sex")
    assert after["female"] == (
        before["female"][0],
        before["female"][1] - 1,
        before["female"][2] - 1,
    )
    assert outcomes_before["work"] == 1
    assert "work" not in queries.outcome_counts(YEAR_2024)
    assert queries.placement_lengths(YEAR_2024)["completed"].count == 2
    assert queries.attendance_per_enterprise_year(YEAR_2024)[0]["days"] == 1


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2024, 1, 10), D(2024, 2, 5)),  # two partial months
        (D(2024, 1, 10), D(2025, 1, 31)),  # a partial first month, then whole ones
        (D(2024, 1, 1), D(2024, 12, 30)),  # whole months, then a partial last one
        (D(2024, 2, 2), D(2024, 2, 5)),  # inside one month
        (D(2024, 12, 1), D(2025, 1, 31)),  # whole months over a year end
    ],
)
def test_present_days_of_any_range_equal_the_days_themselves(data, start, end):
    """Whole months come from PlacementMonth, partial ones from the days: the same
    figures as counting the days of the range (registration errors left out), and the
    same cell key: each day's person's record key."""
    days = (
        AttendanceDay.objects.filter(date__range=(start, end))
        .exclude(placement__participant=data.p.M6)
        .order_by("placement__offer__enterprise__name", "date")
    )
    expected: dict[tuple[str, int, Decimal], Tally] = {}
    for day in days.select_related("placement__offer__enterprise", "placement__participant"):
        offer = day.placement.offer
        key = (offer.enterprise.name, day.date.year, offer.price_per_day)
        expected[key] = expected.get(key, Tally(0)) + Tally(1, day.placement.participant.record_key)
    assert expected  # every range holds some days
    rows = raw_queries.attendance_per_enterprise_year(Period(start, end, ""))
    assert {(r["enterprise"], r["year"], r["price"]): r["days"] for r in rows} == expected
    assert [(r["enterprise"], r["year"], r["price"]) for r in rows] == sorted(expected)


def test_registered_in_error_is_never_counted(data):
    # M6 has placement P8, two attendance days and a start source, all left out.
    assert Enrolment.objects.filter(participant=data.p.M6).exists()
    by_group, total = queries.support_groups_at_start(YEAR_2024)
    assert total[1] == 11
    solo = ParticipantFactory(sex="male", start_date=D(2024, 2, 1))
    EnrolmentFactory(
        participant=solo,
        insats=data.mia,
        start_date=D(2024, 2, 1),
        end_date=D(2024, 2, 2),
        end_reason="registration_error",
    )
    assert queries.participant_breakdown(YEAR_2024, "sex")["male"] == (4, 5, 3)
