"""The catalogue of funder reports: which tables the overview and the per-insats
pages show, their labels and how each is built from `queries` into the table
model of `tables`."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import MilestoneKind, SupportActivityKind
from participants.choices import (
    OUTCOME_GROUPS,
    Education,
    Outcome,
    OutcomeGroup,
    ParkingReason,
    ReferringAuthority,
    Sex,
    SupportSourceGroup,
)
from participants.models import Insats
from reports import queries
from reports.perturbation import HIDDEN_MARK, ZERO, Tally, describes_a_group, tally_sum
from reports.queries import NO_SUPPORT_SOURCE, SUPPORT_GROUPS, Period
from reports.tables import (
    Column,
    Kind,
    ReportTable,
    TableCell,
    TableRow,
    count_cell,
    msek,
    ratio_cell,
    share_cell,
)
from samordning.models import Municipality

SUPPORT_GROUP_LABELS = {
    **dict(SupportSourceGroup.choices),
    NO_SUPPORT_SOURCE: gettext_lazy("Ingen försörjningskälla angiven"),
}

OUTCOME_ROWS: list[tuple[Any, list[str]]] = [  # (label, outcome codes)
    (Outcome.WORK.label, [Outcome.WORK]),
    (Outcome.WORK_SUBSIDISED.label, [Outcome.WORK_SUBSIDISED]),
    (OutcomeGroup.STUDIES.label, OUTCOME_GROUPS[OutcomeGroup.STUDIES]),
    (OutcomeGroup.JOB_SEEKING.label, OUTCOME_GROUPS[OutcomeGroup.JOB_SEEKING]),
    # An ended enrolment with no outcome recorded counts as "okänt", among the others.
    (OutcomeGroup.OTHER.label, [*OUTCOME_GROUPS[OutcomeGroup.OTHER], ""]),
]

AGE_LABELS = {
    "age_band": [
        ("under_25", gettext_lazy("Under 25")),
        ("25_29", gettext_lazy("25–29")),
        ("30_54", gettext_lazy("30–54")),
        ("55_plus", gettext_lazy("55+")),
    ],
    "age_band_esf": [
        ("under_18", gettext_lazy("Under 18")),
        ("18_29", gettext_lazy("18–29")),
        ("30_54", gettext_lazy("30–54")),
        ("55_plus", gettext_lazy("55+")),
    ],
}


class Report:
    """All funder tables for one period, municipality and (optionally) insats.

    Query results are cached on the instance, so building several tables that
    share a query runs it once; a download builds only its own table.

    `source` answers the aggregate calls: the `queries` module (the database), or
    a stored summary's results (`reports.summary`), which replays the answers the
    same calls got when the worker computed them, so the tables are built by the
    same code either way.
    """

    def __init__(
        self,
        period: Period,
        *,
        municipality: Municipality | None = None,
        insats: Insats | None = None,
        today: datetime.date | None = None,
        source: Any = queries,
    ) -> None:
        self.period = period
        self.municipality = municipality
        self.insats = insats
        self.today = today
        self.source = source
        self._breakdowns: dict[str, dict[Any, queries.StatusCounts]] = {}

    # --- shared query results ---

    @cached_property
    def _enterprise_years(self) -> list[dict[str, Any]]:
        return self.source.enterprises_per_year(
            up_to_year=self.period.end.year, municipality=self.municipality
        )

    @cached_property
    def _outcomes(self) -> dict[str, Tally]:
        return self.source.outcome_counts(
            self.period, municipality=self.municipality, insats=self.insats
        )

    # --- status columns shared by the participant tables ---

    def _status_columns(self) -> list[Column]:
        return [
            Column(_("Nya"), Kind.COUNT),
            Column(_("Aktiva"), Kind.COUNT),
            Column(_("Avslutade"), Kind.COUNT),
        ]

    def _status_notes(self) -> list[str]:
        return [
            _(
                "Aktiva: deltog i en insats någon gång under perioden. Nya: började en insats "
                "under perioden. Avslutade: avslutade en insats under perioden."
            )
        ]

    def _status_table(
        self,
        slug: str,
        caption: str,
        row_header: str,
        categories: Sequence[tuple[str, Sequence[Tally]]],
        totals: Sequence[Tally],
        *,
        overlapping: bool = False,
    ) -> ReportTable:
        # The total is a cell of its own (all the people, their keys summed), perturbed
        # like the others: never the exact sum beside perturbed parts.
        rows = [
            TableRow(str(label), [count_cell(t) for t in counts]) for label, counts in categories
        ]
        rows.append(TableRow(_("Totalt"), [count_cell(t) for t in totals], total=True))
        notes = self._status_notes()
        if overlapping:
            notes.append(
                _(
                    "En person kan ha flera försörjningskällor; grupperna summerar inte "
                    "till totalen."
                )
            )
        return ReportTable(
            slug=slug,
            caption=caption,
            row_header=row_header,
            columns=self._status_columns(),
            rows=rows,
            chart_columns=[0, 1, 2],
            description=_("Antal deltagare per %(dimension)s: nya, aktiva och avslutade.")
            % {"dimension": row_header.lower()},
            notes=notes,
        )

    def _participant_counts(self, dimension: str) -> dict[Any, queries.StatusCounts]:
        if dimension not in self._breakdowns:
            self._breakdowns[dimension] = self.source.participant_breakdown(
                self.period, dimension, municipality=self.municipality, insats=self.insats
            )
        return self._breakdowns[dimension]

    def _breakdown(
        self, dimension: str, labels: Sequence[tuple[Any, Any]]
    ) -> tuple[list[tuple[str, Sequence[Tally]]], Sequence[Tally]]:
        counts = self._participant_counts(dimension)
        categories: list[tuple[str, Sequence[Tally]]] = [
            (str(label), counts.get(code, queries.NO_STATUS)) for code, label in labels
        ]
        return categories, _column_sums(counts.values())

    # --- participants ---

    def participants_by_sex(self, slug: str = "deltagare-kon") -> ReportTable:
        categories, total = self._breakdown("sex", Sex.choices)
        return self._status_table(slug, _("Deltagare per kön"), _("Kön"), categories, total)

    def participants_by_age(self) -> ReportTable:
        categories, total = self._breakdown("age_band", AGE_LABELS["age_band"])
        return self._status_table(
            "deltagare-alder", _("Deltagare per ålder vid start"), _("Ålder"), categories, total
        )

    def participants_by_age_esf(self) -> ReportTable:
        categories, total = self._breakdown("age_band_esf", AGE_LABELS["age_band_esf"])
        return self._status_table(
            "deltagare-alder-esf",
            _("Deltagare per ålder vid start (ESF+: 18–29 och 55+)"),
            _("Ålder"),
            categories,
            total,
        )

    def participants_by_municipality(self) -> ReportTable:
        counts = self._participant_counts("municipality")
        # A row only for a municipality with some published count, the rest (and the
        # unknown) together in one row that is always there: a row of its own, all
        # "..", would still say that someone from there took part.
        shown: list[tuple[str, Sequence[Tally]]] = []
        rest: list[queries.StatusCounts] = []
        for name in sorted(name for name in counts if name is not None):
            if any(count_cell(t).value is not None for t in counts[name]):
                shown.append((name, counts[name]))
            else:
                rest.append(counts[name])
        if None in counts:
            rest.append(counts[None])
        shown.append((_("Övriga kommuner eller okänd"), _column_sums(rest)))
        table = self._status_table(
            "deltagare-kommun",
            _("Deltagare per folkbokföringskommun"),
            _("Kommun"),
            shown,
            _column_sums(counts.values()),
        )
        table.notes.append(
            _(
                "Kommuner där alla antal är dolda redovisas tillsammans med okänd kommun, "
                "så att en rad aldrig visar att någon därifrån deltog."
            )
        )
        return table

    def participants_by_referrer(self) -> ReportTable:
        labels = [*ReferringAuthority.choices, ("", _("Ej angiven"))]
        categories, total = self._breakdown("referring_authority", labels)
        return self._status_table(
            "deltagare-remittent",
            _("Deltagare per remitterande myndighet"),
            _("Remittent"),
            categories,
            total,
        )

    def participants_by_education(self) -> ReportTable:
        categories, total = self._breakdown("education", Education.choices)
        return self._status_table(
            "deltagare-utbildning",
            _("Deltagare per utbildningsnivå"),
            _("Utbildningsnivå"),
            categories,
            total,
        )

    def participants_by_support_group(self) -> ReportTable:
        by_group, total = self.source.support_groups_at_start(
            self.period, municipality=self.municipality, insats=self.insats
        )
        categories = [(str(SUPPORT_GROUP_LABELS[g]), by_group[g]) for g in SUPPORT_GROUPS]
        return self._status_table(
            "deltagare-forsorjning",
            _("Deltagare per försörjningskälla vid start"),
            _("Försörjningskälla"),
            categories,
            total,
            overlapping=True,
        )

    def parking_reasons(self) -> ReportTable:
        by_reason, total = self.source.parking_reasons(
            self.period, municipality=self.municipality, insats=self.insats
        )
        rows = [
            TableRow(str(label), [count_cell(by_reason[code])])
            for code, label in ParkingReason.choices
        ]
        rows.append(TableRow(_("Totalt parkerade"), [count_cell(total)], total=True))
        return ReportTable(
            slug="parkering",
            caption=_("Parkerade deltagare per skäl"),
            row_header=_("Skäl"),
            columns=[Column(_("Antal"), Kind.COUNT)],
            rows=rows,
            description=_(
                "Deltagare som någon dag under perioden var parkerade, det vill säga inte "
                "föreslogs för någon plats, per skäl."
            ),
            notes=[
                _(
                    "En deltagare som parkerats av flera skäl räknas under vart och ett, "
                    "men en gång i totalen."
                )
            ],
        )

    # --- outcomes ---

    def outcomes(self, slug: str = "resultat") -> ReportTable:
        counts = [
            tally_sum([self._outcomes.get(code, ZERO) for code in codes])
            for _l, codes in OUTCOME_ROWS
        ]
        total = count_cell(tally_sum(list(self._outcomes.values())))
        rows = []
        for (label, _codes), tally in zip(OUTCOME_ROWS, counts, strict=True):
            cell = count_cell(tally)
            rows.append(TableRow(str(label), [cell, share_cell(cell, total)]))
        rows.append(TableRow(_("Totalt avslutade"), [total, share_cell(total, total)], total=True))
        return ReportTable(
            slug=slug,
            caption=_("Resultat för dem som avslutade under perioden"),
            row_header=_("Resultat efter avslut"),
            columns=[Column(_("Antal"), Kind.COUNT), Column(_("Andel (%)"), Kind.SHARE)],
            rows=rows,
            description=_("Antal avslutade inskrivningar per resultat efter avslut."),
            notes=[
                _(
                    "Räknas per avslutad inskrivning. Övriga avslutade: annan insats, ohälsa, "
                    "föräldraledig, flyttat eller okänt (även när inget resultat registrerats)."
                )
            ],
        )

    def work_or_studies(self, slug: str = "arbete-studier") -> ReportTable:
        work = tally_sum([self._outcomes.get(code, ZERO) for code in queries.WORK_OR_STUDIES])
        total = tally_sum(list(self._outcomes.values()))
        # "Övriga" is a group of people of its own (count and key), perturbed itself.
        parts = [count_cell(work), count_cell(total - work)]
        whole = count_cell(total)
        labels = [_("I arbete eller studier"), _("Övriga")]
        rows = [
            TableRow(label, [cell, share_cell(cell, whole)])
            for label, cell in zip(labels, parts, strict=True)
        ]
        rows.append(TableRow(_("Totalt avslutade"), [whole, share_cell(whole, whole)], True))
        return ReportTable(
            slug=slug,
            caption=_("Andel i arbete eller studier efter avslut"),
            row_header=_("Resultat"),
            columns=[Column(_("Antal"), Kind.COUNT), Column(_("Andel (%)"), Kind.SHARE)],
            rows=rows,
            chart_columns=[1],
            description=_(
                "Andel av de avslutade som gick till arbete (med eller utan subvention) "
                "eller studier."
            ),
        )

    def support_before_after(self) -> ReportTable:
        by_group, total = self.source.support_groups_before_after(
            self.period, municipality=self.municipality, insats=self.insats
        )
        rows = [
            TableRow(str(SUPPORT_GROUP_LABELS[g]), [count_cell(t) for t in by_group[g]])
            for g in SUPPORT_GROUPS
        ]
        ended = count_cell(total)
        rows.append(TableRow(_("Antal avslutade deltagare"), [ended, ended], total=True))
        return ReportTable(
            slug="forsorjning-fore-efter",
            caption=_("Försörjningskälla före och efter, för dem som avslutade under perioden"),
            row_header=_("Försörjningskälla"),
            columns=[Column(_("Vid start"), Kind.COUNT), Column(_("Vid avslut"), Kind.COUNT)],
            rows=rows,
            chart_columns=[0, 1],
            description=_(
                "Antal avslutade deltagare per försörjningskälla vid start och vid avslut."
            ),
            notes=[
                _(
                    "En person kan ha flera försörjningskällor; grupperna summerar inte "
                    "till totalen."
                )
            ],
        )

    # --- placements ---

    def placement_lengths(self) -> ReportTable:
        figures = self.source.placement_lengths(self.period, municipality=self.municipality)
        keys = ["completed", "interrupted", "all"]
        labels = [_("Avslutade enligt plan"), _("Avbrutna"), _("Alla")]
        rows = []
        for key, label in zip(keys, labels, strict=True):
            count = count_cell(figures[key].count)
            # An average of a few people's lengths would tell their lengths. The lengths
            # themselves are each placement's published length (queries.published_length).
            if not describes_a_group(count.value):
                average = TableCell(None, Kind.DAYS, HIDDEN_MARK)
                median = TableCell(None, Kind.DAYS, HIDDEN_MARK)
            else:
                average = TableCell(figures[key].average_days, Kind.DAYS)
                median = TableCell(figures[key].median_days, Kind.DAYS)
            rows.append(TableRow(label, [count, average, median], total=key == "all"))
        return ReportTable(
            slug="placeringslangd",
            caption=_("Arbetsträningarnas längd (avslutade under perioden)"),
            row_header=_("Arbetsträningar"),
            columns=[
                Column(_("Antal"), Kind.COUNT),
                Column(_("Medel (dagar)"), Kind.DAYS),
                Column(_("Median (dagar)"), Kind.DAYS),
            ],
            rows=rows,
            chart_columns=[1, 2],
            chart_rows=[0, 1, 2],
            description=_(
                "Genomsnittlig och median längd i dagar för arbetsträningar som "
                "avslutades under perioden."
            ),
            notes=[
                _("Längd i kalenderdagar från startdatum till slutdatum."),
                _(
                    "Medel och median visas bara när antalet är minst %(minimum)s och är "
                    "justerade lite, så att ingen enskild persons längd kan räknas fram."
                )
                % {"minimum": settings.STATISTICS_GROUP_MINIMUM},
            ],
        )

    def places_over_time(self) -> ReportTable:
        series = self.source.capacity_and_held(
            self.period.points(self.today), municipality=self.municipality
        )
        yearly = (self.period.end - self.period.start).days > queries.MONTHLY_POINTS_MAX_DAYS
        rows: list[TableRow] = []
        for day, capacity, held in series:
            held_cell = count_cell(held)
            rows.append(
                TableRow(
                    date_format(day, "SHORT_DATE_FORMAT"),
                    [
                        TableCell(capacity, Kind.NUMBER),
                        held_cell,
                        ratio_cell(held_cell, capacity),
                    ],
                    chart_label=_point_label(day, first=not rows, yearly=yearly),
                )
            )
        return ReportTable(
            slug="platser",
            caption=_("Arbetsträningsplatser över tid"),
            row_header=_("Datum"),
            columns=[
                Column(_("Platser"), Kind.NUMBER),
                Column(_("Upptagna platser"), Kind.COUNT),
                Column(_("Beläggning (%)"), Kind.SHARE),
            ],
            rows=rows,
            chart_kind="line",
            chart_columns=[0, 1],
            description=_("Antal arbetsträningsplatser och upptagna platser per datum."),
            notes=[
                _(
                    "Platser enligt historiken över platsantal. Upptagna: föreslagna, accepterade "
                    "och pågående arbetsträningar som håller en plats det datumet."
                )
            ],
        )

    def attendance(self) -> ReportTable:
        data = self.source.attendance_per_enterprise_year(
            self.period, municipality=self.municipality
        )
        # One row per enterprise and year; the query splits them by price per day.
        grouped: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for row in data:
            grouped.setdefault((row["enterprise"], row["year"]), []).append(row)
        # A row only where its present days are published; the others together in one
        # row that is always there: a row of "..", there only when someone was present,
        # would say that someone was.
        rows = []
        rest: list[dict[str, Any]] = []
        for (enterprise, year), parts in grouped.items():
            days = count_cell(tally_sum([part["days"] for part in parts]))
            if days.hidden:
                rest.extend(parts)
                continue
            rows.append(
                TableRow(
                    enterprise,
                    [TableCell(str(year), Kind.TEXT), days, _amount_cell(days, parts)],
                    chart_label=f"{enterprise} {year}",
                )
            )
        for label, parts, total in ((_("Övriga företag"), rest, False), (_("Totalt"), data, True)):
            days = count_cell(tally_sum([part["days"] for part in parts]))
            rows.append(
                TableRow(
                    label,
                    [TableCell(None, Kind.TEXT), days, _amount_cell(days, parts)],
                    total=total,
                )
            )
        return ReportTable(
            slug="narvaro",
            caption=_("Närvarodagar och fakturerat belopp per företag och år"),
            row_header=_("Företag"),
            columns=[
                Column(_("År"), Kind.TEXT),
                Column(_("Närvarodagar"), Kind.COUNT),
                Column(_("Belopp (kr)"), Kind.AMOUNT),
            ],
            rows=rows,
            chart_columns=[2],
            description=_("Fakturerat belopp per företag och år."),
            notes=[
                _(
                    "Belopp: närvarodagar gånger platsens pris per närvarodag, räknat från de "
                    "justerade närvarodagarna för varje pris."
                ),
                _(
                    "En närvarodag är en dag då en deltagare var på plats, så närvarodagarna "
                    "justeras som antal personer: en dags närvarodagar är antalet personer "
                    "på plats."
                ),
            ],
        )

    # --- enterprises ---

    def enterprises(self) -> ReportTable:
        rows = [
            TableRow(str(row["year"]), [TableCell(row["enterprises"], Kind.NUMBER)])
            for row in self._enterprise_years
        ]
        return ReportTable(
            slug="foretag",
            caption=_("Sociala företag per år"),
            row_header=_("År"),
            columns=[Column(_("Antal företag"), Kind.NUMBER)],
            rows=rows,
            chart_kind="bar",
            description=_("Antal sociala företag med årsuppgifter, per år."),
        )

    def turnover(self) -> ReportTable:
        rows = [
            TableRow(str(row["year"]), [TableCell(msek(row["turnover"]), Kind.MSEK)])
            for row in self._enterprise_years
        ]
        return ReportTable(
            slug="omsattning",
            caption=_("De sociala företagens omsättning per år"),
            row_header=_("År"),
            columns=[Column(_("Omsättning (miljoner kr)"), Kind.MSEK)],
            rows=rows,
            chart_kind="line",
            description=_("Sammanlagd omsättning i miljoner kronor per år."),
        )

    # --- enterprise development (the association's second purpose) ---

    def _years(self) -> list[int]:
        """From the first year with any enterprise data to the period's last year."""
        firsts = [row["year"] for row in self._enterprise_years]
        firsts += [row["year"] for row in self._support_years]
        firsts += [row["year"] for row in self._milestone_years]
        if not firsts:
            return []
        return list(range(min(firsts), self.period.end.year + 1))

    @cached_property
    def _support_years(self) -> list[dict[str, Any]]:
        return self.source.support_per_year(
            up_to_year=self.period.end.year, municipality=self.municipality
        )

    @cached_property
    def _milestone_years(self) -> list[dict[str, Any]]:
        return self.source.milestones_per_year(
            up_to_year=self.period.end.year, municipality=self.municipality
        )

    def enterprise_growth(self) -> ReportTable:
        years = self._years()
        figures = {row["year"]: row for row in self._enterprise_years}
        places = self.source.places_at_year_ends(years, municipality=self.municipality)
        rows = []
        for year in years:
            row = figures.get(year, {})
            rows.append(
                TableRow(
                    str(year),
                    [
                        TableCell(row.get("enterprises", 0), Kind.NUMBER),
                        TableCell(msek(row.get("turnover")), Kind.MSEK),
                        TableCell(places.get(year, 0), Kind.NUMBER),
                        TableCell(row.get("employees") or 0, Kind.NUMBER),
                        _small_number_cell(
                            row.get("employees_target_group") or 0,
                            hidden_part=row.get("target_group_small_part", False),
                        ),
                    ],
                )
            )
        return ReportTable(
            slug="foretag-tillvaxt",
            caption=_("De sociala företagens tillväxt per år"),
            row_header=_("År"),
            columns=[
                Column(_("Antal företag"), Kind.NUMBER),
                Column(_("Omsättning (miljoner kr)"), Kind.MSEK),
                Column(_("Arbetsträningsplatser 31/12"), Kind.NUMBER),
                Column(_("Anställda"), Kind.NUMBER),
                Column(_("Anställda ur målgruppen"), Kind.NUMBER),
            ],
            rows=rows,
            chart_kind="line",
            chart_columns=[0, 2],
            description=_("Antal företag, omsättning, platser och anställda per år."),
            notes=[
                _(
                    "Företagens egna årsuppgifter och platsantalet enligt historiken. Anställda "
                    "ur målgruppen under 5 visas som ”%(mark)s”; är en kommuns antal dolt, döljs "
                    "även summan för alla kommuner."
                )
                % {"mark": HIDDEN_MARK}
            ],
        )

    def support_activities(self) -> ReportTable:
        years = self._years()
        kinds = SupportActivityKind.choices
        by_year: dict[int, dict[str, dict[str, Any]]] = {}
        for row in self._support_years:
            by_year.setdefault(row["year"], {})[row["kind"]] = row
        rows = []
        for year in years:
            found = by_year.get(year, {})
            hours = [found.get(code, {}).get("hours") or Decimal(0) for code, _l in kinds]
            count = sum(found.get(code, {}).get("activities", 0) for code, _l in kinds)
            rows.append(
                TableRow(
                    str(year),
                    [
                        TableCell(count, Kind.NUMBER),
                        *(TableCell(h, Kind.HOURS) for h in hours),
                        TableCell(sum(hours, Decimal(0)), Kind.HOURS),
                    ],
                )
            )
        return ReportTable(
            slug="foretag-stod",
            caption=_("Förbundets stöd till företagen per år: timmar per typ av stöd"),
            row_header=_("År"),
            columns=[
                Column(_("Antal stödinsatser"), Kind.NUMBER),
                *(
                    Column(_("%(kind)s (timmar)") % {"kind": label}, Kind.HOURS)
                    for _c, label in kinds
                ),
                Column(_("Timmar totalt"), Kind.HOURS),
            ],
            rows=rows,
            chart_kind="bar",
            chart_columns=[len(kinds) + 1],
            description=_("Antal loggade stödinsatser och timmar per typ av stöd, per år."),
            notes=[_("Förbundets arbetstid enligt stödloggen på företagens utvecklingssidor.")],
        )

    def milestones(self) -> ReportTable:
        years = self._years()
        kinds = MilestoneKind.choices
        counts = {(row["year"], row["kind"]): row["enterprises"] for row in self._milestone_years}
        rows = [
            TableRow(
                str(year),
                [TableCell(counts.get((year, code), 0), Kind.NUMBER) for code, _l in kinds],
            )
            for year in years
        ]
        return ReportTable(
            slug="foretag-milstolpar",
            caption=_("Företag som nådde en milstolpe, per år"),
            row_header=_("År"),
            columns=[Column(str(label), Kind.NUMBER) for _c, label in kinds],
            rows=rows,
            chart_kind="bar",
            chart_columns=[0, 1, 2, 3],
            description=_("Antal företag som nådde respektive milstolpe under året."),
        )

    # --- insatser ---

    def insats_targets(self) -> ReportTable:
        data = self.source.insats_progress(up_to=self.period.end, municipality=self.municipality)
        rows = []
        for row in data:
            p_cell = count_cell(row["participants"])
            e_cell = count_cell(row["ended"])
            w_cell = count_cell(row["work_or_studies"])
            target = row["target_participants"]
            of_target = ratio_cell(p_cell, target)
            target_share = row["target_work_or_studies_percent"]
            rows.append(
                TableRow(
                    row["name"],
                    [
                        TableCell(target, Kind.NUMBER),
                        p_cell,
                        of_target,
                        TableCell(target_share, Kind.SHARE),
                        e_cell,
                        w_cell,
                        share_cell(w_cell, e_cell),
                    ],
                )
            )
        return ReportTable(
            slug="insatsmal",
            caption=_("Insatsernas mål och utfall"),
            row_header=_("Insats"),
            columns=[
                Column(_("Mål: deltagare"), Kind.NUMBER),
                Column(_("Deltagare hittills"), Kind.COUNT),
                Column(_("Andel av målet (%)"), Kind.SHARE),
                Column(_("Mål: arbete eller studier (%)"), Kind.SHARE),
                Column(_("Avslutade"), Kind.COUNT),
                Column(_("I arbete eller studier"), Kind.COUNT),
                Column(_("Andel i arbete eller studier (%)"), Kind.SHARE),
            ],
            rows=rows,
            chart_columns=[2, 3, 6],
            description=_(
                "Andel av deltagarmålet som nåtts, och andel i arbete eller studier "
                "jämfört med målet."
            ),
            notes=[
                _(
                    "Från insatsens start till periodens slut. Inskrivningar som avslutades "
                    "räknas per inskrivning."
                )
            ],
        )

    def insats_budget(self) -> ReportTable:
        insats = self.insats
        assert insats is not None
        planned_year = insats.planned_participants_per_year
        budget = insats.budget_per_year
        planned_period = _pro_rata(planned_year, self.period, insats)
        active = tally_sum([counts[1] for counts in self._participant_counts("sex").values()])
        actual = count_cell(active)
        of_plan = ratio_cell(actual, planned_period)
        per_planned = TableCell(budget / planned_year if planned_year else None, Kind.AMOUNT)
        rows = [
            TableRow(_("Budget per år (kr)"), [TableCell(budget, Kind.AMOUNT)]),
            TableRow(_("Planerat antal deltagare per år"), [TableCell(planned_year, Kind.NUMBER)]),
            TableRow(_("Budget per planerad deltagare (kr)"), [per_planned]),
            TableRow(
                _("Planerat antal deltagare för perioden"), [TableCell(planned_period, Kind.NUMBER)]
            ),
            TableRow(_("Deltagare under perioden"), [actual]),
            TableRow(_("Andel av planerat (%)"), [of_plan]),
        ]
        return ReportTable(
            slug="insats-budget",
            caption=_("Budget och planerat antal deltagare"),
            row_header=_("Uppgift"),
            columns=[Column(_("Värde"), Kind.NUMBER)],
            rows=rows,
            chart_rows=[3, 4],
            description=_("Planerat antal deltagare för perioden jämfört med faktiskt antal."),
            notes=[
                _(
                    "Planerat för perioden: planerat per år, fördelat på periodens dagar under "
                    "insatsens löptid."
                )
            ],
        )

    # --- the ESF+ and Finsam pages: from the per-insats and the overview's answers ---

    def esf_tables(self, *, exact: bool) -> list[ReportTable]:
        """The ESF+ indicator tables of this report's (ESF-financed) insats."""
        assert self.insats is not None
        return esf_tables(
            self.insats, self.period, self.municipality, exact=exact, source=self.source
        )

    def finsam_followup(self) -> ReportTable:
        """The exact Uppföljning Finsam table (admins only) of this period and municipality."""
        return finsam_followup(self.period, self.municipality, source=self.source)


def _amount_cell(days: TableCell, parts: Sequence[dict[str, Any]]) -> TableCell:
    """Kronor for present days: each price times its published days, never the exact
    days (they would come back as the amount divided by the price). Hidden with the
    row's `days`, or when every priced part's days are hidden; 0 when no offer has a
    price."""
    if days.hidden:
        return TableCell(None, Kind.AMOUNT, HIDDEN_MARK)
    amount = Decimal(0)
    hidden = False
    for part in parts:
        if part["price"] is None:
            continue  # days at an offer without a price cost nothing here
        part_days = count_cell(part["days"])
        if part_days.value is None:
            hidden = True
        else:
            amount += part_days.value * part["price"]
    if hidden and not amount:
        return TableCell(None, Kind.AMOUNT, HIDDEN_MARK)
    return TableCell(amount, Kind.AMOUNT)


def _small_number_cell(value: int, *, hidden_part: bool = False) -> TableCell:
    """A figure the enterprises report about people (target-group employees): exact,
    but 1-4 hidden like a small count. `hidden_part`: the figure adds up parts of which
    one is hidden (a municipality's 1-4 in the whole area), so it is hidden as well;
    shown, it would give the hidden part back as itself minus the shown ones."""
    if 0 < value < queries.SMALL_NUMBER_LIMIT or hidden_part:
        return TableCell(None, Kind.NUMBER, HIDDEN_MARK)
    return TableCell(value, Kind.NUMBER)


def _point_label(day: datetime.date, *, first: bool, yearly: bool) -> str:
    """Short chart label: "jan 2024" where a year starts, else "feb"; "2024" for yearly points."""
    if yearly and day.month == 12 and day.day == 31:
        return str(day.year)
    month_end = (day + datetime.timedelta(days=1)).day == 1
    if not month_end:
        return date_format(day, "j M Y" if first else "j M")
    return date_format(day, "M Y" if first or day.month == 1 else "M")


def _column_sums(rows: Any) -> list[Tally]:
    """Per status, the tally of all categories together: the categories are disjoint."""
    rows = list(rows)
    return [tally_sum([row[i] for row in rows]) for i in range(3)]


def _pro_rata(per_year: int, period: Period, insats: Insats) -> int:
    """`per_year` spread over the days of the period that fall within the insats."""
    start = max(period.start, insats.start_date)
    end = min(period.end, insats.end_date) if insats.end_date else period.end
    if end < start or not per_year:
        return 0
    total = 0.0
    for year in range(start.year, end.year + 1):
        first = max(start, datetime.date(year, 1, 1))
        last = min(end, datetime.date(year, 12, 31))
        days_in_year = (datetime.date(year + 1, 1, 1) - datetime.date(year, 1, 1)).days
        total += per_year * ((last - first).days + 1) / days_in_year
    return round(total)


def finsam_followup(
    period: Period, municipality: Municipality | None = None, *, source: Any = queries
) -> ReportTable:
    """EXACT participants per insats and sex, for Uppföljning Finsam: admins only.

    Kind NUMBER: these counts are deliberately not perturbed, so the table must
    never reach a funder (views.finsam_followup checks Perm.STATISTICS_EXACT).
    `source` answers the aggregate call, as for `Report`.
    """
    counts: dict[tuple[int, str], int] = {}
    names: dict[int, str] = {}
    for row in source.finsam_participants(period, municipality=municipality):
        counts[row["insats"], row["participant__sex"]] = row["n"]
        names[row["insats"]] = row["insats__name"]
    rows = []
    for pk, name in sorted(names.items(), key=lambda item: item[1]):
        by_sex = [counts.get((pk, code), 0) for code, _label in Sex.choices]
        rows.append(TableRow(name, [TableCell(n, Kind.NUMBER) for n in [*by_sex, sum(by_sex)]]))
    return ReportTable(
        slug="uppfoljning-finsam",
        caption=_("Deltagare per insats och kön (exakta antal)"),
        row_header=_("Insats"),
        columns=[
            *(Column(str(label), Kind.NUMBER) for _code, label in Sex.choices),
            Column(_("Totalt"), Kind.NUMBER),
        ],
        rows=rows,
        chart_columns=[len(Sex.choices)],
        description=_("Antal deltagare per insats under perioden, per kön."),
        notes=[
            _(
                "Exakta antal för rapporteringen till Uppföljning Finsam. Visas bara för "
                "förbundets administratörer och får inte lämnas ut som statistik."
            ),
            _("En deltagare räknas en gång per insats där hen var inskriven under perioden."),
        ],
    )


TableBuilder = Callable[[Report], ReportTable]

OVERVIEW_TABLES: dict[str, TableBuilder] = {
    "foretag": Report.enterprises,
    "omsattning": Report.turnover,
    "platser": Report.places_over_time,
    "deltagare-kon": Report.participants_by_sex,
    "deltagare-alder": Report.participants_by_age,
    "deltagare-alder-esf": Report.participants_by_age_esf,
    "deltagare-kommun": Report.participants_by_municipality,
    "deltagare-remittent": Report.participants_by_referrer,
    "deltagare-utbildning": Report.participants_by_education,
    "deltagare-forsorjning": Report.participants_by_support_group,
    "parkering": Report.parking_reasons,
    "resultat": Report.outcomes,
    "arbete-studier": Report.work_or_studies,
    "forsorjning-fore-efter": Report.support_before_after,
    "placeringslangd": Report.placement_lengths,
    "narvaro": Report.attendance,
    "insatsmal": Report.insats_targets,
    "foretag-tillvaxt": Report.enterprise_growth,
    "foretag-stod": Report.support_activities,
    "foretag-milstolpar": Report.milestones,
}

DEVELOPMENT_SLUGS = ["foretag-tillvaxt", "foretag-stod", "foretag-milstolpar"]

OVERVIEW_SECTIONS: list[tuple[Any, list[str]]] = [  # (heading, table slugs)
    (gettext_lazy("Sociala företag"), ["foretag", "omsattning"]),
    (gettext_lazy("Företagsutveckling"), DEVELOPMENT_SLUGS),
    (gettext_lazy("Arbetsträningsplatser"), ["platser"]),
    (
        gettext_lazy("Deltagare"),
        [
            "deltagare-kon",
            "deltagare-alder",
            "deltagare-alder-esf",
            "deltagare-kommun",
            "deltagare-remittent",
            "deltagare-utbildning",
            "deltagare-forsorjning",
            "parkering",
        ],
    ),
    (gettext_lazy("Resultat"), ["resultat", "arbete-studier", "forsorjning-fore-efter"]),
    (gettext_lazy("Arbetsträningar och närvaro"), ["placeringslangd", "narvaro"]),
    (gettext_lazy("Mål per insats"), ["insatsmal"]),
]

INSATS_TABLES: dict[str, TableBuilder] = {
    "insats-kon": lambda report: report.participants_by_sex("insats-kon"),
    "insats-budget": Report.insats_budget,
    "insats-resultat": lambda report: report.outcomes("insats-resultat"),
    "insats-arbete-studier": lambda report: report.work_or_studies("insats-arbete-studier"),
}


# --- ESF+ indicators of one ESF-financed insats ------------------------------------

ESF_ENTRY_ROWS: list[tuple[str, Any]] = [  # (condition code in queries, label)
    ("total", gettext_lazy("Deltagare som började (totalt)")),
    ("unemployed_incl_ltu", gettext_lazy("Arbetslösa, inkl. långtidsarbetslösa")),
    ("long_term_unemployed", gettext_lazy("Långtidsarbetslösa")),
    ("inactive", gettext_lazy("Utanför arbetskraften (inaktiva)")),
    ("employed", gettext_lazy("Sysselsatta, inkl. egna företagare")),
    ("situation_refused", gettext_lazy("Situation: vill inte uppge")),
    ("situation_missing", gettext_lazy("Situation: ej registrerad")),
    ("age_under_18", gettext_lazy("Under 18 år")),
    ("age_18_29", gettext_lazy("18–29 år")),
    ("age_30_54", gettext_lazy("30–54 år")),
    ("age_55_plus", gettext_lazy("55 år eller äldre")),
    ("isced_0_2", gettext_lazy("Utbildning ISCED 0–2")),
    ("isced_3_4", gettext_lazy("Utbildning ISCED 3–4")),
    ("isced_5_8", gettext_lazy("Utbildning ISCED 5–8")),
    ("education_refused", gettext_lazy("Utbildning: vill inte uppge")),
    ("education_missing", gettext_lazy("Utbildning: ej registrerad")),
    ("disability", gettext_lazy("Med funktionsnedsättning")),
    ("third_country_national", gettext_lazy("Medborgare i tredjeland")),
    ("foreign_background", gettext_lazy("Med utländsk bakgrund")),
    ("minority", gettext_lazy("Tillhör en minoritet")),
    ("homeless", gettext_lazy("Hemlösa eller utestängda från bostadsmarknaden")),
]
ESF_EXIT_ROWS: list[tuple[str, Any]] = [
    ("total", gettext_lazy("Deltagare som avslutade (totalt)")),
    ("job_searching", gettext_lazy("Söker arbete vid avslut")),
    ("in_education", gettext_lazy("I utbildning eller praktik vid avslut")),
    ("qualification", gettext_lazy("Har fått en kvalifikation vid avslut")),
    ("employed", gettext_lazy("I arbete, inkl. egna företagare, vid avslut")),
    ("missing", gettext_lazy("Resultat vid avslut ej registrerat")),
]
ESF_SIX_MONTHS_ROWS: list[tuple[str, Any]] = [
    ("total", gettext_lazy("Deltagare som avslutade (totalt)")),
    ("employed", gettext_lazy("I arbete, inkl. egna företagare, sex månader efter avslut")),
    ("improved", gettext_lazy("Förbättrad situation på arbetsmarknaden sex månader efter avslut")),
    ("missing", gettext_lazy("Uppgift sex månader efter avslut ej registrerad")),
]


def esf_tables(
    insats: Insats,
    period: Period,
    municipality: Municipality | None = None,
    *,
    exact: bool,
    source: Any = queries,
) -> list[ReportTable]:
    """The ESF+ indicator tables of an ESF-financed insats, per sex.

    exact=False (funders): every count cell-key perturbed, 1-4 hidden, each total
    a cell of its own (the per-sex tallies summed: the same people, the same key).
    exact=True: plain counts (Kind.NUMBER) for the association's own ESF+ report:
    only behind Perm.STATISTICS_EXACT, and every view is audit-logged.
    `source` answers the aggregate call, as for `Report`.
    """
    data = source.esf_indicators(insats, period, municipality=municipality)
    kind = Kind.NUMBER if exact else Kind.COUNT

    def cell(t: Tally) -> TableCell:
        return TableCell(t.n, Kind.NUMBER) if exact else count_cell(t)

    def build(
        slug: str, caption: str, phase: str, rows: list[tuple[str, Any]], description: str
    ) -> ReportTable:
        table_rows = []
        for code, label in rows:
            by_sex = data[phase][code]
            cells = [cell(by_sex.get(sex, ZERO)) for sex, _l in Sex.choices]
            cells.append(cell(tally_sum(list(by_sex.values()))))
            table_rows.append(TableRow(str(label), cells, total=code == "total"))
        return ReportTable(
            slug=slug + ("-exakt" if exact else ""),
            caption=caption,
            row_header=_("Indikator"),
            columns=[
                *(Column(str(label), kind) for _c, label in Sex.choices),
                Column(_("Totalt"), kind),
            ],
            rows=table_rows,
            chart_columns=[len(Sex.choices)],
            chart_rows=[i for i, (code, _l) in enumerate(rows) if code != "total"],
            description=description,
            notes=[
                _(
                    "Räknas per inskrivning i insatsen. Ålder: år uppnådd under startåret. "
                    "Förordning (EU) 2021/1057, bilaga I."
                )
            ],
        )

    return [
        build(
            "esf-start",
            _("ESF+: deltagare vid start (gemensamma output-indikatorer)"),
            "entry",
            ESF_ENTRY_ROWS,
            _("Deltagare som började under perioden, per indikator och kön."),
        ),
        build(
            "esf-avslut",
            _("ESF+: omedelbara resultat vid avslut"),
            "exit",
            ESF_EXIT_ROWS,
            _("Deltagare som avslutade under perioden, per resultat och kön."),
        ),
        build(
            "esf-sex-manader",
            _("ESF+: längre resultat sex månader efter avslut"),
            "six_months",
            ESF_SIX_MONTHS_ROWS,
            _("Deltagare som avslutade under perioden, situation sex månader senare."),
        ),
    ]
