"""Aggregate selectors for the funder pages.

Every figure is a grouped aggregate computed in the database (`values()`
+ `annotate()`, conditional `Count(filter=...)`, `Sum`, `Avg`); no function
here loads rows to count them in Python. The one exception is the median
placement length: the database sorts the lengths and we fetch only the one or
two middle values with OFFSET (SQLite has no percentile function).

Counts of people come back as `Tally` (count and cell key, the key summed in
the database next to the count, see `tally`); perturbation happens in
`catalogue` through `perturbation.publish`. Participants registered in error
(an enrolment ended with "felregistrering") are left out of every figure through
`Participant.objects.counted()`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear, Mod
from django.utils import timezone

from enterprises.models import (
    AnnualFigure,
    CapacityChange,
    Milestone,
    SupportActivity,
    TrainingOffer,
)
from participants.choices import (
    ESF_UNEMPLOYED_INCL_LONG_TERM,
    SUPPORT_SOURCE_GROUPS,
    WORK_OR_STUDIES,
    EndReason,
    EsfAnswer,
    EsfEducation,
    EsfEmploymentSituation,
    ParkingReason,
    SupportSourceGroup,
)
from participants.models import (
    RECORD_KEY_RANGE,
    Enrolment,
    Insats,
    Parking,
    Participant,
    ParticipantSupportSource,
    SupportSourcePhase,
)
from placements.models import (
    ENDED_STATUSES,
    AttendanceDay,
    Placement,
    PlacementMonth,
    PlacementQuerySet,
    PlacementStatus,
)
from reports import perturbation
from reports.perturbation import ZERO, Tally
from samordning.models import Municipality

NO_SUPPORT_SOURCE = "none_recorded"
MONTHLY_POINTS_MAX_DAYS = 731  # longer periods get one point a year
# Target-group employees (the enterprises' own figures, no record keys) below this are hidden.
SMALL_NUMBER_LIMIT = 5


@dataclass(frozen=True)
class Period:
    """An inclusive date range with its label, e.g. "2024" or "kvartal 2 2024"."""

    start: datetime.date
    end: datetime.date
    label: str

    def points(self, today: datetime.date | None = None) -> list[datetime.date]:
        """Dates for the over-time series: month ends (years for spans over two years).

        Points after today are left out (the future has no history yet); a
        period entirely in the future gets its first day as its only point.
        """
        today = today or timezone.localdate()
        last = min(self.end, today)
        if last < self.start:
            return [self.start]
        points: list[datetime.date] = []
        if (self.end - self.start).days <= MONTHLY_POINTS_MAX_DAYS:
            year, month = self.start.year, self.start.month
            while True:
                month_end = _month_end(year, month)
                if month_end > last:
                    break
                points.append(month_end)
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            points = [
                datetime.date(y, 12, 31)
                for y in range(self.start.year, last.year + 1)
                if datetime.date(y, 12, 31) <= last
            ]
        if not points or points[-1] != last:
            points.append(last)
        return points


def _month_end(year: int, month: int) -> datetime.date:
    first_next = datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
    return first_next - datetime.timedelta(days=1)


# --- cell keys --------------------------------------------------------------------


def tally(name: str, condition: Q | None = None, key: str = "record_key") -> dict[str, Any]:
    """Aggregates `<name>_n` (the count) and `<name>_k` (its cell key) for `condition`.

    The cell key is SUM(record key) modulo the key range, computed by the
    database beside the COUNT; `key` is the path to the participant's record key
    from the counted rows (e.g. "participant__record_key" for enrolments).
    """
    return {
        f"{name}_n": Count("pk", filter=condition),
        f"{name}_k": Mod(Coalesce(Sum(key, filter=condition), 0), RECORD_KEY_RANGE),
    }


def read_tally(row: Any, name: str) -> Tally:
    return Tally(int(row[f"{name}_n"] or 0), int(row[f"{name}_k"] or 0))


# --- participants ---------------------------------------------------------------


def counted_participants(municipality: Municipality | None = None) -> QuerySet[Participant]:
    """Participants who count in statistics, in one home municipality if given."""
    qs = Participant.objects.counted()
    if municipality is not None:
        qs = qs.filter(home_municipality=municipality)
    return qs


def participants_in_period(
    period: Period,
    *,
    municipality: Municipality | None = None,
    insats: Insats | None = None,
) -> QuerySet[Participant]:
    """Participants with an enrolment overlapping the period ("active").

    Annotated `is_new` (an enrolment started in the period) and `is_ended` (an
    enrolment ended in the period); both are subsets of the active.
    """
    enrolments = Enrolment.objects.counted().filter(participant=OuterRef("pk"))
    if insats is not None:
        enrolments = enrolments.filter(insats=insats)
    overlapping = enrolments.filter(start_date__lte=period.end).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period.start)
    )
    return (
        counted_participants(municipality)
        .annotate(
            is_active=Exists(overlapping),
            is_new=Exists(enrolments.filter(start_date__range=(period.start, period.end))),
            is_ended=Exists(enrolments.filter(end_date__range=(period.start, period.end))),
        )
        .filter(is_active=True)
    )


def _age_at_start() -> Any:
    """Age reached during the start year: start year minus birth year.

    SCB's convention (age at the end of the year). It needs only the birth year,
    which every participant keeps, anonymous and anonymised ones included, so a
    person's band never changes when the identifying data is removed.
    """
    return ExpressionWrapper(F("start_year") - F("birth_year"), output_field=IntegerField())


AGE_BANDS: dict[str, list[tuple[int | None, str]]] = {
    # (upper bound exclusive, code); None is "and older".
    "age_band": [(25, "under_25"), (30, "25_29"), (55, "30_54"), (None, "55_plus")],
    "age_band_esf": [(18, "under_18"), (30, "18_29"), (55, "30_54"), (None, "55_plus")],
}


def _with_age_band(qs: QuerySet[Participant], dimension: str) -> QuerySet[Participant]:
    bands = AGE_BANDS[dimension]
    whens = [When(age__lt=upper, then=Value(code)) for upper, code in bands if upper is not None]
    return (
        qs.annotate(start_year=ExtractYear("start_date"))
        .annotate(
            age=_age_at_start(),
        )
        .annotate(**{dimension: Case(*whens, default=Value(bands[-1][1]))})
    )


DIMENSIONS = {
    "sex": "sex",
    "municipality": "home_municipality__name",
    "referring_authority": "referring_authority",
    "education": "education",
    "age_band": "age_band",
    "age_band_esf": "age_band_esf",
}

StatusCounts = tuple[Tally, Tally, Tally]  # (new, active, ended)
NO_STATUS: StatusCounts = (ZERO, ZERO, ZERO)


def participant_breakdown(
    period: Period,
    dimension: str,
    *,
    municipality: Municipality | None = None,
    insats: Insats | None = None,
) -> dict[str | None, StatusCounts]:
    """New, active and ended participants in the period per category of `dimension`.

    One grouped query. The categories are exclusive, so they add up to the total.
    """
    qs = participants_in_period(period, municipality=municipality, insats=insats)
    if dimension in AGE_BANDS:
        qs = _with_age_band(qs, dimension)
    field = DIMENSIONS[dimension]
    rows = (
        qs.values(field)
        .annotate(
            **tally("new", Q(is_new=True)), **tally("active"), **tally("ended", Q(is_ended=True))
        )
        .order_by()
    )
    return {
        row[field]: (read_tally(row, "new"), read_tally(row, "active"), read_tally(row, "ended"))
        for row in rows
    }


def _has_support_group(phase: str, group: str) -> Any:
    """Exists(a support source of `group` in `phase`); for "none recorded", its negation."""
    sources = ParticipantSupportSource.objects.filter(participant=OuterRef("pk"), phase=phase)
    if group == NO_SUPPORT_SOURCE:
        return ~Exists(sources)
    return Exists(sources.filter(source__in=SUPPORT_SOURCE_GROUPS[group]))


SUPPORT_GROUPS = [*SupportSourceGroup.values, NO_SUPPORT_SOURCE]


def _once_per_row(qs: QuerySet[Participant]) -> QuerySet[Participant]:
    """The same rows, DISTINCT (the primary key is among the columns, so nothing is
    merged): an aggregate over it then reads its EXISTS columns from a subquery that
    PostgreSQL cannot flatten. Flattened, every FILTER that names a column re-ran the
    column's EXISTS: 40 index probes per person instead of 12 (6 s at 200,000)."""
    return qs.distinct()


def support_groups_at_start(
    period: Period,
    *,
    municipality: Municipality | None = None,
    insats: Insats | None = None,
) -> tuple[dict[str, StatusCounts], StatusCounts]:
    """New/active/ended per support source group at start, and the totals.

    A person may have several sources in different groups, so the groups can add
    up to more than the total. One aggregate query.
    """
    qs = participants_in_period(period, municipality=municipality, insats=insats).annotate(
        **{f"has_{g}": _has_support_group(SupportSourcePhase.START, g) for g in SUPPORT_GROUPS}
    )
    aggregates: dict[str, Any] = {
        **tally("total_new", Q(is_new=True)),
        **tally("total_active"),
        **tally("total_ended", Q(is_ended=True)),
    }
    for group in SUPPORT_GROUPS:
        has = Q(**{f"has_{group}": True})
        aggregates.update(tally(f"{group}_new", has & Q(is_new=True)))
        aggregates.update(tally(f"{group}_active", has))
        aggregates.update(tally(f"{group}_ended", has & Q(is_ended=True)))
    result = _once_per_row(qs).aggregate(**aggregates)

    def status(prefix: str) -> StatusCounts:
        return tuple(  # type: ignore[return-value]
            read_tally(result, f"{prefix}_{s}") for s in ("new", "active", "ended")
        )

    return {g: status(g) for g in SUPPORT_GROUPS}, status("total")


def support_groups_before_after(
    period: Period,
    *,
    municipality: Municipality | None = None,
    insats: Insats | None = None,
) -> tuple[dict[str, tuple[Tally, Tally]], Tally]:
    """Among those who ended in the period: (at start, at end) per group, and how many ended."""
    phases = (SupportSourcePhase.START, SupportSourcePhase.END)
    qs = (
        participants_in_period(period, municipality=municipality, insats=insats)
        .filter(Q(is_ended=True))
        .annotate(
            **{
                f"has_{g}_{phase}": _has_support_group(phase, g)
                for g in SUPPORT_GROUPS
                for phase in phases
            }
        )
    )
    aggregates: dict[str, Any] = tally("total")
    for group in SUPPORT_GROUPS:
        for phase in phases:
            aggregates.update(tally(f"{group}_{phase}", Q(**{f"has_{group}_{phase}": True})))
    result = _once_per_row(qs).aggregate(**aggregates)
    by_group = {
        g: (read_tally(result, f"{g}_start"), read_tally(result, f"{g}_end"))
        for g in SUPPORT_GROUPS
    }
    return by_group, read_tally(result, "total")


def outcome_counts(
    period: Period,
    *,
    municipality: Municipality | None = None,
    insats: Insats | None = None,
) -> dict[str, Tally]:
    """Enrolments ended in the period, per outcome code ("" when none was recorded).

    Each enrolment counts with its participant's record key.
    """
    qs = Enrolment.objects.counted().filter(
        participant__in=counted_participants(municipality),
        end_date__range=(period.start, period.end),
    )
    if insats is not None:
        qs = qs.filter(insats=insats)
    rows = qs.values("outcome").annotate(**tally("e", key="participant__record_key")).order_by()
    return {row["outcome"]: read_tally(row, "e") for row in rows}


def parking_reasons(
    period: Period,
    *,
    municipality: Municipality | None = None,
    insats: Insats | None = None,
) -> tuple[dict[str, Tally], Tally]:
    """People (active in the period) parked some day of it, per parking reason, and
    everyone parked. A person parked for two reasons counts under both, once in the
    total. One aggregate query: COUNT and the SUM of record keys per cell."""
    parked = Parking.objects.filter(
        participant=OuterRef("pk"), since__lte=period.end, until__gte=period.start
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))
    qs = participants_in_period(period, municipality=municipality, insats=insats).annotate(
        parked=Exists(parked),
        **{f"parked_{reason}": Exists(parked.filter(reason=reason)) for reason in ParkingReason},
    )
    aggregates: dict[str, Any] = tally("total", Q(parked=True))
    for reason in ParkingReason:
        aggregates.update(tally(f"r_{reason}", Q(**{f"parked_{reason}": True})))
    result = qs.aggregate(**aggregates)
    by_reason = {reason.value: read_tally(result, f"r_{reason}") for reason in ParkingReason}
    return by_reason, read_tally(result, "total")


# --- placements -------------------------------------------------------------------


def counted_placements() -> PlacementQuerySet:
    """Placements of counted participants, registration errors left out."""
    placements = Placement.objects.filter(participant__in=Participant.objects.counted()).exclude(
        end_reason=EndReason.REGISTRATION_ERROR
    )
    return cast(PlacementQuerySet, placements)


@dataclass(frozen=True)
class LengthFigures:
    count: Tally
    average_days: float | None
    median_days: float | None


# Each placement's published length: its length times a percentage fixed by the
# placement and its person's secret record key, 60-80 or 120-140 (docs/statistics.md).
LENGTH_KEY_STEP = 167  # spreads one person's placements over the keys
LENGTH_PERCENT_BANDS = (60, 120)  # the two bands' lowest percentages, each 20 wide
LENGTH_PERCENT_WIDTH = 20


def published_length() -> F | Expression:
    """A placement's length as funders' averages and medians read it (`length` annotated).

    Differencing two periods a day apart gives back one placement's length; averaging
    many such pairs removes any noise drawn per table cell. A noise fixed per placement
    does not average away: every way of isolating the placement gives its published
    length, which is 20-40 % off its true length, up or down, by an amount nobody
    outside the database can know (it comes from the person's record key). The
    average of a group's published lengths is near the true average (the percentages
    average 100). Exact when the perturbation is off.
    """
    if not perturbation.enabled():
        return F("length")
    key = Cast(
        Mod(F("participant__record_key") + F("pk") * LENGTH_KEY_STEP, RECORD_KEY_RANGE),
        IntegerField(),
    )
    half = RECORD_KEY_RANGE // 2
    low, high = LENGTH_PERCENT_BANDS
    # key // half picks the band (0 or 1); key % half spreads over its width.
    spread = Cast(Mod(key, half), IntegerField())
    percent = Value(low) + key / half * (high - low) + spread * (LENGTH_PERCENT_WIDTH + 1) / half
    return ExpressionWrapper(F("length") * percent / 100, output_field=DurationField())


def placement_lengths(
    period: Period, *, municipality: Municipality | None = None
) -> dict[str, LengthFigures]:
    """Published length in calendar days (end date minus start date, `published_length`)
    of placements ended in the period.

    Keys: "completed", "interrupted", "all". One aggregate query for the counts
    and averages; the median per group is read with OFFSET from the sorted
    lengths (one or two values fetched, at most one query per group).
    """
    qs = (
        counted_placements()
        .filter(
            status__in=ENDED_STATUSES,
            start_date__isnull=False,
            end_date__range=(period.start, period.end),
        )
        .annotate(
            length=ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())
        )
        .annotate(published=published_length())
    )
    if municipality is not None:
        qs = qs.filter(participant__home_municipality=municipality)
    groups = {
        "completed": Q(status=PlacementStatus.COMPLETED),
        "interrupted": Q(status=PlacementStatus.INTERRUPTED),
        "all": Q(),
    }
    aggregates: dict[str, Any] = {}
    for key, condition in groups.items():
        aggregates.update(tally(key, condition, key="participant__record_key"))
        aggregates[f"{key}_avg"] = Avg("published", filter=condition)
    result = qs.aggregate(**aggregates)
    figures = {}
    for key, condition in groups.items():
        count = result[f"{key}_n"]
        average = result[f"{key}_avg"]
        figures[key] = LengthFigures(
            count=read_tally(result, key),
            average_days=_days(average) if average is not None else None,
            median_days=_median_days(qs.filter(condition), count),
        )
    return figures


def _days(value: datetime.timedelta | int | float) -> float:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    # Some backends hand back microseconds for a duration average.
    return float(value) / 86_400_000_000


def _median_days(qs: QuerySet[Placement], count: int) -> float | None:
    if count == 0:
        return None
    middle = (count - 1) // 2
    values = list(
        qs.order_by(F("published").asc()).values_list(F("published"), flat=True)[
            middle : middle + 2 - count % 2
        ]
    )
    return sum(_days(v) for v in values) / len(values)


def capacity_and_held(
    points: Iterable[datetime.date], *, municipality: Municipality | None = None
) -> list[tuple[datetime.date, int, Tally]]:
    """(date, places, places held) for each date. Two queries whatever the number of dates.

    Places held are placements of people: a `Tally`.

    An offer's places on a date are the new capacity of its latest capacity
    change on or before that date (an offer with no change by then had none).
    Places held come from `PlacementQuerySet.holding_between(date, date)`.
    """
    points = list(points)
    offers = TrainingOffer.objects.all()
    placements = counted_placements()
    if municipality is not None:
        offers = offers.filter(municipality=municipality)
        placements = placements.filter(offer__municipality=municipality)
    capacity_aggregates = {}
    held_aggregates: dict[str, Any] = {}
    # Each placement's held days [hold_from, hold_to] (PlacementQuerySet.with_hold_range);
    # the rows are those holding a place somewhere in the whole series (one
    # index-served scan), and each point counts its own with a FILTER on the row's
    # own columns (no subquery per point).
    for i, day in enumerate(points):
        next_midnight = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        )
        latest = (
            CapacityChange.objects.filter(offer=OuterRef("pk"), changed_at__lt=next_midnight)
            .order_by("-changed_at", "-id")
            .values("new_capacity")[:1]
        )
        capacity_aggregates[f"c{i}"] = Coalesce(Sum(Subquery(latest)), 0)
        held_aggregates.update(
            tally(f"h{i}", Q(hold_from__lte=day, hold_to__gte=day), key="participant__record_key")
        )
    capacity = offers.aggregate(**capacity_aggregates) if points else {}
    held = (
        placements.holding_between(points[0], points[-1])
        .with_hold_range()
        .aggregate(**held_aggregates)
        if points
        else {}
    )
    return [(day, capacity[f"c{i}"], read_tally(held, f"h{i}")) for i, day in enumerate(points)]


def _whole_months(period: Period) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of the whole calendar months inside the period, if any."""
    first = period.start
    if first.day != 1:
        first = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    after = period.end + datetime.timedelta(days=1)
    last = period.end if after.day == 1 else period.end.replace(day=1) - datetime.timedelta(days=1)
    return (first, last) if first <= last else None


def attendance_per_enterprise_year(
    period: Period, *, municipality: Municipality | None = None
) -> list[dict[str, Any]]:
    """Present days per enterprise, year and price per present day, as a `Tally`.

    A present day is a day on which a person was present: over one day the present
    days of an enterprise are the number of people there. So they are counted like
    people, each day with its person's record key (`days`, perturbed in `catalogue`),
    and the amount is worked out there from the published days of each price. The
    whole months of the period are read from PlacementMonth (present days per
    placement and month, kept by database triggers), one row per placement and
    month instead of one per day, each month's key its days times the person's
    key; days of a period's partial first or last month (a custom range) are
    counted from the days themselves. Both grouped in the database, merged here.
    Rows: enterprise, year, price (None when the offer has none), days.
    """
    # The same rows as `placement__in=counted_placements()`, as anti-joins on the few
    # registration errors (partial index) instead of a semi-join over every placement.
    in_error = Enrolment.objects.filter(
        participant=OuterRef("placement__participant_id"),
        end_reason=EndReason.REGISTRATION_ERROR,
    )

    def counted(qs: QuerySet[Any]) -> QuerySet[Any]:
        qs = qs.exclude(placement__end_reason=EndReason.REGISTRATION_ERROR).exclude(
            Exists(in_error)
        )
        if municipality is not None:
            qs = qs.filter(placement__offer__enterprise__municipality=municipality)
        return qs

    merged: dict[tuple[str, int, Any], dict[str, Any]] = {}
    queries_run = 0

    def add(rows: QuerySet[Any]) -> None:
        nonlocal queries_run
        queries_run += 1
        for row in rows.order_by("enterprise", "year", "price"):
            key = (row["enterprise"], row["year"], row["price"])
            days = read_tally(row, "days")
            before = merged.get(key)
            if before is None:
                merged[key] = {
                    "enterprise": row["enterprise"],
                    "year": row["year"],
                    "price": row["price"],
                    "days": days,
                }
            else:
                before["days"] = before["days"] + days

    group = {
        "enterprise": F("placement__offer__enterprise__name"),
        "price": F("placement__offer__price_per_day"),
    }
    person_key = "placement__participant__record_key"
    months = _whole_months(period)
    day_ranges = [(period.start, period.end)]
    if months is not None:
        add(
            counted(PlacementMonth.objects.filter(month__range=months))
            .values(**group, year=ExtractYear("month"))
            .annotate(
                days_n=Sum("present_days"),
                days_k=Mod(Coalesce(Sum(F("present_days") * F(person_key)), 0), RECORD_KEY_RANGE),
            )
        )
        day_ranges = [
            (period.start, months[0] - datetime.timedelta(days=1)),
            (months[1] + datetime.timedelta(days=1), period.end),
        ]
    for start, end in day_ranges:
        if start > end:
            continue
        add(
            counted(AttendanceDay.objects.filter(date__range=(start, end)))
            .values(**group, year=ExtractYear("date"))
            .annotate(**tally("days", key=person_key))
        )
    if queries_run == 1:
        return list(merged.values())  # the database's order (its collation)
    return [
        merged[key] for key in sorted(merged, key=lambda k: (k[0], k[1], k[2] is None, k[2] or 0))
    ]


# --- enterprises ------------------------------------------------------------------


def enterprises_per_year(
    *, up_to_year: int, municipality: Municipality | None = None
) -> list[dict[str, Any]]:
    """Per year with annual figures: number of enterprises and their total turnover (kr),
    employees and employees from the target group.

    Grouped by year and municipality in the database and added up here (an enterprise
    lies in one municipality), so that each year also says whether some municipality's
    target-group employees are 1-4 (`target_group_small_part`): such a municipality's
    figure is hidden, and the whole area's must then be hidden too, or it would give
    the hidden one back minus the others (`catalogue.Report.enterprise_growth`).
    """
    qs = AnnualFigure.objects.filter(year__lte=up_to_year)
    if municipality is not None:
        qs = qs.filter(enterprise__municipality=municipality)
    rows = (
        qs.values("year", "enterprise__municipality")
        .annotate(
            enterprises=Count("enterprise", distinct=True),
            turnover=Sum("turnover_sek"),
            employees=Sum("employees"),
            employees_target_group=Sum("employees_target_group"),
        )
        .order_by("year", "enterprise__municipality")
    )
    years: dict[int, dict[str, Any]] = {}
    for row in rows:
        target_group = row["employees_target_group"] or 0
        year = years.setdefault(
            row["year"],
            {
                "year": row["year"],
                "enterprises": 0,
                "turnover": None,
                "employees": None,
                "employees_target_group": None,
                "target_group_small_part": False,
            },
        )
        year["enterprises"] += row["enterprises"]
        for name in ("turnover", "employees", "employees_target_group"):
            if row[name] is not None:
                year[name] = (year[name] or 0) + row[name]
        year["target_group_small_part"] |= 0 < target_group < SMALL_NUMBER_LIMIT
    return list(years.values())


def places_at_year_ends(
    years: Iterable[int], *, municipality: Municipality | None = None
) -> dict[int, int]:
    """Work-training places on 31 December of each year, from the capacity history.

    One query: per year the sum over offers of their latest capacity change by then.
    """
    years = list(years)
    if not years:
        return {}
    offers = TrainingOffer.objects.all()
    if municipality is not None:
        offers = offers.filter(municipality=municipality)
    aggregates = {}
    for year in years:
        first_of_next = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
        latest = (
            CapacityChange.objects.filter(offer=OuterRef("pk"), changed_at__lt=first_of_next)
            .order_by("-changed_at", "-id")
            .values("new_capacity")[:1]
        )
        aggregates[f"y{year}"] = Coalesce(Sum(Subquery(latest)), 0)
    result = offers.aggregate(**aggregates)
    return {year: int(result[f"y{year}"] or 0) for year in years}


def support_per_year(
    *, up_to_year: int, municipality: Municipality | None = None
) -> list[dict[str, Any]]:
    """Per year and kind: the association's support activities and their hours.

    About organisations, not people: exact. One grouped query.
    """
    qs = SupportActivity.objects.filter(date__year__lte=up_to_year)
    if municipality is not None:
        qs = qs.filter(enterprise__municipality=municipality)
    rows = (
        qs.values("kind", year=ExtractYear("date"))
        .annotate(activities=Count("pk"), hours=Sum("hours"))
        .order_by("year", "kind")
    )
    return [dict(row) for row in rows]


def milestones_per_year(
    *, up_to_year: int, municipality: Municipality | None = None
) -> list[dict[str, Any]]:
    """Per year and milestone kind: how many enterprises reached it. One grouped query."""
    qs = Milestone.objects.filter(date__year__lte=up_to_year)
    if municipality is not None:
        qs = qs.filter(enterprise__municipality=municipality)
    rows = (
        qs.values("kind", year=ExtractYear("date"))
        .annotate(enterprises=Count("enterprise", distinct=True))
        .order_by("year", "kind")
    )
    return [dict(row) for row in rows]


# --- insatser ---------------------------------------------------------------------


def insats_progress(
    *, up_to: datetime.date, municipality: Municipality | None = None
) -> list[dict[str, Any]]:
    """Insatser with a target, and what they reached from their start up to `up_to`.

    participants: distinct people enrolled; ended: enrolments ended;
    work_or_studies: of those, into work or studies; each a `Tally`. Two
    queries: the insatser, and one grouped over their enrolments. A person
    enrolled twice in one insats counts once among its participants: through
    their first enrolment there, so the cell key sums each person's key once.
    """
    insatser: list[dict[str, Any]] = [
        dict(row)
        for row in Insats.objects.filter(
            Q(target_participants__isnull=False) | Q(target_work_or_studies_percent__isnull=False)
        )
        .values("pk", "name", "target_participants", "target_work_or_studies_percent")
        .order_by("name")
    ]
    # Registration errors are left out with an anti-join on their (partial) index,
    # not with `participant IN (every counted participant)` inside the aggregate.
    in_error = Enrolment.objects.filter(
        participant=OuterRef("participant"), end_reason=EndReason.REGISTRATION_ERROR
    )
    enrolments = Enrolment.objects.filter(
        insats__in=[row["pk"] for row in insatser], start_date__lte=up_to
    ).exclude(Exists(in_error))
    if municipality is not None:
        enrolments = enrolments.filter(participant__home_municipality=municipality)
    earlier = Enrolment.objects.filter(
        participant=OuterRef("participant"),
        insats=OuterRef("insats"),
        start_date__lte=up_to,
        pk__lt=OuterRef("pk"),
    )
    ended = Q(end_date__lte=up_to)
    key = "participant__record_key"
    rows = (
        enrolments.annotate(first=~Exists(earlier))
        .values("insats")
        .annotate(
            **tally("participants", Q(first=True), key=key),
            **tally("ended", ended, key=key),
            **tally("work", ended & Q(outcome__in=WORK_OR_STUDIES), key=key),
        )
        .order_by()
    )
    reached = {row["insats"]: row for row in rows}
    for row in insatser:
        found = reached.get(row["pk"])
        for name, out in (
            ("participants", "participants"),
            ("ended", "ended"),
            ("work", "work_or_studies"),
        ):
            row[out] = read_tally(found, name) if found else ZERO
    return insatser


def insats_list() -> list[dict[str, Any]]:
    rows = Insats.objects.values("pk", "name", "start_date", "end_date", "esf_funded").order_by(
        "name"
    )
    return [dict(row) for row in rows]


def finsam_participants(
    period: Period, *, municipality: Municipality | None = None
) -> list[dict[str, Any]]:
    """EXACT participants per insats and sex in the period, for the national follow-up.

    A participant counts once per insats in which they had an enrolment
    overlapping the period. Not perturbed: admins only (see views.finsam_followup).
    """
    rows = (
        Enrolment.objects.counted()
        .filter(participant__in=counted_participants(municipality))
        .filter(start_date__lte=period.end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
        .values("insats", "insats__name", "participant__sex")
        .annotate(n=Count("participant", distinct=True))
        .order_by("insats__name")
    )
    return [dict(row) for row in rows]


# --- ESF+ indicators --------------------------------------------------------------

# Conditions over an insats's enrolments, by row code (docs/statistics.md, ESF+).
# `esf_age` is annotated by `esf_enrolments`: age reached in the start year.
_NOT_RECORDED_SITUATION = Q(esf_data__isnull=True) | Q(esf_data__employment_situation="")
ESF_ENTRY_CONDITIONS: dict[str, Q] = {
    "total": Q(),
    "unemployed_incl_ltu": Q(esf_data__employment_situation__in=ESF_UNEMPLOYED_INCL_LONG_TERM),
    "long_term_unemployed": Q(
        esf_data__employment_situation=EsfEmploymentSituation.LONG_TERM_UNEMPLOYED
    ),
    "inactive": Q(esf_data__employment_situation=EsfEmploymentSituation.INACTIVE),
    "employed": Q(esf_data__employment_situation=EsfEmploymentSituation.EMPLOYED),
    "situation_refused": Q(esf_data__employment_situation=EsfEmploymentSituation.REFUSED),
    "situation_missing": _NOT_RECORDED_SITUATION,
    "age_under_18": Q(esf_age__lt=18),
    "age_18_29": Q(esf_age__gte=18, esf_age__lt=30),
    "age_30_54": Q(esf_age__gte=30, esf_age__lt=55),
    "age_55_plus": Q(esf_age__gte=55),
    "isced_0_2": Q(esf_data__education=EsfEducation.ISCED_0_2),
    "isced_3_4": Q(esf_data__education=EsfEducation.ISCED_3_4),
    "isced_5_8": Q(esf_data__education=EsfEducation.ISCED_5_8),
    "education_refused": Q(esf_data__education=EsfEducation.REFUSED),
    "education_missing": Q(esf_data__isnull=True) | Q(esf_data__education=""),
    "disability": Q(esf_data__disability=EsfAnswer.YES),
    "third_country_national": Q(esf_data__third_country_national=EsfAnswer.YES),
    "foreign_background": Q(esf_data__foreign_background=EsfAnswer.YES),
    "minority": Q(esf_data__minority=EsfAnswer.YES),
    "homeless": Q(esf_data__homeless=EsfAnswer.YES),
}
ESF_EXIT_CONDITIONS: dict[str, Q] = {
    "total": Q(),
    "job_searching": Q(esf_data__exit_job_searching=EsfAnswer.YES),
    "in_education": Q(esf_data__exit_in_education=EsfAnswer.YES),
    "qualification": Q(esf_data__exit_qualification=EsfAnswer.YES),
    "employed": Q(esf_data__exit_employed=EsfAnswer.YES),
    "missing": Q(esf_data__isnull=True) | Q(esf_data__exit_recorded_on__isnull=True),
}
ESF_SIX_MONTHS_CONDITIONS: dict[str, Q] = {
    "total": Q(),
    "employed": Q(esf_data__six_months_situation=EsfEmploymentSituation.EMPLOYED),
    "improved": Q(esf_data__six_months_improved=EsfAnswer.YES),
    "missing": Q(esf_data__isnull=True) | Q(esf_data__six_months_recorded_on__isnull=True),
}

EsfTallies = dict[str, dict[str, Tally]]  # row code -> sex -> tally


def esf_enrolments(
    insats: Insats, *, municipality: Municipality | None = None
) -> QuerySet[Enrolment]:
    """The insats's counted enrolments of counted participants, with `esf_age`."""
    return (
        Enrolment.objects.counted()
        .filter(insats=insats, participant__in=counted_participants(municipality))
        .annotate(
            esf_age=ExpressionWrapper(
                ExtractYear("start_date") - F("participant__birth_year"),
                output_field=IntegerField(),
            )
        )
    )


def _esf_tallies(qs: QuerySet[Enrolment], conditions: dict[str, Q]) -> EsfTallies:
    """One grouped query: per sex, each condition's count and cell key."""
    aggregates: dict[str, Any] = {}
    for code, condition in conditions.items():
        aggregates.update(tally(code, condition, key="participant__record_key"))
    rows = qs.values("participant__sex").annotate(**aggregates).order_by()
    result: EsfTallies = {code: {} for code in conditions}
    for row in rows:
        for code in conditions:
            result[code][row["participant__sex"]] = read_tally(row, code)
    return result


def esf_indicators(
    insats: Insats, period: Period, *, municipality: Municipality | None = None
) -> dict[str, EsfTallies]:
    """The ESF+ indicator counts of the insats for the period, per sex.

    "entry": enrolments that started in the period (output indicators at entry).
    "exit" and "six_months": enrolments that ended in the period (immediate and
    longer-term results). Counted per enrolment, with its participant's record
    key. Three grouped queries.
    """
    base = esf_enrolments(insats, municipality=municipality)
    started = base.filter(start_date__range=(period.start, period.end))
    ended = base.filter(end_date__range=(period.start, period.end))
    return {
        "entry": _esf_tallies(started, ESF_ENTRY_CONDITIONS),
        "exit": _esf_tallies(ended, ESF_EXIT_CONDITIONS),
        "six_months": _esf_tallies(ended, ESF_SIX_MONTHS_CONDITIONS),
    }
