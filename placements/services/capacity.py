"""Capacity: how many places an offer has free on which days, checked under a lock.

A place is never promised twice: at no date may the placements holding a place
exceed the offer's capacity. Every write that makes a placement hold a place (or
hold it on other days) locks the offer row first, re-counts what is held on the
days concerned, and only then writes (pretix's quota pattern). On PostgreSQL the
lock is SELECT ... FOR UPDATE; on SQLite every transaction is BEGIN IMMEDIATE
(settings), so writers are serialised and the count cannot change under us.
A past day is judged by the places the offer had that day (its capacity
history, `capacity_runs`), a day from today on by its number now.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import DateField, F, Value
from django.db.models.functions import Greatest, Least
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enterprises.models import CapacityChange, TrainingOffer
from participants.models import Participant
from placements.models import Placement
from samordning.models import User

# Placements typically run 3, 6 or 12 months; six is the suggested default.
DEFAULT_MONTHS = 6


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), at most the month's last day.

    Clamped to datetime.date.min/.max instead of overflowing.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > datetime.MAXYEAR:
        return datetime.date.max
    if year < datetime.MINYEAR:
        return datetime.date.min
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_period(
    start: datetime.date, months: int = DEFAULT_MONTHS
) -> tuple[datetime.date, datetime.date]:
    """[start, the day before the same date `months` later]."""
    later = add_months(start, months)
    return start, later if later == datetime.date.max else later - datetime.timedelta(days=1)


FULL_EXTENT = 100


class CapacityError(ValidationError):
    """The offer (or the participant's week) has no room on some day."""


@dataclass(frozen=True)
class Peak:
    count: int
    day: datetime.date | None


def peak_load(
    ranges: Iterable[tuple[datetime.date, datetime.date, int]],
    start: datetime.date,
    end: datetime.date,
) -> Peak:
    """The largest summed weight on any day in [start, end], and the first such day.

    `ranges` are inclusive (from, to, weight). A sweep over the range edges: O(n log n).
    A range that lasts until datetime.date.max never ends (no day after it to end on).
    """
    events: list[tuple[datetime.date, int]] = []
    for first, last, weight in ranges:
        first, last = max(first, start), min(last, end)
        if first > last:
            continue
        events.append((first, weight))
        if last < datetime.date.max:
            events.append((last + datetime.timedelta(days=1), -weight))
    events.sort(key=lambda event: (event[0], event[1]))
    best, best_day, load = 0, None, 0
    for day, delta in events:
        load += delta
        if load > best:
            best, best_day = load, day
    return Peak(best, best_day)


def held_peaks(
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
    offers: Collection[int] | None = None,
) -> dict[int, int]:
    """The most places held on any day of [max(start, free_from), end], per offer
    (every offer, or those whose pks are in `offers`).

    The database side of peak_load for many offers at once: one query, a running sum
    (window function) over the start and end events of the placements that hold a
    place in the period, grouped per offer. Only the placements holding a place in
    the period are read (current ones through placement_current_idx), and nothing
    but one number per offer comes back. Offers that hold nothing are missing from
    the answer (their peak is 0). Same days and same count as peak_load: a range
    held to day t and one held from day t overlap on t (an end counts from the day
    after).
    """
    if offers is not None and not offers:
        return {}  # nothing asked, nothing held (and no `IN ()` to write)
    holds = (
        Placement.objects.holding_between(start, end, today=today)
        .with_hold_range()
        .annotate(
            held_first=Greatest(
                "hold_from", "offer__free_from", Value(start, DateField()), output_field=DateField()
            ),
            held_last=Least("hold_to", Value(end, DateField()), output_field=DateField()),
        )
        .filter(held_first__lte=F("held_last"))
        .values_list("offer_id", "held_first", "held_last")
        .order_by()
    )
    connection = connections[holds.db]
    # The ORM writes the inner query (values stay parameters); the window over the
    # union of start and end events is the part the ORM cannot express.
    holds_sql, params = holds.query.get_compiler(connection=connection).as_sql()
    if offers is not None:
        # A list of pks, not a subquery: PostgreSQL misjudged `offer_id IN (SELECT ...)`
        # and probed the offer once per placement (78,000 probes at national scale).
        # On PostgreSQL the list is one array: the ORM's `IN (%s, ...)` of 2,871 pks
        # took 14 ms in Python to write (one array 2.5 ms), and reading the holds with
        # it 55 ms (43-49 with the array). The condition still reaches the index scans
        # (the subquery is pulled up).
        pks = list(offers)
        pk_params: list[object]
        if connection.vendor == "postgresql":
            condition, pk_params = "= ANY(%s)", [pks]
        else:
            condition, pk_params = f"IN ({', '.join(['%s'] * len(pks))})", list(pks)
        holds_sql = f"SELECT * FROM ({holds_sql}) AS held WHERE held.offer_id {condition}"  # noqa: S608
        params = (*params, *pk_params)
    sql = (
        f"WITH holds (offer_id, held_first, held_last) AS ({holds_sql}), "  # noqa: S608
        # One row per offer and day that holds start on (most began before the period
        # and start on its first day: a third of the rows of one per start), then one
        # row per end. On a day its starts come before its ends. The count is cast to
        # an integer: PostgreSQL sums bigints as numerics (85 against 73 ms for the
        # events and their sum at national scale).
        "events (offer_id, event_day, delta) AS ("
        " SELECT offer_id, held_first, CAST(COUNT(*) AS INTEGER) FROM holds"
        "  GROUP BY offer_id, held_first"
        " UNION ALL SELECT offer_id, held_last, -1 FROM holds) "
        # The most held is reached on a day a hold starts (an end only lowers the count):
        # the running sum on a start row is what is held that day, the ends before it
        # taken off. The maximum is taken over the start rows only.
        "SELECT offer_id, MAX(held) FROM ("
        " SELECT offer_id, delta, SUM(delta) OVER ("
        "  PARTITION BY offer_id ORDER BY event_day, delta DESC"
        "  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS held"
        " FROM events) AS running WHERE delta > 0 GROUP BY offer_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {offer_id: int(peak) for offer_id, peak in cursor.fetchall()}


# Peaks this process has computed: (offer, its stamp key, start, end, today) -> peak.
_known_peaks: dict[tuple[int, Hashable, datetime.date, datetime.date, datetime.date], int] = {}
MAX_KNOWN_PEAKS = 100_000


def known_peaks(
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
    offers: Mapping[int, Hashable],
) -> dict[int, int]:
    """held_peaks for the offers of `offers` (pk -> its stamp key), computed again
    only for the offers this process has no peak for under that key.

    The stamp key must change whenever the offer's peak may: the offer's
    OfferHoldStamp (a database trigger gives it a new random stamp on every write to
    the offer's placements that changes what they hold), its free-from day and its
    creation time (`hold_stamp_key`). The day and the period are part of the key too
    (a proposal stops holding when it expires). The free places page and the match
    list read the keys with the offers they already read, so a page whose offers
    did not change runs no peak query at all; the capacity check at proposal time
    never uses this (it counts under the offer's lock).
    """
    found: dict[int, int] = {}
    missing: list[int] = []
    for pk, key in offers.items():
        peak = _known_peaks.get((pk, key, start, end, today))
        if peak is None:
            missing.append(pk)
        else:
            found[pk] = peak
    if missing:
        computed = held_peaks(start, end, today=today, offers=missing)
        if len(_known_peaks) + len(missing) > MAX_KNOWN_PEAKS:
            _known_peaks.clear()
        for pk in missing:
            found[pk] = _known_peaks[(pk, offers[pk], start, end, today)] = computed.get(pk, 0)
    return found


# What `known_peaks` needs of each offer, as values() paths from TrainingOffer.
HOLD_STAMP_FIELDS = ("hold_stamp__stamp", "free_from", "created_at")


def hold_stamp_key(stamp: str | None, free_from: datetime.date, created_at: Any) -> Hashable:
    """An offer's stamp key for known_peaks, from its HOLD_STAMP_FIELDS."""
    return (stamp or "", free_from, created_at)


def holds_of(
    placements: Iterable[Placement], *, today: datetime.date
) -> list[tuple[datetime.date, datetime.date, int]]:
    """(from, to, 1) for each placement that holds a place."""
    ranges = []
    for placement in placements:
        held = placement.hold_range(today)
        if held is not None:
            ranges.append((held[0], held[1], 1))
    return ranges


def _offer_holds(
    offer: TrainingOffer,
    start: datetime.date,
    end: datetime.date,
    *,
    exclude: Placement | None,
    today: datetime.date,
) -> list[tuple[datetime.date, datetime.date, int]]:
    """The holds of `offer`'s placements (but `exclude`) on days of [start, end]."""
    placements = Placement.objects.filter(offer=offer).holding_between(start, end, today=today)
    if exclude is not None and exclude.pk is not None:
        placements = placements.exclude(pk=exclude.pk)
    return holds_of(placements, today=today)


def held_peak(
    offer: TrainingOffer,
    start: datetime.date,
    end: datetime.date,
    *,
    exclude: Placement | None = None,
    today: datetime.date | None = None,
) -> Peak:
    """The most places of `offer` held on any day in [start, end]."""
    today = today or timezone.localdate()
    return peak_load(_offer_holds(offer, start, end, exclude=exclude, today=today), start, end)


def capacity_runs(
    offer: TrainingOffer, start: datetime.date, end: datetime.date, *, today: datetime.date
) -> list[tuple[datetime.date, datetime.date, int]]:
    """The offer's number of places on the days of [start, end]: (first, last, places)
    runs, in date order.

    From `today` on, its number now. On an earlier day, the number in effect that day
    by its capacity history: the latest CapacityChange made by the day's end (as the
    funders' figures of places against places held read it). So a start registered
    afterwards is judged by the places there were on its days, not by a number set
    since, and a past day's count is not held to a number lowered since (a lowering
    is checked from its day on). Days before the history begins have the number its
    first change started from; an offer without history has its number now.
    """
    day = datetime.timedelta(days=1)
    runs: list[tuple[datetime.date, datetime.date, int]] = []
    if start < today:
        last_past = min(end, today - day)
        start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
        changes = list(
            CapacityChange.objects.filter(offer=offer)
            .order_by("changed_at", "pk")
            .values_list("changed_at", "old_capacity", "new_capacity")
        )
        # Before its first change (even one made today) the offer had what that change
        # started from; a creation row (no old number) or no history: its number now.
        first_old = changes[0][1] if changes else None
        # (from day, places) steps; of two changes on one day the later one holds.
        steps = [(datetime.date.min, offer.capacity if first_old is None else first_old)]
        steps += [
            (timezone.localdate(at), places) for at, _old, places in changes if at < start_of_today
        ]
        for (first, places), (following, _) in zip(
            steps, [*steps[1:], (datetime.date.max, 0)], strict=True
        ):
            last = following - day if following != datetime.date.max else following
            first, last = max(first, start), min(last, last_past)
            if first <= last:
                runs.append((first, last, places))
    if end >= today:
        runs.append((max(start, today), end, offer.capacity))
    return runs


def free_places(
    offer: TrainingOffer,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date | None = None,
) -> int:
    """Places free on every day of [start, end] (never negative)."""
    return max(0, offer.capacity - held_peak(offer, start, end, today=today).count)


@dataclass(frozen=True)
class PlacesOnDay:
    """An offer's places on one day: how many it has, how many are taken, how many free."""

    capacity: int
    taken: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)


def places_on(offer: TrainingOffer, day: datetime.date, *, today: datetime.date) -> PlacesOnDay:
    """Capacity, taken and free on `day`: what the offer page and the capacity page show
    wherever the number of places is confirmed or changed (one query)."""
    return PlacesOnDay(offer.capacity, held_peak(offer, day, day, today=today).count)


def lock_offer(offer: TrainingOffer | int) -> TrainingOffer:
    """Re-read the offer with a row lock; call inside a transaction.

    Only the offer's row is locked (`of=("self",)`): the enterprise is read
    beside it, but an edit of the enterprise need not wait for a proposal."""
    pk = offer if isinstance(offer, int) else offer.pk
    return (
        TrainingOffer.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=pk)
    )


def lock_offers(pks: Iterable[int]) -> None:
    """Lock several offers' rows in id order: a transaction that changes placements at
    more than one offer takes them all at once, so two such transactions wait for each
    other instead of each holding what the other needs (a deadlock)."""
    list(
        TrainingOffer.objects.select_for_update(of=("self",))
        .filter(pk__in=set(pks))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lock_participant(participant: Participant | int) -> Participant:
    pk = participant if isinstance(participant, int) else participant.pk
    return Participant.objects.select_for_update().get(pk=pk)


def _date(day: datetime.date | None) -> str:
    return formats.date_format(day, "DATE_FORMAT") if day else ""


def check_offer_room(
    offer: TrainingOffer,
    start: datetime.date,
    end: datetime.date,
    *,
    exclude: Placement | None = None,
    today: datetime.date | None = None,
) -> None:
    """Raise CapacityError unless one more place fits on every day of [start, end],
    within the places the offer has (or had, on a past day: capacity_runs) that day.

    The caller holds the offer's lock (lock_offer) in the same transaction.
    """
    today = today or timezone.localdate()
    holds = _offer_holds(offer, start, end, exclude=exclude, today=today)
    for first, last, places in capacity_runs(offer, start, end, today=today):
        peak = peak_load(holds, first, last)
        if peak.count + 1 <= places:
            continue
        values = {"offer": offer, "capacity": places, "day": _date(peak.day or first)}
        if last < today:
            raise CapacityError(
                ngettext(
                    "Platsen var full: %(offer)s hade %(capacity)s plats den %(day)s och "
                    "den var upptagen. Välj andra datum eller en annan plats.",
                    "Platsen var full: %(offer)s hade %(capacity)s platser den %(day)s och "
                    "alla var upptagna. Välj andra datum eller en annan plats.",
                    places,
                )
                % values,
                code="full",
            )
        raise CapacityError(
            ngettext(
                "Platsen är full: %(offer)s har %(capacity)s plats och den är upptagen "
                "den %(day)s. Välj andra datum eller en annan plats.",
                "Platsen är full: %(offer)s har %(capacity)s platser och alla är upptagna "
                "den %(day)s. Välj andra datum eller en annan plats.",
                places,
            )
            % values,
            code="full",
        )


def check_participant_extent(
    participant: Participant,
    extent: int,
    start: datetime.date,
    end: datetime.date,
    *,
    exclude: Placement | None = None,
    today: datetime.date | None = None,
) -> None:
    """A participant's overlapping placements may not exceed 100 % together."""
    today = today or timezone.localdate()
    placements = Placement.objects.filter(participant=participant).holding_between(
        start, end, today=today
    )
    if exclude is not None and exclude.pk is not None:
        placements = placements.exclude(pk=exclude.pk)
    ranges = []
    for placement in placements:
        held = placement.hold_range(today)
        if held is not None:
            ranges.append((held[0], held[1], placement.extent))
    peak = peak_load(ranges, start, end)
    if peak.count + extent > FULL_EXTENT:
        raise CapacityError(
            _(
                "Deltagaren har redan arbetsträning på %(taken)s %% den %(day)s; "
                "tillsammans får det inte bli mer än 100 %%."
            )
            % {"taken": peak.count, "day": _date(peak.day)},
            code="over_full_time",
        )


# The end of "from today onwards" when looking for the places held in the future.
FAR_FUTURE = datetime.date(9999, 12, 30)


@transaction.atomic
def offer_set_capacity(
    *,
    offer: TrainingOffer,
    user: User,
    capacity: int,
    free_from: datetime.date | None = None,
    today: datetime.date | None = None,
) -> TrainingOffer:
    """Set the number of places (and optionally the free-from date) of an offer.

    Lowering below the places held on some day from today onwards is refused with a
    message naming that day and the count. Every change of the number is kept as a
    CapacityChange (who, when, from, to). Setting the number also confirms it.
    Pages and imports call `waiting.offer_capacity_set`, which also gives a freed
    place to the offer's waiting list.
    """
    today = today or timezone.localdate()
    if capacity is None or capacity < 0:
        raise ValidationError({"capacity": _("Antalet platser kan inte vara negativt.")})
    offer = lock_offer(offer)
    old_capacity = offer.capacity
    if capacity < old_capacity:
        peak = held_peak(offer, today, FAR_FUTURE, today=today)
        if peak.count > capacity:
            raise CapacityError(
                {
                    "capacity": ngettext(
                        "Det går inte att sänka antalet platser till %(capacity)s: den %(day)s "
                        "är %(count)s plats redan tagen. Sänk till minst %(count)s.",
                        "Det går inte att sänka antalet platser till %(capacity)s: den %(day)s "
                        "är %(count)s platser redan tagna. Sänk till minst %(count)s.",
                        peak.count,
                    )
                    % {"capacity": capacity, "day": _date(peak.day), "count": peak.count}
                },
                code="below_held",
            )
    offer.capacity = capacity
    if free_from is not None:
        offer.free_from = free_from
    offer.last_confirmed = today
    offer.full_clean()
    offer.save(update_fields=["capacity", "free_from", "last_confirmed", "updated_at"])
    if capacity != old_capacity:
        CapacityChange.objects.create(
            offer=offer, changed_by=user, old_capacity=old_capacity, new_capacity=capacity
        )
    return offer
