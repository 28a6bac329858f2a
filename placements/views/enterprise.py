"""The enterprise side of placements: proposals to answer, placements, attendance,
the invoice basis and the number of places of an offer.

Managers reach only their own enterprises' rows (anything else is a 404).
Coordinators see the invoice basis of their own caseload's placements, admins of
all. What a page shows of a participant is limited to placements.disclosure;
every page that shows participants writes one audit row listing them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from enterprises.models import Enterprise, TrainingOffer
from placements.disclosure import Disclosed, enterprise_disclosure
from placements.forms.enterprise import CapacityForm, DeclineForm, MonthForm
from placements.models import (
    ENDED_STATUSES,
    AttendanceDay,
    Placement,
    PlacementQuerySet,
    PlacementStatus,
)
from placements.selectors.enterprise import enterprise_placements, open_proposals, with_disclosure
from placements.selectors.invoicing import (
    InvoiceRowList,
    enterprise_totals,
    export_table,
    exported_subjects,
    invoice_offer_totals,
    row_participant,
    with_present_days,
)
from placements.services.attendance import (
    ATTENDANCE_STATUSES,
    attendance_range,
    attendance_set_months,
    month_bounds,
    month_closing,
)
from placements.services.capacity import FAR_FUTURE, held_peak, places_on
from placements.services.lifecycle import (
    TransitionError,
    check_step,
    placement_accept,
    placement_decline,
)
from placements.services.waiting import offer_capacity_set
from samordning.audit import (
    audit_export,
    audit_page_view,
    audit_record,
    request_filters,
)
from samordning.exports import table_response
from samordning.forms import apply_service_error
from samordning.http import AuthedRequest, post_only, read_only
from samordning.models import AuditAction, User
from samordning.policy import Perm, perm_required
from samordning.validation import is_ascii_digits, is_db_id

PAGE_SIZE = 25
EXPORT_FORMATS = ("csv", "xlsx")


# --- scoping ---------------------------------------------------------------


def _enterprise_param(request: AuthedRequest, scope: QuerySet[Enterprise]) -> Enterprise | None:
    """The ?enterprise= filter; one outside `scope` is a 404, like any other object."""
    value = request.GET.get("enterprise", "")
    if not value:
        return None
    if not is_ascii_digits(value):
        raise Http404
    return get_object_or_404(scope, pk=int(value))


# --- proposals ---------------------------------------------------------------


@perm_required(Perm.PLACEMENT_ANSWER)
@require_safe
def proposal_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    proposals = with_disclosure(
        open_proposals(request.user, today)
        .select_related("participant", "offer", "offer__enterprise")
        .order_by("planned_start", "pk"),
        today,
    )
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        (
            proposal,
            enterprise_disclosure(proposal, today),
            DeclineForm(prefix=f"d{proposal.pk}"),
        )
        for proposal in page.object_list
    ]
    _log_list(
        request, "enterprise-proposal-list", [p for p, shown, _f in items if shown.identified]
    )
    return render(
        request,
        "placements/enterprise_proposal_list.html",
        {"page_obj": page, "items": items},
    )


def _answerable(request: AuthedRequest, placement_pk: int) -> Placement:
    return get_object_or_404(
        with_disclosure(
            enterprise_placements(request.user).select_related(
                "participant", "offer", "offer__enterprise"
            ),
            timezone.localdate(),
        ),
        pk=placement_pk,
    )


def _log_list(request: AuthedRequest, page: str, shown: list[Placement]) -> None:
    """One audit row for a page view listing participants: those shown by name."""
    audit_page_view(
        user=request.user,
        page=page,
        subjects=[placement.participant_id for placement in shown],
        request=request,
        filters=request_filters(request),
    )


def _log_read(request: AuthedRequest, placement: Placement, shown: Disclosed, what: str) -> None:
    """One read of a placement on the enterprise's side, on the person if the page
    names them (`shown`: its enterprise_disclosure)."""
    audit_record(
        user=request.user,
        action=AuditAction.VIEW,
        obj=placement,
        request=request,
        detail=what if shown.identified else f"{what}, number only",
        responsible=False,
        subjects=[placement.participant_id] if shown.identified else [],
    )


@perm_required(Perm.PLACEMENT_ANSWER)
def proposal_accept(request: AuthedRequest, placement_pk: int) -> HttpResponse:
    placement = _answerable(request, placement_pk)
    refused = post_only(request)
    if refused:
        return refused
    name = enterprise_disclosure(placement).label
    try:
        placement_accept(placement=placement, user=request.user, request=request)
    except ValidationError as error:
        answer, ok = " ".join(error.messages), False
    else:
        answer = _("Du har accepterat förslaget om %(name)s. Koordinatorn ser svaret.") % {
            "name": name
        }
        ok = True
    return _answered(request, placement, answer, ok)


def _answered(request: AuthedRequest, placement: Placement, answer: str, ok: bool) -> HttpResponse:
    """An accept or decline done: in the list (htmx) the proposal's card becomes the
    answer, no page load; without htmx, back to the list with the answer as a message."""
    if request.htmx:
        return render(
            request,
            "placements/_proposal_answered.html",
            {"placement": placement, "answer": answer, "ok": ok},
        )
    (messages.success if ok else messages.error)(request, answer)
    return redirect("placements:enterprise-proposal-list")


@perm_required(Perm.PLACEMENT_ANSWER)
def proposal_decline(request: AuthedRequest, placement_pk: int) -> HttpResponse:
    """POST-only; a refused answer re-renders this one proposal with the errors: its own
    page without JavaScript, its card in the list with htmx."""
    placement = _answerable(request, placement_pk)
    refused = post_only(request)
    if refused:
        return refused
    # A page left open while the proposal was withdrawn or answered: say so, as an
    # accept would, before the form's reason is judged.
    try:
        check_step(placement, "decline")
    except TransitionError as error:
        return _answered(request, placement, " ".join(error.messages), ok=False)
    shown = enterprise_disclosure(placement)
    name = shown.label
    form = DeclineForm(request.POST, prefix=f"d{placement.pk}")
    if form.is_valid():
        try:
            placement_decline(
                placement=placement,
                user=request.user,
                reason=form.cleaned_data["decline_reason"],
                note=form.cleaned_data["decline_note"],
                request=request,
            )
        except TransitionError as error:
            return _answered(request, placement, " ".join(error.messages), ok=False)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            answer = _("Du har tackat nej till förslaget om %(name)s. Koordinatorn ser svaret.") % {
                "name": name
            }
            return _answered(request, placement, answer, ok=True)
    # The proposal again, with the form's errors (the name and what was shared, as the
    # list shows them): a read.
    _log_read(request, placement, shown, "enterprise proposal")
    if request.htmx:
        # In the list (htmx): the card again, its form with the errors, the first wrong
        # field focused (htmx focuses `autofocus` in what it swaps in), so a screen
        # reader lands on the field and its message.
        first_wrong = next(iter(form.errors), None)
        if first_wrong in form.fields:
            form.fields[first_wrong].widget.attrs["autofocus"] = True
        return render(
            request,
            "placements/_proposal_card.html",
            {"proposal": placement, "shown": shown, "decline_form": form},
        )
    return render(
        request,
        "placements/enterprise_proposal_decline.html",
        {"proposal": placement, "name": name, "shown": shown, "form": form},
    )


# --- placements ----------------------------------------------------------------

PERIODS = {
    "current": [PlacementStatus.ACCEPTED, PlacementStatus.ACTIVE],
    "past": list(ENDED_STATUSES),
}


@perm_required(Perm.ENTERPRISE_PLACEMENTS_VIEW)
@require_safe
def placement_list(request: AuthedRequest) -> HttpResponse:
    period = request.GET.get("period", "current")
    if period not in PERIODS:
        period = "current"
    today = timezone.localdate()
    placements = with_disclosure(
        enterprise_placements(request.user)
        .filter(status__in=PERIODS[period])
        .select_related("participant", "offer"),
        today,
    )
    if period == "past":
        placements = placements.order_by("-end_date", "-pk")
    else:
        placements = placements.order_by("planned_start", "pk")
    page = Paginator(placements, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(p, enterprise_disclosure(p, today).label) for p in page.object_list]
    _log_list(
        request,
        "enterprise-placement-list",
        [p for p in page.object_list if enterprise_disclosure(p, today).identified],
    )
    return render(
        request,
        "placements/enterprise_placement_list.html",
        {"page_obj": page, "rows": rows, "period": period},
    )


@perm_required(Perm.ENTERPRISE_PLACEMENTS_VIEW)
def placement_detail(request: AuthedRequest, placement_pk: int) -> HttpResponse:
    today = timezone.localdate()
    placement = get_object_or_404(
        with_disclosure(
            enterprise_placements(request.user).select_related(
                "participant", "offer", "offer__enterprise"
            ),
            today,
        ),
        pk=placement_pk,
    )
    if refused := read_only(request):
        return refused
    shown = enterprise_disclosure(placement, today)
    # The manager reads what was shared of the participant here (if anything still is).
    _log_read(request, placement, shown, "enterprise placement")
    return render(
        request,
        "placements/enterprise_placement_detail.html",
        {
            "placement": placement,
            "name": shown.label,
            "shown": shown,
            "has_attendance": placement.status in ATTENDANCE_STATUSES,
            # The attendance grid opens on the month the placement ended, or this month.
            "month": f"{placement.end_date or timezone.localdate():%Y-%m}",
        },
    )


# --- attendance ----------------------------------------------------------------


@dataclass
class Cell:
    day: datetime.date
    checked: bool
    editable: bool


@dataclass
class GridRow:
    placement: Placement
    name: str
    identified: bool
    cells: list[Cell]
    present: int
    errors: list[str] = field(default_factory=list)
    # A save refused because the month is closed: the days it would have added and
    # taken away (day numbers), so the manager can tell the office what to correct.
    unsaved_added: list[int] = field(default_factory=list)
    unsaved_removed: list[int] = field(default_factory=list)


_ROW_FIELD = re.compile(r"^p([0-9]+)\Z")


def _attendance_placements(
    user: User, first: datetime.date, last: datetime.date, enterprise: Enterprise | None
) -> PlacementQuerySet:
    """Active and ended placements with days in [first, last], with that month's days."""
    placements = (
        enterprise_placements(user)
        .filter(start_date__isnull=False, start_date__lte=last)
        .filter(
            Q(status=PlacementStatus.ACTIVE, planned_end__gte=first)
            | Q(status__in=ENDED_STATUSES, end_date__gte=first)
        )
        .select_related("participant", "offer", "offer__enterprise")
        .prefetch_related(
            Prefetch(
                "attendance_days",
                queryset=AttendanceDay.objects.filter(date__range=(first, last)),
                to_attr="month_days",
            )
        )
        .order_by("offer__enterprise__name", "offer__title", "start_date", "pk")
    )
    placements = with_disclosure(placements, timezone.localdate())  # type: ignore[assignment]
    if enterprise is not None:
        placements = placements.filter(offer__enterprise=enterprise)
    return placements


def _submitted_marks(
    request: AuthedRequest,
) -> tuple[dict[Placement, set[datetime.date]], dict[str, list[str]]]:
    """The grid's POST: the rows it covers ("shown" and p<id> fields) and their ticked days.

    A row outside the user's scope (or not open for attendance) is a 404.
    """
    shown = request.POST.getlist("shown")
    # An id beyond 64 bits cannot exist (and SQLite cannot even look it up).
    ids = {int(v) for v in shown if is_db_id(v)}
    if len(ids) != len(shown):
        raise Http404
    for key in request.POST:
        match = _ROW_FIELD.match(key)
        if match:
            if not is_db_id(match.group(1)):
                raise Http404
            ids.add(int(match.group(1)))
    placements = {
        p.pk: p
        for p in enterprise_placements(request.user)
        .filter(pk__in=ids, status__in=ATTENDANCE_STATUSES)
        .select_related("participant")
    }
    if set(placements) != ids:
        raise Http404
    marks: dict[Placement, set[datetime.date]] = {}
    errors: dict[str, list[str]] = {}
    for pk, placement in placements.items():
        days: set[datetime.date] = set()
        for value in request.POST.getlist(f"p{pk}"):
            try:
                days.add(datetime.date.fromisoformat(value))
            except ValueError:
                errors.setdefault(f"p{pk}", []).append(
                    _("%(value)s är inget datum.") % {"value": value[:20]}
                )
        marks[placement] = days
    return marks, errors


@perm_required(Perm.ATTENDANCE_REPORT)
def attendance_grid(request: AuthedRequest) -> HttpResponse:
    """A month grid: one row per active or ended placement, a checkbox per reportable day."""
    today = timezone.localdate()
    month_form = MonthForm(request.GET)
    first = month_form.selected(today)
    first, last = month_bounds(first.year, first.month)
    managed = Enterprise.objects.editable_by(request.user).order_by("name")
    enterprise = _enterprise_param(request, managed)
    errors: dict[str, list[str]] = {}
    submitted: dict[int, set[datetime.date]] = {}
    if request.method == "POST":
        marks, errors = _submitted_marks(request)
        if not errors:
            try:
                attendance_set_months(
                    marks=marks, user=request.user, year=first.year, month=first.month
                )
            except ValidationError as error:
                # Row errors by "p<id>"; a closed month is one error for the grid.
                if hasattr(error, "error_dict"):
                    errors = error.message_dict
                else:
                    errors = {NON_FIELD_ERRORS: error.messages}
        if not errors:
            messages.success(request, _("Närvaron är sparad."))
            return redirect(request.get_full_path())
        submitted = {p.pk: days for p, days in marks.items()}
    # Read after a refused save too: a month closed meanwhile is shown closed.
    closing = month_closing(first)
    refused: dict[int, set[datetime.date]] = {}
    if closing is not None:
        # Nothing of a closed month can be saved: show what is recorded, not the ticks,
        # and list per row what the refused save would have changed.
        refused, submitted = submitted, {}
    placements = _attendance_placements(request.user, first, last, enterprise)
    page = Paginator(placements, PAGE_SIZE).get_page(request.GET.get("page"))
    days = [first + datetime.timedelta(days=n) for n in range(last.day)]
    rows = []
    for placement in page.object_list:
        bounds = attendance_range(placement, today=today)
        recorded = {a.date for a in placement.month_days}  # type: ignore[attr-defined]
        checked = submitted.get(placement.pk, recorded)
        added: list[int] = []
        removed: list[int] = []
        if placement.pk in refused and bounds is not None:
            # Only the reportable days: the grid posts no others.
            reportable = {d for d in days if bounds[0] <= d <= bounds[1]}
            wanted = refused[placement.pk] & reportable
            added = sorted(d.day for d in wanted - recorded)
            removed = sorted(d.day for d in (recorded & reportable) - wanted)
        shown = enterprise_disclosure(placement, today)
        rows.append(
            GridRow(
                placement=placement,
                name=shown.label,
                identified=shown.identified,
                cells=[
                    Cell(
                        day=day,
                        checked=day in checked,
                        editable=bounds is not None and bounds[0] <= day <= bounds[1],
                    )
                    for day in days
                ],
                present=len(recorded),
                errors=errors.get(f"p{placement.pk}", []),
                unsaved_added=added,
                unsaved_removed=removed,
            )
        )
    _log_list(request, "attendance-grid", [row.placement for row in rows if row.identified])
    previous_month = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    next_month = (last + datetime.timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "placements/attendance_grid.html",
        {
            "month_form": month_form,
            "month": first,
            "days": days,
            "rows": rows,
            "page_obj": page,
            "enterprises": list(managed),
            "enterprise": enterprise,
            "previous_month": previous_month,
            # No month that has not begun: nothing in it can be reported yet.
            "next_month": next_month if last < today else None,
            "has_errors": bool(errors),
            "grid_errors": errors.get(NON_FIELD_ERRORS, []),
            "unsaved_rows": [r for r in rows if r.unsaved_added or r.unsaved_removed],
            "closing": closing,
        },
    )


# --- invoice basis -----------------------------------------------------------------


def _invoice_scope(
    request: AuthedRequest,
) -> tuple[datetime.date, MonthForm, QuerySet[Enterprise], Enterprise | None]:
    month_form = MonthForm(request.GET)
    first = month_form.selected()
    visible = Enterprise.objects.visible_to(request.user)
    enterprise = _enterprise_param(request, visible)
    scope = visible.filter(pk=enterprise.pk) if enterprise is not None else visible
    return first, month_form, scope, enterprise


@perm_required(Perm.INVOICE_VIEW)
@require_safe
def invoice_basis(request: AuthedRequest) -> HttpResponse:
    first, month_form, scope, enterprise = _invoice_scope(request)
    year, month, user = first.year, first.month, request.user
    offers = invoice_offer_totals(enterprises=scope, year=year, month=month, user=user)
    totals = enterprise_totals(offers)
    # The totals counted each offer's rows: the page reads the placements of the
    # offers it spans (no COUNT, no sort of the month); only they get their days.
    rows = InvoiceRowList(offers, enterprises=scope, year=year, month=month, user=user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_present_days(page.object_list, year=year, month=month)
    shown = [(p, row_participant(p)) for p in page.object_list]
    _log_list(request, "invoice-basis", [p for p, label in shown if label.identified])
    return render(
        request,
        "placements/invoice_basis.html",
        {
            "month_form": month_form,
            "month": first,
            "closing": month_closing(first),
            "month_over": first < timezone.localdate().replace(day=1),
            "page_obj": page,
            "rows": [(p, label.label) for p, label in shown],
            "totals": totals,
            "total_days": sum(t.days for t in totals),
            "total_amount": sum((t.amount for t in totals), Decimal("0.00")),
            "enterprises": list(Enterprise.objects.visible_to(request.user).order_by("name")),
            "enterprise": enterprise,
            "export_query": request.GET.urlencode(),
        },
    )


@perm_required(Perm.INVOICE_VIEW)
@require_safe
def invoice_export(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """The invoice basis as CSV or XLSX, rows read in chunks; one audit row names
    everyone it lists."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    first, _form, scope, enterprise = _invoice_scope(request)
    header, rows = export_table(
        enterprises=scope, year=first.year, month=first.month, user=request.user
    )
    # One audit row for the export, naming everyone in it (not one row per row).
    audit_export(
        user=request.user,
        export="invoice-basis",
        subjects=exported_subjects(
            enterprises=scope, year=first.year, month=first.month, user=request.user
        ),
        request=request,
        detail=f"invoice basis {first:%Y-%m} {fmt}",
    )
    filename = f"fakturaunderlag-{first:%Y-%m}"
    if enterprise is not None:
        filename += f"-{enterprise.org_number}"
    return table_response(fmt, filename, header, rows, sheet=_("Fakturaunderlag"))


# --- capacity ----------------------------------------------------------------------


@perm_required(Perm.OFFER_EDIT)
def offer_capacity(request: AuthedRequest, offer_pk: int) -> HttpResponse:
    """Set the number of places and the free-from date; lowering below what is held is refused."""
    offer = get_object_or_404(
        TrainingOffer.objects.editable_by(request.user).with_related(), pk=offer_pk
    )
    today = timezone.localdate()
    form = CapacityForm(
        request.POST or None, initial={"capacity": offer.capacity, "free_from": offer.free_from}
    )
    if request.method == "POST" and form.is_valid():
        try:
            offer_capacity_set(
                offer=offer,
                user=request.user,
                capacity=form.cleaned_data["capacity"],
                free_from=form.cleaned_data["free_from"],
                today=today,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("Antal platser är nu %(capacity)s, lediga från %(day)s.")
                % {
                    "capacity": form.cleaned_data["capacity"],
                    "day": date_format(form.cleaned_data["free_from"], "DATE_FORMAT"),
                },
            )
            return redirect(reverse("enterprises:offer-detail", args=[offer.pk]))
    # Taken and free today beside the total, so "does the number still hold?" has an answer.
    return render(
        request,
        "placements/offer_capacity.html",
        {
            "offer": offer,
            "form": form,
            "peak": held_peak(offer, today, FAR_FUTURE, today=today),
            "places": places_on(offer, today, today=today),
        },
    )
