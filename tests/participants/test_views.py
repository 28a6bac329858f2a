"""Participant pages as each role: access, list filters, forms, the read log."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from participants.models import Consent, Enrolment, Participant
from placements.selectors.participants import ParticipantStatus
from samordning.models import AuditAction, AuditLog
from tests.factories import (
    ConsentFactory,
    EnrolmentFactory,
    InsatsFactory,
    MunicipalityFactory,
    ParticipantFactory,
    PlacementFactory,
    business_area,
    make_personal_number,
)

pytestmark = pytest.mark.django_db

VALID_NUMBER = "850312-2387"  # 198503122387, female


@pytest.fixture
def mine(coordinator):
    participant = ParticipantFactory(
        coordinators=[coordinator], first_name="Mira", last_name="Lind"
    )
    ConsentFactory(participant=participant)
    EnrolmentFactory(participant=participant)
    return participant


@pytest.fixture
def logged_in(client, coordinator):
    client.force_login(coordinator)
    return client


def _pages(participant):
    consent = participant.consents.first()
    enrolment = participant.enrolments.first()
    return [
        reverse("participants:participant-list"),
        reverse("participants:participant-create"),
        reverse("participants:participant-detail", args=[participant.pk]),
        reverse("participants:participant-update", args=[participant.pk]),
        reverse("participants:consent-create", args=[participant.pk]),
        reverse("participants:consent-withdraw", args=[participant.pk, consent.pk]),
        reverse("participants:enrolment-create", args=[participant.pk]),
        reverse("participants:enrolment-end", args=[participant.pk, enrolment.pk]),
    ]


def test_every_page_is_200_for_the_responsible_coordinator(logged_in, mine):
    for url in _pages(mine):
        assert logged_in.get(url).status_code == 200, url


def test_every_page_is_200_for_an_admin(client, admin_user, mine):
    client.force_login(admin_user)
    for url in _pages(mine):
        assert client.get(url).status_code == 200, url


def test_another_coordinator_gets_404_on_every_page_of_the_participant(client, coordinator2, mine):
    client.force_login(coordinator2)
    for url in _pages(mine)[2:]:
        assert client.get(url).status_code == 404, url
    reveal = reverse("participants:participant-reveal", args=[mine.pk])
    assert client.post(reveal).status_code == 404
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("role", ["manager", "funder"])
def test_managers_and_funders_get_403(request, client, role, mine):
    client.force_login(request.getfixturevalue(role))
    for url in _pages(mine):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("participants:participant-create"), {}).status_code == 403


def test_list_shows_only_own_participants_with_masked_numbers(logged_in, mine):
    other = ParticipantFactory(first_name="Otto", last_name="Utomstående")
    response = logged_in.get(reverse("participants:participant-list"))
    assert "Mira Lind" in response.text
    assert str(other.last_name) not in response.text
    assert mine.personal_number[:8] + "-****" in response.text
    assert mine.personal_number not in response.text


def test_list_names_each_persons_coordinators(logged_in, coordinator, coordinator2):
    """Read for the page's people by a query compiled once (rows_for_pks): the same
    names, in the users' order, the second time; a username where there is no name."""
    from tests.factories import UserFactory

    unnamed = UserFactory(username="okand", first_name="", last_name="")
    shared = ParticipantFactory(coordinators=[coordinator, coordinator2, unnamed])
    alone = ParticipantFactory(coordinators=[coordinator])
    expected = {
        # The users' own order (last name, first name, username): the unnamed first.
        shared.pk: [u.get_full_name() or u.username for u in shared.coordinators.all()],
        alone.pk: [coordinator.get_full_name()],
    }
    assert expected[shared.pk][0] == "okand" and len(expected[shared.pk]) == 3
    for _again in range(2):
        response = logged_in.get(reverse("participants:participant-list"))
        assert {p.pk: p.coordinator_names for p in response.context["participants"]} == expected
    assert ", ".join(expected[shared.pk]) in response.text


def test_search_by_name_and_by_any_written_number(logged_in, coordinator):
    anna = ParticipantFactory(
        coordinators=[coordinator],
        first_name="Anna",
        last_name="Berg",
        personal_number="198503122387",
    )
    ParticipantFactory(
        coordinators=[coordinator],
        first_name="Bertil",
        last_name="Ek",
        personal_number=make_personal_number(datetime.date(1990, 1, 1)),
    )
    url = reverse("participants:participant-list")
    for query in ["anna", "Anna Berg", "850312-2387", "198503122387", "19850312"]:
        response = logged_in.get(url, {"q": query})
        assert list(response.context["participants"]) == [anna], query


# Full-width digits are a way of writing the number and do find it (issue 12,
# tests/participants/test_search_normalisation.py); superscripts are not.
@pytest.mark.parametrize("query", ["8503²2-1234", "19850312-²387"])
def test_search_with_unicode_digits_finds_nothing_and_is_no_error(logged_in, mine, query):
    response = logged_in.get(reverse("participants:participant-list"), {"q": query})
    assert response.status_code == 200
    assert list(response.context["participants"]) == []


def test_status_is_derived_and_filterable(logged_in, coordinator):
    today = timezone.localdate()
    waiting = ParticipantFactory(coordinators=[coordinator], last_name="Väntar")
    proposed = ParticipantFactory(coordinators=[coordinator], last_name="Föreslagen")
    PlacementFactory(participant=proposed, expires_on=today + datetime.timedelta(days=3))
    active = ParticipantFactory(coordinators=[coordinator], last_name="Aktiv")
    PlacementFactory(participant=active, status="active", start_date=today)
    ended = ParticipantFactory(coordinators=[coordinator], last_name="Slut")
    EnrolmentFactory(
        participant=ended,
        end_date=today - datetime.timedelta(days=1),
        end_reason="planned",
        outcome="work",
    )
    url = reverse("participants:participant-list")
    expected = {"waiting": waiting, "proposed": proposed, "active": active, "ended": ended}
    for status, participant in expected.items():
        response = logged_in.get(url, {"status": status})
        assert list(response.context["participants"]) == [participant], status
    # Unfiltered, the page reads each shown person's status itself (rows_for_pks): the
    # same answers, twice (the second time from the query compiled the first time).
    for _again in range(2):
        shown = logged_in.get(url).context["participants"]
        assert {p.pk: p.status_label for p in shown} == {
            participant.pk: ParticipantStatus(status).label
            for status, participant in expected.items()
        }


def test_filters_by_insats_municipality_authority_and_coordinator(
    logged_in, coordinator, coordinator2
):
    home = MunicipalityFactory(name="Tyresö", code="0138")
    a = ParticipantFactory(
        coordinators=[coordinator, coordinator2],
        home_municipality=home,
        referring_authority="forsakringskassan",
    )
    b = ParticipantFactory(coordinators=[coordinator])
    insats = InsatsFactory(name="MIA")
    EnrolmentFactory(participant=a, insats=insats)
    EnrolmentFactory(participant=b)
    url = reverse("participants:participant-list")
    for params in [
        {"insats": insats.pk},
        {"municipality": home.pk},
        {"referring_authority": "forsakringskassan"},
        {"coordinator": coordinator2.pk},
    ]:
        assert list(logged_in.get(url, params).context["participants"]) == [a], params


def test_sorting(logged_in, coordinator):
    early = ParticipantFactory(
        coordinators=[coordinator], last_name="Ö", start_date=datetime.date(2024, 1, 1)
    )
    late = ParticipantFactory(
        coordinators=[coordinator], last_name="A", start_date=datetime.date(2025, 1, 1)
    )
    url = reverse("participants:participant-list")
    assert list(logged_in.get(url).context["participants"]) == [late, early]
    assert list(logged_in.get(url, {"sort": "start"}).context["participants"]) == [early, late]


@pytest.mark.parametrize("rows", [10, 200])
def test_list_query_count_does_not_grow_with_rows(
    logged_in, coordinator, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        participant = ParticipantFactory(coordinators=[coordinator])
        EnrolmentFactory(participant=participant)
    # session, user, savepoint (ATOMIC_REQUESTS), the user's groups (roles), the
    # caseload's ids, count, the page of rows (municipality joined), their
    # coordinators, the page's status (subqueries for these 25 only), the audit row,
    # the filter form's choices (insatser, municipalities, coordinators), release
    # savepoint: 14.
    with django_assert_max_num_queries(14):
        response = logged_in.get(reverse("participants:participant-list"))
    assert response.status_code == 200
    assert len(response.context["participants"]) == min(rows, 25)


def test_list_paginates_and_keeps_filters(logged_in, coordinator):
    for _ in range(30):
        ParticipantFactory(coordinators=[coordinator], referring_authority="self")
    url = reverse("participants:participant-list")
    response = logged_in.get(url, {"referring_authority": "self"})
    assert "referring_authority=self&amp;page=2" in response.text
    page2 = logged_in.get(url, {"referring_authority": "self", "page": 2})
    assert len(page2.context["participants"]) == 5


# --- the read log ----------------------------------------------------------------


def test_one_detail_view_writes_exactly_one_read_row(logged_in, coordinator, mine):
    response = logged_in.get(reverse("participants:participant-detail", args=[mine.pk]))
    assert response.status_code == 200
    row = AuditLog.objects.get()
    assert (row.action, row.user, row.object_id, row.responsible) == (
        AuditAction.VIEW,
        coordinator,
        str(mine.pk),
        True,
    )
    assert row.ip_address == "127.0.0.1"
    assert row.object_type == "participants.participant"


def test_detail_masks_the_number_and_reveal_shows_it_with_one_reveal_row(logged_in, mine):
    detail = reverse("participants:participant-detail", args=[mine.pk])
    response = logged_in.get(detail)
    assert mine.masked_number in response.text
    assert mine.personal_number[8:] not in response.text.replace(mine.masked_number, "")
    assert "Visa personnummer" in response.text
    AuditLog.objects.all()  # the view row exists; now reveal
    before = AuditLog.objects.count()
    response = logged_in.post(reverse("participants:participant-reveal", args=[mine.pk]))
    assert response.status_code == 200
    assert f"{mine.personal_number[:8]}-{mine.personal_number[8:]}" in response.text
    assert AuditLog.objects.count() == before + 1
    assert AuditLog.objects.order_by("-id").first().action == AuditAction.REVEAL


def test_reveal_is_post_only(logged_in, mine):
    url = reverse("participants:participant-reveal", args=[mine.pk])
    assert logged_in.get(url).status_code == 405
    assert not AuditLog.objects.exists()


def test_detail_shows_support_needs_adaptations_and_timeline(logged_in, mine):
    mine.support_needs = "Behöver lugn miljö"
    mine.workplace_adaptations = "Korta pass"
    mine.save()
    placement = PlacementFactory(participant=mine)
    response = logged_in.get(reverse("participants:participant-detail", args=[mine.pk]))
    assert "Behöver lugn miljö" in response.text
    assert "Korta pass" in response.text
    assert placement.offer.title in response.text
    assert reverse("placements:placement-detail", args=[placement.pk]) in response.text


# --- registering and editing ---------------------------------------------------


def _form_data(**overrides):
    data = {
        "personal_number": VALID_NUMBER,
        "first_name": "Anna",
        "last_name": "Andersson",
        "sex": "",
        "start_date": "2026-01-15",
        "education": "secondary",
        "time_in_support": "1_2",
        "wanted_extent": "50",
        "consent_purposes": ["registration"],
        "consent_given_on": "2026-01-15",
        "support_sources_start": ["sickness_benefit", "social_assistance"],
    }
    data.update(overrides)
    return data


def test_register_a_participant(logged_in, coordinator):
    area = business_area("cafe")
    response = logged_in.post(
        reverse("participants:participant-create"), _form_data(interests=[area.pk])
    )
    participant = Participant.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:participant-detail", args=[participant.pk])
    assert participant.personal_number == "198503122387"
    assert participant.sex == "female"
    assert list(participant.coordinators.all()) == [coordinator]
    assert participant.support_sources.count() == 2
    assert AuditLog.objects.filter(action=AuditAction.CREATE).count() == 1


def test_an_admin_must_choose_a_responsible_coordinator(client, admin_user, coordinator):
    client.force_login(admin_user)
    url = reverse("participants:participant-create")
    form = client.get(url).context["form"]
    assert form.fields["coordinators"].required
    response = client.post(url, _form_data())
    assert response.status_code == 200
    assert response.context["form"].errors["coordinators"] == [
        "Minst en koordinator ska vara ansvarig."
    ]
    assert 'value="Andersson"' in response.text
    assert not Participant.objects.exists()
    response = client.post(url, _form_data(coordinators=[coordinator.pk]))
    assert response.status_code == 302
    assert list(Participant.objects.get().coordinators.all()) == [coordinator]


def test_a_coordinator_need_not_choose_anyone(logged_in):
    form = logged_in.get(reverse("participants:participant-create")).context["form"]
    assert not form.fields["coordinators"].required
    assert "Du blir själv ansvarig" in form.fields["coordinators"].help_text


def test_register_anonymously(logged_in):
    response = logged_in.post(
        reverse("participants:participant-create"),
        {
            "is_anonymous": "on",
            "anonymous_reason": "protected_identity",
            "sex": "male",
            "birth_year": "1990",
            "start_date": "2026-01-15",
            "education": "unknown",
            "time_in_support": "unknown",
            "wanted_extent": "50",
        },
    )
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert participant.is_anonymous and participant.personal_number is None
    assert participant.birth_year == 1990


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"personal_number": "850312-2385"}, "personal_number", "kontrollsiffra"),
        ({"personal_number": "12345"}, "personal_number", "tio eller tolv siffror"),
        ({"personal_number": "8503²2-1234"}, "personal_number", "tio eller tolv siffror"),
        ({"personal_number": ""}, "personal_number", "Ange personnummer"),
        ({"first_name": ""}, "first_name", "Ange förnamn"),
        ({"consent_purposes": []}, "consent_purposes", "anonymt"),
        ({"start_date": "not a date"}, "start_date", "giltigt datum"),
        ({"start_date": "0001-01-01"}, "start_date", "mellan 1900 och 2100"),
        ({"available_from": "9999-12-31"}, "available_from", "mellan 1900 och 2100"),
        ({"consent_given_on": "0001-01-01"}, "consent_given_on", "mellan 1900 och 2100"),
        ({"is_anonymous": "on", "anonymous_reason": ""}, "anonymous_reason", "anonymt"),
    ],
)
def test_bad_input_shows_errors_on_the_field_keeps_input_and_writes_nothing(
    logged_in, overrides, field, message
):
    data = _form_data(**overrides)
    response = logged_in.post(reverse("participants:participant-create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    # Every case keeps what was typed, the anonymous one included.
    assert 'value="Andersson"' in response.text
    assert f'value="{data["start_date"]}"' in response.text
    if overrides.get("is_anonymous"):
        assert response.context["form"]["is_anonymous"].value() is True
    assert Participant.objects.count() == 0
    assert Consent.objects.count() == 0
    assert not AuditLog.objects.exists()


def test_duplicate_number_links_to_a_visible_participant(logged_in, mine):
    response = logged_in.post(
        reverse("participants:participant-create"),
        _form_data(personal_number=mine.personal_number),
    )
    assert response.status_code == 200
    assert response.context["duplicate_of"] == mine
    assert reverse("participants:participant-detail", args=[mine.pk]) in response.text
    assert Participant.objects.count() == 1


def test_duplicate_number_of_an_invisible_participant_gets_a_neutral_message(logged_in):
    hidden = ParticipantFactory(first_name="Hemlig", last_name="Person")
    response = logged_in.post(
        reverse("participants:participant-create"),
        _form_data(personal_number=hidden.personal_number),
    )
    assert response.status_code == 200
    assert response.context["duplicate_of"] is None
    assert "Personen kan redan vara registrerad" in response.text
    assert "förbundsadministratör" in response.text
    assert "Hemlig" not in response.text
    assert reverse("participants:participant-detail", args=[hidden.pk]) not in response.text
    # The attempt is logged, for the admins' review (tests/samordning/test_consent_access.py).
    attempt = AuditLog.objects.get(action=AuditAction.DUPLICATE)
    assert attempt.object_id == str(hidden.pk)
    assert attempt.responsible is False


def test_edit_does_not_show_the_stored_number_and_keeps_it(logged_in, coordinator, mine):
    url = reverse("participants:participant-update", args=[mine.pk])
    response = logged_in.get(url)
    assert mine.personal_number not in response.text
    assert mine.masked_number in response.text
    data = _form_data(personal_number="", first_name="Mirja", coordinators=[coordinator.pk])
    response = logged_in.post(url, data)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.first_name == "Mirja"
    assert AuditLog.objects.filter(action=AuditAction.UPDATE).count() == 1


def test_edit_with_bad_input_changes_nothing(logged_in, coordinator, mine):
    url = reverse("participants:participant-update", args=[mine.pk])
    data = _form_data(
        personal_number="850312-2385", first_name="Ändrad", coordinators=[coordinator.pk]
    )
    response = logged_in.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["personal_number"]
    mine.refresh_from_db()
    assert mine.first_name == "Mira"
    # No change logged; the form shown again is a read of the record.
    assert list(AuditLog.objects.values_list("action", flat=True)) == [AuditAction.VIEW]


def test_consent_form_bad_input_changes_nothing(logged_in, mine):
    url = reverse("participants:consent-create", args=[mine.pk])
    response = logged_in.post(url, {"purpose": "registration", "given_on": "2026-01-01"})
    # A valid registration consent already exists.
    assert response.status_code == 200
    assert response.context["form"].errors["purpose"]
    response = logged_in.post(url, {"purpose": "nonsense", "given_on": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"purpose", "given_on"}
    assert mine.consents.count() == 1
    response = logged_in.post(url, {"purpose": "share_with_enterprise", "given_on": "2026-01-01"})
    assert response.status_code == 302
    assert mine.consents.count() == 2


def test_consent_withdraw_form(logged_in, mine):
    consent = mine.consents.get(purpose="registration")
    url = reverse("participants:consent-withdraw", args=[mine.pk, consent.pk])
    response = logged_in.post(url, {"withdrawn_on": "2000-01-01"})
    assert response.status_code == 200
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    response = logged_in.post(url, {"withdrawn_on": "2026-02-01"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2026, 2, 1)


def test_enrolment_forms(logged_in, mine):
    insats = InsatsFactory(name="Arbetsträning ASF", start_date=datetime.date(2020, 1, 1))
    url = reverse("participants:enrolment-create", args=[mine.pk])
    response = logged_in.post(url, {"insats": insats.pk, "start_date": "2019-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["start_date"]
    assert mine.enrolments.count() == 1
    assert logged_in.post(url, {"insats": insats.pk, "start_date": "2025-01-01"}).status_code == 302
    enrolment = mine.enrolments.get(insats=insats)
    end_url = reverse("participants:enrolment-end", args=[mine.pk, enrolment.pk])
    response = logged_in.post(end_url, {"end_date": "2025-02-01", "end_reason": ""})
    assert response.status_code == 200
    assert {"end_reason", "outcome"} <= set(response.context["form"].errors)
    assert Enrolment.objects.get(pk=enrolment.pk).end_date is None
    response = logged_in.post(
        end_url, {"end_date": "2025-02-01", "end_reason": "planned", "outcome": "work"}
    )
    assert response.status_code == 302
    assert Enrolment.objects.get(pk=enrolment.pk).end_reason == "planned"


def test_far_off_dates_on_consents_and_enrolments_are_form_errors(logged_in, mine):
    consent = mine.consents.get(purpose="registration")
    enrolment = mine.enrolments.get()
    posts = [
        (
            reverse("participants:consent-create", args=[mine.pk]),
            {"purpose": "share_with_enterprise", "given_on": "0001-01-01"},
            "given_on",
        ),
        (
            reverse("participants:consent-withdraw", args=[mine.pk, consent.pk]),
            {"withdrawn_on": "9999-12-31"},
            "withdrawn_on",
        ),
        (
            reverse("participants:enrolment-create", args=[mine.pk]),
            {
                # The earliest start the database takes (a check since issue 12).
                "insats": InsatsFactory(start_date=datetime.date(1900, 1, 1)).pk,
                "start_date": "0001-01-02",
            },
            "start_date",
        ),
        (
            reverse("participants:enrolment-end", args=[mine.pk, enrolment.pk]),
            {"end_date": "9999-12-31", "end_reason": "planned", "outcome": "work"},
            "end_date",
        ),
    ]
    for url, data, field in posts:
        response = logged_in.post(url, data)
        assert response.status_code == 200, url
        assert response.context["form"].errors[field] == ["Välj datum mellan 1900 och 2100."], url
    assert mine.consents.count() == 1
    assert mine.enrolments.count() == 1
    assert mine.consents.get(purpose="registration").withdrawn_on is None
    assert mine.enrolments.get().end_date is None


def test_anonymous_participant_pages(logged_in, coordinator):
    anonymous = ParticipantFactory(
        coordinators=[coordinator],
        personal_number=None,
        first_name="",
        last_name="",
        is_anonymous=True,
        anonymous_reason="no_consent",
        birth_year=1970,
    )
    detail = logged_in.get(reverse("participants:participant-detail", args=[anonymous.pk]))
    assert "Visa personnummer" not in detail.text
    assert "Inget samtycke" in detail.text
    url = reverse("participants:participant-update", args=[anonymous.pk])
    form = logged_in.get(url).context["form"]
    assert set(form.fields) == {
        "anonymous_reason",
        "sex",
        "birth_year",
        "start_date",
        "coordinators",
    }
    response = logged_in.post(
        url,
        {
            "anonymous_reason": "no_consent",
            "sex": "male",
            "birth_year": "1971",
            "start_date": "2026-01-01",
            "coordinators": [coordinator.pk],
        },
    )
    assert response.status_code == 302
    anonymous.refresh_from_db()
    assert (anonymous.birth_year, anonymous.sex) == (1971, "male")
    reveal = logged_in.post(
        reverse("participants:participant-reveal", args=[anonymous.pk]), follow=True
    )
    assert "inget registrerat nummer" in reveal.text


def test_handing_over_responsibility_leads_back_to_the_list(
    logged_in, coordinator, coordinator2, mine
):
    url = reverse("participants:participant-update", args=[mine.pk])
    response = logged_in.post(url, _form_data(personal_number="", coordinators=[coordinator2.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:participant-list")
    assert list(mine.coordinators.all()) == [coordinator2]
    assert (
        logged_in.get(reverse("participants:participant-detail", args=[mine.pk])).status_code == 404
    )


def test_coordinator_filter_offers_those_who_share_the_caseload(
    client, coordinator, coordinator2, admin_user
):
    """A coordinator's list is their caseload, so its coordinator filter names the
    coordinators who share it (not all of the association's); an admin's names all."""
    from samordning.policy import Role
    from tests.factories import UserFactory

    stranger = UserFactory(roles=[Role.COORDINATOR])
    ParticipantFactory(coordinators=[coordinator, coordinator2])
    ParticipantFactory(coordinators=[stranger])
    url = reverse("participants:participant-list")

    def offered(user):
        client.force_login(user)
        field = client.get(url).context["filter"].form.fields["coordinator"]
        return {value for value, _label in field.widget.choices if value}

    assert offered(coordinator) == {coordinator.pk, coordinator2.pk}
    assert {coordinator.pk, coordinator2.pk, stranger.pk} <= offered(admin_user)
    # What is not offered is refused when sent; what is offered is taken.
    client.force_login(coordinator)
    refused = client.get(url, {"coordinator": stranger.pk}).context["filter"]
    assert "coordinator" in refused.form.errors
    taken = client.get(url, {"coordinator": coordinator2.pk}).context["filter"]
    assert taken.form.is_valid() and taken.form.cleaned_data["coordinator"] == coordinator2
    client.force_login(admin_user)
    assert client.get(url, {"coordinator": stranger.pk}).context["filter"].form.is_valid()
