"""Demo ESF+ answers for the enrolments in the ESF-financed insats (MIA).

At entry from the participant's start data (the association's categories mapped
onto the ESF+ ones), plus the background questions at plausible rates; at exit
from the recorded outcome; six months after exit for most of those whose six
months have passed. Anonymous registrations have no answers (no consent). Its
own random generator, so the rest of the demo stays as it was.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable

from participants.choices import (
    EndReason,
    EsfAnswer,
    EsfEducation,
    EsfEmploymentSituation,
    Outcome,
)
from participants.models import Enrolment, EsfParticipantData

RANDOM_SEED = 2021  # the year of the ESF+ regulation
SIX_MONTHS = datetime.timedelta(days=183)

SITUATION = {
    "unemployed": EsfEmploymentSituation.UNEMPLOYED,
    "long_term_unemployed": EsfEmploymentSituation.LONG_TERM_UNEMPLOYED,
    # Sick-listed without a job, not seeking work, or studying: outside the labour force.
    "on_sick_leave": EsfEmploymentSituation.INACTIVE,
    "inactive": EsfEmploymentSituation.INACTIVE,
    "studying": EsfEmploymentSituation.INACTIVE,
    "employed": EsfEmploymentSituation.EMPLOYED,
    "employed_with_support": EsfEmploymentSituation.EMPLOYED,
}
EDUCATION = {
    "primary": EsfEducation.ISCED_0_2,
    "secondary": EsfEducation.ISCED_3_4,
    "tertiary": EsfEducation.ISCED_5_8,
}
# Share answering yes; a few more decline to answer.
BACKGROUND_RATES = {
    "disability": 0.38,
    "third_country_national": 0.14,
    "foreign_background": 0.36,
    "minority": 0.03,
    "homeless": 0.05,
}
WORK = {Outcome.WORK, Outcome.WORK_SUBSIDISED}


def _answer(rng: random.Random, rate: float) -> str:
    draw = rng.random()
    if draw < 0.06:
        return EsfAnswer.REFUSED
    return EsfAnswer.YES if draw < 0.06 + rate else EsfAnswer.NO


def _yes(condition: bool) -> str:
    return EsfAnswer.YES if condition else EsfAnswer.NO


def esf_answers(enrolments: Iterable[Enrolment], today: datetime.date) -> list[EsfParticipantData]:
    """Unsaved ESF+ rows for the saved enrolments in an ESF-financed insats."""
    rng = random.Random(RANDOM_SEED)
    rows = []
    for enrolment in enrolments:
        participant = enrolment.participant
        if (
            not enrolment.insats.esf_funded
            or participant.is_anonymous
            or enrolment.end_reason == EndReason.REGISTRATION_ERROR
        ):
            continue
        data = EsfParticipantData(
            enrolment=enrolment,
            employment_situation=SITUATION.get(
                participant.employment_status_start, EsfEmploymentSituation.REFUSED
            ),
            education=EDUCATION.get(participant.education, EsfEducation.REFUSED),
            entry_recorded_on=enrolment.start_date,
            **{name: _answer(rng, rate) for name, rate in BACKGROUND_RATES.items()},
        )
        end, outcome = enrolment.end_date, enrolment.outcome
        if end is not None and end <= today:
            data.exit_employed = _yes(outcome in WORK)
            data.exit_in_education = _yes(outcome == Outcome.STUDIES)
            data.exit_qualification = _yes(
                outcome == Outcome.STUDIES or (outcome in WORK and rng.random() < 0.3)
            )
            data.exit_job_searching = _yes(outcome == Outcome.JOB_SEEKING)
            data.exit_recorded_on = end
            later = end + SIX_MONTHS
            if later <= today and rng.random() < 0.8:
                employed = rng.random() < (0.85 if outcome in WORK else 0.15)
                data.six_months_situation = (
                    EsfEmploymentSituation.EMPLOYED
                    if employed
                    else rng.choice(
                        [EsfEmploymentSituation.UNEMPLOYED, EsfEmploymentSituation.INACTIVE]
                    )
                )
                data.six_months_improved = _yes(employed or outcome == Outcome.STUDIES)
                data.six_months_recorded_on = later
        rows.append(data)
    return rows
