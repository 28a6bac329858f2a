"""The ranking service and the bulk free-places count behind the free-places and match pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from enterprises.models import TrainingOffer
from placements.selectors.matching import (
    POINTS_ADAPTATIONS,
    POINTS_CONFIRMED,
    POINTS_EXTENT,
    POINTS_FREE_FROM,
    POINTS_INTEREST,
    POINTS_NEIGHBOURING_MUNICIPALITY,
    POINTS_SAME_MUNICIPALITY,
    FreeOffer,
    closest_extent,
    free_offers,
    offers_by_pk,
    offers_with_free_places,
    rank_offers,
    with_holding,
)
from placements.services.capacity import add_months, default_period, free_places
from tests.factories import (
    EnterpriseFactory,
    MunicipalityFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
    business_area,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2030, 3, 1)
START = D(2030, 3, 10)


@pytest.fixture
def places():
    haninge = MunicipalityFactory(name="Haninge", code="0136", is_member=True)
    tyreso = MunicipalityFactory(name="Tyresö", code="0138", is_member=True)
    stockholm = MunicipalityFactory(name="Stockholm", code="0180", is_member=False)
    return haninge, tyreso, stockholm


def _offer(municipality, **extra):
    defaults = {
        "enterprise": EnterpriseFactory(municipality=municipality),
        "municipality": municipality,
        "business_area": business_area("snickeri"),
        "min_extent": 25,
        "max_extent": 50,
        "free_from": D(2030, 1, 1),
        "last_confirmed": TODAY,
        "adaptations_possible": "",
    }
    defaults.update(extra)
    return TrainingOfferFactory(**defaults)


def _participant(municipality, *, interests=(), **extra):
    fields = {"home_municipality": municipality, "wanted_extent": 50, **extra}
    participant = ParticipantFactory(**fields)
    participant.interests.set(interests)
    return participant


def _rank(participant, offers):
    return rank_offers(participant, offers, start=START, today=TODAY)


def _points(match):
    return {reason.text: reason.points for reason in match.reasons}


def test_a_perfect_offer_scores_100_with_a_reason_for_each_criterion(places):
    haninge = places[0]
    cafe = business_area("cafe")
    participant = _participant(haninge, interests=[cafe], workplace_adaptations="Korta pass")
    offer = _offer(haninge, business_area=cafe, adaptations_possible="Anpassade tider")
    [match] = _rank(participant, [offer])
    assert match.score == 100
    assert _points(match) == {
        "Intresse: Café": POINTS_INTEREST,
        "Samma kommun (Haninge)": POINTS_SAME_MUNICIPALITY,
        "Erbjuder önskad omfattning 50 %": POINTS_EXTENT,
        "Ledig från önskat startdatum 10 mars 2030": POINTS_FREE_FROM,
        "Platsen beskriver möjliga anpassningar": POINTS_ADAPTATIONS,
        "Platsantalet bekräftat för 0 dagar sedan": POINTS_CONFIRMED,
    }


def test_each_missing_criterion_scores_zero_and_says_why(places):
    haninge, _, stockholm = places
    participant = _participant(
        haninge, interests=[business_area("cafe")], support_needs="Lugn miljö"
    )
    offer = _offer(
        stockholm,
        min_extent=75,
        max_extent=100,
        free_from=D(2030, 4, 1),
        last_confirmed=TODAY - datetime.timedelta(days=31),
    )
    [match] = _rank(participant, [offer])
    assert match.score == 0
    texts = [reason.text for reason in match.reasons]
    assert texts == [
        "Snickeri är inte bland deltagarens intressen",
        "Annan kommun (Stockholm)",
        "Erbjuder 75–100 %, inte önskade 50 %",
        "Ledig först från 1 april 2030",
        "Platsen beskriver inga möjliga anpassningar",
        "Platsantalet bekräftades för 31 dagar sedan; kontrollera med företaget",
    ]
    assert not any(reason.met for reason in match.reasons)
    assert match.suggested_start == D(2030, 4, 1)
    assert match.suggested_extent == 75


def test_neighbouring_means_another_member_municipality(places):
    haninge, tyreso, stockholm = places
    participant = _participant(haninge)
    near, far = _offer(tyreso), _offer(stockholm)
    points = {m.offer: _points(m) for m in _rank(participant, [near, far])}
    assert points[near]["Grannkommun i förbundet (Tyresö)"] == POINTS_NEIGHBOURING_MUNICIPALITY
    assert points[far]["Annan kommun (Stockholm)"] == 0


def test_confirmed_within_30_days_counts_and_31_does_not(places):
    participant = _participant(places[0])
    fresh = _offer(places[0], last_confirmed=TODAY - datetime.timedelta(days=30))
    stale = _offer(places[0], last_confirmed=TODAY - datetime.timedelta(days=31))
    scores = {m.offer: m.score for m in _rank(participant, [fresh, stale])}
    assert scores[fresh] - scores[stale] == POINTS_CONFIRMED


def test_adaptations_only_count_when_the_participant_needs_them(places):
    participant = _participant(places[0])
    with_text = _offer(places[0], adaptations_possible="Ramp, vilrum")
    without = _offer(places[0])
    scores = {m.offer: m.score for m in _rank(participant, [with_text, without])}
    assert scores[with_text] == scores[without]


def test_free_from_the_wanted_date_edge(places):
    participant = _participant(places[0])
    on_the_day = _offer(places[0], free_from=START)
    day_after = _offer(places[0], free_from=START + datetime.timedelta(days=1))
    scores = {m.offer: m.score for m in _rank(participant, [on_the_day, day_after])}
    assert scores[on_the_day] - scores[day_after] == POINTS_FREE_FROM


def test_best_first_then_more_free_places(places):
    haninge, tyreso, stockholm = places
    cafe = business_area("cafe")
    participant = _participant(haninge, interests=[cafe])
    best = _offer(haninge, business_area=cafe)
    tie_few, tie_many = _offer(tyreso), _offer(tyreso)
    worst = _offer(stockholm, min_extent=100, max_extent=100)
    tie_few.free_places, tie_many.free_places = 1, 3
    for offer in (best, worst):
        offer.free_places = 1
    ranked = _rank(participant, [worst, tie_few, best, tie_many])
    assert [m.offer for m in ranked] == [best, tie_many, tie_few, worst]
    assert ranked[0].score > ranked[1].score == ranked[2].score > ranked[3].score
    assert ranked[1].free_places == 3


def test_interests_loaded_by_the_caller_avoid_a_query(places, django_assert_num_queries):
    participant = _participant(places[0], interests=[business_area("cafe")])
    offers = list(TrainingOffer.objects.with_related().filter(pk=_offer(places[0]).pk))
    with django_assert_num_queries(0):
        rank_offers(participant, offers, start=START, today=TODAY, interest_ids=set())


def test_closest_extent():
    offer = TrainingOffer(min_extent=50, max_extent=75)
    assert closest_extent(offer, 50) == 50
    assert closest_extent(offer, 25) == 50
    assert closest_extent(offer, 100) == 75


def test_months_and_the_default_period():
    assert add_months(D(2030, 1, 31), 1) == D(2030, 2, 28)
    assert add_months(D(2030, 11, 15), 3) == D(2031, 2, 15)
    assert default_period(D(2030, 3, 1)) == (D(2030, 3, 1), D(2030, 8, 31))


def test_months_past_the_last_year_stop_at_the_last_date():
    assert add_months(D(9999, 12, 1), 6) == datetime.date.max
    assert add_months(D(1, 3, 1), -6) == datetime.date.min
    assert default_period(D(9999, 12, 1)) == (D(9999, 12, 1), datetime.date.max)


# --- free places for many offers at once --------------------------------------------


def test_bulk_free_places_agree_with_the_locked_check(places):
    today = D(2030, 1, 1)
    start, end = D(2030, 3, 1), D(2030, 5, 31)
    offers = [_offer(places[0]) for _ in range(4)]
    offers[0].capacity = 1
    offers[0].save()
    PlacementFactory(offer=offers[0], planned_start=D(2030, 2, 1), planned_end=D(2030, 3, 1))
    PlacementFactory(offer=offers[1], planned_start=D(2030, 5, 31), planned_end=D(2030, 6, 30))
    PlacementFactory(offer=offers[1], planned_start=D(2030, 4, 1), planned_end=D(2030, 4, 2))
    PlacementFactory(offer=offers[2], status="withdrawn", planned_start=start, planned_end=end)
    offers[3].free_from = D(2030, 6, 1)
    offers[3].save()
    loaded = with_holding(
        TrainingOffer.objects.filter(pk__in=[o.pk for o in offers]), start, end, today=today
    )
    result = offers_with_free_places(loaded, start, end, today=today)
    by_pk = {offer.pk: offer.free_places for offer in result}
    # Offer 0 is full on 1 March (the proposal's last day); offer 3 is not free before
    # the period ends; offers 1 and 2 match the locked count.
    assert offers[0].pk not in by_pk and offers[3].pk not in by_pk
    assert by_pk[offers[1].pk] == free_places(offers[1], start, end, today=today) == 2
    assert by_pk[offers[2].pk] == free_places(offers[2], start, end, today=today) == 3


def test_free_from_inside_the_period_counts_from_that_day(places):
    today = D(2030, 1, 1)
    start, end = D(2030, 3, 1), D(2030, 5, 31)
    offer = _offer(places[0], capacity=1, free_from=D(2030, 4, 1))
    # Held only before the offer is free anyway: does not count.
    PlacementFactory(offer=offer, planned_start=D(2030, 3, 1), planned_end=D(2030, 3, 31))
    [result] = offers_with_free_places(
        with_holding(TrainingOffer.objects.filter(pk=offer.pk), start, end, today=today),
        start,
        end,
        today=today,
    )
    assert result.free_places == 1


@pytest.mark.parametrize("count", [3, 30])
def test_bulk_free_places_take_two_queries_whatever_the_number_of_offers(
    places, django_assert_num_queries, count
):
    for _ in range(count):
        offer = _offer(places[0])
        PlacementFactory(offer=offer, planned_start=D(2030, 3, 1), planned_end=D(2030, 4, 1))
    # The offers (with enterprise, area and municipality) and the days their holding
    # placements hold (one query of tuples, evaluated by with_holding).
    with django_assert_num_queries(2):
        offers = with_holding(
            TrainingOffer.objects.with_related(), D(2030, 3, 1), D(2030, 5, 31), today=TODAY
        )
        result = offers_with_free_places(offers, D(2030, 3, 1), D(2030, 5, 31), today=TODAY)
    assert len(result) == count


# --- free_offers: what the free-places page and the match list use ---------------------


def test_free_offers_agree_with_the_locked_check(places):
    today = D(2030, 1, 1)
    start, end = D(2030, 3, 1), D(2030, 5, 31)
    offers = [_offer(places[0]) for _ in range(4)]
    offers[0].capacity = 1
    offers[0].save()
    PlacementFactory(offer=offers[0], planned_start=D(2030, 2, 1), planned_end=D(2030, 3, 1))
    PlacementFactory(offer=offers[1], planned_start=D(2030, 5, 31), planned_end=D(2030, 6, 30))
    PlacementFactory(offer=offers[1], planned_start=D(2030, 4, 1), planned_end=D(2030, 4, 2))
    PlacementFactory(offer=offers[2], status="withdrawn", planned_start=start, planned_end=end)
    offers[3].free_from = D(2030, 6, 1)
    offers[3].save()
    chosen = TrainingOffer.objects.filter(pk__in=[o.pk for o in offers]).order_by("pk")
    free = free_offers(chosen, start, end, today=today)
    # Offer 0 is full on 1 March; offer 3 is not free before the period ends.
    assert [(f.pk, f.free_places) for f in free] == [
        (offers[1].pk, free_places(offers[1], start, end, today=today)),
        (offers[2].pk, free_places(offers[2], start, end, today=today)),
    ]
    assert [f.free_places for f in free] == [2, 3]
    built = offers_by_pk(chosen.with_related(), free[::-1])
    assert [(o.pk, o.free_places) for o in built] == [(offers[2].pk, 3), (offers[1].pk, 2)]


def test_free_offers_count_from_the_day_the_offer_is_free(places):
    today = D(2030, 1, 1)
    start, end = D(2030, 3, 1), D(2030, 5, 31)
    offer = _offer(places[0], capacity=1, free_from=D(2030, 4, 1))
    # Held only before the offer is free anyway: does not count.
    PlacementFactory(offer=offer, planned_start=D(2030, 3, 1), planned_end=D(2030, 3, 31))
    assert free_offers(TrainingOffer.objects.filter(pk=offer.pk), start, end, today=today) == [
        FreeOffer(offer.pk, 1)
    ]
    # Held on the day it becomes free: full.
    PlacementFactory(offer=offer, planned_start=D(2030, 3, 20), planned_end=D(2030, 4, 1))
    assert free_offers(TrainingOffer.objects.filter(pk=offer.pk), start, end, today=today) == []


@pytest.mark.parametrize("count", [3, 30])
def test_free_offers_take_two_queries_whatever_the_number_of_offers(
    places, django_assert_num_queries, count
):
    for _ in range(count):
        offer = _offer(places[0])
        PlacementFactory(offer=offer, planned_start=D(2030, 3, 1), planned_end=D(2030, 4, 1))
    # The offers' (pk, capacity, free from) and the peak held per offer.
    with django_assert_num_queries(2):
        free = free_offers(TrainingOffer.objects.all(), D(2030, 3, 1), D(2030, 5, 31), today=TODAY)
    assert [f.free_places for f in free] == [2] * count


def test_reasons_are_translated_when_read(places):
    haninge = places[0]
    participant = _participant(haninge)
    [match] = _rank(participant, [_offer(haninge)])
    with translation.override("en-gb"):
        english = [reason.text for reason in match.reasons]
    swedish = [reason.text for reason in match.reasons]
    assert "Samma kommun (Haninge)" in swedish
    assert "Samma kommun (Haninge)" not in english and len(english) == len(swedish)


# --- the ranking in the database (the match list) ---------------------------------------


def _varied_offers(places, rng):
    """Offers differing in every criterion, some with equal scores, names and titles."""
    haninge, tyreso, stockholm = places
    areas = [business_area("snickeri"), business_area("cafe"), business_area("tradgard")]
    enterprises = [
        EnterpriseFactory(municipality=m, name=n)
        for m, n in [
            (haninge, "Ä-verkstan"),
            (tyreso, "a-verkstan"),
            (stockholm, "B-verkstan"),
            (haninge, "B-verkstan"),
        ]
    ]
    offers = []
    for _ in range(40):
        low = rng.choice([25, 50, 75, 100])
        offer = _offer(
            rng.choice(places),
            enterprise=rng.choice(enterprises),
            business_area=rng.choice(areas),
            title=rng.choice(["Kök", "kök", "Verkstad", "Ärende"]),
            min_extent=low,
            max_extent=rng.choice([e for e in (25, 50, 75, 100) if e >= low]),
            capacity=rng.randint(1, 3),
            free_from=START + datetime.timedelta(days=rng.choice([-30, 0, 1, 20, 200])),
            last_confirmed=TODAY - datetime.timedelta(days=rng.choice([0, 30, 31, 400])),
            adaptations_possible=rng.choice(["", "  ", "\n\t", "Ramp", " lugn miljö "]),
        )
        for _ in range(rng.randint(0, 3)):
            first = START + datetime.timedelta(days=rng.randint(-60, 60))
            PlacementFactory(
                offer=offer, planned_start=first, planned_end=first + datetime.timedelta(days=90)
            )
        offers.append(offer)
    return offers


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_ranking_in_the_database_equals_the_one_in_python(places, seed):
    import random

    from placements.selectors.matching import matches_for, ranked_free_offers

    rng = random.Random(seed)
    _varied_offers(places, rng)
    haninge, tyreso, stockholm = places
    cafe, snickeri = business_area("cafe"), business_area("snickeri")
    nowhere = _participant(None, wanted_extent=75)
    participants = [
        _participant(haninge, interests=[cafe]),
        _participant(stockholm, interests=[cafe, snickeri], wanted_extent=25, support_needs="x"),
        _participant(tyreso, workplace_adaptations="Ramp", wanted_extent=100),
        _participant(haninge, support_needs="  \n"),
        nowhere,
    ]
    end = START + datetime.timedelta(days=60)
    # Newest first, so that the names and titles, not the queryset, break the ties.
    open_offers = TrainingOffer.objects.open().with_related().order_by("-id")
    for participant in participants:
        interests = set(participant.interests.values_list("pk", flat=True))
        python = rank_offers(
            participant,
            offers_by_pk(open_offers, free_offers(open_offers, START, end, today=TODAY)),
            start=START,
            today=TODAY,
            interest_ids=interests,
        )
        database = ranked_free_offers(
            participant, open_offers, START, end, today=TODAY, interest_ids=interests
        )
        assert len(database) > 10
        assert [(r.pk, r.score, r.free_places) for r in database] == [
            (m.offer.pk, m.score, m.free_places) for m in python
        ]
        # The shown page's reasons add up to the score the database gave.
        shown = matches_for(
            participant,
            offers_by_pk(open_offers, database[:25]),
            start=START,
            today=TODAY,
            interest_ids=interests,
        )
        assert [m.score for m in shown] == [r.score for r in database[:25]]
    assert len({r.score for r in database}) > 3
