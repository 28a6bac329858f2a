"""Funder summary pages: the overview, one page per insats, and table downloads.

Statistics are for funders, coordinators and admins (Perm.STATISTICS_VIEW);
a manager gets 403. Every page shows aggregates only, every count of people
cell-key perturbed (see `perturbation` and `tables`); a download holds exactly
the table the page shows. The exact per-insats report for the national
follow-up is for admins only (Perm.STATISTICS_EXACT) and every view of it is
written to the audit log.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from participants.models import Insats
from reports import queries, summary
from reports.catalogue import (
    DEVELOPMENT_SLUGS,
    INSATS_TABLES,
    OVERVIEW_TABLES,
    Report,
)
from reports.charts import chart_for
from reports.forms import PeriodForm
from reports.perturbation import HIDDEN_MARK
from reports.queries import Period
from reports.shown import ShownTable, insats_tables, overview_sections
from reports.shown import shown as _shown
from reports.tables import ReportTable
from samordning import policy
from samordning.audit import audit_records
from samordning.exports import table_response, xlsx_sheets_response
from samordning.http import AuthedRequest
from samordning.models import AuditAction, Municipality

EXPORT_FORMATS = ("csv", "xlsx")


def _filter_query(query: QueryDict) -> str:
    """The filter's part of the query string, passed on to the download links."""
    kept = QueryDict(mutable=True)
    for name in PeriodForm.base_fields:
        value = query.get(name)
        if value:
            kept[name] = str(value)
    return kept.urlencode()


def _base_context(
    form: PeriodForm, chosen: tuple[Period, Municipality | None] | None
) -> dict[str, Any]:
    period, municipality = chosen if chosen else (None, None)
    return {
        "form": form,
        "period": period,
        "municipality": municipality,
        "hidden_mark": HIDDEN_MARK,
    }


@dataclass
class Figures:
    """A page's Report, when its figures were computed (None: now, live) and, from the
    summary, its tables already rendered in the request's language (or "")."""

    report: Report
    computed_at: datetime.datetime | None = None
    html: str = ""


def _figures(
    period: Period,
    municipality: Municipality | None,
    insats: Insats | None = None,
    *,
    rendered: bool = False,
    needs: Sequence[summary.Builder] | None = None,
) -> Figures | None:
    """The page's figures: live, or with `settings.STATISTICS_SUMMARY` from the stored
    summary (`reports.summary`), with its tables as the worker rendered them in the
    request's language if `rendered`; None while the worker computes it. `needs`:
    what the request builds from the stored answers (see `summary.stored_report`)."""
    if not settings.STATISTICS_SUMMARY:
        return Figures(Report(period, municipality=municipality, insats=insats))
    language = get_language() if rendered else None
    stored = summary.stored_report(period, municipality, insats, language=language, needs=needs)
    if stored is None:
        return None
    return Figures(stored.report, stored.computed_at, stored.html)


def _computing(request: AuthedRequest, context: dict[str, Any]) -> HttpResponse:
    """The summary is not there yet: say so and offer a reload, instead of a minute's wait."""
    context["reload_url"] = request.get_full_path()
    return render(request, "reports/computing.html", context, status=202)


@policy.perm_required(policy.Perm.STATISTICS_VIEW)
@require_safe
def overview(request: AuthedRequest) -> HttpResponse:
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    context: dict[str, Any] = _base_context(form, chosen)
    if chosen is not None:
        period, municipality = chosen
        figures = _figures(period, municipality, rendered=True)
        if figures is None:
            return _computing(request, context)
        context["computed_at"] = figures.computed_at
        query = _filter_query(request.GET)
        if figures.html:
            # Rendered by the worker (reports/summary.py): only sent here.
            context["sections_html"] = mark_safe(figures.html)  # noqa: S308
        else:
            context["sections"] = overview_sections(figures.report, query)
        context["insatser"] = queries.insats_list()
        context["query"] = query
    return render(request, "reports/overview.html", context)


@policy.perm_required(policy.Perm.STATISTICS_VIEW)
@require_safe
def insats_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    insats = get_object_or_404(Insats.objects.all(), pk=pk)
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    context: dict[str, Any] = _base_context(form, chosen)
    context["insats"] = insats
    if chosen is not None:
        period, municipality = chosen
        figures = _figures(period, municipality, insats, rendered=True)
        if figures is None:
            return _computing(request, context)
        context["computed_at"] = figures.computed_at
        query = _filter_query(request.GET)
        if figures.html:
            context["tables_html"] = mark_safe(figures.html)  # noqa: S308
        else:
            context["tables"] = insats_tables(figures.report, insats, query)
        context["query"] = query
    return render(request, "reports/insats_detail.html", context)


def _export(
    fmt: str,
    table: ReportTable,
    period: Period,
    municipality: Municipality | None,
    insats: Insats | None = None,
) -> HttpResponseBase:
    name = _file_name(table.slug, period, municipality, insats)
    return table_response(
        fmt, name, table.export_header(), table.export_rows(), sheet=str(table.caption)
    )


def _file_name(
    slug: str,
    period: Period,
    municipality: Municipality | None,
    insats: Insats | None = None,
    suffix: str = "",
) -> str:
    """A download's name: what, for which insats, which dates, which municipality."""
    parts = [slug]
    if insats is not None:
        parts.append(slugify(insats.name) or str(insats.pk))
    parts += [f"{period.start:%Y%m%d}", f"{period.end:%Y%m%d}"]
    if municipality is not None:
        parts.append(municipality.code)
    if suffix:
        parts.append(suffix)
    return "_".join(parts)


@policy.perm_required(policy.Perm.STATISTICS_VIEW)
@require_safe
def table_export(request: AuthedRequest, slug: str, fmt: str) -> HttpResponseBase:
    builder = OVERVIEW_TABLES.get(slug)
    if builder is None or fmt not in EXPORT_FORMATS:
        raise Http404
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    if chosen is None:
        # Show the filter's error message on the page instead of a broken file.
        return redirect(f"{reverse('reports:overview')}?{request.GET.urlencode()}")
    period, municipality = chosen
    figures = _figures(period, municipality, needs=[builder])
    if figures is None:
        # The page says the figures are being computed.
        return redirect(f"{reverse('reports:overview')}?{request.GET.urlencode()}")
    return _export(fmt, builder(figures.report), period, municipality)


@policy.perm_required(policy.Perm.STATISTICS_VIEW)
@require_safe
def insats_table_export(request: AuthedRequest, pk: int, slug: str, fmt: str) -> HttpResponseBase:
    insats = get_object_or_404(Insats.objects.all(), pk=pk)
    builder = INSATS_TABLES.get(slug)
    if builder is None or fmt not in EXPORT_FORMATS:
        raise Http404
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    if chosen is None:
        url = reverse("reports:insats-detail", args=[insats.pk])
        return redirect(f"{url}?{request.GET.urlencode()}")
    period, municipality = chosen
    figures = _figures(period, municipality, insats, needs=[builder])
    if figures is None:
        url = reverse("reports:insats-detail", args=[insats.pk])
        return redirect(f"{url}?{request.GET.urlencode()}")
    return _export(fmt, builder(figures.report), period, municipality, insats)


def _audit_exact(request: AuthedRequest, table: ReportTable, action: str, period: Period) -> None:
    """One audit row per insats whose exact counts the admin saw or downloaded."""
    insatser = Insats.objects.filter(name__in=[row.label for row in table.rows])
    audit_records(
        user=request.user,
        action=action,
        objects=list(insatser),
        request=request,
        detail=f"exact statistics {table.slug} {period.start:%Y-%m-%d}..{period.end:%Y-%m-%d}",
    )


@policy.perm_required(policy.Perm.STATISTICS_EXACT)
@require_safe
def finsam_followup(request: AuthedRequest) -> HttpResponse:
    """Exact participants per insats and sex for the national follow-up (admins only)."""
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    context: dict[str, Any] = _base_context(form, chosen)
    if chosen is not None:
        period, municipality = chosen
        # The overview's summary holds these answers too (reports/summary.py).
        figures = _figures(period, municipality, needs=[Report.finsam_followup])
        if figures is None:
            return _computing(request, context)
        table = figures.report.finsam_followup()
        _audit_exact(request, table, AuditAction.VIEW, period)
        context["computed_at"] = figures.computed_at
        context["item"] = _shown(table, "reports:finsam-export", [], _filter_query(request.GET))
    return render(request, "reports/finsam_followup.html", context)


@policy.perm_required(policy.Perm.STATISTICS_EXACT)
@require_safe
def finsam_export(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    if chosen is None:
        return redirect(f"{reverse('reports:finsam-followup')}?{request.GET.urlencode()}")
    period, municipality = chosen
    figures = _figures(period, municipality, needs=[Report.finsam_followup])
    if figures is None:
        return redirect(f"{reverse('reports:finsam-followup')}?{request.GET.urlencode()}")
    table = figures.report.finsam_followup()
    _audit_exact(request, table, AuditAction.EXPORT, period)
    return _export(fmt, table, period, municipality)


@policy.perm_required(policy.Perm.STATISTICS_VIEW)
@require_safe
def development(request: AuthedRequest) -> HttpResponse:
    """The association's work with the enterprises and their growth, per year."""
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    context: dict[str, Any] = _base_context(form, chosen)
    if chosen is not None:
        period, municipality = chosen
        # The overview's summary holds these tables too. Only they are built: none
        # counts people, so the request needs no perturbation (nor its ptable).
        development = [OVERVIEW_TABLES[slug] for slug in DEVELOPMENT_SLUGS]
        figures = _figures(period, municipality, needs=development)
        if figures is None:
            return _computing(request, context)
        context["computed_at"] = figures.computed_at
        query = _filter_query(request.GET)
        context["items"] = [
            _shown(builder(figures.report), "reports:table-export", [slug], query)
            for slug, builder in zip(DEVELOPMENT_SLUGS, development, strict=True)
        ]
    return render(request, "reports/development.html", context)


def _esf_insats(pk: int) -> Insats:
    return get_object_or_404(Insats.objects.filter(esf_funded=True), pk=pk)


def _esf_figures(
    insats: Insats, period: Period, municipality: Municipality | None, *, exact: bool
) -> tuple[list[ReportTable], datetime.datetime | None] | None:
    """The ESF+ tables, from the insats's summary (its row holds the ESF+ answers of an
    ESF-financed insats) or live, and when they were computed; None while computing."""
    build = functools.partial(Report.esf_tables, exact=exact)
    figures = _figures(period, municipality, insats, needs=[build])
    if figures is None:
        return None
    return build(figures.report), figures.computed_at


def _esf_page(request: AuthedRequest, pk: int, *, exact: bool) -> HttpResponse:
    insats = _esf_insats(pk)
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    context: dict[str, Any] = _base_context(form, chosen)
    context.update(insats=insats, exact=exact)
    if chosen is not None:
        period, municipality = chosen
        found = _esf_figures(insats, period, municipality, exact=exact)
        if found is None:
            return _computing(request, context)
        tables, context["computed_at"] = found
        if exact:
            _audit_esf(request, insats, AuditAction.VIEW, period)
        query = _filter_query(request.GET)
        url_name = "reports:esf-exact-export" if exact else "reports:esf-export"
        context["tables"] = [
            ShownTable(table=table, chart=chart_for(table), csv_url="", xlsx_url="")
            for table in tables
        ]
        context["xlsx_url"] = reverse(url_name, args=[insats.pk]) + (f"?{query}" if query else "")
    return render(request, "reports/esf.html", context)


def _esf_export(request: AuthedRequest, pk: int, *, exact: bool) -> HttpResponseBase:
    insats = _esf_insats(pk)
    form = PeriodForm.from_query(request.GET)
    chosen = form.period_and_municipality()
    page = "reports:esf-exact" if exact else "reports:esf"
    if chosen is None:
        return redirect(f"{reverse(page, args=[insats.pk])}?{request.GET.urlencode()}")
    period, municipality = chosen
    found = _esf_figures(insats, period, municipality, exact=exact)
    if found is None:
        return redirect(f"{reverse(page, args=[insats.pk])}?{request.GET.urlencode()}")
    tables, _computed_at = found
    if exact:
        _audit_esf(request, insats, AuditAction.EXPORT, period)
    return xlsx_sheets_response(
        _file_name("esf", period, municipality, insats, "exakt" if exact else ""),
        [(table.slug, table.export_header(), table.export_rows()) for table in tables],
    )


def _audit_esf(request: AuthedRequest, insats: Insats, action: str, period: Period) -> None:
    audit_records(
        user=request.user,
        action=action,
        objects=[insats],
        request=request,
        detail=f"exact statistics esf+ {period.start:%Y-%m-%d}..{period.end:%Y-%m-%d}",
    )


@policy.perm_required(policy.Perm.STATISTICS_VIEW)
@require_safe
def esf(request: AuthedRequest, pk: int) -> HttpResponse:
    """ESF+ indicators of an ESF-financed insats, every count of people perturbed."""
    return _esf_page(request, pk, exact=False)


@policy.perm_required(policy.Perm.STATISTICS_VIEW)
@require_safe
def esf_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _esf_export(request, pk, exact=False)


@policy.perm_required(policy.Perm.STATISTICS_EXACT)
@require_safe
def esf_exact(request: AuthedRequest, pk: int) -> HttpResponse:
    """EXACT ESF+ indicators for the association's own report: admins only, logged."""
    return _esf_page(request, pk, exact=True)


@policy.perm_required(policy.Perm.STATISTICS_EXACT)
@require_safe
def esf_exact_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _esf_export(request, pk, exact=True)
