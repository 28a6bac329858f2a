"""Invoice basis (fakturaunderlag): present days x the offer's price per present day.

The totals are the month grouped per offer, which also counts each offer's rows (one
per placement with present days in the month). The rows are sorted by enterprise,
offer and start, so a page is a known slice of a few offers' placements: only those
are read (InvoiceRowList), and their present days summed. Every figure comes from
PlacementMonth (present days per placement and month, with the placement's offer,
kept by database triggers), not from the month's present days themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any, NamedTuple, overload

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, TrainingOffer
from enterprises.validators import format_org_number
from participants.choices import ConsentPurpose
from participants.models import Consent, Participant
from placements.disclosure import Disclosed, enterprise_disclosure, participant_label
from placements.models import Placement, PlacementMonth
from placements.services.attendance import month_bounds
from samordning import policy
from samordning.expressions import InSubquery
from samordning.models import User


@dataclass(frozen=True)
class EnterpriseTotal:
    enterprise_id: int
    name: str
    org_number: str
    days: int
    amount: Decimal
    placements: int


class OfferTotal(NamedTuple):
    """One offer's month (a tuple: a national month has 3,000 of them)."""

    offer_id: int
    title: str
    price: Decimal
    enterprise_id: int
    enterprise_name: str
    org_number: str
    days: int
    placements: int


def _own(user: User) -> tuple[Q | None, Any]:
    """Which placements `user`'s invoice basis lists, as a condition (None: all, for
    admins), and the `name_visible` expression: the live name is for the
    participant's coordinators and admins; a manager sees what
    placements.disclosure allows."""
    if policy.is_admin(user):
        return None, Value(True)
    responsible = Participant.coordinators.through.objects.filter(
        participant_id=OuterRef("participant_id"), user_id=user.pk
    )
    own = Q(pk__in=[])
    if policy.is_coordinator(user):
        # The caseload's ids as one array (InSubquery): as a semi-join, PostgreSQL read
        # the whole coordinator-link table (a parallel sequential scan of a million
        # rows nationally) to find one caseload of a thousand people.
        own |= Q(
            InSubquery(
                "participant_id",
                Participant.coordinators.through.objects.filter(user_id=user.pk).values(
                    "participant_id"
                ),
            )
        )
    if policy.is_manager(user):
        own |= Q(offer__enterprise__in=Enterprise.objects.filter(managers=user))
    name_visible = Case(
        When(Exists(responsible), then=True), default=False, output_field=BooleanField()
    )
    return own, name_visible


# The rows' order. The totals per offer come in the same order of enterprise name
# and offer title (invoice_offer_totals), which is what lets a page be read from
# the few offers it spans.
ROW_ORDER = ("offer__enterprise__name", "offer__title", "start_date", "pk")


def invoice_placements(
    *,
    enterprises: QuerySet[Enterprise],
    year: int,
    month: int,
    user: User,
    offers: Collection[int] | None = None,
) -> QuerySet[Placement]:
    """The placements the invoice basis lists, in its order, without their figures:
    one per placement with present days in the month, annotated with `name_visible`.
    Not grouped, so the database pages it before anything is summed;
    `with_present_days` adds the figures (and what placements.disclosure needs) for
    the rows actually shown: a page, or a chunk of the download. `offers` keeps
    those at these offers only (a page: InvoiceRowList).

    Rows: an admin sees every placement; anyone else the placements of their own
    caseload (coordinators) and at the enterprises they manage (managers).
    """
    first, _last = month_bounds(year, month)
    placements = Placement.objects.filter(offer__enterprise__in=enterprises)
    own, name_visible = _own(user)
    if offers is not None:
        # A few offers' month (a page): their rows of placement_month_offer_idx,
        # about 20 per offer, then each placement by key.
        placements = placements.filter(
            pk__in=PlacementMonth.objects.filter(month=first, offer__in=offers).values(
                "placement_id"
            )
        )
        if own is not None:
            placements = placements.filter(own)
    elif own is None:
        # Everyone's month (the download): a join from the month's rows of
        # placement_month_idx (one per placement: placement_month_once), which the
        # planner estimates right and hash-joins to the offers and enterprises for
        # the sort; `pk IN (subquery)` was estimated at 10 rows and looked up each
        # row's offer and enterprise.
        placements = placements.filter(months__month=first)
    else:
        # A caseload or an enterprise's placements: probe each for the month's row
        # (placement_month_once); never a placement's whole history.
        placements = placements.filter(own).filter(
            Exists(PlacementMonth.objects.filter(placement_id=OuterRef("pk"), month=first))
        )
    # The person and the snapshot are read for the shown rows (with_present_days):
    # joined here, they were joined for every placement of the month before the sort.
    return (
        placements.annotate(name_visible=name_visible)
        .select_related("offer", "offer__enterprise")
        .order_by(*ROW_ORDER)
    )


class InvoiceRowList(Sequence[Placement]):
    """The invoice basis's rows as a sequence a Paginator slices: a slice reads only
    the placements of the offers it spans, since the totals counted each offer's
    rows and the rows are sorted by enterprise name and offer title first.

    Offers sharing both an enterprise name and a title are one run (their rows
    interleave by start date), so a slice reads whole runs and skips into the
    first. The length is the totals' count: no COUNT query."""

    def __init__(
        self,
        offers: Iterable[OfferTotal],
        *,
        enterprises: QuerySet[Enterprise],
        year: int,
        month: int,
        user: User,
    ) -> None:
        self.enterprises, self.year, self.month, self.user = enterprises, year, month, user
        self._runs: list[tuple[list[int], int]] = []  # (offer ids, rows), in row order
        key = None
        for offer in offers:
            if (offer.enterprise_name, offer.title) == key:
                ids, count = self._runs[-1]
                self._runs[-1] = ([*ids, offer.offer_id], count + offer.placements)
            else:
                self._runs.append(([offer.offer_id], offer.placements))
            key = (offer.enterprise_name, offer.title)
        self._length = sum(count for _ids, count in self._runs)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Placement: ...
    @overload
    def __getitem__(self, index: slice) -> list[Placement]: ...
    def __getitem__(self, index: int | slice) -> Placement | list[Placement]:
        if isinstance(index, int):
            position = index + self._length if index < 0 else index
            if not 0 <= position < self._length:
                raise IndexError(index)
            return self[position : position + 1][0]
        start, stop, step = index.indices(self._length)
        if step != 1:
            raise ValueError("InvoiceRowList slices with step 1 only")
        offers: list[int] = []
        skip = seen = 0
        for ids, count in self._runs:
            if seen >= stop:
                break
            if seen + count > start:
                if not offers:
                    skip = start - seen
                offers.extend(ids)
            seen += count
        if not offers:
            return []
        placements = invoice_placements(
            enterprises=self.enterprises,
            year=self.year,
            month=self.month,
            user=self.user,
            offers=offers,
        )
        return list(placements[skip : skip + stop - start])


def with_present_days(placements: Iterable[Placement], *, year: int, month: int) -> list[Placement]:
    """The given placements with `present_days` and `amount` (days x price) for the
    month set on each, their participant and shared snapshot, and `sharing_ok`
    (placements.disclosure): one grouped query over these placements' days only,
    one each for their people, snapshots and sharing consents.

    (The sharing consent as an EXISTS column of the paged query was planned as a
    hashed subplan over every consent of the association, to show 25 rows.)"""
    rows = list(placements)
    if not rows:
        return rows
    first, _last = month_bounds(year, month)
    prefetch_related_objects(rows, "participant", "shared")
    # The prefetch caches each snapshot's placement as well: a reference cycle, which
    # only Python's full garbage collection frees, so the download kept several
    # chunks of rows alive at once (+80 MB in a national worker). The rows keep
    # their snapshots; the snapshots forget their rows (nothing reads them).
    shared = Placement.shared.related
    for placement in rows:
        snapshot = shared.get_cached_value(placement, default=None)
        if snapshot is not None:
            shared.field.delete_cached_value(snapshot)
    counts = dict(
        PlacementMonth.objects.filter(placement_id__in=[p.pk for p in rows], month=first)
        .values_list("placement_id", "present_days")
        .order_by()
    )
    sharing = set(
        Consent.objects.filter(
            participant_id__in={p.participant_id for p in rows},
            purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE,
        )
        .valid_on(timezone.localdate())
        .values_list("participant_id", flat=True)
    )
    for placement in rows:
        days = counts.get(placement.pk, 0)
        placement.present_days = days  # type: ignore[attr-defined]
        placement.amount = (days * placement.offer.price_per_day).quantize(  # type: ignore[attr-defined]
            Decimal("0.01")
        )
        placement.sharing_ok = placement.participant_id in sharing  # type: ignore[attr-defined]
    return rows


EXPORT_CHUNK = 2000


def invoice_rows(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> Iterator[Placement]:
    """Every row of the invoice basis with its figures (`present_days`, `amount`,
    `name_visible`, `sharing_ok`), read in chunks: a server-side cursor over the
    placements and four small queries per chunk (with_present_days), so memory stays
    one chunk however large the month and no query groups the whole month."""
    placements = invoice_placements(enterprises=enterprises, year=year, month=month, user=user)
    chunk: list[Placement] = []
    for placement in placements.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(placement)
        if len(chunk) == EXPORT_CHUNK:
            yield from with_present_days(chunk, year=year, month=month)
            chunk = []
    yield from with_present_days(chunk, year=year, month=month)


def invoice_offer_totals(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> list[OfferTotal]:
    """Present days and number of rows per offer for the month, of the placements
    `user`'s invoice basis lists (invoice_placements), in the rows' order (enterprise
    name, offer title; then the offer). Two queries: the month grouped per offer,
    then those offers' titles, prices and enterprises, sorted. (Grouped after the
    join, the month's 64,000 rows carried the names into the sort: 135 ms
    nationally, against 10 and 5.)"""
    first, _last = month_bounds(year, month)
    rows: QuerySet[Any]  # PlacementMonth rows or placements, each with `days`
    admin = policy.is_admin(user)  # _own lists everything for admins only
    if admin:
        # Everyone's month: every offer's rows grouped from placement_month_offer_idx
        # alone (index only, 10 ms nationally); the chosen enterprises are applied
        # to the offers below (joined here, 30 ms).
        rows = PlacementMonth.objects.filter(month=first)
        days = "present_days"
    else:
        # A caseload or an enterprise's placements: from those placements, each
        # one's row read by key (placement_month_once); a semi-join against the
        # month's rows read all 64,000 of them nationally (10 times slower).
        rows = invoice_placements(
            enterprises=enterprises, year=year, month=month, user=user
        ).annotate(
            month_days=Subquery(
                PlacementMonth.objects.filter(placement_id=OuterRef("pk"), month=first).values(
                    "present_days"
                )
            )
        )
        days = "month_days"
    per_offer = {
        offer_id: (month_days or 0, placements)
        for offer_id, month_days, placements in rows.order_by()
        .values("offer_id")
        .annotate(total_days=Sum(days), placements=Count("*"))
        .values_list("offer_id", "total_days", "placements")
    }
    if not per_offer:
        return []
    # An admin's offers by their enterprises (a list of 3,000 keys costs more to
    # send than the offers without rows cost to skip), anyone else's by key.
    offers = TrainingOffer.objects.filter(
        **({"enterprise__in": enterprises} if admin else {"pk__in": per_offer})
    )
    return [
        OfferTotal(
            offer_id=pk,
            title=title,
            price=price or Decimal("0"),
            enterprise_id=enterprise_id,
            enterprise_name=name,
            org_number=org_number,
            days=per_offer[pk][0],
            placements=per_offer[pk][1],
        )
        for pk, title, price, enterprise_id, name, org_number in offers.order_by(
            "enterprise__name", "title", "pk"
        ).values_list(
            "pk",
            "title",
            "price_per_day",
            "enterprise_id",
            "enterprise__name",
            "enterprise__org_number",
        )
        if pk in per_offer
    ]


def enterprise_totals(offers: Iterable[OfferTotal]) -> list[EnterpriseTotal]:
    """The offers' totals summed per enterprise (an offer has one price), in the
    order of the enterprises' names as the database sorted them (the offers come
    sorted by name), enterprises of one name by id."""
    first: dict[int, OfferTotal] = {}  # each enterprise's first offer, in order
    sums: dict[int, list[Any]] = {}  # days, amount, rows
    for offer in offers:
        first.setdefault(offer.enterprise_id, offer)
        figures = sums.setdefault(offer.enterprise_id, [0, Decimal("0"), 0])
        figures[0] += offer.days
        figures[1] += offer.days * offer.price
        figures[2] += offer.placements
    totals = [
        EnterpriseTotal(
            enterprise_id=key,
            name=offer.enterprise_name,
            org_number=offer.org_number,
            days=sums[key][0],
            amount=sums[key][1].quantize(Decimal("0.01")),
            placements=sums[key][2],
        )
        for key, offer in first.items()
    ]
    ordered: list[EnterpriseTotal] = []
    for _name, same_name in groupby(totals, key=lambda total: total.name):
        ordered.extend(sorted(same_name, key=lambda total: total.enterprise_id))
    return ordered


def invoice_totals(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> list[EnterpriseTotal]:
    """Present days, amount and number of rows per enterprise for the month, of the
    placements `user`'s invoice basis lists (invoice_offer_totals summed)."""
    return enterprise_totals(
        invoice_offer_totals(enterprises=enterprises, year=year, month=month, user=user)
    )


def row_participant(placement: Placement) -> Disclosed:
    """The participant as this viewer may see them on the invoice basis: the live
    name for their coordinators and admins, else what the enterprise may see."""
    if getattr(placement, "name_visible", False):
        label = participant_label(placement.participant)
        return Disclosed(label=label, identified=not placement.participant.is_anonymous)
    return enterprise_disclosure(placement)


def export_table(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows for the CSV/XLSX download: placements, then a sum per enterprise.

    The rows are a generator reading the placements in chunks (`iterator()`), so a
    streaming writer holds one chunk at a time, not the whole month."""
    header = [
        _("Företag"),
        _("Organisationsnummer"),
        _("Arbetsträningsplats"),
        _("Deltagare"),
        _("Typ"),
        _("Närvarodagar"),
        _("Pris per närvarodag (kr)"),
        _("Belopp (kr)"),
    ]
    return header, _export_rows(enterprises=enterprises, year=year, month=month, user=user)


def _export_rows(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> Iterator[list[Any]]:
    for placement in invoice_rows(enterprises=enterprises, year=year, month=month, user=user):
        yield (
            [
                placement.offer.enterprise.name,
                placement.offer.enterprise.org_number_display,
                placement.offer.title,
                row_participant(placement).label,
                placement.get_placement_type_display(),
                placement.present_days,  # type: ignore[attr-defined]
                placement.offer.price_per_day,
                placement.amount,  # type: ignore[attr-defined]
            ]
        )
    totals = invoice_totals(enterprises=enterprises, year=year, month=month, user=user)
    for total in totals:
        yield (
            [
                total.name,
                format_org_number(total.org_number),
                _("Summa"),
                "",
                "",
                total.days,
                "",
                total.amount,
            ]
        )
    yield (
        [
            _("Totalt"),
            "",
            "",
            "",
            "",
            sum(t.days for t in totals),
            "",
            sum((t.amount for t in totals), Decimal("0.00")),
        ]
    )


def exported_subjects(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> list[int]:
    """The people an export of the invoice basis names, for its one audit row; read
    in chunks like the export itself (what decides whether a row names its person
    is the same disclosure the rows use)."""
    return [
        placement.participant_id
        for placement in invoice_rows(enterprises=enterprises, year=year, month=month, user=user)
        if row_participant(placement).identified
    ]
