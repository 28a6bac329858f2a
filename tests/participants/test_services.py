"""Participant services: registration rules, numbers, duplicates, consents, enrolments, audit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from participants import services
from participants.choices import AnonymousReason, ConsentPurpose
from participants.models import Consent, Enrolment, Participant, ParticipantSupportSource
from placements.services.enrolments import enrolment_end
from samordning.models import AuditAction, AuditLog
from tests.factories import (
    EnrolmentFactory,
    InsatsFactory,
    MunicipalityFactory,
    ParticipantFactory,
    PlacementFactory,
    business_area,
    make_personal_number,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 4)


def _named(**overrides):
    fields = {
        "personal_number": "850312-2387",
        "first_name": "Anna",
        "last_name": "Andersson",
        "sex": "",
        "start_date": datetime.date(2026, 5, 1),
        "education": "secondary",
        "time_in_support": "2_5",
        "wanted_extent": 50,
    }
    fields.update(overrides)
    return fields


def _create(user, *, fields=None, is_anonymous=False, **kwargs):
    kwargs.setdefault("consent_purposes", [ConsentPurpose.REGISTRATION])
    kwargs.setdefault("consent_given_on", datetime.date(2026, 5, 1))
    return services.participant_create(
        user=user,
        is_anonymous=is_anonymous,
        fields=fields if fields is not None else _named(),
        today=TODAY,
        **kwargs,
    )


@pytest.mark.parametrize(
    "written",
    ["850312-2387", "8503122387", "19850312-2387", "198503122387", " 19850312 2387 "],
)
def test_any_common_written_number_is_normalised(coordinator, written):
    participant = _create(coordinator, fields=_named(personal_number=written.strip()))
    assert participant.personal_number == "198503122387"


def test_birth_date_year_and_sex_are_derived_from_the_number(coordinator):
    # Second last digit 8 (even): female.
    participant = _create(coordinator)
    assert participant.birth_date == datetime.date(1985, 3, 12)
    assert participant.birth_year == 1985
    assert participant.sex == "female"


def test_a_chosen_sex_is_kept(coordinator):
    participant = _create(coordinator, fields=_named(sex="other"))
    assert participant.sex == "other"


def test_samordningsnummer_is_accepted(coordinator):
    number = make_personal_number(datetime.date(1990, 7, 5), 123, coordination=True)
    participant = _create(coordinator, fields=_named(personal_number=number))
    assert participant.personal_number == number
    assert participant.birth_date == datetime.date(1990, 7, 5)


def test_the_registering_coordinator_becomes_responsible_and_one_create_row(coordinator):
    area = business_area("cafe")
    participant = _create(
        coordinator,
        interests=[area],
        support_sources_start=["sickness_benefit", "social_assistance"],
    )
    assert list(participant.coordinators.all()) == [coordinator]
    assert list(participant.interests.all()) == [area]
    assert set(
        ParticipantSupportSource.objects.filter(participant=participant).values_list(
            "source", flat=True
        )
    ) == {"sickness_benefit", "social_assistance"}
    consent = Consent.objects.get(participant=participant)
    assert consent.purpose == ConsentPurpose.REGISTRATION
    assert consent.recorded_by == coordinator
    rows = AuditLog.objects.filter(object_id=str(participant.pk))
    assert [(r.action, r.user) for r in rows] == [(AuditAction.CREATE, coordinator)]


def test_errors_are_on_the_fields_and_nothing_is_written(coordinator):
    with pytest.raises(ValidationError) as caught:
        _create(coordinator, fields=_named(personal_number="850312-2385", first_name=""))
    errors = caught.value.message_dict
    assert "kontrollsiffra" in errors["personal_number"][0]
    assert errors["first_name"] == ["Ange förnamn."]
    assert Participant.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_named_registration_needs_consent(coordinator):
    with pytest.raises(ValidationError) as caught:
        _create(coordinator, consent_purposes=[], consent_given_on=None)
    assert set(caught.value.message_dict) == {"consent_purposes", "consent_given_on"}
    assert Participant.objects.count() == 0


def test_consent_cannot_be_given_in_the_future(coordinator):
    with pytest.raises(ValidationError) as caught:
        _create(coordinator, consent_given_on=TODAY + datetime.timedelta(days=1))
    assert "consent_given_on" in caught.value.message_dict


def test_anonymous_registration_keeps_only_the_minimum(coordinator):
    participant = _create(
        coordinator,
        is_anonymous=True,
        fields={
            "sex": "male",
            "birth_year": 1979,
            "start_date": datetime.date(2026, 4, 1),
            "anonymous_reason": AnonymousReason.PROTECTED_IDENTITY,
            "support_needs": "must not be stored",
            "home_municipality": MunicipalityFactory(),
        },
        interests=[business_area("cafe")],
        support_sources_start=["sickness_benefit"],
    )
    participant.refresh_from_db()
    assert participant.is_anonymous
    assert participant.personal_number is None
    assert participant.first_name == ""
    assert participant.birth_year == 1979
    assert participant.birth_date is None
    assert participant.support_needs == ""
    assert participant.home_municipality is None
    assert not participant.interests.exists()
    assert not participant.support_sources.exists()
    assert not participant.consents.exists()
    assert list(participant.coordinators.all()) == [coordinator]


def test_anonymous_registration_refuses_a_name_or_number(coordinator):
    with pytest.raises(ValidationError) as caught:
        _create(
            coordinator,
            is_anonymous=True,
            fields={
                "sex": "male",
                "birth_year": 1979,
                "start_date": TODAY,
                "anonymous_reason": AnonymousReason.NO_CONSENT,
                "first_name": "Bo",
                "personal_number": "850312-2387",
            },
        )
    assert {"first_name", "personal_number"} <= set(caught.value.message_dict)
    assert Participant.objects.count() == 0


def test_anonymous_registration_needs_sex_birth_year_and_reason(coordinator):
    with pytest.raises(ValidationError) as caught:
        _create(coordinator, is_anonymous=True, fields={"sex": "", "start_date": TODAY})
    assert {"sex", "birth_year", "anonymous_reason"} <= set(caught.value.message_dict)


def test_a_duplicate_number_names_the_existing_participant(coordinator):
    existing = ParticipantFactory(personal_number="198503122387")
    with pytest.raises(services.DuplicateNumberError) as caught:
        _create(coordinator, fields=_named(personal_number="850312-2387"))
    assert caught.value.existing == existing
    # Only that the person may be registered and whom to ask: never whose participant.
    assert caught.value.message_dict["personal_number"] == [
        "Personen kan redan vara registrerad. Kontakta en förbundsadministratör, "
        "som kan hjälpa dig vidare."
    ]
    assert Participant.objects.count() == 1


def test_a_duplicate_is_reported_together_with_other_errors(coordinator):
    ParticipantFactory(personal_number="198503122387")
    with pytest.raises(services.DuplicateNumberError) as caught:
        _create(coordinator, consent_purposes=[])
    assert {"personal_number", "consent_purposes"} <= set(caught.value.message_dict)


def test_update_keeps_the_number_when_left_blank_and_logs_field_names(coordinator):
    participant = ParticipantFactory(coordinators=[coordinator], first_name="Anna")
    number = participant.personal_number
    services.participant_update(
        participant=participant,
        user=coordinator,
        fields={"personal_number": "", "first_name": "Annika", "support_needs": "Tyst miljö"},
        coordinators=[coordinator],
    )
    participant.refresh_from_db()
    assert participant.personal_number == number
    assert participant.first_name == "Annika"
    row = AuditLog.objects.get(object_id=str(participant.pk))
    assert row.action == AuditAction.UPDATE
    assert "first_name" in row.detail and "support_needs" in row.detail
    assert "Annika" not in row.detail and "Tyst" not in row.detail


def test_update_to_a_number_someone_else_has_is_a_duplicate(coordinator):
    other = ParticipantFactory()
    participant = ParticipantFactory(coordinators=[coordinator])
    with pytest.raises(services.DuplicateNumberError) as caught:
        services.participant_update(
            participant=participant,
            user=coordinator,
            fields={"personal_number": other.personal_number},
        )
    assert caught.value.existing == other


def test_an_admin_registering_must_name_a_responsible_coordinator(admin_user, coordinator):
    for anonymous in (False, True):
        fields = (
            _named()
            if not anonymous
            else {"sex": "male", "birth_year": 1990, "anonymous_reason": "protected_identity"}
        )
        with pytest.raises(ValidationError) as caught:
            _create(admin_user, fields=fields, is_anonymous=anonymous, coordinators=[])
        assert caught.value.message_dict["coordinators"] == [
            "Minst en koordinator ska vara ansvarig."
        ]
    assert not Participant.objects.exists()
    assert not Consent.objects.exists()
    assert not AuditLog.objects.exists()
    participant = _create(admin_user, coordinators=[coordinator])
    assert list(participant.coordinators.all()) == [coordinator]


def test_a_missing_coordinator_is_reported_together_with_other_errors(admin_user):
    with pytest.raises(ValidationError) as caught:
        _create(admin_user, fields=_named(first_name=""), coordinators=[])
    assert {"coordinators", "first_name"} <= set(caught.value.message_dict)


def test_a_registering_coordinator_needs_to_name_no_one_else(coordinator, coordinator2):
    assert list(_create(coordinator, coordinators=[]).coordinators.all()) == [coordinator]
    both = _create(
        coordinator,
        fields=_named(personal_number=make_personal_number(datetime.date(1990, 1, 1))),
        coordinators=[coordinator2],
    )
    assert set(both.coordinators.all()) == {coordinator, coordinator2}


def test_update_needs_one_responsible_coordinator(coordinator, manager):
    participant = ParticipantFactory(coordinators=[coordinator])
    with pytest.raises(ValidationError) as caught:
        services.participant_update(
            participant=participant, user=coordinator, fields={}, coordinators=[]
        )
    assert "coordinators" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.participant_update(
            participant=participant, user=coordinator, fields={}, coordinators=[manager]
        )
    assert list(participant.coordinators.all()) == [coordinator]


def test_reveal_returns_the_full_number_and_writes_one_reveal_row(coordinator):
    participant = ParticipantFactory(coordinators=[coordinator], personal_number="198503122387")
    shown = services.participant_reveal_number(participant=participant, user=coordinator)
    assert shown == "19850312-2387"
    row = AuditLog.objects.get()
    assert (row.action, row.responsible) == (AuditAction.REVEAL, True)


def test_view_row_says_whether_the_reader_was_responsible(coordinator, admin_user):
    participant = ParticipantFactory(coordinators=[coordinator])
    services.participant_log_view(participant=participant, user=admin_user)
    row = AuditLog.objects.get()
    assert (row.action, row.responsible, row.user) == (AuditAction.VIEW, False, admin_user)


def test_consent_record_and_withdraw(coordinator):
    participant = ParticipantFactory(coordinators=[coordinator])
    consent = services.consent_record(
        participant=participant,
        user=coordinator,
        purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE,
        given_on=TODAY,
        today=TODAY,
    )
    with pytest.raises(ValidationError) as caught:
        services.consent_record(
            participant=participant,
            user=coordinator,
            purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE,
            given_on=TODAY,
            today=TODAY,
        )
    assert "purpose" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.consent_withdraw(
            consent=consent, user=coordinator, withdrawn_on=TODAY - datetime.timedelta(days=1)
        )
    services.consent_withdraw(consent=consent, user=coordinator, withdrawn_on=TODAY)
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY
    assert AuditLog.objects.filter(action=AuditAction.UPDATE).count() == 2


def test_enrolment_create_and_end(coordinator):
    participant = ParticipantFactory(coordinators=[coordinator])
    insats = InsatsFactory(start_date=datetime.date(2020, 1, 1))
    enrolment = services.enrolment_create(
        participant=participant, user=coordinator, insats=insats, start_date=TODAY
    )
    with pytest.raises(ValidationError) as caught:
        services.enrolment_create(
            participant=participant, user=coordinator, insats=insats, start_date=TODAY
        )
    assert "insats" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        enrolment_end(
            enrolment=enrolment,
            user=coordinator,
            end_date=TODAY - datetime.timedelta(days=1),
            end_reason="",
            outcome="work",
            today=TODAY,
        )
    assert {"end_date", "end_reason"} <= set(caught.value.message_dict)
    enrolment_end(
        enrolment=enrolment,
        user=coordinator,
        end_date=TODAY,
        end_reason="planned",
        outcome="studies",
        employment_status_end="studying",
        support_sources_end=["study_grant"],
        today=TODAY,
    )
    enrolment.refresh_from_db()
    participant.refresh_from_db()
    assert (enrolment.end_reason, enrolment.outcome) == ("planned", "studies")
    assert participant.employment_status_end == "studying"
    assert participant.support_sources.get(phase="end").source == "study_grant"


def test_enrolment_cannot_end_while_a_placement_is_active(coordinator):
    enrolment = EnrolmentFactory(start_date=datetime.date(2026, 1, 1))
    PlacementFactory(participant=enrolment.participant, status="active", start_date=TODAY)
    with pytest.raises(ValidationError):
        enrolment_end(
            enrolment=enrolment,
            user=coordinator,
            end_date=TODAY,
            end_reason="planned",
            outcome="work",
            today=TODAY,
        )
    assert Enrolment.objects.get().end_date is None


def test_a_number_registered_at_the_same_moment_is_a_duplicate_not_a_crash(
    coordinator, monkeypatch
):
    existing = ParticipantFactory(personal_number="198503122387")
    # The other registration commits between our check and our insert.
    monkeypatch.setattr(services, "_check_duplicate", lambda participant: None)
    with pytest.raises(services.DuplicateNumberError) as caught:
        _create(coordinator)
    assert caught.value.existing == existing
    assert Participant.objects.count() == 1
