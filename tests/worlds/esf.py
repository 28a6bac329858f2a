"""A small ESF+ data set whose indicator counts are worked out by hand in the tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from participants.models import Enrolment, EsfParticipantData, Insats, Participant
from tests.factories import (
    EnrolmentFactory,
    InsatsFactory,
    ParticipantFactory,
    make_personal_number,
)

D = datetime.date


@dataclass
class EsfWorld:
    insats: Insats
    other_insats: Insats
    p1: Participant
    p2: Participant
    p3: Participant
    p4: Participant
    e1: Enrolment


def build_esf(coordinator=None) -> EsfWorld:
    """In the ESF-financed insats, for the year 2024:

    P1 woman born 1990: 2024-02-01..2024-10-31; long-term unemployed, ISCED 0-2,
       disability; at exit employed, not job searching.
    P2 man born 2000: from 2024-03-01, open; inactive, ISCED 3-4, third-country national.
    P3 woman born 1965: 2024-05-01..2024-06-30; situation "vill inte uppge", no
       education answer; at exit in education and gained a qualification.
    P4 woman born 1990: 2023-05-01..2024-01-31, no ESF+ answers at all.
    P5 woman: in another (not ESF-financed) insats in 2024; never counted.
    """
    insats = InsatsFactory(name="ESF-projektet Steget", esf_funded=True, start_date=D(2023, 1, 1))
    other = InsatsFactory(name="Vanlig insats", start_date=D(2023, 1, 1))
    coordinators = [coordinator] if coordinator else []

    def person(born: datetime.date, sex: str) -> Participant:
        return ParticipantFactory(
            personal_number=make_personal_number(born), sex=sex, coordinators=coordinators
        )

    p1 = person(D(1990, 1, 1), "female")
    p2 = person(D(2000, 2, 2), "male")
    p3 = person(D(1965, 3, 3), "female")
    p4 = person(D(1990, 4, 4), "female")
    p5 = person(D(1991, 5, 5), "female")
    ended = {"end_reason": "planned", "outcome": "work"}
    e1 = EnrolmentFactory(
        participant=p1, insats=insats, start_date=D(2024, 2, 1), end_date=D(2024, 10, 31), **ended
    )
    e2 = EnrolmentFactory(participant=p2, insats=insats, start_date=D(2024, 3, 1))
    e3 = EnrolmentFactory(
        participant=p3, insats=insats, start_date=D(2024, 5, 1), end_date=D(2024, 6, 30), **ended
    )
    EnrolmentFactory(
        participant=p4, insats=insats, start_date=D(2023, 5, 1), end_date=D(2024, 1, 31), **ended
    )
    EnrolmentFactory(participant=p5, insats=other, start_date=D(2024, 2, 1))
    EsfParticipantData.objects.create(
        enrolment=e1,
        employment_situation="long_term_unemployed",
        education="isced_0_2",
        disability="yes",
        third_country_national="no",
        entry_recorded_on=D(2024, 2, 1),
        exit_employed="yes",
        exit_job_searching="no",
        exit_recorded_on=D(2024, 10, 31),
    )
    EsfParticipantData.objects.create(
        enrolment=e2,
        employment_situation="inactive",
        education="isced_3_4",
        third_country_national="yes",
        disability="refused",
        entry_recorded_on=D(2024, 3, 1),
    )
    EsfParticipantData.objects.create(
        enrolment=e3,
        employment_situation="refused",
        exit_in_education="yes",
        exit_qualification="yes",
        exit_recorded_on=D(2024, 6, 30),
    )
    return EsfWorld(insats, other, p1, p2, p3, p4, e1)
