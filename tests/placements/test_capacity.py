"""Capacity over date ranges: which placements hold a place on which days, and the edges."""

from __future__ import annotations

import datetime
import random

import pytest
from django.utils import timezone

from enterprises.models import CapacityChange
from placements.models import Placement
from placements.services import lifecycle
from placements.services.capacity import (
    CapacityError,
    capacity_runs,
    check_offer_room,
    free_places,
    held_peak,
    held_peaks,
    peak_load,
)
from tests.factories import EnrolledParticipantFactory, PlacementFactory, TrainingOfferFactory

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = D(2030, 1, 1)


# --- the sweep ---------------------------------------------------------------------


def test_ranges_touching_on_the_same_day_overlap():
    peak = peak_load(
        [(D(2030, 1, 1), D(2030, 1, 31), 1), (D(2030, 1, 31), D(2030, 2, 28), 1)],
        D(2030, 1, 1),
        D(2030, 12, 31),
    )
    assert (peak.count, peak.day) == (2, D(2030, 1, 31))


def test_a_range_starting_the_day_after_does_not_overlap():
    peak = peak_load(
        [(D(2030, 1, 1), D(2030, 1, 31), 1), (D(2030, 2, 1), D(2030, 2, 28), 1)],
        D(2030, 1, 1),
        D(2030, 12, 31),
    )
    assert peak.count == 1


def test_a_range_until_the_last_date_does_not_overflow():
    peak = peak_load(
        [(D(2030, 1, 1), datetime.date.max, 1), (D(2030, 6, 1), D(2030, 6, 30), 1)],
        D(2030, 1, 1),
        datetime.date.max,
    )
    assert (peak.count, peak.day) == (2, D(2030, 6, 1))


@pytest.mark.django_db
def test_placements_planned_until_the_last_date_are_counted_without_overflow():
    # Planned to end on the last date the database takes (a check since issue 12;
    # date.max itself is refused), counted over a window up to date.max.
    offer = TrainingOfferFactory(capacity=2)
    for _ in range(2):
        PlacementFactory(offer=offer, planned_start=TODAY, planned_end=datetime.date(2100, 12, 31))
    peak = held_peak(offer, TODAY, datetime.date.max, today=TODAY)
    assert (peak.count, peak.day) == (2, TODAY)
    with pytest.raises(CapacityError):
        check_offer_room(offer, TODAY + DAY, datetime.date.max, today=TODAY)


def test_ranges_are_clipped_to_the_window_and_weights_add():
    ranges = [
        (D(2030, 1, 1), D(2030, 1, 10), 50),
        (D(2030, 1, 5), D(2030, 1, 20), 25),
        (D(2030, 1, 10), D(2030, 1, 10), 25),
    ]
    assert peak_load(ranges, D(2030, 1, 1), D(2030, 12, 31)).count == 100
    assert peak_load(ranges, D(2030, 1, 11), D(2030, 12, 31)).count == 25
    assert peak_load(ranges, D(2030, 2, 1), D(2030, 2, 2)).count == 0
    assert peak_load([], D(2030, 1, 1), D(2030, 1, 2)).day is None


# --- which placements hold a place -------------------------------------------------

pytestmark_db = pytest.mark.django_db


def _offer(capacity: int = 1):
    return TrainingOfferFactory(capacity=capacity)


def _hold(offer, status, start, end, **extra):
    return PlacementFactory(
        offer=offer, status=status, planned_start=start, planned_end=end, **extra
    )


@pytestmark_db
@pytest.mark.parametrize(
    ("status", "extra", "holds"),
    [
        ("proposed", {}, True),
        ("proposed", {"expires_on": TODAY}, True),
        ("proposed", {"expires_on": TODAY - DAY}, False),
        ("accepted", {"expires_on": TODAY + DAY}, True),
        ("accepted", {"expires_on": TODAY - DAY}, False),
        ("declined", {"decline_reason": "timing"}, False),
        ("withdrawn", {}, False),
        ("active", {"start_date": D(2030, 3, 1)}, True),
    ],
)
def test_which_statuses_hold_a_place(status, extra, holds):
    offer = _offer()
    _hold(offer, status, D(2030, 3, 1), D(2030, 5, 31), **extra)
    peak = held_peak(offer, D(2030, 3, 1), D(2030, 5, 31), today=TODAY)
    assert peak.count == (1 if holds else 0)


@pytestmark_db
def test_an_active_placement_holds_from_its_real_start_to_the_planned_end():
    offer = _offer()
    _hold(offer, "active", D(2030, 3, 1), D(2030, 5, 31), start_date=D(2030, 2, 15))
    assert held_peak(offer, D(2030, 2, 15), D(2030, 2, 15), today=TODAY).count == 1
    assert held_peak(offer, D(2030, 2, 14), D(2030, 2, 14), today=TODAY).count == 0
    assert held_peak(offer, D(2030, 6, 1), D(2030, 6, 30), today=TODAY).count == 0


@pytestmark_db
def test_an_ended_placement_held_its_place_until_its_end_date():
    offer = _offer()
    _hold(
        offer,
        "interrupted",
        D(2030, 3, 1),
        D(2030, 5, 31),
        start_date=D(2030, 3, 1),
        end_date=D(2030, 3, 20),
        end_reason="ill_health",
        outcome="ill_health",
    )
    assert held_peak(offer, D(2030, 3, 20), D(2030, 3, 20), today=TODAY).count == 1
    assert held_peak(offer, D(2030, 3, 21), D(2030, 5, 31), today=TODAY).count == 0


@pytestmark_db
def test_free_places_is_the_capacity_minus_the_peak_and_never_negative():
    offer = _offer(capacity=2)
    _hold(offer, "proposed", D(2030, 3, 1), D(2030, 3, 31))
    _hold(offer, "proposed", D(2030, 3, 15), D(2030, 4, 30))
    assert free_places(offer, D(2030, 3, 1), D(2030, 3, 14), today=TODAY) == 1
    assert free_places(offer, D(2030, 3, 1), D(2030, 4, 30), today=TODAY) == 0
    assert free_places(offer, D(2030, 5, 1), D(2030, 5, 31), today=TODAY) == 2
    offer.capacity = 1
    assert free_places(offer, D(2030, 3, 20), D(2030, 3, 20), today=TODAY) == 0


@pytestmark_db
@pytest.mark.parametrize(
    ("start", "end", "fits"),
    [
        (D(2030, 1, 31), D(2030, 2, 28), False),  # starts on the held range's last day
        (D(2030, 2, 1), D(2030, 2, 28), True),  # starts the day after
        (D(2029, 12, 1), D(2030, 1, 1), False),  # ends on the held range's first day
        (D(2029, 12, 1), D(2029, 12, 31), True),  # ends the day before
        (D(2030, 1, 10), D(2030, 1, 12), False),  # inside
        (D(2029, 12, 1), D(2030, 3, 1), False),  # around
    ],
)
def test_check_offer_room_at_the_edges(start, end, fits):
    offer = _offer(capacity=1)
    _hold(offer, "accepted", D(2030, 1, 1), D(2030, 1, 31))
    if fits:
        check_offer_room(offer, start, end, today=D(2029, 11, 1))
    else:
        with pytest.raises(CapacityError, match="full"):
            check_offer_room(offer, start, end, today=D(2029, 11, 1))


@pytestmark_db
def test_proposals_fill_an_offer_over_a_period_and_a_full_one_says_so(coordinator):
    offer = _offer(capacity=2)
    start, end = datetime.date.today() + DAY, datetime.date.today() + 90 * DAY
    for _ in range(2):
        lifecycle.placement_propose(
            participant=EnrolledParticipantFactory(sharing=True),
            offer=offer,
            user=coordinator,
            planned_start=start,
            planned_end=end,
            extent=50,
        )
    with pytest.raises(CapacityError) as caught:
        lifecycle.placement_propose(
            participant=EnrolledParticipantFactory(sharing=True),
            offer=offer,
            user=coordinator,
            planned_start=end,
            planned_end=end + 30 * DAY,
            extent=50,
        )
    assert caught.value.code == "full"
    assert "Platsen är full" in caught.value.messages[0]
    # The day after the others end there is room again.
    lifecycle.placement_propose(
        participant=EnrolledParticipantFactory(sharing=True),
        offer=offer,
        user=coordinator,
        planned_start=end + DAY,
        planned_end=end + 30 * DAY,
        extent=50,
    )


@pytestmark_db
def test_accept_and_start_recheck_capacity(coordinator, manager):
    """A place freed and retaken meanwhile: accepting an old proposal must not overbook."""
    offer = _offer(capacity=1)
    start, end = datetime.date.today() + DAY, datetime.date.today() + 90 * DAY
    first = lifecycle.placement_propose(
        participant=EnrolledParticipantFactory(sharing=True),
        offer=offer,
        user=coordinator,
        planned_start=start,
        planned_end=end,
        extent=50,
    )
    # A second proposal for the same dates, written around the service (as if the
    # capacity had been higher then): accepting it now would overbook.
    second = PlacementFactory(offer=offer, planned_start=start, planned_end=end, expires_on=end)
    with pytest.raises(CapacityError):
        lifecycle.placement_accept(placement=second, user=manager)
    lifecycle.placement_withdraw(placement=second, user=coordinator)
    assert lifecycle.placement_accept(placement=first, user=manager).status == "accepted"


# --- the same peaks in the database (held_peaks) --------------------------------------


def _random_placements(rng, offers, participant):
    """Placements of every status with edges on and around the periods asked below."""
    statuses = ["proposed", "accepted", "active", "completed", "interrupted", "declined"]
    for _ in range(60):
        offer = rng.choice(offers)
        status = rng.choice(statuses)
        start = TODAY + rng.randint(-60, 90) * DAY
        end = start + rng.randint(0, 60) * DAY
        fields = {"status": status, "planned_start": start, "planned_end": end}
        if status in ("proposed", "accepted"):
            fields["expires_on"] = rng.choice([None, TODAY - DAY, TODAY, TODAY + 5 * DAY])
        if status in ("active", "completed", "interrupted"):
            fields["start_date"] = rng.choice([None, start + rng.randint(0, 3) * DAY])
        if status in ("completed", "interrupted"):
            fields.update(
                end_date=(fields["start_date"] or start) + rng.randint(0, 40) * DAY,
                end_reason="planned",
                outcome="work",
            )
        PlacementFactory(offer=offer, participant=participant, shared=False, **fields)


@pytest.mark.django_db
def test_held_peaks_in_the_database_agree_with_the_sweep():
    rng = random.Random(13)
    participant = EnrolledParticipantFactory()
    offers = [
        TrainingOfferFactory(capacity=9, free_from=TODAY + rng.choice([-10, 0, 15, 200]) * DAY)
        for _ in range(6)
    ]
    _random_placements(rng, offers, participant)
    periods = [
        (TODAY, TODAY),
        (TODAY, TODAY + 30 * DAY),
        (TODAY + 14 * DAY, TODAY + 100 * DAY),
        (TODAY - 30 * DAY, TODAY + 182 * DAY),
    ]
    checked = 0
    for start, end in periods:
        peaks = held_peaks(start, end, today=TODAY)
        for offer in offers:
            first = max(start, offer.free_from)
            expected = held_peak(offer, first, end, today=TODAY).count if first <= end else 0
            assert peaks.get(offer.pk, 0) == expected, (offer.pk, start, end)
            checked += expected
    assert checked > 0  # the data held places, so the comparison compared something


@pytest.mark.django_db
def test_held_peaks_count_ranges_touching_on_one_day_as_overlapping():
    offer = TrainingOfferFactory(capacity=5)
    PlacementFactory(offer=offer, planned_start=TODAY, planned_end=TODAY + 9 * DAY)
    PlacementFactory(offer=offer, planned_start=TODAY + 9 * DAY, planned_end=TODAY + 20 * DAY)
    PlacementFactory(offer=offer, planned_start=TODAY + 21 * DAY, planned_end=TODAY + 30 * DAY)
    assert held_peaks(TODAY, TODAY + 30 * DAY, today=TODAY, offers=[offer.pk]) == {offer.pk: 2}
    assert held_peaks(TODAY + 10 * DAY, TODAY + 30 * DAY, today=TODAY, offers=[offer.pk]) == {
        offer.pk: 1
    }
    assert held_peaks(TODAY + 31 * DAY, TODAY + 40 * DAY, today=TODAY, offers=[offer.pk]) == {}
    assert held_peaks(TODAY, TODAY + 30 * DAY, today=TODAY, offers=[]) == {}


def _agree_with_the_sweep(offers, start, end):
    """held_peaks over [start, end] against held_peak per offer from its first free day;
    returns the peaks for further checks."""
    peaks = held_peaks(start, end, today=TODAY, offers=[offer.pk for offer in offers])
    for offer in offers:
        first = max(start, offer.free_from)
        expected = held_peak(offer, first, end, today=TODAY).count if first <= end else 0
        assert peaks.get(offer.pk, 0) == expected, (offer.title, start, end)
    return peaks


@pytest.mark.django_db
def test_held_peaks_with_and_without_holds_starting_after_the_first_day():
    participant = EnrolledParticipantFactory()

    def hold(offer, first, last, **fields):
        PlacementFactory(
            offer=offer,
            participant=participant,
            shared=False,
            planned_start=TODAY + first * DAY,
            planned_end=TODAY + last * DAY,
            **fields,
        )

    # Every hold began before the period: the peak is their number, whenever they end.
    before = TrainingOfferFactory(title="before", capacity=9, free_from=TODAY - 90 * DAY)
    hold(before, -30, 2)
    hold(before, -20, 40)
    hold(before, -10, 0)
    # A later start after two ends: never more than the two held on the first day.
    after_ends = TrainingOfferFactory(title="after ends", capacity=9, free_from=TODAY - 90 * DAY)
    hold(after_ends, -30, 5)
    hold(after_ends, -30, 6)
    hold(after_ends, 7, 20)
    # Two later starts on one day while the first day's hold still runs: three.
    later_peak = TrainingOfferFactory(title="later peak", capacity=9, free_from=TODAY - 90 * DAY)
    hold(later_peak, -5, 30)
    hold(later_peak, 10, 12)
    hold(later_peak, 10, 11)
    hold(later_peak, 12, 15)  # starts the day the first of the two ends: also three
    # Ends and starts on the same later day: the one ending that day still holds it.
    touching = TrainingOfferFactory(title="touching", capacity=9, free_from=TODAY - 90 * DAY)
    hold(touching, 0, 10)
    hold(touching, 10, 20)
    hold(touching, 11, 20)
    # An expired proposal holds nothing; an accepted one past its answer date neither.
    expired = TrainingOfferFactory(title="expired", capacity=9, free_from=TODAY - 90 * DAY)
    hold(expired, 0, 10, expires_on=TODAY - DAY)
    hold(expired, 5, 10, status="accepted", expires_on=TODAY - DAY)
    hold(expired, 5, 10, expires_on=TODAY)
    # Free from after the period's first day: what ends before is not counted, what
    # began before starts on the free day.
    free_later = TrainingOfferFactory(title="free later", capacity=9, free_from=TODAY + 5 * DAY)
    hold(free_later, 0, 4)
    hold(free_later, 0, 4)
    hold(free_later, -3, 5)
    hold(free_later, 3, 8)
    hold(free_later, 4, 12)
    hold(free_later, 9, 9)  # after two of the three have ended
    offers = [before, after_ends, later_peak, touching, expired, free_later]

    peaks = _agree_with_the_sweep(offers, TODAY, TODAY + 60 * DAY)
    assert {offer.title: peaks.get(offer.pk, 0) for offer in offers} == {
        "before": 3,
        "after ends": 2,
        "later peak": 3,
        "touching": 2,
        "expired": 1,
        "free later": 3,
    }
    # From day 11: "touching" has two holds starting on the period's first day and
    # none later; "later peak" one held on the first day and one starting the next.
    peaks = _agree_with_the_sweep(offers, TODAY + 11 * DAY, TODAY + 60 * DAY)
    assert peaks[touching.pk] == 2
    assert peaks[later_peak.pk] == 3
    # A period ending before the later starts: only the first day's holds.
    peaks = _agree_with_the_sweep(offers, TODAY, TODAY + 6 * DAY)
    assert peaks[later_peak.pk] == 1
    assert peaks[after_ends.pk] == 2
    assert peaks[free_later.pk] == 3


@pytest.mark.django_db
def test_held_peaks_agree_with_the_sweep_on_crowded_days():
    """Many holds starting and ending on the same few days, in slots like real offers
    (one placement after another), so that grouped starts, ends on a start day and
    offers with and without later starts all occur."""
    rng = random.Random(2030)
    participant = EnrolledParticipantFactory()
    offers = [
        TrainingOfferFactory(capacity=20, free_from=TODAY + rng.choice([-30, 0, 0, 0, 9]) * DAY)
        for _ in range(5)
    ]
    ranges = {offer.pk: [] for offer in offers}
    for offer in offers:
        for _ in range(rng.randint(2, 6)):
            first = TODAY + rng.choice([-40, -20, -1, 0, 3, 10]) * DAY
            while first < TODAY + 70 * DAY:
                last = first + rng.choice([0, 4, 9, 10, 30]) * DAY
                status = rng.choice(["proposed", "accepted", "active", "active", "completed"])
                fields = {"status": status, "planned_start": first, "planned_end": last}
                if status == "completed":
                    fields.update(
                        start_date=first, end_date=last, end_reason="planned", outcome="work"
                    )
                if status in ("proposed", "accepted"):
                    fields["expires_on"] = rng.choice([None, TODAY - DAY, TODAY + 30 * DAY])
                PlacementFactory(offer=offer, participant=participant, shared=False, **fields)
                if fields.get("expires_on") != TODAY - DAY:
                    ranges[offer.pk].append((first, last))
                first = last + rng.choice([0, 1, 1, 5]) * DAY
    periods = [
        (TODAY, TODAY + 3 * DAY),
        (TODAY, TODAY + 60 * DAY),
        (TODAY + 10 * DAY, TODAY + 40 * DAY),
    ]
    kinds = set()
    for start, end in periods:
        _agree_with_the_sweep(offers, start, end)
        for offer in offers:
            first = max(start, offer.free_from)
            held = [r for r in ranges[offer.pk] if r[0] <= end and r[1] >= first]
            if held:
                kinds.add(any(r[0] > first for r in held))
    assert kinds == {True, False}  # offers with and without holds starting later were compared


# --- a past day has the places it had then (the capacity history) -----------------------

NOW = D(2030, 6, 1)


def _history(offer, *steps):
    """The offer's capacity history: (day, from, to) changes at nine in the morning;
    its number now is the last one's."""
    for day, old, new in steps:
        CapacityChange.objects.create(
            offer=offer,
            old_capacity=old,
            new_capacity=new,
            changed_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9))),
        )
    offer.capacity = steps[-1][2]
    offer.save(update_fields=["capacity"])


def _start(placement, coordinator, start_date):
    return lifecycle.placement_start(
        placement=placement,
        user=coordinator,
        start_date=start_date,
        supervisor_name="Hanna Handledare",
        agreement_date=start_date - 5 * DAY,
        agreement_tasks="Disk",
        agreement_hours="Mån–fre 9–13",
        agreement_support="Handledare på plats",
        today=NOW,
    )


@pytestmark_db
def test_a_start_registered_afterwards_fits_the_places_there_were_on_its_days(coordinator):
    """One place until 30 May, two since. Karin was there until 3 June; Lars, accepted
    for July, is registered as having started on 20 May: on 20-29 May he and Karin
    would have shared the one place."""
    offer = _offer()
    _history(offer, (D(2029, 1, 1), None, 1), (NOW - 2 * DAY, 1, 2))
    _hold(offer, "active", D(2030, 1, 1), NOW + 2 * DAY, start_date=D(2030, 1, 1))
    lars = _hold(offer, "accepted", NOW + 30 * DAY, NOW + 120 * DAY, expires_on=NOW + 44 * DAY)

    with pytest.raises(CapacityError) as caught:
        _start(lars, coordinator, NOW - 12 * DAY)
    assert caught.value.code == "full"
    assert "hade 1 plats den 20 maj 2030 och den var upptagen" in caught.value.messages[0]
    lars.refresh_from_db()
    assert lars.status == "accepted"
    # From the day the second place came there was room for him.
    assert _start(lars, coordinator, NOW - 2 * DAY).start_date == NOW - 2 * DAY


@pytestmark_db
def test_a_past_day_is_not_held_to_a_number_of_places_lowered_since(coordinator):
    """Three places until a week ago, two since (the lowering was checked from its
    day on). Extending Anna, who started in January with two others, is judged by
    three places on the days the three were there together."""
    offer = _offer()
    _history(offer, (D(2029, 1, 1), None, 3), (NOW - 7 * DAY, 3, 2))
    january = D(2030, 1, 7)
    anna = _hold(offer, "active", january, NOW + 30 * DAY, start_date=january)
    _hold(offer, "active", january, NOW + 100 * DAY, start_date=january)
    _hold(
        offer,
        "completed",
        january,
        NOW - 10 * DAY,
        start_date=january,
        end_date=NOW - 10 * DAY,
        end_reason="planned",
        outcome="work",
    )

    lifecycle.placement_change_plan(
        placement=anna,
        user=coordinator,
        planned_start=january,
        planned_end=NOW + 60 * DAY,
        extent=50,
        today=NOW,
    )
    assert Placement.objects.get(pk=anna.pk).planned_end == NOW + 60 * DAY
    # Two places now: a third person from today is still refused.
    with pytest.raises(CapacityError, match="har 2 platser"):
        check_offer_room(offer, NOW, NOW + 10 * DAY, today=NOW)


@pytestmark_db
def test_capacity_runs_follow_the_history_before_today_and_the_number_now_after():
    offer = _offer()
    _history(
        offer,
        (D(2030, 3, 1), 4, 2),  # from before the history was kept: 4 places
        (D(2030, 4, 1), 2, 5),
        (D(2030, 4, 1), 5, 3),  # two changes on one day: the later one holds
    )
    assert capacity_runs(offer, D(2030, 2, 20), NOW + DAY, today=NOW) == [
        (D(2030, 2, 20), D(2030, 2, 28), 4),
        (D(2030, 3, 1), D(2030, 3, 31), 2),
        (D(2030, 4, 1), NOW - DAY, 3),
        (NOW, NOW + DAY, 3),
    ]
    assert capacity_runs(offer, NOW, NOW + DAY, today=NOW) == [(NOW, NOW + DAY, 3)]
    without_history = _offer(capacity=2)
    assert capacity_runs(without_history, D(2030, 1, 1), D(2030, 1, 2), today=NOW) == [
        (D(2030, 1, 1), D(2030, 1, 2), 2)
    ]


@pytestmark_db
def test_a_change_made_today_is_the_history_of_the_days_before_it():
    """Raised from 2 to 5 today, its only change: the days before had 2 places."""
    offer = _offer()
    _history(offer, (NOW, 2, 5))
    assert capacity_runs(offer, NOW - 3 * DAY, NOW, today=NOW) == [
        (NOW - 3 * DAY, NOW - DAY, 2),
        (NOW, NOW, 5),
    ]


@pytestmark_db
def test_a_plan_change_judges_only_the_past_days_it_newly_holds(coordinator):
    """One place by the history, yet two people were there since January (data from
    before past days were judged by the history). Extending one of them by future days
    is not refused for those past days; an extension over past days newly held is."""
    offer = _offer()
    _history(offer, (D(2029, 1, 1), None, 1))
    january = D(2030, 1, 7)
    anna = _hold(offer, "active", january, NOW + 30 * DAY, start_date=january)
    _hold(offer, "active", january, NOW - 20 * DAY, start_date=january)

    def change(placement, end):
        return lifecycle.placement_change_plan(
            placement=placement,
            user=coordinator,
            planned_start=january,
            planned_end=end,
            extent=50,
            today=NOW,
        )

    assert change(anna, NOW + 31 * DAY).planned_end == NOW + 31 * DAY
    # Bo's planned end passed 20 days ago (not yet ended): moving it to five days ago
    # newly holds 15 past days on which Anna had the one place.
    bo = Placement.objects.exclude(pk=anna.pk).get(offer=offer)
    with pytest.raises(CapacityError, match="hade 1 plats den 13 maj 2030"):
        change(bo, NOW - 5 * DAY)
