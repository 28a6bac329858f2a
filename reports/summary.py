"""The statistics summary: compute a funder page's aggregates once, read them often.

A funder page (the overview, a per-insats page) and its downloads are built by
`catalogue.Report` from the answers of the aggregate functions in `queries`. At
national scale those answers take a minute (docs/performance.md). So the worker
runs the page's builders once with a *recording* source (every aggregate call
and its answer kept), stores the answers in a `StatisticsSummary` row, and a
request builds the tables from a *stored* source that replays them. The tables
are built by the same builders from the same answers: the page, its downloads
and the attack test see the same numbers as a live computation at that moment.
Downloads (and the development page) build their table from the stored answers
in the request (perturbation, translation and formatting run then). The page's
tables with their charts are also rendered by the worker once per language
(`shown`, from the same stored answers) and kept in the row: rendering 300-600
rows and their SVG charts takes longer than the goal for the whole request.

Other pages read the same rows: the development page the overview's (three of its
tables), the exact Uppföljning Finsam table the overview's too (the worker records
its aggregate beside the overview's), and the ESF+ pages of an ESF-financed insats
(funders' and exact) the insats's row. They build their tables in the request from
the stored answers, so they show exactly what a live computation at that moment
would, perturbed the same way for funders.

Freshness (`settings.STATISTICS_SUMMARY_*`):
- a row of a period that had not ended when it was computed is fresh for
  `STATISTICS_SUMMARY_MAX_AGE_MINUTES` (60); one computed after its period ended,
  for `STATISTICS_SUMMARY_PAST_MAX_AGE_HOURS` (24: late registrations and
  corrections still reach it within a day);
- a page with a stale row shows it (with the time it was computed) and asks for
  a new computation; a page without a row asks for one and shows "Statistiken
  räknas fram" until the worker has written it;
- the scheduler's round (`refresh_due`) recomputes the common keys when they are
  due: this year and last year and their quarters so far, all municipalities,
  the overview and every insats; it deletes other rows (asked for by someone)
  not computed for `STATISTICS_SUMMARY_KEEP_DAYS` (30).
"""

from __future__ import annotations

import datetime
import io
import logging
import pickle
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from django.http import QueryDict
from django.tasks import task
from django.utils import timezone, translation

from participants.models import Insats
from reports import queries
from reports.catalogue import INSATS_TABLES, OVERVIEW_TABLES, Report
from reports.forms import QUARTERS
from reports.models import StatisticsSummary, SummaryKind
from reports.perturbation import Tally
from reports.queries import LengthFigures, Period
from reports.shown import render_insats_tables, render_overview_sections
from samordning.models import Municipality

logger = logging.getLogger(__name__)

# Raised when the stored answers no longer fit the builders (a new version of the
# code): such rows count as missing and are computed again.
SUMMARY_VERSION = 5
# A request asked for a computation this long ago without a row since: the task
# was lost (a worker restarted), so the next request asks again.
REQUEST_RETRY = datetime.timedelta(minutes=15)
# At most this many keys wait for the worker at once: a reader who asks for yet another
# municipality or custom range sees "räknas fram" and asks again by reloading, so a
# funder trying every date range cannot queue hours of work (a live page used to tie
# up a web worker for a minute per such request instead).
MAX_PENDING = 20


class SummaryMiss(LookupError):
    """The stored answers lack a call the builders made (a row from other code)."""


@dataclass(frozen=True)
class SummaryKey:
    kind: str
    start: datetime.date
    end: datetime.date
    municipality_id: int | None = None
    insats_id: int | None = None

    @property
    def text(self) -> str:
        return (
            f"{self.kind}:{self.start:%Y-%m-%d}:{self.end:%Y-%m-%d}"
            f":m{self.municipality_id or '-'}:i{self.insats_id or '-'}"
        )

    def task_args(self) -> dict[str, Any]:
        """The key as JSON-safe task arguments."""
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "municipality_id": self.municipality_id,
            "insats_id": self.insats_id,
        }

    @classmethod
    def from_task_args(
        cls,
        kind: str,
        start: str,
        end: str,
        municipality_id: int | None,
        insats_id: int | None,
    ) -> SummaryKey:
        return cls(
            kind,
            datetime.date.fromisoformat(start),
            datetime.date.fromisoformat(end),
            municipality_id,
            insats_id,
        )


def key_for(
    period: Period, municipality: Municipality | None, insats: Insats | None = None
) -> SummaryKey:
    return SummaryKey(
        SummaryKind.INSATS if insats is not None else SummaryKind.OVERVIEW,
        period.start,
        period.end,
        municipality.pk if municipality is not None else None,
        insats.pk if insats is not None else None,
    )


def canonical_query(key: SummaryKey) -> str:
    """A filter query string that chooses `key` (for the stored tables' download links)."""
    query = QueryDict(mutable=True)
    start, end = key.start, key.end
    quarter = next(
        (q for q, (first, last) in QUARTERS.items() if (start.month, end.month) == (first, last)),
        None,
    )
    month_end = (end + datetime.timedelta(days=1)).day == 1
    if (
        start.year == end.year
        and start.day == 1
        and month_end
        and (start.month, end.month) == (1, 12)
    ):
        query["year"] = str(start.year)
    elif start.year == end.year and start.day == 1 and month_end and quarter:
        query["year"], query["quarter"] = str(start.year), str(quarter)
    else:
        query["date_from"], query["date_to"] = start.isoformat(), end.isoformat()
    if key.municipality_id:
        query["municipality"] = str(key.municipality_id)
    return query.urlencode()


# --- recording and replaying the aggregate calls -------------------------------------


def _canon(value: Any) -> Any:
    """An argument as a plain, stable value: model rows by pk, periods by their dates."""
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    if isinstance(value, Period):
        return ("period", value.start.isoformat(), value.end.isoformat())
    if isinstance(value, (list, tuple)):
        return tuple(_canon(item) for item in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int)):
        return value
    raise TypeError(f"no stable key for {type(value).__name__}")


def call_key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return repr((name, _canon(args), tuple(sorted((k, _canon(v)) for k, v in kwargs.items()))))


class RecordingQueries:
    """The `queries` module, keeping every aggregate call's answer."""

    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.seconds: dict[str, float] = {}  # per aggregate function, for operations

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = getattr(queries, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            answer = function(*args, **kwargs)
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
            self.results[call_key(name, args, kwargs)] = answer
            return answer

        return call


class StoredQueries:
    """Answers the aggregate calls from a stored summary."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return self.results[call_key(name, args, kwargs)]
            except KeyError:
                raise SummaryMiss(name) from None

        return call


# Only these classes are read back from a stored row (a stored row never runs code).
_LOADABLE = {
    ("reports.perturbation", "Tally"): Tally,
    ("reports.queries", "LengthFigures"): LengthFigures,
    ("decimal", "Decimal"): Decimal,
    ("datetime", "date"): datetime.date,
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _LOADABLE[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not a summary value") from None


def _dumps(results: dict[str, Any]) -> bytes:
    return pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)


def _loads(data: bytes | memoryview) -> dict[str, Any] | None:
    try:
        loaded = _Unpickler(io.BytesIO(bytes(data))).load()
    except Exception:
        logger.exception("A statistics summary could not be read; it is computed again")
        return None
    return loaded if isinstance(loaded, dict) else None


# --- computing --------------------------------------------------------------------


Builder = Callable[[Report], Any]


def _tables(kind: str) -> list[Builder]:
    """The page's own tables (the overview's or the per-insats page's)."""
    tables = INSATS_TABLES if kind == SummaryKind.INSATS else OVERVIEW_TABLES
    return list(tables.values())


def _esf_answers(report: Report) -> Any:
    # Exact: the same aggregate call as the funders' tables, without perturbing.
    return report.esf_tables(exact=True)


def _builders(kind: str, insats: Insats | None) -> list[Builder]:
    """What the worker runs for a key: the page's tables, and the pages that read the
    same row: the overview's row answers the exact Finsam table too (participants per
    insats and sex: same period and municipality), an ESF-financed insats's row its
    ESF+ indicators (funders' and exact tables alike)."""
    if kind == SummaryKind.INSATS:
        extra = [_esf_answers] if insats is not None and insats.esf_funded else []
        return [*_tables(kind), *extra]
    return [*_tables(kind), Report.finsam_followup]


def _report(
    key: SummaryKey, source: Any, today: datetime.date
) -> tuple[Report, Municipality | None, Insats | None]:
    municipality = Municipality.objects.get(pk=key.municipality_id) if key.municipality_id else None
    insats = Insats.objects.get(pk=key.insats_id) if key.insats_id else None
    period = Period(key.start, key.end, "")
    report = Report(period, municipality=municipality, insats=insats, today=today, source=source)
    return report, municipality, insats


@transaction.atomic
def summary_compute(*, key: SummaryKey) -> StatisticsSummary:
    """Run the page's builders against the database and store every aggregate's answer.

    Overwrites the key's row (and clears its request). Municipalities and insatser
    are read by pk: a key whose municipality or insats is gone raises DoesNotExist.
    """
    computed_at = timezone.now()
    started = time.perf_counter()
    recorder = RecordingQueries()
    today = timezone.localdate(computed_at)
    report, municipality, insats = _report(key, recorder, today)
    for builder in _builders(key.kind, insats):
        builder(report)
    html = {}
    query = canonical_query(key)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            shown = Report(
                report.period,
                municipality=municipality,
                insats=insats,
                today=today,
                source=StoredQueries(recorder.results),
            )
            if insats is not None:
                html[language] = render_insats_tables(shown, insats, query)
            else:
                html[language] = render_overview_sections(shown, query)
    slowest = sorted(recorder.seconds.items(), key=lambda item: -item[1])[:3]
    logger.info(
        "Statistics summary %s: %s",
        key.text,
        ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest),
    )
    row, _created = StatisticsSummary.objects.update_or_create(
        key=key.text,
        defaults={
            "kind": key.kind,
            "period_start": key.start,
            "period_end": key.end,
            "municipality": municipality,
            "insats": insats,
            "results": _dumps(recorder.results),
            "html": html,
            "version": SUMMARY_VERSION,
            "computed_at": computed_at,
            "seconds": time.perf_counter() - started,
            "requested_at": None,
        },
    )
    return row


def summary_request(*, key: SummaryKey, limited: bool = True) -> bool:
    """Ask the worker to compute `key`, once: True if a task was enqueued.

    The key's row marks the request (`requested_at`), so many readers of the
    same missing or stale key enqueue one task; a request older than
    REQUEST_RETRY is taken as lost and made again; with MAX_PENDING keys waiting,
    nothing is asked (unless not `limited`: the round's common keys, a fixed set).
    A queue that fails here loses nothing: the next reader asks again.
    """
    now = timezone.now()
    pending = StatisticsSummary.objects.filter(requested_at__gte=now - REQUEST_RETRY)
    if limited and pending.exclude(key=key.text).count() >= MAX_PENDING:
        logger.warning("Statistics summary %s not asked for: the worker has enough", key.text)
        return False
    row, created = StatisticsSummary.objects.get_or_create(
        key=key.text,
        defaults={
            "kind": key.kind,
            "period_start": key.start,
            "period_end": key.end,
            "municipality_id": key.municipality_id,
            "insats_id": key.insats_id,
            "requested_at": now,
        },
    )
    if not created:
        claimed = (
            StatisticsSummary.objects.filter(pk=row.pk)
            .filter(Q(requested_at__isnull=True) | Q(requested_at__lt=now - REQUEST_RETRY))
            .update(requested_at=now)
        )
        if not claimed:
            return False
    try:
        compute_statistics_summary.enqueue(**key.task_args())
    except Exception:
        logger.exception("Could not enqueue the statistics summary %s", key.text)
        return False
    return True


# --- reading ----------------------------------------------------------------------


def max_age(key: SummaryKey, computed_at: datetime.datetime) -> datetime.timedelta:
    """How long a row computed at `computed_at` stays fresh (see the module's docstring)."""
    if timezone.localdate(computed_at) > key.end:
        return datetime.timedelta(hours=settings.STATISTICS_SUMMARY_PAST_MAX_AGE_HOURS)
    return datetime.timedelta(minutes=settings.STATISTICS_SUMMARY_MAX_AGE_MINUTES)


def is_fresh(row: StatisticsSummary, key: SummaryKey, now: datetime.datetime) -> bool:
    return (
        row.computed_at is not None
        and row.version == SUMMARY_VERSION
        and now - row.computed_at < max_age(key, row.computed_at)
    )


@dataclass
class StoredReport:
    report: Report
    computed_at: datetime.datetime
    html: str = ""  # the page's tables rendered in the language asked for ("" if not stored)


def _stored(
    row: StatisticsSummary | None,
    period: Period,
    municipality: Municipality | None,
    insats: Insats | None,
    needs: Sequence[Builder] | None = None,
) -> StoredReport | None:
    if row is None or row.results is None or row.computed_at is None:
        return None
    if row.version != SUMMARY_VERSION:
        return None
    results = _loads(row.results)
    if results is None:
        return None
    report = Report(
        period,
        municipality=municipality,
        insats=insats,
        today=timezone.localdate(row.computed_at),
        source=StoredQueries(results),
    )
    html = getattr(row, "page_html", None) or ""
    if html:
        # The page only sends the tables the worker rendered from these answers: no
        # builder runs (nor the ptable loads, two seconds in a fresh worker process).
        return StoredReport(report, row.computed_at, html)
    try:
        # What the request will build, once (no queries), so a row that cannot answer it
        # (stored by other code, or before the insats was ESF-financed) counts as missing
        # here instead of failing later. Only that: the development page's tables need no
        # perturbation, so its request never loads the ptable.
        for builder in _tables(row.kind) if needs is None else needs:
            builder(report)
    except SummaryMiss:
        logger.warning("The statistics summary %s lacks an answer; computed again", row.key)
        return None
    return StoredReport(report, row.computed_at)


def _row(key: SummaryKey, language: str | None) -> StatisticsSummary | None:
    """The key's row, with only `language`'s rendered tables (`page_html`) if one is named."""
    rows = StatisticsSummary.objects.filter(key=key.text).defer("html")
    if language:
        rows = rows.annotate(page_html=KT(f"html__{language}"))
    return rows.first()


def stored_report(
    period: Period,
    municipality: Municipality | None,
    insats: Insats | None = None,
    *,
    language: str | None = None,
    needs: Sequence[Builder] | None = None,
) -> StoredReport | None:
    """The page's Report answered from its summary row; None while it is computed.

    `language`: the page's tables as the worker rendered them in that language are
    wanted (`StoredReport.html`; "" if the row has none: the page builds them).
    Without, a download or another page (development, ESF+, Finsam) builds its tables
    from the answers: `needs`, what it will build (default: the page's tables); a row
    that cannot answer them counts as missing.

    One query when the row is fresh. A missing or stale row asks the worker for a
    computation (`summary_request`); a stale row is still shown meanwhile. With a
    task backend that runs at once (tests, a setup without a worker) the row is
    there after the request and is read again.
    """
    key = key_for(period, municipality, insats)
    row = _row(key, language)
    found = _stored(row, period, municipality, insats, needs)
    if found is not None and row is not None and is_fresh(row, key, timezone.now()):
        return found
    if summary_request(key=key) and found is None:
        row = _row(key, language)
        found = _stored(row, period, municipality, insats, needs)
    return found


# --- the scheduler's round ----------------------------------------------------------


def common_periods(today: datetime.date) -> list[Period]:
    """This year and last year, and their quarters that have begun."""
    periods = []
    for year in (today.year, today.year - 1):
        periods.append(Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year)))
        for first in (1, 4, 7, 10):
            start = datetime.date(year, first, 1)
            if start > today:
                break
            end = (
                datetime.date(year, first + 3, 1) - datetime.timedelta(days=1)
                if first < 10
                else datetime.date(year, 12, 31)
            )
            periods.append(Period(start, end, ""))
    return periods


def common_keys(today: datetime.date) -> Iterator[SummaryKey]:
    """The keys the round keeps computed: the common periods for all municipalities,
    the overview and every insats."""
    insats_ids = list(Insats.objects.order_by("pk").values_list("pk", flat=True))
    for period in common_periods(today):
        yield key_for(period, None)
        for pk in insats_ids:
            yield SummaryKey(SummaryKind.INSATS, period.start, period.end, None, pk)


def refresh_due(*, now: datetime.datetime | None = None) -> int:
    """The scheduler's round: ask for every common key that is missing or stale, and
    forget rows outside the common keys not computed for STATISTICS_SUMMARY_KEEP_DAYS.
    The number of computations asked for."""
    now = now or timezone.now()
    keys = list(common_keys(timezone.localdate(now)))
    rows = {
        row.key: row for row in StatisticsSummary.objects.filter(key__in=[k.text for k in keys])
    }
    asked = 0
    for key in keys:
        row = rows.get(key.text)
        if row is None or not is_fresh(row, key, now):
            asked += summary_request(key=key, limited=False)
    keep = now - datetime.timedelta(days=settings.STATISTICS_SUMMARY_KEEP_DAYS)
    old = Q(computed_at__lt=keep) | Q(computed_at__isnull=True, requested_at__lt=keep)
    StatisticsSummary.objects.exclude(key__in=[k.text for k in keys]).filter(old).delete()
    return asked


# --- the worker's tasks -------------------------------------------------------------


@task()
def compute_statistics_summary(
    kind: str, start: str, end: str, municipality_id: int | None, insats_id: int | None
) -> float:
    """Compute one summary row (asked for by a reader or the round): its seconds."""
    key = SummaryKey.from_task_args(kind, start, end, municipality_id, insats_id)
    return summary_compute(key=key).seconds or 0.0


@task()
def refresh_statistics() -> int:
    """The scheduler's statistics round (`refresh_due`)."""
    return refresh_due()
