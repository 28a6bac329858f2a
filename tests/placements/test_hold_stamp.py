"""OfferHoldStamp and known_peaks: peaks kept in the worker's memory, computed again
only for an offer whose placements changed what they hold (a database trigger gives
the offer a new stamp), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from enterprises.models import TrainingOffer
from placements.models import OfferHoldStamp, Placement, PlacementStatus
from placements.selectors.matching import free_offers
from placements.services import capacity
from placements.services.capacity import (
    HOLD_STAMP_FIELDS,
    held_peaks,
    hold_stamp_key,
    known_peaks,
)
from tests.factories import PlacementFactory, TrainingOfferFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = D(2030, 1, 1)
END = TODAY + 60 * DAY


@pytest.fixture(autouse=True)
def nothing_known():
    capacity._known_peaks.clear()
    yield
    capacity._known_peaks.clear()


def stamp(offer) -> str | None:
    return OfferHoldStamp.objects.filter(offer=offer).values_list("stamp", flat=True).first()


def keys(*offers):
    rows = TrainingOffer.objects.filter(pk__in=[o.pk for o in offers]).values_list(
        "pk", *HOLD_STAMP_FIELDS
    )
    return {pk: hold_stamp_key(*rest) for pk, *rest in rows}


def test_every_write_that_changes_a_hold_gives_its_offer_a_new_stamp():
    offer, other = TrainingOfferFactory(capacity=3), TrainingOfferFactory(capacity=3)
    assert stamp(offer) is None
    placement = PlacementFactory(offer=offer, planned_start=TODAY, planned_end=END)
    seen = {stamp(offer)}
    assert None not in seen

    def changed(target=offer):
        new = stamp(target)
        assert new not in seen, "the stamp did not change"
        seen.add(new)

    # Model save of a hold column, queryset update, raw SQL, a move to another
    # offer (both offers change), a delete.
    placement.planned_end = END + DAY
    placement.save()
    changed()
    Placement.objects.filter(pk=placement.pk).update(expires_on=TODAY + 5 * DAY)
    changed()
    Placement.objects.filter(pk=placement.pk).update(status=PlacementStatus.DECLINED)
    changed()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE placements_placement SET status = %s WHERE id = %s",
            [PlacementStatus.PROPOSED, placement.pk],
        )
    changed()
    before_other = stamp(other)
    Placement.objects.filter(pk=placement.pk).update(offer=other)
    changed()
    assert stamp(other) != before_other
    seen.add(stamp(other))
    Placement.objects.filter(pk=placement.pk).update(offer=offer)
    changed()
    # A change to something that does not decide a hold keeps the stamp.
    same = stamp(offer)
    Placement.objects.filter(pk=placement.pk).update(supervisor_name="Ny handledare")
    assert stamp(offer) == same
    Placement.objects.filter(pk=placement.pk).delete()
    changed()


def test_known_peaks_equal_held_peaks_and_are_computed_again_only_where_changed(
    django_assert_num_queries,
):
    a, b = TrainingOfferFactory(capacity=3), TrainingOfferFactory(capacity=3)
    PlacementFactory(offer=a, planned_start=TODAY, planned_end=END)
    PlacementFactory(offer=b, planned_start=TODAY, planned_end=END)
    PlacementFactory(offer=b, planned_start=TODAY + DAY, planned_end=END)

    known = keys(a, b)
    assert known_peaks(TODAY, END, today=TODAY, offers=known) == {a.pk: 1, b.pk: 2}
    with django_assert_num_queries(0):  # both known now
        assert known_peaks(TODAY, END, today=TODAY, offers=known) == {a.pk: 1, b.pk: 2}

    # A third placement at a: a's stamp changes; only a is computed again.
    PlacementFactory(offer=a, planned_start=TODAY + 3 * DAY, planned_end=END)
    fresh = keys(a, b)
    with django_assert_num_queries(1):
        assert known_peaks(TODAY, END, today=TODAY, offers=fresh) == {a.pk: 2, b.pk: 2}
    assert known_peaks(TODAY, END, today=TODAY, offers=fresh) == held_peaks(
        TODAY, END, today=TODAY, offers=[a.pk, b.pk]
    )

    # A later free-from day is part of the key (the holds before it do not count).
    TrainingOffer.objects.filter(pk=b.pk).update(free_from=TODAY + 2 * DAY)
    assert known_peaks(TODAY, END, today=TODAY, offers=keys(a, b)) == held_peaks(
        TODAY, END, today=TODAY, offers=[a.pk, b.pk]
    )
    # Another day is another key: a proposal that expired no longer holds.
    Placement.objects.filter(offer=a).update(expires_on=TODAY + DAY)
    later = TODAY + 2 * DAY
    assert known_peaks(later, END, today=later, offers=keys(a, b)) == {
        b.pk: held_peaks(later, END, today=later, offers=[b.pk]).get(b.pk, 0),
        a.pk: 0,
    }


def test_free_offers_follow_a_new_placement_between_two_reads():
    offer = TrainingOfferFactory(capacity=1, free_from=TODAY)
    offers = TrainingOffer.objects.filter(pk=offer.pk)
    assert [f.pk for f in free_offers(offers, TODAY, END, today=TODAY)] == [offer.pk]
    PlacementFactory(offer=offer, planned_start=TODAY, planned_end=END)
    assert free_offers(offers, TODAY, END, today=TODAY) == []


def test_an_offer_without_a_stamp_is_told_apart_by_its_creation():
    """An id used again after a rolled-back test is another offer with no stamp row:
    its creation time keeps its key apart from the earlier offer's."""
    first = TrainingOfferFactory(capacity=2)
    second = TrainingOfferFactory(capacity=2)
    assert first.created_at != second.created_at
    assert hold_stamp_key(None, TODAY, first.created_at) != hold_stamp_key(
        None, TODAY, second.created_at
    )
