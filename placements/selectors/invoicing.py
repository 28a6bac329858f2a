"""Invoice basis (fakturaunderlag): present days x the offer's price per present day.

The rows (one per placement with present days in the month) are paginated in the
database before anything is summed; their present days are then read for the shown
placements only (a page, or a chunk of the download). The totals are one query
grouped per offer, which also counts the rows. Every figure comes from
PlacementMonth (present days per placement and month, kept by database triggers on
AttendanceDay), not from the month's present days themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
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

from enterprises.models import Enterprise
from enterprises.validators import format_org_number
from participants.choices import ConsentPurpose
from participants.models import Consent, Participant
from placements.disclosure import Disclosed, enterprise_disclosure, participant_label
from placements.models import Placement, PlacementMonth
from placements.services.attendance import month_bounds
from samordning import policy
from samordning.models import User


@dataclass(frozen=True)
class EnterpriseTotal:
    enterprise_id: int
    name: str
    org_number: str
    days: int
    amount: Decimal
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
        own |= Q(Exists(responsible))
    if policy.is_manager(user):
        own |= Q(offer__enterprise__in=Enterprise.objects.filter(managers=user))
    name_visible = Case(
        When(Exists(responsible), then=True), default=False, output_field=BooleanField()
    )
    return own, name_visible


def invoice_placements(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> QuerySet[Placement]:
    """The placements the invoice basis lists, in its order, without their figures:
    one per placement with present days in the month, annotated with `name_visible`.
    Not grouped, so the database pages it before anything is summed;
    `with_present_days` adds the figures (and what placements.disclosure needs) for
    the rows actually shown: a page, or a chunk of the download.

    Rows: an admin sees every placement; anyone else the placements of their own
    caseload (coordinators) and at the enterprises they manage (managers).
    """
    first, _last = month_bounds(year, month)
    placements = Placement.objects.filter(offer__enterprise__in=enterprises)
    own, name_visible = _own(user)
    if own is None:
        # Everyone's month: a join from the month's rows of placement_month_idx (one
        # per placement: placement_month_once), which the planner estimates right and
        # hash-joins to the offers and enterprises for the sort; `pk IN (subquery)`
        # was estimated at 10 rows and looked up each row's offer and enterprise.
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
        .order_by("offer__enterprise__name", "offer__title", "start_date", "pk")
    )


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


def invoice_totals(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> list[EnterpriseTotal]:
    """Present days, amount and number of rows per enterprise for the month, of the
    placements `user`'s invoice basis lists (invoice_placements): the month's
    PlacementMonth rows (one per listed placement) grouped per offer in the
    database, then summed per enterprise here (an offer has one price)."""
    first, _last = month_bounds(year, month)
    rows: QuerySet[Any]  # PlacementMonth rows or placements, each with `days`
    if _own(user)[0] is None:
        # Everyone's month: the month's rows at the chosen enterprises, grouped.
        rows = PlacementMonth.objects.filter(
            month=first, placement__offer__enterprise__in=enterprises
        ).annotate(days=F("present_days"))
        prefix = "placement__"
    else:
        # A caseload or an enterprise's placements: from those placements, each
        # one's row read by key (placement_month_once); a semi-join against the
        # month's rows read all 64,000 of them nationally (10 times slower).
        rows = invoice_placements(
            enterprises=enterprises, year=year, month=month, user=user
        ).annotate(
            days=Subquery(
                PlacementMonth.objects.filter(placement_id=OuterRef("pk"), month=first).values(
                    "present_days"
                )
            )
        )
        prefix = ""
    per_offer = (
        rows.order_by()
        .values(
            offer_key=F(f"{prefix}offer_id"),
            price=F(f"{prefix}offer__price_per_day"),
            enterprise_key=F(f"{prefix}offer__enterprise_id"),
            enterprise_name=F(f"{prefix}offer__enterprise__name"),
            org_number=F(f"{prefix}offer__enterprise__org_number"),
        )
        .annotate(month_days=Sum("days"), placements=Count("pk"))
        .order_by("enterprise_name", "enterprise_key")
    )
    totals: dict[int, EnterpriseTotal] = {}
    for row in per_offer:
        key = row["enterprise_key"]
        before = totals.get(key)
        days_here = row["month_days"] or 0
        amount_here = days_here * (row["price"] or Decimal("0"))
        totals[key] = EnterpriseTotal(
            enterprise_id=key,
            name=row["enterprise_name"],
            org_number=row["org_number"],
            days=days_here + (before.days if before else 0),
            amount=(amount_here + (before.amount if before else 0)).quantize(Decimal("0.01")),
            placements=row["placements"] + (before.placements if before else 0),
        )
    return list(totals.values())  # in the database's order of the names


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
