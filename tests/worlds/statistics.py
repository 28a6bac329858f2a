"""Hand-built data sets for the funder statistics, with their right answers.

`build_small()` is small enough to count by hand; the tests write the answers
out. The table in its docstring is the key. `build_scaled(n)` makes n times a
varied block of records with factories, for query-count tests and the
benchmark (it does not promise any particular figures).

Small data set, period 2024 (insats MIA unless said; felreg. = registration
error; AF Arbetsförmedlingen, FK Försäkringskassan, kom kommunen; edu p/s/t/u
primary/secondary/tertiary/unknown):

    who sex  born        home       ref    edu  start source   enrolment               outcome
    F1  F    2001-05-10  Haninge    AF     s    sick+soc.ass.  2023-09-01..2024-03-31  work
    F2  F    1999-02-01  Haninge    AF     s    a-kassa        2024-02-01..2024-08-31  work_subs.
    F3  F    1999-03-02  Haninge    AF     t    akt.stöd       2024-03-01..  +ASF 2024-05-01..
    F4  F    1980-01-01  Tyresö     FK     p    sjukersättn.   2024-04-01..2024-10-31  studies
    F5  F    1968-06-15  Tyresö     FK     u    "ingen"        2024-05-01..
    F6  F    1985-03-12  Haninge    AF     s    -              2023-01-15..2023-12-31  work
    F7  F    1990-04-04  Haninge    AF     s    -              2025-02-01..
    M1  M    1990-01-01  Haninge    kom    s    soc.ass.       2023-10-01..
    M2  M    2006-12-31  Haninge    kom    p    (none)         2024-01-15..2024-06-30  job_seeking
    M3  M    1969-11-30  Haninge    region s    akt.ers.       2024-06-01..2024-11-30  ill_health
    M4  M    (1994 anon) Tyresö     self   u    etablering     2024-07-01..
    M5  M    1995-08-01  Tyresö     ("")   t    lön            2024-08-01..2024-12-31  (blank)
    M6  M    1992-02-02  Haninge    AF     s    -              2024-03-01..2024-03-05  felreg.
    X1  X    2000-09-02  Nynäshamn  other  s    (none)         2024-09-01..

Each participant's start_date is their first enrolment's start.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from enterprises.models import CapacityChange
from participants.models import ParticipantSupportSource
from placements.models import PlacementStatus
from tests.factories import (
    AnnualFigureFactory,
    AttendanceDayFactory,
    EnrolmentFactory,
    EnterpriseFactory,
    InsatsFactory,
    MunicipalityFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
    make_personal_number,
)

D = datetime.date
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _at_noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=STOCKHOLM)


def _capacity(offer, day: datetime.date, new: int, old: int | None = None) -> None:
    CapacityChange.objects.create(
        offer=offer, changed_at=_at_noon(day), old_capacity=old, new_capacity=new
    )


def _participant(
    sex, born, home, *, start, referrer="arbetsformedlingen", education="secondary", **extra
):
    if born is None:
        return ParticipantFactory(
            sex=sex,
            personal_number=None,
            first_name="",
            last_name="",
            is_anonymous=True,
            anonymous_reason="protected_identity",
            birth_year=extra.pop("birth_year"),
            birth_date=None,
            home_municipality=home,
            referring_authority=referrer,
            education=education,
            start_date=start,
            **extra,
        )
    return ParticipantFactory(
        sex=sex,
        personal_number=make_personal_number(born),
        home_municipality=home,
        referring_authority=referrer,
        education=education,
        start_date=start,
        **extra,
    )


def _sources(participant, phase: str, *sources: str) -> None:
    for source in sources:
        ParticipantSupportSource.objects.create(participant=participant, phase=phase, source=source)


def build_small() -> SimpleNamespace:
    haninge = MunicipalityFactory(name="Haninge", code="0136")
    tyreso = MunicipalityFactory(name="Tyresö", code="0138")
    nynashamn = MunicipalityFactory(name="Nynäshamn", code="0192")

    # Enterprises and annual figures: 2022 1 / 1.5 MSEK, 2023 2 / 3.8, 2024 2 / 5.4.
    cafe = EnterpriseFactory(name="Café Tyresö", municipality=tyreso)
    snickeri = EnterpriseFactory(name="Snickeriet Haninge", municipality=haninge)
    garden = EnterpriseFactory(name="Trädgården Haninge", municipality=haninge)
    AnnualFigureFactory(enterprise=cafe, year=2022, turnover_sek=Decimal(1_500_000))
    AnnualFigureFactory(enterprise=cafe, year=2023, turnover_sek=Decimal(2_000_000))
    AnnualFigureFactory(enterprise=snickeri, year=2023, turnover_sek=Decimal(1_800_000))
    AnnualFigureFactory(enterprise=snickeri, year=2024, turnover_sek=Decimal(2_400_000))
    AnnualFigureFactory(enterprise=garden, year=2024, turnover_sek=Decimal(3_000_000))

    # Offers: O1 (Tyresö) 4 from 2023-06-01, 6 from 2024-03-15;
    #         O2 (Haninge) 5 from 2024-01-10, 3 from 2024-05-01.
    o1 = TrainingOfferFactory(enterprise=cafe, capacity=6, price_per_day=Decimal("150.00"))
    o2 = TrainingOfferFactory(enterprise=snickeri, capacity=3, price_per_day=Decimal("300.00"))
    _capacity(o1, D(2023, 6, 1), 4)
    _capacity(o1, D(2024, 3, 15), 6, 4)
    _capacity(o2, D(2024, 1, 10), 5)
    _capacity(o2, D(2024, 5, 1), 3, 5)

    mia = InsatsFactory(
        name="MIA",
        start_date=D(2023, 1, 1),
        budget_per_year=Decimal(1_200_000),
        planned_participants_per_year=24,
        target_participants=20,
        target_work_or_studies_percent=30,
    )
    asf = InsatsFactory(
        name="Arbetsträning ASF",
        start_date=D(2022, 1, 1),
        budget_per_year=Decimal(600_000),
        planned_participants_per_year=12,
        target_participants=10,
    )

    p = SimpleNamespace()
    p.F1 = _participant("female", D(2001, 5, 10), haninge, start=D(2023, 9, 1))
    p.F2 = _participant("female", D(1999, 2, 1), haninge, start=D(2024, 2, 1))
    p.F3 = _participant("female", D(1999, 3, 2), haninge, start=D(2024, 3, 1), education="tertiary")
    p.F4 = _participant(
        "female",
        D(1980, 1, 1),
        tyreso,
        start=D(2024, 4, 1),
        referrer="forsakringskassan",
        education="primary",
    )
    p.F5 = _participant(
        "female",
        D(1968, 6, 15),
        tyreso,
        start=D(2024, 5, 1),
        referrer="forsakringskassan",
        education="unknown",
    )
    p.F6 = _participant("female", D(1985, 3, 12), haninge, start=D(2023, 1, 15))
    p.F7 = _participant("female", D(1990, 4, 4), haninge, start=D(2025, 2, 1))
    p.M1 = _participant(
        "male", D(1990, 1, 1), haninge, start=D(2023, 10, 1), referrer="municipality"
    )
    p.M2 = _participant(
        "male",
        D(2006, 12, 31),
        haninge,
        start=D(2024, 1, 15),
        referrer="municipality",
        education="primary",
    )
    p.M3 = _participant("male", D(1969, 11, 30), haninge, start=D(2024, 6, 1), referrer="region")
    p.M4 = _participant(
        "male",
        None,
        tyreso,
        start=D(2024, 7, 1),
        referrer="self",
        education="unknown",
        birth_year=1994,
    )
    p.M5 = _participant(
        "male", D(1995, 8, 1), tyreso, start=D(2024, 8, 1), referrer="", education="tertiary"
    )
    p.M6 = _participant("male", D(1992, 2, 2), haninge, start=D(2024, 3, 1))
    p.X1 = _participant("other", D(2000, 9, 2), nynashamn, start=D(2024, 9, 1), referrer="other")

    _sources(p.F1, "start", "sickness_benefit", "social_assistance")
    _sources(p.F2, "start", "unemployment_insurance")
    _sources(p.F3, "start", "activity_support")
    _sources(p.F4, "start", "sickness_compensation")
    _sources(p.F5, "start", "none")
    _sources(p.M1, "start", "social_assistance")
    _sources(p.M3, "start", "activity_compensation")
    _sources(p.M4, "start", "establishment")
    _sources(p.M5, "start", "salary")
    _sources(p.M6, "start", "sickness_benefit")
    _sources(p.F1, "end", "salary")
    _sources(p.F2, "end", "salary")
    _sources(p.F4, "end", "study_grant")
    _sources(p.M2, "end", "unemployment_insurance")
    _sources(p.M3, "end", "sickness_benefit")

    def enrol(person, start, end=None, reason="", outcome="", insats=mia):
        return EnrolmentFactory(
            participant=person,
            insats=insats,
            start_date=start,
            end_date=end,
            end_reason=reason,
            outcome=outcome,
        )

    e = SimpleNamespace()
    e.F1 = enrol(p.F1, D(2023, 9, 1), D(2024, 3, 31), "planned", "work")
    e.F2 = enrol(p.F2, D(2024, 2, 1), D(2024, 8, 31), "planned", "work_subsidised")
    e.F3 = enrol(p.F3, D(2024, 3, 1))
    e.F3_asf = enrol(p.F3, D(2024, 5, 1), insats=asf)
    e.F4 = enrol(p.F4, D(2024, 4, 1), D(2024, 10, 31), "planned", "studies")
    e.F5 = enrol(p.F5, D(2024, 5, 1))
    e.F6 = enrol(p.F6, D(2023, 1, 15), D(2023, 12, 31), "planned", "work")
    e.F7 = enrol(p.F7, D(2025, 2, 1))
    e.M1 = enrol(p.M1, D(2023, 10, 1))
    e.M2 = enrol(p.M2, D(2024, 1, 15), D(2024, 6, 30), "own_request", "job_seeking")
    e.M3 = enrol(p.M3, D(2024, 6, 1), D(2024, 11, 30), "ill_health", "ill_health")
    e.M4 = enrol(p.M4, D(2024, 7, 1))
    e.M5 = enrol(p.M5, D(2024, 8, 1), D(2024, 12, 31), "planned", "")
    e.M6 = enrol(p.M6, D(2024, 3, 1), D(2024, 3, 5), "registration_error", "")
    e.X1 = enrol(p.X1, D(2024, 9, 1))

    pending = (PlacementStatus.PROPOSED, PlacementStatus.ACCEPTED)

    def place(person, offer, status, start, end=None, planned_end=None, **extra):
        return PlacementFactory(
            participant=person,
            offer=offer,
            status=status,
            planned_start=start,
            planned_end=planned_end or end or start + datetime.timedelta(days=180),
            start_date=start if status not in pending else None,
            end_date=end,
            end_reason=extra.pop("end_reason", "planned" if end else ""),
            outcome=extra.pop("outcome", "work" if end else ""),
            **extra,
        )

    done, broken = PlacementStatus.COMPLETED, PlacementStatus.INTERRUPTED
    pl = SimpleNamespace()
    pl.P1 = place(p.F1, o1, done, D(2024, 1, 8), D(2024, 3, 29))  # 81 days
    pl.P2 = place(p.F2, o2, broken, D(2024, 2, 5), D(2024, 4, 4), end_reason="own_request")  # 59
    pl.P3 = place(p.M2, o2, done, D(2024, 1, 15), D(2024, 6, 28))  # 165
    pl.P4 = place(p.F4, o1, done, D(2024, 4, 2), D(2024, 10, 30))  # 211
    pl.P5 = place(p.M3, o1, broken, D(2024, 6, 3), D(2024, 7, 3), end_reason="ill_health")  # 30
    pl.P6 = place(p.F3, o1, PlacementStatus.ACTIVE, D(2024, 3, 4), planned_end=D(2025, 3, 3))
    pl.P7 = place(p.M4, o2, PlacementStatus.ACCEPTED, D(2024, 11, 1), planned_end=D(2025, 4, 30))
    pl.P8 = place(p.M6, o2, done, D(2024, 3, 1), D(2024, 3, 5))  # registration error: excluded

    # Attendance: E1 (O1, 150 kr) 2024: 4 days, 2025: 1 day; E2 (O2, 300 kr) 2024: 4 days.
    for day in (D(2024, 1, 9), D(2024, 1, 10), D(2024, 1, 11)):
        AttendanceDayFactory(placement=pl.P1, date=day)
    for day in (D(2024, 12, 30), D(2025, 1, 2)):
        AttendanceDayFactory(placement=pl.P6, date=day)
    for day in (D(2024, 2, 1), D(2024, 2, 2), D(2024, 2, 5), D(2024, 2, 6)):
        AttendanceDayFactory(placement=pl.P3, date=day)
    for day in (D(2024, 3, 1), D(2024, 3, 4)):
        AttendanceDayFactory(placement=pl.P8, date=day)

    return SimpleNamespace(
        haninge=haninge,
        tyreso=tyreso,
        nynashamn=nynashamn,
        enterprises=(cafe, snickeri, garden),
        offers=(o1, o2),
        mia=mia,
        asf=asf,
        p=p,
        e=e,
        pl=pl,
    )


_scaled_serial = itertools.count(1)

SEXES = ["female", "male", "other"]
REFERRERS = ["forsakringskassan", "arbetsformedlingen", "municipality", "region", "self", "other"]
EDUCATIONS = ["primary", "secondary", "tertiary", "unknown"]
SOURCES = ["sickness_benefit", "unemployment_insurance", "social_assistance", "salary", "none"]
OUTCOMES = ["work", "work_subsidised", "studies", "job_seeking", "other_intervention", "unknown"]


def build_scaled(blocks: int, *, year: int = 2024) -> None:
    """`blocks` times: an enterprise with figures, an offer with history and 12 participants.

    Participants vary in sex, age, home, referrer, education and support
    sources; half have ended with an outcome, and each has a placement with a
    few attendance days. Used where only the size matters.
    """
    municipalities = [
        MunicipalityFactory(name="Haninge", code="0136"),
        MunicipalityFactory(name="Tyresö", code="0138"),
        MunicipalityFactory(name="Nynäshamn", code="0192"),
    ]
    insatser = [
        InsatsFactory(
            name="MIA",
            start_date=D(2017, 1, 1),
            target_participants=2500,
            target_work_or_studies_percent=30,
        ),
        InsatsFactory(name="Arbetsträning ASF", start_date=D(2010, 1, 1)),
    ]
    for block in range(blocks):
        serial = next(_scaled_serial)
        home = municipalities[serial % 3]
        enterprise = EnterpriseFactory(municipality=home)
        for y in range(year - 4, year + 1):
            AnnualFigureFactory(
                enterprise=enterprise, year=y, turnover_sek=Decimal(1_000_000 + 100_000 * y % 7)
            )
        offer = TrainingOfferFactory(enterprise=enterprise, capacity=12)
        _capacity(offer, D(year - 1, 6, 1), 8)
        _capacity(offer, D(year, 3, 1), 12, 8)
        for i in range(12):
            born = D(1960 + (i * 5 + block) % 45, 1 + i % 12, 1 + i % 28)
            start = D(year, 1 + i % 12, 1 + (block % 28))
            person = ParticipantFactory(
                sex=SEXES[i % 3],
                personal_number=make_personal_number(born, serial=serial * 12 + i),
                home_municipality=municipalities[(i + block) % 3],
                referring_authority=REFERRERS[i % len(REFERRERS)],
                education=EDUCATIONS[i % len(EDUCATIONS)],
                start_date=start,
            )
            _sources(person, "start", SOURCES[i % len(SOURCES)])
            ended = i % 2 == 0
            end = min(start + datetime.timedelta(days=90 + i * 7), D(year, 12, 31))
            EnrolmentFactory(
                participant=person,
                insats=insatser[i % 2],
                start_date=start,
                end_date=end if ended else None,
                end_reason="planned" if ended else "",
                outcome=OUTCOMES[i % len(OUTCOMES)] if ended else "",
            )
            if ended:
                _sources(person, "end", SOURCES[(i + 1) % len(SOURCES)])
            placement = PlacementFactory(
                participant=person,
                offer=offer,
                status=PlacementStatus.COMPLETED if ended else PlacementStatus.ACTIVE,
                planned_start=start,
                planned_end=end if ended else start + datetime.timedelta(days=180),
                start_date=start,
                end_date=end if ended else None,
                end_reason="planned" if ended else "",
                outcome="work" if ended else "",
            )
            for k in range(3):
                AttendanceDayFactory(placement=placement, date=start + datetime.timedelta(days=k))
