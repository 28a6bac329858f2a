"""Free places over a period and the ranking of offers for one participant.

Free places for a whole list of offers come from one query that returns the peak
of places held per offer (capacity.held_peaks: a running sum in the database over
the placements holding a place in the period, the same days and count as the
sweep the locked capacity check uses, so the list never disagrees with what a
proposal will find), and one query of (pk, capacity, free from) per offer; only
the offers a page shows are then built as model objects.

The ranking is a sum of visible points; every criterion adds a reason in plain
Swedish so the coordinator sees why an offer comes first. For the match list the
database computes every free offer's score (score_expression: the same points as
score_offer, as conditions on the offer's columns) and the order is taken on plain
tuples (ranked_free_offers); only the shown page is built as model objects and
scored again in Python for its reasons (matches_for).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from enterprises.models import TrainingOffer, capacity_stale_before
from participants.models import Parking, Participant
from placements.models import Placement
from placements.services.capacity import (
    HOLD_STAMP_FIELDS,
    hold_stamp_key,
    known_peaks,
    peak_load,
)

# Points per criterion; the best possible offer scores 100.
POINTS_INTEREST = 30
POINTS_SAME_MUNICIPALITY = 20
POINTS_NEIGHBOURING_MUNICIPALITY = 10
POINTS_EXTENT = 15
POINTS_FREE_FROM = 15
POINTS_ADAPTATIONS = 10
POINTS_CONFIRMED = 10


def wanted_start(participant: Participant, today: datetime.date) -> datetime.date:
    """When the participant can start: their own date, never in the past."""
    return max(today, participant.available_from or today)


# --- parked participants are not suggested ----------------------------------


def parking_of(participant: Participant, today: datetime.date) -> Parking | None:
    """The parking in force today, if any: a parked participant gets no suggestions."""
    return Parking.objects.current(today).filter(participant=participant).first()


def not_parked(participants: QuerySet[Participant], today: datetime.date) -> QuerySet[Participant]:
    """Leave out the participants parked today (for any list that suggests people)."""
    return participants.exclude(
        Exists(Parking.objects.current(today).filter(participant=OuterRef("pk")))
    )


# --- free places ------------------------------------------------------------


def with_holding(
    offers: QuerySet[TrainingOffer] | Iterable[TrainingOffer],
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
) -> list[TrainingOffer]:
    """The offers, each with `holds`: the (from, to, 1) ranges of the placements holding
    one of its places in [start, end].

    One query for all offers, reading only the placements that hold a place in the
    period (current ones through placement_current_idx, ended ones by end date through
    placement_ended_idx) as plain tuples: no model objects, no history.
    """
    offers = list(offers)
    holds: dict[int, list[tuple[datetime.date, datetime.date, int]]] = {o.pk: [] for o in offers}
    rows = (
        Placement.objects.holding_between(start, end, today=today)
        .filter(offer__in=[o.pk for o in offers])
        .with_hold_range()
        .values_list("offer_id", "hold_from", "hold_to")  # type: ignore[misc]
        .order_by()
    )
    # One plain fetch, not a server-side cursor (iterator()): PostgreSQL plans a cursor
    # for its first rows (cursor_tuple_fraction) and picked a plan 5x slower here.
    for offer_id, first, last in rows:
        holds[offer_id].append((first, last, 1))
    for offer in offers:
        offer.holds = holds[offer.pk]  # type: ignore[attr-defined]
    return offers


@dataclass(frozen=True)
class FreeOffer:
    """An offer with a place free on every day of a period: its pk and how many."""

    pk: int
    free_places: int


def free_offers(
    offers: QuerySet[TrainingOffer],
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
) -> list[FreeOffer]:
    """The offers of `offers` with a place free on every day of [start, end] from the
    day each is free, in the queryset's order, as (pk, free places).

    No model objects: (pk, capacity, free from, stamp key) of each offer, and the
    peaks per offer (known_peaks: a query only for offers whose placements changed
    since this process last computed theirs). Build the shown ones with
    `offers_by_pk`.
    """
    rows = [
        (pk, capacity, free_from, hold_stamp_key(stamp, free_from, created_at))
        for pk, capacity, stamp, free_from, created_at in offers.values_list(
            "pk", "capacity", *HOLD_STAMP_FIELDS
        )
    ]
    peaks = known_peaks(start, end, today=today, offers={row[0]: row[3] for row in rows})
    result = []
    for pk, capacity, free_from, _key in rows:
        if max(start, free_from) > end:
            continue
        free = capacity - peaks.get(pk, 0)
        if free > 0:
            result.append(FreeOffer(pk, free))
    return result


def offers_by_pk(
    offers: QuerySet[TrainingOffer], chosen: Sequence[FreeOffer]
) -> list[TrainingOffer]:
    """The chosen offers as model objects in the order given, each with `free_places`
    (one query; `offers` keeps the user's scope and the related rows it selects)."""
    loaded = {offer.pk: offer for offer in offers.filter(pk__in=[c.pk for c in chosen])}
    result = []
    for choice in chosen:
        offer = loaded.get(choice.pk)
        if offer is not None:
            offer.free_places = choice.free_places  # type: ignore[attr-defined]
            result.append(offer)
    return result


def offer_free_places(
    offer: TrainingOffer, start: datetime.date, end: datetime.date, *, today: datetime.date
) -> int:
    """Places free on every day of [start, end] from the day the offer is free.

    Uses `offer.holds` from with_holding(); no query. An offer that is not
    free before `end` has no free place in the period.
    """
    first = max(start, offer.free_from)
    if first > end:
        return 0
    peak = peak_load(offer.holds, first, end)  # type: ignore[attr-defined]
    return max(0, offer.capacity - peak.count)


def offers_with_free_places(
    offers: Iterable[TrainingOffer],
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
) -> list[TrainingOffer]:
    """The offers with a free place in the period, each with `free_places` set."""
    result = []
    for offer in offers:
        offer.free_places = offer_free_places(offer, start, end, today=today)  # type: ignore[attr-defined]
        if offer.free_places > 0:  # type: ignore[attr-defined]
            result.append(offer)
    return result


# --- ranking ----------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One criterion of a score. The text is translated and formatted when it is read:
    every free offer is scored, only the shown page's reasons are ever read."""

    message: str  # the Swedish msgid (marked with gettext_noop)
    points: int
    values: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        if not self.values:
            return _(self.message)
        values = {
            key: _day(value) if isinstance(value, datetime.date) else value
            for key, value in self.values.items()
        }
        return _(self.message) % values

    @property
    def met(self) -> bool:
        return self.points > 0


@dataclass
class Match:
    offer: TrainingOffer
    score: int
    reasons: list[Reason] = field(default_factory=list)
    free_places: int | None = None
    suggested_start: datetime.date | None = None
    suggested_extent: int | None = None


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def closest_extent(offer: TrainingOffer, wanted: int) -> int:
    """The wanted extent if offered, else the offered one nearest to it (lower on a tie)."""
    offered = offer.extents_offered or [offer.min_extent]
    return min(offered, key=lambda extent: (abs(extent - wanted), extent))


def score_offer(
    participant: Participant,
    offer: TrainingOffer,
    *,
    interest_ids: set[int],
    start: datetime.date,
    today: datetime.date,
) -> tuple[int, list[Reason]]:
    """Points and reasons for one offer; see the POINTS_* constants."""
    reasons: list[Reason] = []
    area = offer.business_area
    if offer.business_area_id in interest_ids:
        reasons.append(
            Reason(gettext_noop("Intresse: %(area)s"), POINTS_INTEREST, {"area": area.name})
        )
    elif interest_ids:
        reasons.append(
            Reason(
                gettext_noop("%(area)s är inte bland deltagarens intressen"), 0, {"area": area.name}
            )
        )

    home = participant.home_municipality
    place = offer.municipality
    if home is None:
        reasons.append(Reason(gettext_noop("Deltagarens kommun är inte angiven"), 0))
    elif home.pk == place.pk:
        reasons.append(
            Reason(
                gettext_noop("Samma kommun (%(name)s)"),
                POINTS_SAME_MUNICIPALITY,
                {"name": place.name},
            )
        )
    elif home.is_member and place.is_member:
        reasons.append(
            Reason(
                gettext_noop("Grannkommun i förbundet (%(name)s)"),
                POINTS_NEIGHBOURING_MUNICIPALITY,
                {"name": place.name},
            )
        )
    else:
        reasons.append(Reason(gettext_noop("Annan kommun (%(name)s)"), 0, {"name": place.name}))

    wanted = participant.wanted_extent
    if offer.offers_extent(wanted):
        reasons.append(
            Reason(
                gettext_noop("Erbjuder önskad omfattning %(extent)s %%"),
                POINTS_EXTENT,
                {"extent": wanted},
            )
        )
    else:
        reasons.append(
            Reason(
                gettext_noop("Erbjuder %(low)s–%(high)s %%, inte önskade %(extent)s %%"),
                0,
                {"low": offer.min_extent, "high": offer.max_extent, "extent": wanted},
            )
        )

    if offer.free_from <= start:
        reasons.append(
            Reason(
                gettext_noop("Ledig från önskat startdatum %(day)s"),
                POINTS_FREE_FROM,
                {"day": start},
            )
        )
    else:
        reasons.append(
            Reason(gettext_noop("Ledig först från %(day)s"), 0, {"day": offer.free_from})
        )

    if _needs_adaptations(participant):
        if offer.adaptations_possible.strip():
            reasons.append(
                Reason(gettext_noop("Platsen beskriver möjliga anpassningar"), POINTS_ADAPTATIONS)
            )
        else:
            reasons.append(Reason(gettext_noop("Platsen beskriver inga möjliga anpassningar"), 0))

    days = offer.confirmed_days_ago(today)
    if not offer.is_capacity_stale(today):
        reasons.append(
            Reason(
                gettext_noop("Platsantalet bekräftat för %(days)s dagar sedan"),
                POINTS_CONFIRMED,
                {"days": days},
            )
        )
    else:
        reasons.append(
            Reason(
                gettext_noop(
                    "Platsantalet bekräftades för %(days)s dagar sedan; kontrollera med företaget"
                ),
                0,
                {"days": days},
            )
        )
    return sum(reason.points for reason in reasons), reasons


def _needs_adaptations(participant: Participant) -> bool:
    return bool(participant.workplace_adaptations.strip() or participant.support_needs.strip())


def score_conditions(
    participant: Participant,
    *,
    interest_ids: set[int],
    start: datetime.date,
    today: datetime.date,
) -> list[tuple[Q, int]]:
    """score_offer's points as conditions on the offer's columns: (condition, points).

    What is known of the participant (their municipality, whether they need
    adaptations) is decided here, so only the offer's side is left to the database.
    An offer's score is the sum of the points of the conditions it meets; the
    conditions of one criterion exclude each other as score_offer's branches do.
    """
    conditions: list[tuple[Q, int]] = []
    if interest_ids:
        conditions.append((Q(business_area_id__in=sorted(interest_ids)), POINTS_INTEREST))
    home = participant.home_municipality
    if home is not None:
        conditions.append((Q(municipality_id=home.pk), POINTS_SAME_MUNICIPALITY))
        if home.is_member:
            conditions.append(
                (
                    Q(municipality__is_member=True) & ~Q(municipality_id=home.pk),
                    POINTS_NEIGHBOURING_MUNICIPALITY,
                )
            )
    wanted = participant.wanted_extent
    conditions.append((Q(min_extent__lte=wanted, max_extent__gte=wanted), POINTS_EXTENT))
    conditions.append((Q(free_from__lte=start), POINTS_FREE_FROM))
    if _needs_adaptations(participant):
        # Text with something other than white space (str.strip() in score_offer).
        conditions.append((Q(adaptations_possible__regex=r"\S"), POINTS_ADAPTATIONS))
    conditions.append((Q(last_confirmed__gte=capacity_stale_before(today)), POINTS_CONFIRMED))
    return conditions


def score_expression(
    participant: Participant,
    *,
    interest_ids: set[int],
    start: datetime.date,
    today: datetime.date,
) -> Case | Value:
    """The offer's score as one SQL expression (a sum of CASE per criterion)."""
    total: Case | Value = Value(0, output_field=IntegerField())
    for condition, points in score_conditions(
        participant, interest_ids=interest_ids, start=start, today=today
    ):
        total = total + Case(  # type: ignore[assignment]
            When(condition, then=Value(points)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return total


@dataclass(frozen=True)
class RankedOffer(FreeOffer):
    """A free offer's place in the ranking: its pk, free places and score."""

    score: int


def ranked_free_offers(
    participant: Participant,
    offers: QuerySet[TrainingOffer],
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
    interest_ids: Iterable[int],
) -> list[RankedOffer]:
    """The offers of `offers` with a place free in [start, end], best first, as
    (pk, free places, score): the order rank_offers gives, without model objects.

    (pk, capacity, free from, score, enterprise, title, stamp key) per offer, the
    score computed by the database (score_expression), and the peaks (known_peaks:
    a query only for offers whose placements changed since this process last
    computed theirs).
    The order is rank_offers' key (score, then free places, enterprise name, title,
    compared as Python compares them, not in the database's collation), applied to
    plain tuples in the queryset's order; build the shown page with `offers_by_pk`
    and its reasons with `matches_for`.
    """
    score = score_expression(participant, interest_ids=set(interest_ids), start=start, today=today)
    rows = list(
        offers.annotate(match_score=score).values_list(
            "pk",
            "capacity",
            "free_from",
            "match_score",
            "enterprise__name",
            "title",
            *HOLD_STAMP_FIELDS,
        )
    )
    peaks = known_peaks(
        start,
        end,
        today=today,
        offers={row[0]: hold_stamp_key(*row[6:]) for row in rows},
    )
    ranked = []
    for pk, capacity, free_from, points, enterprise_name, title, *_stamp in rows:
        if max(start, free_from) > end:
            continue
        free = capacity - peaks.get(pk, 0)
        if free > 0:
            ranked.append((-points, -free, enterprise_name, title, RankedOffer(pk, free, points)))
    ranked.sort(key=lambda row: row[:4])
    return [row[4] for row in ranked]


def matches_for(
    participant: Participant,
    offers: Iterable[TrainingOffer],
    *,
    start: datetime.date,
    today: datetime.date,
    interest_ids: Iterable[int],
) -> list[Match]:
    """A Match (score, reasons, suggested start and extent) per offer, in the order given."""
    interests = set(interest_ids)
    matches = []
    for offer in offers:
        score, reasons = score_offer(
            participant, offer, interest_ids=interests, start=start, today=today
        )
        matches.append(
            Match(
                offer=offer,
                score=score,
                reasons=reasons,
                free_places=getattr(offer, "free_places", None),
                suggested_start=max(start, offer.free_from),
                suggested_extent=closest_extent(offer, participant.wanted_extent),
            )
        )
    return matches


def rank_offers(
    participant: Participant,
    offers: Iterable[TrainingOffer],
    *,
    start: datetime.date,
    today: datetime.date,
    interest_ids: Iterable[int] | None = None,
) -> list[Match]:
    """Offers for `participant`, best first, each with its score and the reasons for it.

    `start` is the wanted start date. Ties go to the offer with more free places
    (`offer.free_places` when set), then by enterprise and title. Pass
    `interest_ids` when the participant's interests are already loaded.
    """
    if interest_ids is None:
        interest_ids = participant.interests.values_list("pk", flat=True)
    matches = matches_for(participant, offers, start=start, today=today, interest_ids=interest_ids)
    matches.sort(
        key=lambda m: (-m.score, -(m.free_places or 0), m.offer.enterprise.name, m.offer.title)
    )
    return matches
