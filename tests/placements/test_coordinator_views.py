"""Coordinator placement pages: free places, matching, proposing and the lifecycle steps."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from placements.models import FollowUpMeeting, Placement
from samordning.models import AuditAction, AuditLog
from tests.factories import (
    EnrolledParticipantFactory,
    EnrolmentFactory,
    EnterpriseAgreementFactory,
    EnterpriseFactory,
    MunicipalityFactory,
    PlacementFactory,
    TrainingOfferFactory,
    business_area,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def iso(day: datetime.date) -> str:
    return day.isoformat()


@pytest.fixture
def mine(coordinator):
    # Enrolled: a placement belongs to one of the participant's enrolments.
    return EnrolledParticipantFactory(sharing=True, coordinators=[coordinator], wanted_extent=50)


@pytest.fixture
def offer():
    return TrainingOfferFactory(capacity=2, title="Kök", min_extent=25, max_extent=100)


@pytest.fixture
def placement(mine, offer):
    return PlacementFactory(
        participant=mine,
        offer=offer,
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 90 * DAY,
        expires_on=TODAY + 14 * DAY,
    )


@pytest.fixture
def logged_in(client, coordinator):
    client.force_login(coordinator)
    return client


def _get_pages(participant, placement):
    return [
        reverse("placements:offer-free-list"),
        reverse("placements:participant-matches", args=[participant.pk]),
        reverse("placements:placement-propose", args=[participant.pk]),
        reverse("placements:placement-detail", args=[placement.pk]),
    ]


def _post_actions(placement):
    return [
        reverse(f"placements:{name}", args=[placement.pk])
        for name in [
            "placement-withdraw",
            "placement-start",
            "placement-end",
            "placement-change-plan",
            "follow-up-create",
        ]
    ]


def test_every_page_is_200_for_the_coordinator_and_an_admin(
    client, coordinator, admin_user, mine, placement
):
    for user in (coordinator, admin_user):
        client.force_login(user)
        for url in _get_pages(mine, placement):
            assert client.get(url).status_code == 200, (user, url)
        assert client.get(reverse("home")).status_code == 200


def test_another_coordinator_gets_404_on_the_participant_and_its_placements(
    client, coordinator2, mine, placement
):
    client.force_login(coordinator2)
    # The free-places page is for every coordinator; the rest is scoped.
    for url in _get_pages(mine, placement)[1:]:
        assert client.get(url).status_code == 404, url
    for url in _post_actions(placement):
        assert client.post(url, {}).status_code == 404, url
    response = client.post(
        reverse("placements:placement-propose", args=[mine.pk]), {"offer": placement.offer_id}
    )
    assert response.status_code == 404
    assert Placement.objects.count() == 1
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("role", ["manager", "funder"])
def test_managers_and_funders_get_403(request, client, role, mine, placement):
    client.force_login(request.getfixturevalue(role))
    for url in _get_pages(mine, placement):
        assert client.get(url).status_code == 403, url
    for url in _post_actions(placement):
        assert client.post(url, {}).status_code == 403, url


def test_actions_are_post_only(logged_in, placement):
    for url in _post_actions(placement):
        assert logged_in.get(url).status_code == 405, url


def test_nav_and_home_for_a_coordinator(logged_in, mine, placement):
    response = logged_in.get(reverse("home"))
    assert reverse("participants:participant-list") in response.text
    assert reverse("placements:offer-free-list") in response.text
    assert "1 förslag väntar på svar" in response.text
    assert response.context is not None


def test_home_lists_placements_ending_soon(logged_in, mine, offer):
    ending = PlacementFactory(
        participant=mine,
        offer=offer,
        status="active",
        planned_start=TODAY - 60 * DAY,
        start_date=TODAY - 60 * DAY,
        planned_end=TODAY + 10 * DAY,
    )
    response = logged_in.get(reverse("home"))
    assert reverse("placements:placement-detail", args=[ending.pk]) in response.text
    assert "1 pågående arbetsträning" in response.text


# --- free places --------------------------------------------------------------------


def test_free_places_lists_open_offers_with_room_in_the_period(logged_in, offer):
    full = TrainingOfferFactory(capacity=1, title="Full")
    PlacementFactory(offer=full, planned_start=TODAY, planned_end=TODAY + 400 * DAY)
    TrainingOfferFactory(title="Pausad", status="paused")
    later = TrainingOfferFactory(title="Senare", free_from=TODAY + 1000 * DAY)
    PlacementFactory(offer=offer, planned_start=TODAY, planned_end=TODAY + 30 * DAY)
    response = logged_in.get(reverse("placements:offer-free-list"))
    assert response.status_code == 200
    listed = {o.title: o.free_places for o in response.context["offers"]}
    assert listed == {"Kök": 1}
    assert later.title not in listed
    # After the proposal ends, both places are free.
    response = logged_in.get(
        reverse("placements:offer-free-list"),
        {"start": iso(TODAY + 31 * DAY), "end": iso(TODAY + 60 * DAY)},
    )
    assert {o.title: o.free_places for o in response.context["offers"]} == {"Kök": 2}


def test_free_places_filters(logged_in):
    tyreso = MunicipalityFactory(name="Tyresö", code="0138")
    cafe, carpentry = business_area("cafe"), business_area("snickeri")
    a = TrainingOfferFactory(
        title="A",
        business_area=cafe,
        enterprise=EnterpriseFactory(municipality=tyreso),
        min_extent=25,
        max_extent=50,
    )
    b = TrainingOfferFactory(title="B", business_area=carpentry, min_extent=75, max_extent=100)
    EnterpriseAgreementFactory(enterprise=a.enterprise, agreement_type="lov")
    url = reverse("placements:offer-free-list")

    def titles(params):
        return sorted(o.title for o in logged_in.get(url, params).context["offers"])

    assert titles({}) == ["A", "B"]
    assert titles({"business_area": cafe.pk}) == ["A"]
    assert titles({"municipality": tyreso.pk}) == ["A"]
    assert titles({"extent": 100}) == ["B"]
    assert titles({"extent": 50}) == ["A"]
    assert titles({"agreement_type": "lov"}) == ["A"]
    assert titles({"agreement_type": "lou"}) == []
    assert b.pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": iso(TODAY + 10 * DAY), "end": iso(TODAY + DAY)}, "end"),
        ({"start": iso(TODAY - DAY), "end": iso(TODAY + DAY)}, "start"),
        ({"start": "2030-02-30", "end": iso(TODAY + DAY)}, "start"),
        ({"start": iso(TODAY), "end": iso(TODAY + 5000 * DAY)}, "end"),
        # Far-off years are a form error, not an overflow in the date arithmetic.
        ({"start": "9999-12-01"}, "start"),
        ({"start": "9999-12-31", "end": "9999-12-31"}, "start"),
        ({"start": iso(TODAY), "end": "9999-12-31"}, "end"),
        ({"start": "0001-01-01", "end": "0001-01-31"}, "start"),
    ],
)
def test_free_places_validates_the_dates(logged_in, offer, params, field):
    response = logged_in.get(reverse("placements:offer-free-list"), params)
    assert response.status_code == 200
    assert response.context["filter"].form.errors[field]
    assert response.context["period"] is None
    assert list(response.context["offers"]) == []


@pytest.mark.parametrize("rows", [10, 200])
def test_free_places_query_count_does_not_grow(logged_in, django_assert_max_num_queries, rows):
    enterprise = EnterpriseFactory()
    for _ in range(rows):
        offer = TrainingOfferFactory(enterprise=enterprise)
        PlacementFactory(offer=offer, planned_start=TODAY, planned_end=TODAY + 10 * DAY)
    # session, user, savepoint, groups, the peak of places held per offer, the offers'
    # (pk, capacity, free from), the shown page of offers (joined), the filter form's
    # areas and municipalities, release: 10; one spare for middleware.
    with django_assert_max_num_queries(11):
        response = logged_in.get(reverse("placements:offer-free-list"))
    assert len(response.context["offers"]) == min(rows, 25)


# --- matching and proposing -----------------------------------------------------------


def test_match_list_ranks_offers_with_reasons(logged_in, mine):
    cafe = business_area("cafe")
    mine.interests.set([cafe])
    good = TrainingOfferFactory(
        title="Bra", business_area=cafe, municipality=mine.home_municipality
    )
    TrainingOfferFactory(title="Sämre", business_area=business_area("snickeri"))
    response = logged_in.get(reverse("placements:participant-matches", args=[mine.pk]))
    matches = response.context["matches"]
    assert [m.offer.title for m in matches] == ["Bra", "Sämre"]
    assert "Intresse: Café" in response.text
    assert f'name="offer" value="{good.pk}"' in response.text


def test_match_list_validates_the_period(logged_in, mine, offer):
    response = logged_in.get(
        reverse("placements:participant-matches", args=[mine.pk]),
        {"start": iso(TODAY + 9 * DAY), "end": iso(TODAY)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    assert list(response.context["matches"]) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "9999-12-01"}, "start"),
        ({"start": "9999-12-01", "end": "9999-12-31"}, "start"),
        ({"start": iso(TODAY), "end": "9999-12-31"}, "end"),
    ],
)
def test_match_list_refuses_far_off_dates_with_a_form_error(logged_in, mine, offer, params, field):
    response = logged_in.get(reverse("placements:participant-matches", args=[mine.pk]), params)
    assert response.status_code == 200
    assert "Välj datum mellan 1900 och 2100." in response.context["form"].errors[field]
    assert list(response.context["matches"]) == []


@pytest.mark.parametrize("rows", [10, 200])
def test_match_list_query_count_does_not_grow(logged_in, mine, django_assert_max_num_queries, rows):
    enterprise = EnterpriseFactory()
    for _ in range(rows):
        offer = TrainingOfferFactory(enterprise=enterprise)
        PlacementFactory(offer=offer, planned_start=TODAY, planned_end=TODAY + 10 * DAY)
    # session, user, savepoint, groups, the participant (with municipality), their
    # interests, is the user responsible, the audit row, the parking in force, the
    # offers' (pk, capacity, free from), the peak of places held per offer, the free
    # offers (joined), the open enrolment, release: 14 (PostgreSQL; SQLite 13).
    with django_assert_max_num_queries(14):
        response = logged_in.get(reverse("placements:participant-matches", args=[mine.pk]))
    assert len(response.context["matches"]) == min(rows, 25)


def _proposal(chosen, **overrides):
    data = {
        "offer": chosen.pk,
        "placement_type": "training",
        "extent": "50",
        "planned_start": iso(TODAY + DAY),
        "planned_end": iso(TODAY + 90 * DAY),
    }
    data.update(overrides)
    return data


def test_propose_in_one_step(logged_in, coordinator, mine, offer):
    enrolment = EnrolmentFactory(participant=mine)
    response = logged_in.post(
        reverse("placements:placement-propose", args=[mine.pk]),
        _proposal(offer, enrolment=enrolment.pk),
    )
    placement = Placement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("placements:placement-detail", args=[placement.pk])
    assert (placement.status, placement.enrolment, placement.proposed_by) == (
        "proposed",
        enrolment,
        coordinator,
    )
    assert AuditLog.objects.get().action == AuditAction.CREATE


def test_propose_page_prefills_from_the_chosen_offer(logged_in, mine):
    later = TrainingOfferFactory(free_from=TODAY + 20 * DAY, min_extent=75, max_extent=100)
    response = logged_in.get(
        reverse("placements:placement-propose", args=[mine.pk]), {"offer": later.pk}
    )
    initial = response.context["form"].initial
    assert (initial["offer"], initial["planned_start"], initial["extent"]) == (
        later.pk,
        TODAY + 20 * DAY,
        75,
    )


@pytest.mark.parametrize("value", ["²", "1²", "１", "abc"])
def test_propose_page_ignores_an_offer_that_is_no_number(logged_in, mine, offer, value):
    response = logged_in.get(
        reverse("placements:placement-propose", args=[mine.pk]), {"offer": value}
    )
    assert response.status_code == 200
    assert "offer" not in response.context["form"].initial
    assert '<select name="offer"' in response.text


def test_the_chosen_offer_is_shown_instead_of_every_open_offer(logged_in, mine, offer):
    other = TrainingOfferFactory(title="Annan plats")
    propose = reverse("placements:placement-propose", args=[mine.pk])
    chosen = logged_in.get(propose, {"offer": offer.pk}).text
    assert '<select name="offer"' not in chosen
    assert f'<input type="hidden" name="offer" value="{offer.pk}"' in chosen
    assert f"{offer.enterprise.name}: {offer.title}" in chosen
    assert other.title not in chosen
    matches = reverse("placements:participant-matches", args=[mine.pk])
    assert f'<a href="{matches}">Välj en annan plats i matchningen</a>' in chosen
    # Without an offer, or with one that is not open, every open offer is a choice.
    for query in ({}, {"offer": TrainingOfferFactory(status="paused").pk}):
        page = logged_in.get(propose, query).text
        assert '<select name="offer"' in page and other.title in page


def test_a_posted_offer_that_closed_meanwhile_is_refused_with_the_full_choice(
    logged_in, mine, offer
):
    EnrolmentFactory(participant=mine)
    offer.status = "paused"
    offer.save()
    response = logged_in.post(
        reverse("placements:placement-propose", args=[mine.pk]), _proposal(offer)
    )
    assert response.status_code == 200
    assert "offer" in response.context["form"].errors
    assert '<select name="offer"' in response.text
    assert not Placement.objects.exists()


def test_a_full_offer_answers_with_a_message_and_keeps_the_form(logged_in, mine):
    full = TrainingOfferFactory(capacity=1, title="Full plats")
    PlacementFactory(offer=full, planned_start=TODAY, planned_end=TODAY + 365 * DAY)
    data = _proposal(full, schedule="mån–fre 9–13", proposal_note="Hej!")
    response = logged_in.post(reverse("placements:placement-propose", args=[mine.pk]), data)
    assert response.status_code == 200
    assert "Platsen är full" in response.text
    assert 'value="mån–fre 9–13"' in response.text
    assert "Hej!" in response.text
    assert Placement.objects.filter(participant=mine).count() == 0
    # Nothing written; the form shown again is a read of the person.
    assert list(AuditLog.objects.values_list("action", flat=True)) == [AuditAction.VIEW]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"planned_start": ""}, "planned_start"),
        ({"planned_start": iso(TODAY - DAY)}, "planned_start"),
        ({"planned_end": iso(TODAY)}, "planned_end"),
        ({"extent": "30"}, "extent"),
        ({"offer": "999999"}, "offer"),
        ({"planned_end": "9999-12-31"}, "planned_end"),
        ({"planned_start": "9999-12-01", "planned_end": "9999-12-31"}, "planned_start"),
        ({"planned_end": iso(TODAY + 4 * 366 * DAY)}, "planned_end"),
        ({"planned_start": iso(TODAY + 30 * DAY), "planned_end": iso(TODAY + DAY)}, "planned_end"),
    ],
)
def test_propose_bad_input_shows_errors_and_writes_nothing(
    logged_in, mine, offer, overrides, field
):
    response = logged_in.post(
        reverse("placements:placement-propose", args=[mine.pk]), _proposal(offer, **overrides)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Placement.objects.exists()
    # Nothing written; the form shown again is a read of the person.
    assert list(AuditLog.objects.values_list("action", flat=True)) == [AuditAction.VIEW]


def test_propose_beyond_100_percent_is_refused(logged_in, mine, offer):
    other = TrainingOfferFactory()
    PlacementFactory(
        participant=mine, offer=other, extent=75, planned_start=TODAY, planned_end=TODAY + 400 * DAY
    )
    response = logged_in.post(
        reverse("placements:placement-propose", args=[mine.pk]), _proposal(offer)
    )
    assert response.status_code == 200
    assert "100 %" in response.text
    assert Placement.objects.filter(offer=offer).count() == 0


# --- placement detail and the lifecycle steps -----------------------------------------


def test_detail_writes_one_read_row(logged_in, coordinator, placement):
    response = logged_in.get(reverse("placements:placement-detail", args=[placement.pk]))
    assert response.status_code == 200
    row = AuditLog.objects.get()
    assert (row.action, row.object_id, row.responsible) == (
        AuditAction.VIEW,
        str(placement.pk),
        True,
    )


def test_withdraw(logged_in, placement):
    url = reverse("placements:placement-withdraw", args=[placement.pk])
    response = logged_in.post(url, follow=True)
    assert "återtaget" in response.text
    assert Placement.objects.get().status == "withdrawn"
    # Once more is an illegal transition: a message, not an error page.
    response = logged_in.post(url, follow=True)
    assert response.status_code == 200
    assert "kan inte bli återtagen" in response.text
    assert AuditLog.objects.filter(action=AuditAction.UPDATE).count() == 1


def _start_data(**overrides):
    data = {
        "start-start_date": iso(TODAY + 7 * DAY),
        "start-supervisor_name": "Hanna",
        "start-agreement_date": iso(TODAY),
        "start-agreement_tasks": "Disk",
        "start-agreement_hours": "9–13",
        "start-agreement_support": "Handledare",
    }
    data.update(overrides)
    return data


def test_start_an_accepted_placement(logged_in, placement):
    Placement.objects.filter(pk=placement.pk).update(status="accepted")
    url = reverse("placements:placement-start", args=[placement.pk])
    response = logged_in.post(url, _start_data(**{"start-agreement_tasks": ""}))
    assert response.status_code == 200
    assert response.context["start_form"].errors["agreement_tasks"]
    assert Placement.objects.get().status == "accepted"
    response = logged_in.post(url, _start_data())
    assert response.status_code == 302
    assert Placement.objects.get().status == "active"


def test_a_start_after_the_acceptance_lapsed_is_a_form_error(logged_in, placement):
    Placement.objects.filter(pk=placement.pk).update(
        status="accepted",
        planned_start=TODAY - 20 * DAY,
        expires_on=TODAY - 6 * DAY,
        proposed_at=timezone.now() - 30 * DAY,
    )
    url = reverse("placements:placement-start", args=[placement.pk])
    data = _start_data(**{"start-start_date": iso(TODAY), "start-agreement_tasks": "Kassa"})
    response = logged_in.post(url, data)
    assert response.status_code == 200
    form = response.context["start_form"]
    assert "gällde till" in " ".join(form.errors["start_date"])
    assert (form["start_date"].value(), form["agreement_tasks"].value()) == (iso(TODAY), "Kassa")
    assert Placement.objects.get().status == "accepted"


def test_starting_a_proposal_is_refused_with_a_message(logged_in, placement):
    response = logged_in.post(
        reverse("placements:placement-start", args=[placement.pk]), _start_data(), follow=True
    )
    assert response.status_code == 200
    assert "kan inte bli pågående" in response.text
    assert Placement.objects.get().status == "proposed"


def test_end_an_active_placement(logged_in, placement):
    Placement.objects.filter(pk=placement.pk).update(status="active", start_date=TODAY - 10 * DAY)
    url = reverse("placements:placement-end", args=[placement.pk])
    response = logged_in.post(url, {"end-end_date": iso(TODAY), "end-end_reason": ""})
    assert response.status_code == 200
    assert {"end_reason", "outcome"} <= set(response.context["end_form"].errors)
    assert Placement.objects.get().status == "active"
    response = logged_in.post(
        url,
        {"end-end_date": iso(TODAY), "end-end_reason": "planned", "end-outcome": "studies"},
    )
    assert response.status_code == 302
    assert Placement.objects.get().status == "completed"


def test_change_plan(logged_in, placement):
    url = reverse("placements:placement-change-plan", args=[placement.pk])
    bad = {
        "plan-planned_start": iso(TODAY + 30 * DAY),
        "plan-planned_end": iso(TODAY + 10 * DAY),
        "plan-extent": "50",
    }
    response = logged_in.post(url, bad)
    assert response.status_code == 200
    assert response.context["plan_form"].errors["planned_end"]
    good = dict(bad, **{"plan-planned_end": iso(TODAY + 60 * DAY), "plan-extent": "75"})
    assert logged_in.post(url, good).status_code == 302
    placement.refresh_from_db()
    assert (placement.extent, placement.planned_end) == (75, TODAY + 60 * DAY)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"plan-planned_end": "9999-12-31"}, "planned_end"),
        ({"plan-planned_start": "0001-01-01"}, "planned_start"),
        ({"plan-planned_end": iso(TODAY + 4 * 366 * DAY)}, "planned_end"),
    ],
)
def test_change_plan_refuses_far_off_dates_and_long_periods(logged_in, placement, overrides, field):
    data = {
        "plan-planned_start": iso(TODAY + 7 * DAY),
        "plan-planned_end": iso(TODAY + 90 * DAY),
        "plan-extent": "50",
        **overrides,
    }
    response = logged_in.post(
        reverse("placements:placement-change-plan", args=[placement.pk]), data
    )
    assert response.status_code == 200
    assert response.context["plan_form"].errors[field]
    placement.refresh_from_db()
    assert placement.planned_end == TODAY + 90 * DAY


def test_lifecycle_forms_refuse_far_off_dates(logged_in, placement):
    Placement.objects.filter(pk=placement.pk).update(status="accepted")
    steps = [
        ("placement-start", _start_data(**{"start-start_date": "9999-12-31"}), "start_form"),
        ("follow-up-create", {"followup-date": "0001-01-01"}, "follow_up_form"),
        (
            "follow-up-create",
            {"followup-date": iso(TODAY), "followup-next_meeting": "9999-12-31"},
            "follow_up_form",
        ),
    ]
    for name, data, form in steps:
        response = logged_in.post(reverse(f"placements:{name}", args=[placement.pk]), data)
        assert response.status_code == 200, name
        errors = response.context[form].errors
        assert ["Välj datum mellan 1900 och 2100."] in errors.values(), (name, errors)
    Placement.objects.filter(pk=placement.pk).update(status="active", start_date=TODAY)
    response = logged_in.post(
        reverse("placements:placement-end", args=[placement.pk]),
        {"end-end_date": "0001-01-01", "end-end_reason": "planned", "end-outcome": "work"},
    )
    assert response.status_code == 200
    assert response.context["end_form"].errors["end_date"] == ["Välj datum mellan 1900 och 2100."]
    assert not FollowUpMeeting.objects.exists()
    assert Placement.objects.get().status == "active"


def test_propose_page_for_an_offer_free_from_the_last_date_is_no_500(logged_in, mine):
    # The last date the database takes (a check since issue 12; 9999-12-31 is refused).
    offer = TrainingOfferFactory(free_from=datetime.date(2100, 12, 31))
    response = logged_in.get(
        reverse("placements:placement-propose", args=[mine.pk]), {"offer": offer.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].initial["planned_end"] >= offer.free_from


def test_follow_up(logged_in, placement):
    url = reverse("placements:follow-up-create", args=[placement.pk])
    data = {"followup-date": iso(TODAY), "followup-notes": "Bra start"}
    # A proposal has not happened yet: refused with a message.
    response = logged_in.post(url, data, follow=True)
    assert response.status_code == 200
    assert "blivit av" in response.text
    Placement.objects.filter(pk=placement.pk).update(status="active", start_date=TODAY)
    response = logged_in.post(url, {"followup-date": ""})
    assert response.status_code == 200
    assert response.context["follow_up_form"].errors["date"]
    assert not FollowUpMeeting.objects.exists()
    assert logged_in.post(url, data).status_code == 302
    assert FollowUpMeeting.objects.get().notes == "Bra start"


def test_coordinator_who_also_manages_gets_no_coordinator_page_for_others(client, db):
    from django.urls import reverse

    from samordning.policy import Role
    from tests.factories import (
        EnterpriseFactory,
        PlacementFactory,
        TrainingOfferFactory,
        UserFactory,
    )

    both = UserFactory(username="both-roles", roles=[Role.COORDINATOR, Role.MANAGER])
    enterprise = EnterpriseFactory(managers=[both])
    placement = PlacementFactory(offer=TrainingOfferFactory(enterprise=enterprise))
    client.force_login(both)
    assert (
        client.get(reverse("placements:placement-detail", args=[placement.pk])).status_code == 404
    )
    assert (
        client.get(
            reverse("placements:enterprise-placement-detail", args=[placement.pk])
        ).status_code
        == 200
    )


def test_a_match_opens_the_one_proposal_form_filled_in(logged_in, mine, offer):
    matches = logged_in.get(reverse("placements:participant-matches", args=[mine.pk])).text
    propose = reverse("placements:placement-propose", args=[mine.pk])
    # The card's button is a GET to the proposal form, not a POST that sends at once.
    assert f'<form method="get" action="{propose}"' in matches
    assert f'<form method="post" action="{propose}"' not in matches
    start = TODAY + 7 * DAY
    response = logged_in.get(
        propose,
        {
            "offer": offer.pk,
            "planned_start": iso(start),
            "planned_end": iso(start + 30 * DAY),
            "extent": "50",
        },
    )
    initial = response.context["form"].initial
    assert initial["offer"] == offer.pk
    assert (initial["planned_start"], initial["planned_end"]) == (start, start + 30 * DAY)
    assert initial["extent"] == 50
    assert initial["schedule"] == "mån–fre, 4 timmar om dagen"
    assert offer.title in initial["proposal_note"]
    # A broken value from the address is ignored, not a 500.
    response = logged_in.get(propose, {"offer": offer.pk, "planned_start": "x", "extent": "999"})
    assert response.status_code == 200
    assert response.context["form"].initial["planned_start"] != "x"


def test_the_offer_select_lists_every_open_offer_from_plain_values(
    logged_in, mine, django_assert_max_num_queries
):
    from django.utils.html import escape

    from enterprises.models import TrainingOffer
    from placements.forms.coordinator import OfferChoiceField

    offers = [TrainingOfferFactory(title=f"Plats <{n}>") for n in range(5)]
    TrainingOfferFactory(title="Pausad plats", status="paused")
    propose = reverse("placements:placement-propose", args=[mine.pk])
    # Session, user, groups, the participant, the latest enrolment, the read's audit row
    # (is the user responsible, the insert), the sharing consent, the open offers'
    # options (one values query however many offers), the enrolments' select: 10 on
    # SQLite; PostgreSQL adds the request's savepoint and its release: 12.
    with django_assert_max_num_queries(12):
        page = logged_in.get(propose).text
    field = OfferChoiceField(queryset=TrainingOffer.objects.open().with_related())
    for offer in offers:
        label = escape(field.label_from_instance(offer))
        assert f'<option value="{offer.pk}">{label}</option>' in page
    assert "Pausad plats" not in page
    assert list(field.choices)[0] == ("", field.empty_label)
    assert len(list(field.choices)) == TrainingOffer.objects.open().count() + 1


# A stale page: the placement changed status after the page was loaded. Whether what was
# typed is valid or not, the answer is why nothing happened (the service's message).
STALE_STEPS = [
    (
        "placement-change-plan",
        "withdrawn",
        {
            "plan-planned_start": iso(TODAY + 8 * DAY),
            "plan-planned_end": iso(TODAY + 91 * DAY),
            "plan-extent": "50",
        },
        {"plan-planned_end": "2027-02-30"},
        "kan inte ändras",
    ),
    (
        "placement-start",
        "withdrawn",
        _start_data(),
        {"start-start_date": "2027-02-30"},
        "kan inte bli pågående",
    ),
    (
        "placement-end",
        "withdrawn",
        {"end-end_date": iso(TODAY), "end-end_reason": "planned", "end-outcome": "work"},
        {"end-end_date": "2027-02-30"},
        "kan inte bli avslutad",
    ),
    (
        "follow-up-create",
        "withdrawn",
        {"followup-date": iso(TODAY)},
        {"followup-date": "2027-02-30"},
        "blivit av",
    ),
    (
        # Ended without a consent to follow-up: the refusal, not the typo.
        "follow-up-create",
        "completed",
        {"followup-date": iso(TODAY)},
        {"followup-date": "2027-02-30"},
        "inte samtyckt till uppföljning",
    ),
]


@pytest.mark.parametrize(
    ("name", "status", "valid", "typo", "message"),
    STALE_STEPS,
    ids=[f"{step[0]}-{step[1]}" for step in STALE_STEPS],
)
def test_a_stale_lifecycle_form_with_a_typo_says_why_nothing_happened(
    logged_in, placement, name, status, valid, typo, message
):
    ended = {}
    if status == "completed":
        ended = {
            "start_date": TODAY - 30 * DAY,
            "end_date": TODAY - DAY,
            "end_reason": "planned",
            "outcome": "work",
        }
    Placement.objects.filter(pk=placement.pk).update(status=status, **ended)
    url = reverse(f"placements:{name}", args=[placement.pk])
    before = (
        FollowUpMeeting.objects.count(),
        AuditLog.objects.filter(action=AuditAction.UPDATE).count(),
    )
    for data in (valid, {**valid, **typo}):
        response = logged_in.post(url, data, follow=True)
        assert response.status_code == 200
        assert message in response.text, data
    placement.refresh_from_db()
    assert placement.status == status
    after = (
        FollowUpMeeting.objects.count(),
        AuditLog.objects.filter(action=AuditAction.UPDATE).count(),
    )
    assert after == before


def _qa_placement(coordinator, status):
    """QA's placement: a week ahead, three months long, in `status`."""
    return PlacementFactory(
        participant=EnrolledParticipantFactory(sharing=True, coordinators=[coordinator]),
        offer=TrainingOfferFactory(capacity=2),
        planned_start=TODAY + 7 * DAY,
        planned_end=TODAY + 90 * DAY,
        expires_on=TODAY + 14 * DAY,
        status=status,
    )


def test_a_stale_plan_form_with_a_typo_says_why_nothing_happened(client, coordinator):
    # QA's report, as it was written.
    placement = _qa_placement(coordinator, "withdrawn")
    client.force_login(coordinator)
    url = reverse("placements:placement-change-plan", args=[placement.pk])
    valid = {
        "plan-planned_start": iso(TODAY + 8 * DAY),
        "plan-planned_end": iso(TODAY + 91 * DAY),
        "plan-extent": "50",
    }
    assert "kan inte ändras" in client.post(url, valid, follow=True).text
    assert (
        "kan inte ändras"
        in client.post(url, {**valid, "plan-planned_end": "2027-02-30"}, follow=True).text
    )


def test_a_placement_cannot_start_before_its_participant_was_born(client, coordinator):
    # QA's report: the start step took 1900-01-01 (before birth, enrolment, offer, proposal).
    placement = _qa_placement(coordinator, "accepted")
    client.force_login(coordinator)
    response = client.post(
        reverse("placements:placement-start", args=[placement.pk]),
        _start_data(**{"start-start_date": "1900-01-01", "start-agreement_date": "1900-01-01"}),
    )
    placement.refresh_from_db()
    assert placement.status == "accepted"
    assert response.status_code == 200
    form = response.context["start_form"]
    assert form.errors.get("start_date")
    # What was typed stays in the form.
    assert form["start_date"].value() == "1900-01-01"
