"""Invoice basis (fakturaunderlag): present days x the offer's price per present day.

Figures are grouped aggregates in the database: one query for the rows (one per
placement with present days in the month), one for the totals per enterprise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.validators import format_org_number
from participants.models import Participant
from placements.disclosure import Disclosed, enterprise_disclosure, participant_label
from placements.models import AttendanceDay, Placement
from placements.selectors.enterprise import with_disclosure
from placements.services.attendance import month_bounds
from samordning import policy
from samordning.models import User

AMOUNT = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class EnterpriseTotal:
    enterprise_id: int
    name: str
    org_number: str
    days: int
    amount: Decimal


def invoice_rows(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User
) -> QuerySet[Placement]:
    """One row per placement with present days in the month, annotated with
    `present_days`, `amount` and `name_visible`.

    Rows: an admin sees every placement; anyone else the placements of their own
    caseload (coordinators) and at the enterprises they manage (managers).
    The live name is for the participant's coordinators and admins
    (`name_visible`); a manager sees what placements.disclosure allows.
    """
    first, last = month_bounds(year, month)
    placements = Placement.objects.filter(offer__enterprise__in=enterprises)
    if policy.is_admin(user):
        name_visible: Any = Value(True)
    else:
        responsible = Participant.coordinators.through.objects.filter(
            participant_id=OuterRef("participant_id"), user_id=user.pk
        )
        own = Q(pk__in=[])
        if policy.is_coordinator(user):
            own |= Q(Exists(responsible))
        if policy.is_manager(user):
            own |= Q(offer__enterprise__in=Enterprise.objects.filter(managers=user))
        placements = placements.filter(own)
        name_visible = Case(
            When(Exists(responsible), then=True),
            default=False,
            output_field=BooleanField(),
        )
    # The month is a condition of the join (the filter comes before the Count, so the
    # Count uses the same join): only the month's present days are read, through
    # attendance_date_idx, never each placement's whole history.
    return with_disclosure(
        placements.filter(attendance_days__date__range=(first, last))
        .annotate(present_days=Count("attendance_days"))
        .annotate(
            amount=ExpressionWrapper(F("present_days") * F("offer__price_per_day"), AMOUNT),
            name_visible=name_visible,
        )
        .select_related("participant", "offer", "offer__enterprise")
        .order_by("offer__enterprise__name", "offer__title", "start_date", "pk"),
        timezone.localdate(),
    )


def invoice_totals(
    *, enterprises: QuerySet[Enterprise], year: int, month: int, user: User | None = None
) -> list[EnterpriseTotal]:
    """Present days and amount per enterprise for the month; with `user`, of the
    placements that user's invoice basis lists (invoice_rows)."""
    first, last = month_bounds(year, month)
    days = AttendanceDay.objects.filter(
        placement__offer__enterprise__in=enterprises, date__range=(first, last)
    )
    if user is not None and not policy.is_admin(user):
        listed = invoice_rows(enterprises=enterprises, year=year, month=month, user=user)
        days = days.filter(placement__in=listed.values("pk"))
    grouped = (
        days.values(
            "placement__offer__enterprise_id",
            "placement__offer__enterprise__name",
            "placement__offer__enterprise__org_number",
        )
        .annotate(days=Count("id"), amount=Sum("placement__offer__price_per_day"))
        .order_by("placement__offer__enterprise__name", "placement__offer__enterprise_id")
    )
    return [
        EnterpriseTotal(
            enterprise_id=row["placement__offer__enterprise_id"],
            name=row["placement__offer__enterprise__name"],
            org_number=row["placement__offer__enterprise__org_number"],
            days=row["days"],
            amount=Decimal(row["amount"] or 0).quantize(Decimal("0.01")),
        )
        for row in grouped
    ]


def row_participant(placement: Placement) -> Disclosed:
    """The participant as this viewer may see them on the invoice basis: the live
    name for their coordinators and admins, else what the enterprise may see."""
    if getattr(placement, "name_visible", False):
        label = participant_label(placement.participant)
        return Disclosed(label=label, identified=not placement.participant.is_anonymous)
    return enterprise_disclosure(placement)


EXPORT_CHUNK = 2000


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
    placements = invoice_rows(enterprises=enterprises, year=year, month=month, user=user)
    for placement in placements.iterator(chunk_size=EXPORT_CHUNK):
        yield (
            [
                placement.offer.enterprise.name,
                placement.offer.enterprise.org_number_display,
                placement.offer.title,
                row_participant(placement).label,
                placement.get_placement_type_display(),
                placement.present_days,  # type: ignore[attr-defined]
                placement.offer.price_per_day,
                Decimal(placement.amount).quantize(Decimal("0.01")),  # type: ignore[attr-defined]
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
    rows = invoice_rows(enterprises=enterprises, year=year, month=month, user=user)
    return [
        placement.participant_id
        for placement in rows.iterator(chunk_size=EXPORT_CHUNK)
        if row_participant(placement).identified
    ]
