"""offer_set_capacity: the number of places, its history, and never promising a place twice."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from enterprises.models import CapacityChange, TrainingOffer
from placements.models import PlacementStatus
from placements.services.capacity import CapacityError, offer_set_capacity
from tests.factories import PlacementFactory, TrainingOfferFactory
from tests.worlds.enterprise import enterprise_world

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 3, 10)
DAY = datetime.timedelta(days=1)


def _hold(offer, start, end, status=PlacementStatus.ACTIVE, **extra):
    if status == PlacementStatus.ACTIVE:
        extra.setdefault("start_date", start)
    return PlacementFactory(
        offer=offer, status=status, planned_start=start, planned_end=end, **extra
    )


@pytest.fixture
def offer():
    return TrainingOfferFactory(capacity=4, last_confirmed=datetime.date(2030, 1, 1))


def test_lowering_below_the_places_held_names_the_day_and_the_count(offer, manager):
    # One placement now; two more overlap from 1 April: three held on 1-30 April.
    _hold(offer, TODAY - 30 * DAY, TODAY + 60 * DAY)
    _hold(offer, datetime.date(2031, 4, 1), datetime.date(2031, 4, 30))
    _hold(
        offer,
        datetime.date(2031, 4, 1),
        datetime.date(2031, 6, 30),
        status=PlacementStatus.PROPOSED,
        expires_on=TODAY + 14 * DAY,
    )
    with pytest.raises(CapacityError) as caught:
        offer_set_capacity(offer=offer, user=manager, capacity=2, today=TODAY)
    message = " ".join(caught.value.message_dict["capacity"])
    assert "1 april 2031" in message  # a sentence: the running-text date format
    assert "3 platser" in message
    offer.refresh_from_db()
    assert offer.capacity == 4
    assert offer.last_confirmed == datetime.date(2030, 1, 1)
    assert not CapacityChange.objects.filter(offer=offer).exists()


def test_lowering_to_exactly_the_places_held_is_allowed_and_kept_as_history(offer, manager):
    _hold(offer, TODAY - 30 * DAY, TODAY + 60 * DAY)
    _hold(offer, TODAY + 5 * DAY, TODAY + 10 * DAY)
    offer_set_capacity(offer=offer, user=manager, capacity=2, today=TODAY)
    offer.refresh_from_db()
    assert offer.capacity == 2
    change = CapacityChange.objects.get(offer=offer)
    assert (change.old_capacity, change.new_capacity, change.changed_by) == (4, 2, manager)


def test_places_held_only_in_the_past_do_not_block_lowering(offer, manager):
    _hold(
        offer,
        TODAY - 100 * DAY,
        TODAY - 50 * DAY,
        status=PlacementStatus.COMPLETED,
        start_date=TODAY - 100 * DAY,
        end_date=TODAY - 50 * DAY,
        end_reason="planned",
        outcome="work",
    )
    # An expired proposal and a declined one hold nothing either.
    _hold(
        offer,
        TODAY + DAY,
        TODAY + 30 * DAY,
        status=PlacementStatus.PROPOSED,
        expires_on=TODAY - DAY,
    )
    _hold(offer, TODAY + DAY, TODAY + 30 * DAY, status=PlacementStatus.DECLINED)
    offer_set_capacity(offer=offer, user=manager, capacity=0, today=TODAY)
    offer.refresh_from_db()
    assert offer.capacity == 0


def test_raising_is_always_allowed_confirms_and_sets_free_from(offer, manager):
    offer_set_capacity(
        offer=offer,
        user=manager,
        capacity=6,
        free_from=datetime.date(2031, 5, 1),
        today=TODAY,
    )
    offer.refresh_from_db()
    assert (offer.capacity, offer.free_from, offer.last_confirmed) == (
        6,
        datetime.date(2031, 5, 1),
        TODAY,
    )
    assert CapacityChange.objects.get(offer=offer).new_capacity == 6


def test_unchanged_number_writes_no_history(offer, manager):
    offer_set_capacity(
        offer=offer, user=manager, capacity=4, free_from=datetime.date(2031, 6, 1), today=TODAY
    )
    offer.refresh_from_db()
    assert offer.free_from == datetime.date(2031, 6, 1)
    assert not CapacityChange.objects.filter(offer=offer).exists()


def test_negative_capacity_is_refused(offer, manager):
    with pytest.raises(ValidationError):
        offer_set_capacity(offer=offer, user=manager, capacity=-1, today=TODAY)
    offer.refresh_from_db()
    assert offer.capacity == 4


# --- the page ---------------------------------------------------------------------


def test_capacity_page_refusal_is_a_form_error_and_changes_nothing(client, manager):
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    url = reverse("placements:offer-capacity", args=[world.offer.pk])
    # The world holds three places today: active, accepted (from +5) and proposal (+10).
    response = client.post(url, {"capacity": "1", "free_from": "2030-01-01"})
    assert response.status_code == 200
    assert "Det går inte att sänka antalet platser till 1" in response.text
    assert "3 platser redan tagna" in response.text
    assert 'value="1"' in response.text  # the user's input is kept
    world.offer.refresh_from_db()
    assert world.offer.capacity == 5
    assert world.offer.free_from == datetime.date(2020, 1, 1)


def test_capacity_page_saves_and_the_offer_page_shows_the_history(client, manager):
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    url = reverse("placements:offer-capacity", args=[world.offer.pk])
    response = client.post(url, {"capacity": "3", "free_from": "2031-02-01"}, follow=True)
    assert response.status_code == 200
    assert "Antal platser är nu 3" in response.text
    offer = TrainingOffer.objects.get(pk=world.offer.pk)
    assert (offer.capacity, offer.free_from) == (3, datetime.date(2031, 2, 1))
    assert "Ändringar av platsantal" in response.text


@pytest.mark.parametrize(
    "data",
    [
        {"capacity": "-2", "free_from": "2031-01-01"},
        {"capacity": "tre", "free_from": "2031-01-01"},
        {"capacity": "3", "free_from": "inte ett datum"},
        {"capacity": "", "free_from": ""},
        {"capacity": "3", "free_from": "9999-12-31"},
        {"capacity": "3", "free_from": "0001-01-01"},
    ],
)
def test_capacity_page_bad_input_shows_errors_and_changes_nothing(client, manager, data):
    offer = TrainingOfferFactory(capacity=4)
    offer.enterprise.managers.add(manager)
    client.force_login(manager)
    response = client.post(reverse("placements:offer-capacity", args=[offer.pk]), data)
    assert response.status_code == 200
    assert "is-invalid" in response.text
    offer.refresh_from_db()
    assert offer.capacity == 4


def test_capacity_page_shows_taken_and_free_places_today(client, manager):
    world = enterprise_world(manager, "Ett")
    client.force_login(manager)
    response = client.get(reverse("placements:offer-capacity", args=[world.offer.pk]))
    # Five places; today only the active placement holds one (the others start later).
    assert response.context["places"].taken == 1
    assert response.context["places"].free == 4
    text = " ".join(response.text.split())
    assert 'Tagna i dag</dt><dd class="col-sm-7">1</dd>' in text
    assert 'Lediga i dag</dt><dd class="col-sm-7">4</dd>' in text


@pytest.mark.parametrize("role", ["manager", "coordinator"])
def test_offer_page_shows_capacity_taken_and_free_today(client, manager, coordinator, role):
    # Issue 17: wherever the number of places is confirmed, the taken and free places
    # are beside it. Five places; today only the active placement holds one.
    world = enterprise_world(manager, "Ett")
    client.force_login(manager if role == "manager" else coordinator)
    response = client.get(reverse("enterprises:offer-detail", args=[world.offer.pk]))
    assert response.status_code == 200
    places = response.context["places"]
    assert (places.capacity, places.taken, places.free) == (5, 1, 4)
    text = " ".join(response.text.split())
    assert 'Antal platser</dt><dd class="col-sm-8">5</dd>' in text
    assert 'Tagna i dag</dt><dd class="col-sm-8">1</dd>' in text
    assert 'Lediga i dag</dt><dd class="col-sm-8">4</dd>' in text


def test_offer_page_never_shows_fewer_than_zero_free(client, manager):
    # A capacity lowered under what is held (the admin can) shows 0 free, not -1.
    world = enterprise_world(manager, "Ett")
    TrainingOffer.objects.filter(pk=world.offer.pk).update(capacity=0)
    client.force_login(manager)
    response = client.get(reverse("enterprises:offer-detail", args=[world.offer.pk]))
    places = response.context["places"]
    assert (places.capacity, places.taken, places.free) == (0, 1, 0)
