"""Demo participants and their journeys: enrolments, placements, attendance, follow-ups.

Every journey is planned in memory first (dates, states, which offer) against a
PlaceLedger, so no offer is ever over its capacity on any day and each
participant's places follow one another (never more than 100 % at once). Then
everything is written with bulk_create, after a full_clean of each object that
skips the per-row database checks (foreign keys, uniqueness, constraints): the
database enforces those on insert.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from stdnum import luhn

from demo.esf import esf_answers
from demo.facts import (
    AGREEMENT_SUPPORT,
    DECLINE_NOTES,
    FEMALE_NAMES,
    FOLLOW_UP_NOTES,
    LAST_NAMES,
    LOCALITIES,
    MALE_NAMES,
    PROPOSAL_NOTES,
    STREETS,
    SUPPORT_NEEDS,
    WORKPLACE_ADAPTATIONS,
)
from demo.grid import PlaceLedger
from demo.organisations import Offer, Organisations, ascii_slug, aware
from participants.choices import (
    INTERRUPTION_REASONS,
    AnonymousReason,
    ConsentPurpose,
    Education,
    EmploymentStatus,
    EndReason,
    Outcome,
    ReferringAuthority,
    Sex,
    SupportSource,
    TimeInSupport,
)
from participants.models import (
    Consent,
    Enrolment,
    EsfParticipantData,
    Insats,
    Participant,
    ParticipantSupportSource,
    SupportSourcePhase,
)
from placements.models import (
    AttendanceDay,
    DeclineReason,
    FollowUpMeeting,
    Placement,
    PlacementStatus,
    PlacementType,
    SharedSnapshot,
)

S = PlacementStatus
DAY = datetime.timedelta(days=1)
MIA_START, MIA_LAST_START = datetime.date(2017, 1, 1), datetime.date(2020, 9, 30)
DURATIONS = [91, 91, 182, 182, 182, 365]  # three, six or twelve months
ATTENDANCE_WINDOW = 91  # days of attendance kept for active and recently ended placements
SCHEDULES = {
    25: ("mån och ons 9–14", {0, 2}),
    50: ("mån–fre 9–13", {0, 1, 2, 3, 4}),
    75: ("mån–fre 8.30–14.30", {0, 1, 2, 3, 4}),
    100: ("mån–fre 8–16", {0, 1, 2, 3, 4}),
}
FIXED_HOLIDAYS = {(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)}


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def weighted[K](rng: random.Random, table: Mapping[K, float]) -> K:
    """One key of `table`, chosen with the values as weights."""
    return rng.choices(list(table), weights=list(table.values()))[0]


def is_working_day(day: datetime.date) -> bool:
    midsummer_eve = day.month == 6 and 19 <= day.day <= 25 and day.weekday() == 4
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS and not midsummer_eve


SUPPORT_AT_START = {
    SupportSource.SICKNESS_BENEFIT: 18,
    SupportSource.ACTIVITY_COMPENSATION: 12,
    SupportSource.SICKNESS_COMPENSATION: 8,
    SupportSource.UNEMPLOYMENT_INSURANCE: 6,
    SupportSource.ACTIVITY_SUPPORT: 22,
    SupportSource.ESTABLISHMENT: 6,
    SupportSource.SOCIAL_ASSISTANCE: 24,
    SupportSource.SALARY: 2,
    SupportSource.STUDY_GRANT: 1,
    SupportSource.OTHER: 2,
    SupportSource.NONE: 5,
}
STATUS_FOR_SOURCE = {
    SupportSource.SICKNESS_BENEFIT: EmploymentStatus.ON_SICK_LEAVE,
    SupportSource.ACTIVITY_COMPENSATION: EmploymentStatus.INACTIVE,
    SupportSource.SICKNESS_COMPENSATION: EmploymentStatus.INACTIVE,
    SupportSource.UNEMPLOYMENT_INSURANCE: EmploymentStatus.UNEMPLOYED,
    SupportSource.ACTIVITY_SUPPORT: EmploymentStatus.LONG_TERM_UNEMPLOYED,
    SupportSource.ESTABLISHMENT: EmploymentStatus.UNEMPLOYED,
    SupportSource.SOCIAL_ASSISTANCE: EmploymentStatus.LONG_TERM_UNEMPLOYED,
    SupportSource.SALARY: EmploymentStatus.EMPLOYED_WITH_SUPPORT,
    SupportSource.STUDY_GRANT: EmploymentStatus.STUDYING,
    SupportSource.OTHER: EmploymentStatus.INACTIVE,
    SupportSource.NONE: EmploymentStatus.INACTIVE,
}
# How enrolments end, and what follows, so that roughly 30 % go to work or studies.
END_REASONS: dict[str, int] = {
    EndReason.PLANNED: 70,
    EndReason.OWN_REQUEST: 12,
    EndReason.ILL_HEALTH: 10,
    EndReason.MOVED: 3,
    EndReason.OTHER_INTERRUPTION: 5,
}
OUTCOMES_AFTER: dict[str, dict[str, int]] = {
    EndReason.PLANNED: {
        Outcome.WORK: 22,
        Outcome.WORK_SUBSIDISED: 9,
        Outcome.STUDIES: 8,
        Outcome.JOB_SEEKING: 18,
        Outcome.OTHER_INTERVENTION: 33,
        Outcome.PARENTAL_LEAVE: 3,
        Outcome.UNKNOWN: 7,
    },
    EndReason.OWN_REQUEST: {
        Outcome.WORK: 15,
        Outcome.STUDIES: 10,
        Outcome.JOB_SEEKING: 25,
        Outcome.OTHER_INTERVENTION: 25,
        Outcome.UNKNOWN: 25,
    },
    EndReason.ILL_HEALTH: {Outcome.ILL_HEALTH: 85, Outcome.OTHER_INTERVENTION: 15},
    EndReason.MOVED: {Outcome.MOVED: 100},
    EndReason.OTHER_INTERRUPTION: {
        Outcome.OTHER_INTERVENTION: 40,
        Outcome.JOB_SEEKING: 30,
        Outcome.UNKNOWN: 30,
    },
}
SUPPORT_AFTER: dict[str, list[str]] = {
    Outcome.WORK: [SupportSource.SALARY],
    Outcome.WORK_SUBSIDISED: [SupportSource.SALARY],
    Outcome.STUDIES: [SupportSource.STUDY_GRANT],
    Outcome.JOB_SEEKING: [SupportSource.ACTIVITY_SUPPORT],
    Outcome.ILL_HEALTH: [SupportSource.SICKNESS_BENEFIT],
    Outcome.PARENTAL_LEAVE: [SupportSource.OTHER],
}
STATUS_AFTER: dict[str, str] = {
    Outcome.WORK: EmploymentStatus.EMPLOYED,
    Outcome.WORK_SUBSIDISED: EmploymentStatus.EMPLOYED_WITH_SUPPORT,
    Outcome.STUDIES: EmploymentStatus.STUDYING,
    Outcome.JOB_SEEKING: EmploymentStatus.UNEMPLOYED,
    Outcome.ILL_HEALTH: EmploymentStatus.ON_SICK_LEAVE,
    Outcome.PARENTAL_LEAVE: EmploymentStatus.INACTIVE,
}
HOME = {"0136": 45, "0138": 25, "0192": 22, "0180": 8}
REFERRERS = {
    ReferringAuthority.FORSAKRINGSKASSAN: 25,
    ReferringAuthority.ARBETSFORMEDLINGEN: 35,
    ReferringAuthority.MUNICIPALITY: 28,
    ReferringAuthority.REGION: 7,
    ReferringAuthority.SELF: 3,
    ReferringAuthority.OTHER: 2,
}
EDUCATION = {
    Education.PRIMARY: 40,
    Education.SECONDARY: 40,
    Education.TERTIARY: 12,
    Education.UNKNOWN: 8,
}
TIME_IN_SUPPORT = {
    TimeInSupport.UNDER_1: 15,
    TimeInSupport.Y1_2: 20,
    TimeInSupport.Y2_5: 30,
    TimeInSupport.OVER_5: 30,
    TimeInSupport.UNKNOWN: 5,
}
EXTENTS = {25: 20, 50: 45, 75: 20, 100: 15}
INTEREST_AREAS = [
    "transport",
    "snickeri",
    "tradgard",
    "cafe",
    "restaurang",
    "stad",
    "second-hand",
    "tvatteri",
    "kontor",
    "annat",
]
CURRENT_STATES = {"active": 62, "proposed": 12, "accepted": 8, "waiting": 18}


@dataclass
class Person:
    participant: Participant
    coordinator: Any
    interests: list[str]
    extent: int
    enrolment: Enrolment | None = None
    placements: list[Placement] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)


class JourneyBuilder:
    """Plans participants' journeys and writes them (see module docstring)."""

    def __init__(
        self,
        *,
        rng: random.Random,
        today: datetime.date,
        org: Organisations,
        users: dict[str, Any],
        scale: int,
    ) -> None:
        self.rng = rng
        self.today = today
        self.org = org
        self.scale = scale
        self.coordinators = [users["coordinator"], users["coordinator2"]]
        self.ledger = PlaceLedger(today + days(800))
        for offer in org.offers:
            self.ledger.add_offer(offer.pk, offer.history)
        self.by_area: dict[str, list[Offer]] = {}
        for offer in org.offers:
            self.by_area.setdefault(offer.area, []).append(offer)
        # The first proposals go to the demo managers' enterprises, so each has one to answer.
        self.priority = [
            [o for o in org.offers if o.manager is not None and o.manager.username == name]
            for name in ("manager", "manager", "manager2")
        ]
        self.numbers: set[str] = set()
        self.people: list[Person] = []

    # --- people -----------------------------------------------------------------------

    def build(self) -> None:
        rng, scale = self.rng, self.scale
        total = 300 * scale
        current = 140 + 45 * (scale - 1)
        errors = 4 * scale
        kinds = ["current"] * current + ["error"] * errors + ["ended"] * (total - current - errors)
        rng.shuffle(kinds)
        for index, kind in enumerate(kinds):
            person = self._person(index, kind)
            if kind == "current":
                self._current_journey(person)
            elif kind == "error":
                self._registration_error(person)
            else:
                self._ended_journey(person)
            self.people.append(person)
        self._write()

    def _start_date(self, kind: str) -> datetime.date:
        rng, today = self.rng, self.today
        if kind == "current":
            return today - days(3 + int(540 * rng.random() ** 1.2))
        if kind == "error":
            return today - days(rng.randint(20, 2000))
        # Ended journeys: more each year as places grew, a bump in the MIA years.
        years = list(range(2010, today.year + 1))
        weights = [(1 + (y - 2010) * 0.35) * (1.8 if 2017 <= y <= 2020 else 1) for y in years]
        year = rng.choices(years, weights=weights)[0]
        day = datetime.date(year, 1, 1) + days(rng.randint(0, 364))
        return min(max(day, datetime.date(2010, 3, 1)), today - days(200))

    def _person(self, index: int, kind: str) -> Person:
        rng = self.rng
        start = self._start_date(kind)
        sex = weighted(rng, {Sex.FEMALE: 52, Sex.MALE: 46, Sex.OTHER: 2})
        age = weighted(rng, {(19, 24): 15, (25, 29): 15, (30, 54): 55, (55, 63): 15})
        birth = start - days(rng.randint(age[0] * 365 + 10, age[1] * 365 + 350))
        anonymous = rng.random() < 0.05
        coordinator = self.coordinators[index % 2]
        municipality = self.org.municipalities[weighted(rng, HOME)]
        participant = Participant(
            sex=sex,
            birth_year=birth.year,
            start_date=start,
            created_by=coordinator,
        )
        extent = weighted(rng, EXTENTS)
        interests = rng.sample(INTEREST_AREAS, rng.choice([1, 1, 2, 2, 3]))
        person = Person(participant, coordinator, interests, extent)
        if anonymous:
            participant.is_anonymous = True
            participant.anonymous_reason = weighted(
                rng, {AnonymousReason.PROTECTED_IDENTITY: 60, AnonymousReason.NO_CONSENT: 40}
            )
            person.interests = []
            return person
        names = FEMALE_NAMES if sex == Sex.FEMALE else MALE_NAMES
        if sex == Sex.OTHER:
            names = rng.choice([FEMALE_NAMES, MALE_NAMES])
        participant.first_name = rng.choice(names)
        participant.last_name = rng.choice(LAST_NAMES)
        participant.personal_number = self._personal_number(
            birth, sex, coordination=rng.random() < 0.04
        )
        participant.home_municipality = municipality
        participant.referring_authority = weighted(rng, REFERRERS)
        participant.education = weighted(rng, EDUCATION)
        participant.time_in_support = weighted(rng, TIME_IN_SUPPORT)
        participant.wanted_extent = extent
        if rng.random() < 0.85:
            participant.phone = f"070-174 06 {rng.randint(5, 99):02d}"
        if rng.random() < 0.5:
            first, last = ascii_slug(participant.first_name), ascii_slug(participant.last_name)
            participant.email = f"{first}.{last}{rng.randint(1, 99)}@post.example"
        if rng.random() < 0.7:
            locality, postcode = rng.choice(LOCALITIES[municipality.code])
            street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
            participant.address = f"{street}, {postcode} {locality}"
        if rng.random() < 0.65:
            participant.support_needs = " ".join(rng.sample(SUPPORT_NEEDS, rng.choice([1, 2])))
        sources = rng.sample(list(SUPPORT_AT_START), 1)
        if rng.random() < 0.3:
            sources.append(weighted(rng, SUPPORT_AT_START))
        if SupportSource.NONE in sources:
            sources = [SupportSource.NONE]
        sources = list(dict.fromkeys(sources))
        person.sources = [(SupportSourcePhase.START, source) for source in sources]
        participant.employment_status_start = STATUS_FOR_SOURCE[sources[0]]
        self._consents(person)
        return person

    def _personal_number(self, birth: datetime.date, sex: str, *, coordination: bool) -> str:
        """A valid personnummer, or samordningsnummer (day + 60); the sex digit fits `sex`."""
        rng = self.rng
        day = birth.day + (60 if coordination else 0)
        while True:
            sex_digit = rng.randrange(0, 10)
            if sex == Sex.FEMALE:
                sex_digit -= sex_digit % 2
            elif sex == Sex.MALE:
                sex_digit |= 1
            nine = f"{birth:%y%m}{day:02d}{rng.randint(0, 99):02d}{sex_digit}"
            number = f"{birth.year:04d}{nine[2:]}{luhn.calc_check_digit(nine)}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def _consents(self, person: Person) -> None:
        rng, start = self.rng, person.participant.start_date
        purposes = [ConsentPurpose.REGISTRATION]
        if rng.random() < 0.92:
            purposes.append(ConsentPurpose.SHARE_WITH_ENTERPRISE)
        if rng.random() < 0.6:
            purposes.append(ConsentPurpose.FOLLOW_UP)
        for purpose in purposes:
            person.consents.append(
                Consent(
                    participant=person.participant,
                    purpose=purpose,
                    given_on=start,
                    recorded_by=person.coordinator,
                )
            )

    # --- enrolment end data --------------------------------------------------------------

    def _insats_for(self, start: datetime.date, *, current: bool) -> Insats:
        if not current and MIA_START <= start <= MIA_LAST_START and self.rng.random() < 0.65:
            return self.org.mia
        return self.org.asf

    def _enrol(self, person: Person, *, current: bool) -> tuple[Enrolment, datetime.date]:
        """The enrolment and the last day a journey in it may end."""
        start = person.participant.start_date
        insats = self._insats_for(start, current=current)
        enrolment = Enrolment(participant=person.participant, insats=insats, start_date=start)
        person.enrolment = enrolment
        limit = self.today - DAY
        if insats.end_date is not None:
            limit = min(limit, insats.end_date)
        return enrolment, limit

    def _end(self, person: Person, end: datetime.date, reason: str, outcome: str) -> None:
        enrolment, participant = person.enrolment, person.participant
        assert enrolment is not None
        enrolment.end_date, enrolment.end_reason, enrolment.outcome = end, reason, outcome
        if participant.is_anonymous:
            # Only sex, birth year, start and the enrolment are kept (DOMAIN.md).
            return
        if outcome in STATUS_AFTER:
            participant.employment_status_end = STATUS_AFTER[outcome]
        elif outcome == Outcome.OTHER_INTERVENTION:
            participant.employment_status_end = participant.employment_status_start
        after = SUPPORT_AFTER.get(outcome)
        if after is None and outcome == Outcome.OTHER_INTERVENTION:
            after = [
                source for phase, source in person.sources if phase == SupportSourcePhase.START
            ]
        for source in after or []:
            person.sources.append((SupportSourcePhase.END, source))
        # Some withdraw a consent after the end.
        if self.rng.random() < 0.08 and len(person.consents) > 1:
            withdrawn_on = min(end + days(self.rng.randint(10, 200)), self.today)
            person.consents[-1].withdrawn_on = withdrawn_on

    # --- journeys --------------------------------------------------------------------------

    def _registration_error(self, person: Person) -> None:
        enrolment, limit = self._enrol(person, current=False)
        start = enrolment.start_date
        if self.rng.random() < 0.5 and not person.participant.is_anonymous:
            self._unanswered(person, start + days(2), S.WITHDRAWN)
        end = min(start + days(self.rng.randint(0, 21)), max(limit, start))
        enrolment.end_date, enrolment.end_reason = end, EndReason.REGISTRATION_ERROR

    def _ended_journey(self, person: Person) -> None:
        rng = self.rng
        enrolment, limit = self._enrol(person, current=False)
        reason = weighted(rng, END_REASONS)
        day = enrolment.start_date + days(rng.randint(10, 40))
        if rng.random() < 0.15 and not person.participant.is_anonymous:
            self._unanswered(person, day, rng.choice([S.DECLINED, S.WITHDRAWN]))
            day += days(rng.randint(14, 30))
        planned = rng.choices([0, 1, 2], weights=[6, 64, 30])[0]
        if person.participant.is_anonymous:
            planned = 0
        made: list[Placement] = []
        for k in range(planned):
            interrupted = k == planned - 1 and reason in INTERRUPTION_REASONS
            placement = self._historic(person, day, limit, interrupted=interrupted, reason=reason)
            if placement is None:
                break
            made.append(placement)
            assert placement.end_date is not None
            day = placement.end_date + days(rng.randint(10, 40))
        if made:
            final = made[-1]
            reason = final.end_reason
            for earlier in made[:-1]:
                earlier.outcome = Outcome.OTHER_INTERVENTION
            assert final.end_date is not None
            end = final.end_date + days(rng.randint(0, 30))
        else:
            end = day + days(rng.randint(20, 90))
        outcome = weighted(rng, OUTCOMES_AFTER[reason])
        if made:
            made[-1].outcome = outcome
        end = max(min(end, limit), enrolment.start_date)
        self._end(person, end, reason, outcome)

    def _historic(
        self,
        person: Person,
        day: datetime.date,
        limit: datetime.date,
        *,
        interrupted: bool,
        reason: str,
    ) -> Placement | None:
        """A completed or interrupted placement starting about `day`, or None if none fits."""
        rng = self.rng
        duration = rng.choice(DURATIONS)
        for attempt in range(4):
            start = day + days(21 * attempt)
            planned_end = start + days(duration - 1)
            end = planned_end
            if interrupted:
                end = start + days(rng.randint(14, max(14, duration - 14)))
            if end >= limit:
                return None
            offer = self._allocate(person, start, end, open_only=False)
            if offer is not None:
                return self._placement(
                    person,
                    offer,
                    status=S.INTERRUPTED if interrupted else S.COMPLETED,
                    planned_start=start,
                    planned_end=planned_end,
                    start_date=start,
                    end_date=end,
                    end_reason=reason if interrupted else EndReason.PLANNED,
                    outcome=Outcome.OTHER_INTERVENTION,
                )
        self._unanswered(person, day, S.DECLINED, reason=DeclineReason.NO_CAPACITY)
        return None

    def _current_journey(self, person: Person) -> None:
        rng, today = self.rng, self.today
        enrolment, limit = self._enrol(person, current=True)
        start = enrolment.start_date
        state = weighted(rng, CURRENT_STATES)
        if person.participant.is_anonymous:
            state = "waiting"
        day = start + days(rng.randint(10, 30))
        if state != "waiting" and (today - day).days > 300 and rng.random() < 0.6:
            earlier = self._historic(
                person, day, today - days(60), interrupted=False, reason=EndReason.PLANNED
            )
            if earlier is not None:
                assert earlier.end_date is not None
                day = earlier.end_date + days(rng.randint(10, 40))
        if state == "active" and not self._active(person, day):
            state = "waiting"
        if state in ("proposed", "accepted") and not self._pending(person, state):
            state = "waiting"
        if state == "waiting":
            person.participant.available_from = today + days(rng.randint(0, 30))
            if rng.random() < 0.4 and not person.participant.is_anonymous:
                first = max(start, today - days(40))
                self._unanswered(
                    person,
                    first + days(rng.randint(0, (today - first).days)),
                    rng.choice([S.DECLINED, S.WITHDRAWN]),
                )

    def _active(self, person: Person, day: datetime.date) -> bool:
        rng, today = self.rng, self.today
        first = max(day, today - days(330))
        if first > today - days(3):
            return False
        for _ in range(3):
            started = first + days(rng.randint(0, (today - days(3) - first).days))
            planned_end = started + days(rng.choice(DURATIONS) - 1)
            if planned_end < today + days(5):
                planned_end = today + days(rng.randint(14, 120))
            if rng.random() < 0.03 and (today - started).days > 45:
                # Overdue: the planned end has passed and the coordinator should end it.
                planned_end = today - days(rng.randint(1, 10))
            offer = self._allocate(person, started, planned_end, open_only=False)
            if offer is not None:
                self._placement(
                    person,
                    offer,
                    status=S.ACTIVE,
                    planned_start=started - days(rng.choice([0, 0, 0, 2, 7])),
                    planned_end=planned_end,
                    start_date=started,
                )
                return True
        self._unanswered(
            person, today - days(rng.randint(3, 20)), S.DECLINED, DeclineReason.NO_CAPACITY
        )
        return False

    def _pending(self, person: Person, state: str) -> bool:
        rng, today = self.rng, self.today
        start = person.participant.start_date
        planned_start = today + days(
            rng.randint(7, 35) if state == "proposed" else rng.randint(3, 28)
        )
        planned_end = planned_start + days(rng.choice([91, 182]) - 1)
        prefer = self.priority.pop(0) if self.priority and state == "proposed" else None
        offer = self._allocate(person, planned_start, planned_end, open_only=True, prefer=prefer)
        if offer is None:
            self._unanswered(
                person, today - days(rng.randint(1, 10)), S.DECLINED, DeclineReason.NO_CAPACITY
            )
            return False
        proposed_on = max(start, today - days(rng.randint(0, 6)))
        if state == "proposed":
            self._placement(
                person,
                offer,
                status=S.PROPOSED,
                planned_start=planned_start,
                planned_end=planned_end,
                proposed_on=proposed_on,
                expires_on=today + days(rng.randint(2, 14)),
            )
        else:
            self._placement(
                person,
                offer,
                status=S.ACCEPTED,
                planned_start=planned_start,
                planned_end=planned_end,
                proposed_on=proposed_on,
                answered_on=min(today, proposed_on + days(rng.randint(1, 4))),
                expires_on=planned_start + days(14),
            )
        return True

    # --- placements ------------------------------------------------------------------------

    def _candidates(self, person: Person, extent: int, *, open_only: bool) -> list[Offer]:
        rng = self.rng
        liked = [o for area in person.interests for o in self.by_area.get(area, [])]
        rng.shuffle(liked)
        others = rng.sample(self.org.offers, min(len(self.org.offers), 40))
        chosen = []
        seen = set()
        for offer in liked + others:
            if offer.pk in seen or not offer.offers_extent(extent):
                continue
            if open_only and not offer.is_open:
                continue
            seen.add(offer.pk)
            chosen.append(offer)
        return chosen

    def _allocate(
        self,
        person: Person,
        start: datetime.date,
        end: datetime.date,
        *,
        open_only: bool,
        prefer: list[Offer] | None = None,
    ) -> Offer | None:
        """Take a place at an offer that has one free on every day of [start, end]."""
        candidates = list(prefer or []) + self._candidates(
            person, person.extent, open_only=open_only
        )
        for offer in candidates[:50]:
            if open_only and not offer.is_open:
                continue
            if offer.offers_extent(person.extent) and self.ledger.fits(offer.pk, start, end):
                self.ledger.take(offer.pk, start, end)
                return offer
        return None

    def _placement(
        self,
        person: Person,
        offer: Offer,
        *,
        status: str,
        planned_start: datetime.date,
        planned_end: datetime.date,
        start_date: datetime.date | None = None,
        end_date: datetime.date | None = None,
        end_reason: str = "",
        outcome: str = "",
        proposed_on: datetime.date | None = None,
        answered_on: datetime.date | None = None,
        expires_on: datetime.date | None = None,
    ) -> Placement:
        rng = self.rng
        # Every placement belongs to the enrolment of its journey (the insats that funds it).
        if person.enrolment is None:
            raise ValueError("a demo placement needs its participant's enrolment first")
        extent = person.extent
        schedule = SCHEDULES[extent][0]
        if proposed_on is None:
            proposed_on = max(
                person.participant.start_date, planned_start - days(rng.randint(14, 35))
            )
        if answered_on is None and start_date is not None:
            answered_on = min(proposed_on + days(rng.randint(1, 5)), start_date)
        placement_type = PlacementType.TRAINING
        if offer.obj.price_per_day >= 300:
            placement_type = PlacementType.ENHANCED_TRAINING
        elif rng.random() < 0.15:
            placement_type = rng.choice([PlacementType.WORK_TRIAL, PlacementType.INTERNSHIP])
        placement = Placement(
            participant=person.participant,
            enrolment=person.enrolment,
            offer=offer.obj,
            placement_type=placement_type,
            extent=extent,
            schedule=schedule,
            planned_start=planned_start,
            planned_end=planned_end,
            start_date=start_date,
            end_date=end_date,
            status=status,
            supervisor_name=offer.obj.supervisor_name,
            proposed_by=person.coordinator,
            proposed_at=aware(proposed_on, rng.randint(8, 16), rng.choice([0, 15, 30, 45])),
            proposal_note=rng.choice(PROPOSAL_NOTES),
            expires_on=expires_on,
            end_reason=end_reason,
            outcome=outcome,
        )
        if answered_on is not None:
            placement.answered_by = offer.manager
            placement.answered_at = aware(answered_on, rng.randint(8, 16), rng.choice([5, 20, 40]))
        if start_date is not None:
            agreed = start_date - days(rng.randint(2, 10))
            placement.agreement_date = max(agreed, answered_on or agreed)
            placement.agreement_tasks = offer.obj.tasks
            placement.agreement_hours = schedule
            placement.agreement_support = rng.choice(AGREEMENT_SUPPORT)
            if not person.participant.workplace_adaptations:
                person.participant.workplace_adaptations = " ".join(
                    rng.sample(WORKPLACE_ADAPTATIONS, rng.choice([1, 2]))
                )
        person.placements.append(placement)
        return placement

    def _unanswered(
        self,
        person: Person,
        day: datetime.date,
        status: str,
        reason: str | None = None,
    ) -> None:
        """A proposal that was declined or withdrawn: it never held a place."""
        rng = self.rng
        day = min(day, self.today)
        started = [o for o in self.org.offers if o.start <= day and o.is_open]
        if not started:
            return
        liked = [o for o in started if o.area in person.interests]
        offer = rng.choice(liked or started)
        planned_start = day + days(rng.randint(14, 30))
        placement = Placement(
            participant=person.participant,
            enrolment=person.enrolment,
            offer=offer.obj,
            extent=person.extent,
            schedule=SCHEDULES[person.extent][0],
            planned_start=planned_start,
            planned_end=planned_start + days(rng.choice([91, 182]) - 1),
            status=status,
            supervisor_name=offer.obj.supervisor_name,
            proposed_by=person.coordinator,
            proposed_at=aware(day, rng.randint(8, 16), 0),
            proposal_note=rng.choice(PROPOSAL_NOTES),
            expires_on=day + days(14),
        )
        if status == S.DECLINED:
            reason = reason or weighted(
                rng,
                {
                    DeclineReason.NO_CAPACITY: 35,
                    DeclineReason.TASKS_UNSUITABLE: 25,
                    DeclineReason.ADAPTATIONS_IMPOSSIBLE: 15,
                    DeclineReason.TIMING: 15,
                    DeclineReason.OTHER: 10,
                },
            )
            placement.decline_reason = reason
            if reason == DeclineReason.OTHER or rng.random() < 0.5:
                placement.decline_note = DECLINE_NOTES[reason]
            placement.answered_by = offer.manager
            placement.answered_at = aware(min(day + days(rng.randint(1, 6)), self.today), 14, 0)
        person.placements.append(placement)

    # --- writing ---------------------------------------------------------------------------

    def _write(self) -> None:
        people = self.people
        participants = [p.participant for p in people]
        for participant in participants:
            _check(participant)
        Participant.objects.bulk_create(participants, batch_size=500)

        through = Participant.coordinators.through
        through.objects.bulk_create(
            [through(participant_id=p.participant.pk, user_id=p.coordinator.pk) for p in people],
            batch_size=1000,
        )
        interests = Participant.interests.through
        areas = self.org.areas
        interests.objects.bulk_create(
            [
                interests(participant_id=p.participant.pk, businessarea_id=areas[code].pk)
                for p in people
                for code in p.interests
            ],
            batch_size=1000,
        )
        sources = [
            ParticipantSupportSource(participant=p.participant, phase=phase, source=source)
            for p in people
            for phase, source in dict.fromkeys(p.sources)
        ]
        _bulk(ParticipantSupportSource, sources)
        for person in people:
            self._sharing_consent(person)
        _bulk(Consent, [c for p in people for c in p.consents])
        _bulk(Enrolment, [p.enrolment for p in people if p.enrolment is not None])
        enrolments = [p.enrolment for p in people if p.enrolment is not None]
        _bulk(EsfParticipantData, esf_answers(enrolments, self.today))
        placements = [pl for p in people for pl in p.placements]
        _bulk(Placement, placements)
        _bulk(SharedSnapshot, _snapshots(placements))
        _bulk(AttendanceDay, self._attendance(placements), check=False)
        _bulk(FollowUpMeeting, self._follow_ups(people))
        self._update_free_from()

    def _sharing_consent(self, person: Person) -> None:
        """Nobody is proposed without consent to sharing with the enterprise
        (placements.services.sharing): whoever was proposed has given it."""
        if not person.placements or person.participant.is_anonymous:
            return
        if any(c.purpose == ConsentPurpose.SHARE_WITH_ENTERPRISE for c in person.consents):
            return
        person.consents.append(
            Consent(
                participant=person.participant,
                purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE,
                given_on=person.participant.start_date,
                recorded_by=person.coordinator,
            )
        )

    def _attendance(self, placements: list[Placement]) -> list[AttendanceDay]:
        rng, today = self.rng, self.today
        window_start = today - days(ATTENDANCE_WINDOW)
        rows = []
        for placement in placements:
            if placement.start_date is None:
                continue
            last = placement.end_date or placement.planned_end
            first, last = max(placement.start_date, window_start), min(last, today - DAY)
            weekdays = SCHEDULES[placement.extent][1]
            recorder = placement.answered_by
            day = first
            while day <= last:
                if day.weekday() in weekdays and is_working_day(day) and rng.random() < 0.9:
                    rows.append(AttendanceDay(placement=placement, date=day, recorded_by=recorder))
                day += DAY
        return rows

    def _follow_ups(self, people: list[Person]) -> list[FollowUpMeeting]:
        rng, today = self.rng, self.today
        rows = []
        for person in people:
            coordinator = person.coordinator.get_full_name()
            for placement in person.placements:
                if placement.start_date is None:
                    continue
                last = min(placement.end_date or placement.planned_end, today - DAY)
                planned_last = placement.end_date or placement.planned_end
                day = placement.start_date + days(rng.randint(21, 35))
                while day <= last:
                    following = day + days(rng.randint(35, 63))
                    rows.append(
                        FollowUpMeeting(
                            placement=placement,
                            date=day,
                            attendees=(
                                f"Deltagaren, handledare {placement.supervisor_name}, "
                                f"koordinator {coordinator}"
                            ),
                            notes=rng.choice(FOLLOW_UP_NOTES),
                            next_meeting=following if following <= planned_last else None,
                            recorded_by=person.coordinator,
                        )
                    )
                    day = following
        return rows

    def _update_free_from(self) -> None:
        """Each offer's 'free from' is the first day from today with a place free."""
        for offer in self.org.offers:
            first = self.ledger.first_free_day(offer.pk, self.today) or self.ledger.horizon
            if not offer.is_open:
                first = max(first, self.today + days(45))
            if first != offer.obj.free_from:
                offer.obj.free_from = first
                offer.obj.save(update_fields=["free_from"])


def _snapshots(placements: list[Placement]) -> list[SharedSnapshot]:
    """What each enterprise was shown when the proposal was sent (as placement_propose
    does); anonymous participants share nothing."""
    return [
        SharedSnapshot(
            placement=placement,
            first_name=placement.participant.first_name,
            last_name=placement.participant.last_name,
            workplace_adaptations=placement.participant.workplace_adaptations,
            shared_at=placement.proposed_at,
            shared_by=placement.proposed_by,
        )
        for placement in placements
        if not placement.participant.is_anonymous
    ]


def _check(obj: models.Model) -> None:
    """full_clean without per-row queries (relations, uniqueness, constraints)."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


def _bulk(model: type[models.Model], rows: list[Any], *, check: bool = True) -> None:
    if check:
        for row in rows:
            _check(row)
    model.objects.bulk_create(rows, batch_size=1000)  # type: ignore[attr-defined]
