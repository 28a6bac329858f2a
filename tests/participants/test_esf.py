"""ESF+ answers on an enrolment: rules, the forms, who may read them, and the read log."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from participants import services
from participants.models import EsfParticipantData
from samordning.models import AuditAction, AuditLog
from tests.factories import EnrolmentFactory, InsatsFactory, ParticipantFactory
from tests.worlds.esf import D, build_esf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(coordinator):
    return build_esf(coordinator)


def test_answers_only_for_an_esf_financed_insats(world, coordinator):
    enrolment = EnrolmentFactory(
        participant=world.p1, insats=InsatsFactory(name="Utan ESF"), start_date=D(2024, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.esf_data_save(
            enrolment=enrolment,
            user=coordinator,
            phases=["entry"],
            answers={"employment_situation": "inactive"},
        )
    assert not EsfParticipantData.objects.filter(enrolment=enrolment).exists()


def test_results_wait_for_the_end_and_six_months(world, coordinator):
    open_enrolment = world.p2.enrolments.get()
    with pytest.raises(ValidationError):
        services.esf_data_save(
            enrolment=open_enrolment,
            user=coordinator,
            phases=["exit"],
            answers={"exit_employed": "yes"},
        )
    with pytest.raises(ValidationError):
        services.esf_data_save(
            enrolment=world.e1,  # ended 2024-10-31
            user=coordinator,
            phases=["six_months"],
            answers={"six_months_situation": "employed"},
            today=D(2025, 4, 29),
        )
    data = services.esf_data_save(
        enrolment=world.e1,
        user=coordinator,
        phases=["six_months"],
        answers={"six_months_situation": "employed", "six_months_improved": "yes"},
        today=D(2025, 4, 30),
    )
    assert data.six_months_recorded_on == D(2025, 4, 30)
    # Entry answers were left as they were.
    assert data.employment_situation == "long_term_unemployed"


def test_every_answer_may_be_refused_and_saving_is_logged(world, coordinator):
    answers = {
        "employment_situation": "refused",
        "education": "refused",
        "disability": "refused",
        "third_country_national": "refused",
        "foreign_background": "refused",
        "minority": "refused",
        "homeless": "refused",
    }
    data = services.esf_data_save(
        enrolment=world.p2.enrolments.get(), user=coordinator, phases=["entry"], answers=answers
    )
    assert all(getattr(data, name) == "refused" for name in answers)
    row = AuditLog.objects.get(action=AuditAction.UPDATE)
    assert row.object_id == str(world.p2.pk) and "esf+" in row.detail


def url(name, world, enrolment=None):
    enrolment = enrolment or world.e1
    return reverse(f"participants:{name}", args=[enrolment.participant.pk, enrolment.pk])


def test_responsible_coordinator_reads_and_edits_through_the_form(client, world, coordinator):
    client.force_login(coordinator)
    response = client.get(url("esf-entry", world))
    assert response.status_code == 200
    assert "Funktionsnedsättning" in response.text
    # Showing the answers (art. 9 data) is a logged read of the person.
    read = AuditLog.objects.get(action=AuditAction.VIEW)
    assert read.object_id == str(world.p1.pk) and read.user == coordinator
    response = client.post(
        url("esf-entry", world),
        {"employment_situation": "employed", "education": "isced_5_8", "homeless": "no"},
    )
    assert response.status_code == 302
    data = EsfParticipantData.objects.get(enrolment=world.e1)
    assert (data.employment_situation, data.education, data.homeless) == (
        "employed",
        "isced_5_8",
        "no",
    )
    assert data.disability == ""  # left empty on the form: not answered
    response = client.post(url("esf-results", world), {"exit_job_searching": "yes"})
    assert response.status_code == 302
    assert EsfParticipantData.objects.get(enrolment=world.e1).exit_job_searching == "yes"


@pytest.mark.parametrize(
    ("role", "status"), [("coordinator2", 404), ("manager", 403), ("funder", 403)]
)
def test_others_cannot_read_the_answers(client, world, role, status, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url("esf-entry", world)).status_code == status
    assert client.post(url("esf-results", world), {"exit_employed": "no"}).status_code == status
    assert not AuditLog.objects.filter(action=AuditAction.VIEW).exists()
    assert EsfParticipantData.objects.get(enrolment=world.e1).exit_employed == "yes"


def test_the_participant_page_links_the_esf_forms(client, world, coordinator):
    client.force_login(coordinator)
    text = client.get(world.p1.get_absolute_url()).text
    assert url("esf-entry", world) in text and url("esf-results", world) in text


def test_the_personal_export_holds_the_answers(world, admin_user):
    from placements.privacy import participant_export_data

    data = participant_export_data(participant=world.p1)
    (enrolment,) = data["participant"]["enrolments"]
    assert enrolment["esf_data"]["disability"] == "yes"
    assert enrolment["esf_data"]["exit_employed"] == "yes"


def test_anonymisation_keeps_the_answers_for_the_statistics(world, admin_user):
    from placements.privacy import participant_anonymise

    participant_anonymise(participant=world.p1, user=admin_user)
    data = EsfParticipantData.objects.get(enrolment=world.e1)
    assert (data.employment_situation, data.disability) == ("long_term_unemployed", "yes")
    assert datetime.date(2024, 2, 1) == data.entry_recorded_on


def test_job_searching_and_employed_upon_leaving_exclude_each_other(world, coordinator):
    with pytest.raises(ValidationError) as error:
        services.esf_data_save(
            enrolment=world.e1,
            user=coordinator,
            phases=["exit"],
            answers={"exit_job_searching": "yes", "exit_employed": "yes"},
        )
    assert "exit_employed" in error.value.message_dict
    assert EsfParticipantData.objects.get(enrolment=world.e1).exit_job_searching == "no"


def test_no_answers_for_an_anonymous_registration(world, coordinator):
    enrolment = EnrolmentFactory(
        participant=ParticipantFactory(
            personal_number=None,
            first_name="",
            last_name="",
            is_anonymous=True,
            anonymous_reason="no_consent",
        ),
        insats=world.insats,
        start_date=D(2024, 4, 1),
    )
    with pytest.raises(ValidationError):
        services.esf_data_save(
            enrolment=enrolment,
            user=coordinator,
            phases=["entry"],
            answers={"disability": "yes"},
        )
    assert not EsfParticipantData.objects.filter(enrolment=enrolment).exists()
