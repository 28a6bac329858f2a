"""Participant models: personnummer and samordningsnummer, the anonymous minimum, date
order, extent, and one test per database constraint."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from participants.identity import format_full, mask, parse_identity_number
from participants.models import (
    Consent,
    Enrolment,
    Insats,
    Parking,
    Participant,
    ParticipantSupportSource,
    ResponsibilityChange,
)
from tests import factories as f
from tests.helpers import (
    FAR_AHEAD,
    assert_each_constraint_tested,
    breaks_constraint,
    breaks_date_range,
    clean_errors,
)

pytestmark = pytest.mark.django_db

BORN = datetime.date(1985, 3, 12)
NUMBER = f.make_personal_number(BORN, 100)  # 19850312100C
COORDINATION = f.make_personal_number(BORN, 123, coordination=True)  # 19850372123C
CENTENARIAN = f.make_personal_number(datetime.date(1920, 5, 5), 123)


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def _written_forms(twelve: str) -> list[str]:
    return [twelve, f"{twelve[:8]}-{twelve[8:]}", twelve[2:], f"{twelve[2:8]}-{twelve[8:]}"]


class TestParseIdentityNumber:
    @pytest.mark.parametrize("written", _written_forms(NUMBER))
    def test_personnummer_in_every_written_form(self, written: str) -> None:
        number = parse_identity_number(written)
        assert number.digits == NUMBER
        assert number.birth_date == BORN
        assert not number.is_coordination_number

    @pytest.mark.parametrize("written", _written_forms(COORDINATION))
    def test_samordningsnummer_in_every_written_form(self, written: str) -> None:
        number = parse_identity_number(written)
        assert number.digits == COORDINATION
        assert COORDINATION[6:8] == "72"  # stored as written: day of birth + 60
        assert number.birth_date == BORN
        assert number.is_coordination_number

    def test_plus_form_is_someone_aged_100_or_more(self) -> None:
        ten = CENTENARIAN[2:]
        with_plus = parse_identity_number(f"{ten[:6]}+{ten[6:]}")
        assert with_plus.digits == CENTENARIAN
        assert with_plus.birth_date == datetime.date(1920, 5, 5)
        # The same ten digits with a dash are someone born in 2020.
        with_dash = parse_identity_number(f"{ten[:6]}-{ten[6:]}")
        assert with_dash.birth_date == datetime.date(2020, 5, 5)
        assert with_dash.digits == "20" + ten

    def test_sex_from_the_second_last_digit(self) -> None:
        assert parse_identity_number(f.make_personal_number(BORN, 101)).sex == "male"
        assert parse_identity_number(f.make_personal_number(BORN, 102)).sex == "female"

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            (_wrong_check_digit(NUMBER), "Numret har fel kontrollsiffra."),
            (_wrong_check_digit(COORDINATION), "Numret har fel kontrollsiffra."),
            ("19851332-1234", "Numret innehåller inget giltigt födelsedatum."),
            ("850230-1234", "Numret innehåller inget giltigt födelsedatum."),
            # A samordningsnummer whose day minus 60 is no date (92 - 60 = 32).
            ("850392-1234", "Numret innehåller inget giltigt födelsedatum."),
            (
                "85031A-1009",
                "Ange numret som ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN (tio eller tolv siffror).",
            ),
            # Unicode digits that str.isdigit() accepts and int() refuses.
            (
                "8503²2-1234",
                "Ange numret som ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN (tio eller tolv siffror).",
            ),
            (
                "850312-12³4",
                "Ange numret som ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN (tio eller tolv siffror).",
            ),
            (
                "85031210",
                "Ange numret som ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN (tio eller tolv siffror).",
            ),
            (
                "1985031210091",
                "Ange numret som ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN (tio eller tolv siffror).",
            ),
            ("", "Ange ett personnummer eller samordningsnummer."),
        ],
    )
    def test_rejects_with_a_swedish_message(self, written: str, message: str) -> None:
        with pytest.raises(ValidationError) as info:
            parse_identity_number(written)
        assert info.value.messages == [message]

    def test_rejects_a_birth_date_in_the_future(self) -> None:
        number = f.make_personal_number(datetime.date(2030, 1, 1), 100)
        with pytest.raises(ValidationError) as info:
            parse_identity_number(number, today=datetime.date(2026, 1, 1))
        assert info.value.messages == ["Födelsedatumet ligger i framtiden."]

    def test_mask_and_format(self) -> None:
        assert mask(NUMBER) == "19850312-****"
        assert format_full(NUMBER) == f"19850312-{NUMBER[8:]}"
        assert mask(None) == ""


def _participant(**kwargs: object) -> Participant:
    values: dict[str, object] = {
        "first_name": "Astrid",
        "last_name": "Berg",
        "sex": "female",
        "birth_year": 1900,
    }
    values.update(kwargs)
    return Participant(**values)


class TestParticipantClean:
    @pytest.mark.parametrize("written", _written_forms(NUMBER))
    def test_normalises_to_twelve_digits_and_derives_birth(self, written: str) -> None:
        participant = _participant(personal_number=written)
        assert clean_errors(participant) == {}
        assert participant.personal_number == NUMBER
        assert participant.birth_date == BORN
        assert participant.birth_year == 1985
        assert participant.masked_number == "19850312-****"

    @pytest.mark.parametrize("written", _written_forms(COORDINATION))
    def test_samordningsnummer(self, written: str) -> None:
        participant = _participant(personal_number=written)
        assert clean_errors(participant) == {}
        assert participant.personal_number == COORDINATION
        assert participant.birth_date == BORN

    def test_plus_form(self) -> None:
        ten = CENTENARIAN[2:]
        participant = _participant(personal_number=f"{ten[:6]}+{ten[6:]}")
        assert clean_errors(participant) == {}
        assert participant.personal_number == CENTENARIAN
        assert participant.birth_year == 1920

    def test_rejects_an_invalid_number_on_the_field(self) -> None:
        errors = clean_errors(_participant(personal_number=_wrong_check_digit(NUMBER)))
        assert errors["personal_number"] == ["Numret har fel kontrollsiffra."]

    def test_rejects_the_same_person_twice_in_another_written_form(self) -> None:
        f.ParticipantFactory(personal_number=NUMBER)
        errors = clean_errors(_participant(personal_number=f"{NUMBER[2:8]}-{NUMBER[8:]}"))
        assert "personal_number" in errors

    def test_named_participant_needs_number_and_name(self) -> None:
        errors = clean_errors(_participant(personal_number=None, first_name="", last_name=""))
        assert errors["personal_number"] == [
            "Ange personnummer eller samordningsnummer, eller registrera anonymt."
        ]
        assert errors["first_name"] == ["Ange förnamn."]
        assert errors["last_name"] == ["Ange efternamn."]

    def test_anonymous_participant_has_only_the_minimum(self) -> None:
        anonymous = _participant(
            is_anonymous=True,
            anonymous_reason="protected_identity",
            first_name="",
            last_name="",
            birth_year=1990,
        )
        assert clean_errors(anonymous) == {}
        anonymous.personal_number = NUMBER
        anonymous.first_name = "Astrid"
        errors = clean_errors(anonymous)
        message = "En anonym deltagare registreras utan namn, nummer och kontaktuppgifter."
        assert errors["personal_number"] == [message]
        assert errors["first_name"] == [message]

    def test_anonymous_participant_needs_a_reason(self) -> None:
        anonymous = _participant(is_anonymous=True, first_name="", last_name="", birth_year=1990)
        assert clean_errors(anonymous)["anonymous_reason"] == [
            "Ange varför deltagaren registreras anonymt."
        ]

    @pytest.mark.parametrize("extent", [25, 50, 75, 100])
    def test_accepts_allowed_wanted_extent(self, extent: int) -> None:
        assert clean_errors(_participant(personal_number=NUMBER, wanted_extent=extent)) == {}

    @pytest.mark.parametrize("extent", [0, 30, 110])
    def test_rejects_other_wanted_extent(self, extent: int) -> None:
        errors = clean_errors(_participant(personal_number=NUMBER, wanted_extent=extent))
        assert errors["wanted_extent"] == [f"Värdet {extent} är inget giltigt alternativ."]

    @pytest.mark.parametrize(
        ("day", "ok"),
        [
            (datetime.date(1900, 1, 1), True),
            (datetime.date(2100, 12, 31), True),
            (datetime.date(1899, 12, 31), False),
            (datetime.date(2101, 1, 1), False),
            (datetime.date(9999, 12, 31), False),
        ],
    )
    def test_available_from_lies_in_the_sane_range(self, day: datetime.date, ok: bool) -> None:
        errors = clean_errors(_participant(personal_number=NUMBER, available_from=day))
        if ok:
            assert errors == {}
        else:
            assert errors["available_from"] == ["Välj datum mellan 1900 och 2100."]


class TestDateOrder:
    def test_insats(self) -> None:
        start = datetime.date(2017, 1, 1)
        for end in (None, start, datetime.date(2020, 12, 31)):
            assert clean_errors(Insats(name=f"MIA {end}", start_date=start, end_date=end)) == {}
        errors = clean_errors(
            Insats(name="MIA", start_date=start, end_date=datetime.date(2016, 12, 31))
        )
        assert errors["end_date"] == ["Slutdatum kan inte ligga före startdatum."]

    def test_consent(self) -> None:
        participant = f.ParticipantFactory()
        given = datetime.date(2024, 1, 15)
        for withdrawn in (None, given, datetime.date(2024, 6, 1)):
            consent = Consent(
                participant=participant,
                purpose="registration",
                given_on=given,
                withdrawn_on=withdrawn,
            )
            assert clean_errors(consent) == {}
        consent.withdrawn_on = datetime.date(2024, 1, 14)
        assert clean_errors(consent)["withdrawn_on"] == [
            "Ett samtycke kan inte återkallas före det lämnades."
        ]

    def test_enrolment(self) -> None:
        enrolment = f.EnrolmentFactory.build(
            participant=f.ParticipantFactory(),
            insats=f.InsatsFactory(),
            start_date=datetime.date(2024, 1, 15),
        )
        assert clean_errors(enrolment) == {}
        enrolment.end_date, enrolment.end_reason = datetime.date(2024, 1, 15), "planned"
        assert clean_errors(enrolment) == {}
        enrolment.end_date = datetime.date(2024, 1, 14)
        assert clean_errors(enrolment)["end_date"] == ["Slutdatum kan inte ligga före startdatum."]

    def test_enrolment_end_date_and_reason_go_together(self) -> None:
        enrolment = f.EnrolmentFactory.build(
            participant=f.ParticipantFactory(),
            insats=f.InsatsFactory(),
            end_date=datetime.date(2024, 6, 1),
        )
        assert clean_errors(enrolment)["end_reason"] == [
            "Ange avslutsorsak när inskrivningen avslutas."
        ]
        enrolment.end_date, enrolment.end_reason = None, "planned"
        assert clean_errors(enrolment)["end_date"] == ["Ange slutdatum när du anger avslutsorsak."]


# One test per named database constraint: a direct ORM write that breaks it is refused.


def test_every_constraint_has_a_test() -> None:
    assert_each_constraint_tested("participants", __name__)


def test_constraint_insats_end_after_start() -> None:
    insats = f.InsatsFactory(start_date=datetime.date(2017, 1, 1))
    with breaks_constraint():
        Insats.objects.filter(pk=insats.pk).update(end_date=datetime.date(2016, 12, 31))


def test_constraint_participant_anonymous_has_no_identity() -> None:
    participant = f.ParticipantFactory()
    with breaks_constraint():
        Participant.objects.filter(pk=participant.pk).update(is_anonymous=True)


def test_constraint_participant_personal_number_twelve_digits() -> None:
    participant = f.ParticipantFactory()
    with breaks_constraint():
        Participant.objects.filter(pk=participant.pk).update(
            personal_number=f"{NUMBER[2:8]}-{NUMBER[8:]}"
        )


def test_constraint_participant_record_key_in_range() -> None:
    participant = f.ParticipantFactory()
    with breaks_constraint():
        Participant.objects.filter(pk=participant.pk).update(record_key=256)


def test_constraint_participant_wanted_extent_allowed() -> None:
    participant = f.ParticipantFactory()
    with breaks_constraint():
        Participant.objects.filter(pk=participant.pk).update(wanted_extent=30)


def test_constraint_support_source_once_per_phase() -> None:
    participant = f.ParticipantFactory()
    ParticipantSupportSource.objects.create(
        participant=participant, phase="start", source="sickness_benefit"
    )
    ParticipantSupportSource.objects.create(
        participant=participant, phase="end", source="sickness_benefit"
    )
    with breaks_constraint():
        ParticipantSupportSource.objects.create(
            participant=participant, phase="start", source="sickness_benefit"
        )


def test_constraint_consent_withdrawn_after_given() -> None:
    consent = f.ConsentFactory(given_on=datetime.date(2024, 1, 15))
    with breaks_constraint():
        Consent.objects.filter(pk=consent.pk).update(withdrawn_on=datetime.date(2024, 1, 14))


def test_constraint_enrolment_end_after_start() -> None:
    enrolment = f.EnrolmentFactory(start_date=datetime.date(2024, 1, 15))
    with breaks_constraint():
        Enrolment.objects.filter(pk=enrolment.pk).update(
            end_date=datetime.date(2024, 1, 14), end_reason="planned"
        )


def test_constraint_enrolment_ended_has_reason() -> None:
    enrolment = f.EnrolmentFactory(start_date=datetime.date(2024, 1, 15))
    with breaks_constraint():
        Enrolment.objects.filter(pk=enrolment.pk).update(end_date=datetime.date(2024, 6, 1))


# The date range checks (issue 12): a date far outside 1900-2100 written around the forms.


def test_constraint_insats_start_date_in_range() -> None:
    breaks_date_range(f.InsatsFactory(), "start_date")


def test_constraint_insats_end_date_in_range() -> None:
    breaks_date_range(f.InsatsFactory(), "end_date", FAR_AHEAD)


def test_constraint_participant_birth_date_in_range() -> None:
    breaks_date_range(f.ParticipantFactory(), "birth_date")


def test_constraint_participant_start_date_in_range() -> None:
    breaks_date_range(f.ParticipantFactory(), "start_date", FAR_AHEAD)


def test_constraint_participant_available_from_in_range() -> None:
    breaks_date_range(f.ParticipantFactory(), "available_from", FAR_AHEAD)


def test_constraint_participant_anonymised_at_in_range() -> None:
    breaks_date_range(f.ParticipantFactory(), "anonymised_at", FAR_AHEAD)


def test_constraint_participant_birth_year_in_range() -> None:
    participant = f.ParticipantFactory()
    for year in (1, 1885, 2101):
        with breaks_constraint():
            Participant.objects.filter(pk=participant.pk).update(birth_year=year)


def test_constraint_consent_given_on_in_range() -> None:
    breaks_date_range(f.ConsentFactory(), "given_on")


def test_constraint_consent_withdrawn_on_in_range() -> None:
    breaks_date_range(f.ConsentFactory(), "withdrawn_on", FAR_AHEAD)


def test_constraint_enrolment_start_date_in_range() -> None:
    breaks_date_range(f.EnrolmentFactory(), "start_date")


def test_constraint_enrolment_end_date_in_range() -> None:
    enrolment = f.EnrolmentFactory(end_date=datetime.date(2024, 6, 1), end_reason="planned")
    breaks_date_range(enrolment, "end_date", FAR_AHEAD)


def test_identity_numbers_of_people_born_before_1900_are_refused() -> None:
    for number in ("00010101-1237", "850312+2387", "18850312-2387"):
        with pytest.raises(ValidationError) as error:
            parse_identity_number(number)
        assert error.value.code in ("date_range", "date"), number


# Parking and the history of responsible coordinators (issue 14).


def _parking() -> Parking:
    return Parking.objects.create(
        participant=f.ParticipantFactory(),
        reason="health",
        since=datetime.date(2030, 1, 1),
        until=datetime.date(2030, 2, 1),
    )


def test_constraint_parking_until_after_since() -> None:
    parking = _parking()
    with breaks_constraint():
        Parking.objects.filter(pk=parking.pk).update(until=datetime.date(2029, 12, 31))


def test_constraint_parking_since_in_range() -> None:
    parking = _parking()
    # Keep `until` after `since` so only the range check can refuse it.
    breaks_date_range(parking, "since")


def test_constraint_parking_until_in_range() -> None:
    breaks_date_range(_parking(), "until", datetime.date(9999, 1, 1))


def test_constraint_parking_ended_on_in_range() -> None:
    breaks_date_range(_parking(), "ended_on")


def test_constraint_responsibility_change_changed_at_in_range() -> None:
    person = f.ParticipantFactory()
    change = ResponsibilityChange.objects.create(
        participant=person, to_user=f.UserFactory(username="to-coordinator")
    )
    breaks_date_range(change, "changed_at")


# --- ESF+ answers ----------------------------------------------------------------------


def _esf_data():
    from participants.models import EsfParticipantData

    enrolment = f.EnrolmentFactory(
        insats=f.InsatsFactory(name="ESF-modell", esf_funded=True),
        end_date=datetime.date(2024, 6, 30),
        end_reason="planned",
    )
    return EsfParticipantData.objects.create(
        enrolment=enrolment,
        entry_recorded_on=datetime.date(2024, 1, 15),
        exit_recorded_on=datetime.date(2024, 6, 30),
        six_months_recorded_on=datetime.date(2024, 12, 30),
    )


def test_constraint_esf_data_entry_recorded_on_in_range() -> None:
    breaks_date_range(_esf_data(), "entry_recorded_on")


def test_constraint_esf_data_exit_recorded_on_in_range() -> None:
    breaks_date_range(_esf_data(), "exit_recorded_on", FAR_AHEAD)


def test_constraint_esf_data_six_months_recorded_on_in_range() -> None:
    breaks_date_range(_esf_data(), "six_months_recorded_on", FAR_AHEAD)


def test_esf_answers_need_an_esf_insats_and_an_ended_enrolment() -> None:
    from participants.models import EsfParticipantData

    plain = f.EnrolmentFactory()
    assert clean_errors(EsfParticipantData(enrolment=plain, disability="yes"))
    esf = f.EnrolmentFactory(insats=f.InsatsFactory(name="ESF-modell 2", esf_funded=True))
    assert clean_errors(EsfParticipantData(enrolment=esf, disability="yes")) == {}
    assert clean_errors(EsfParticipantData(enrolment=esf, exit_employed="yes"))
