""" "Att göra": the items that need the user's attention, and each item's list."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from placements.selectors import attention as selectors
from samordning.audit import audit_page_view
from samordning.http import AuthedRequest, read_only
from samordning.policy import Perm, perm_required

PAGE_SIZE = 25


@perm_required(Perm.ATTENTION_VIEW)
@require_safe
def attention(request: AuthedRequest) -> HttpResponse:
    """Counts only: no person is named, so nothing to log."""
    items = selectors.attention_items(request.user)
    return render(request, "placements/attention.html", {"items": items})


def _subject(row: object, row_type: str) -> int | None:
    if row_type == "participant":
        return row.pk  # type: ignore[attr-defined]
    if row_type in ("placement", "entry"):
        return row.participant_id  # type: ignore[attr-defined]
    if row_type == "follow-up":
        return row.placement.participant_id  # type: ignore[attr-defined]
    return None


@perm_required(Perm.ATTENTION_VIEW)
def attention_list(request: AuthedRequest, kind: str) -> HttpResponse:
    """The rows behind one item; a kind the user's roles do not have is a 404."""
    today = timezone.localdate()
    chosen = selectors.kind_for(request.user, kind)
    if chosen is None or chosen.row_type == "elsewhere":
        raise Http404
    if refused := read_only(request):
        return refused
    rows = selectors.attention_rows(request.user, chosen, today)
    if chosen.row_type == "placement":
        rows = rows.select_related("participant", "offer", "offer__enterprise").order_by(
            "planned_end", "pk"
        )
    elif chosen.row_type == "follow-up":
        # The longest overdue first, from the due date's index.
        rows = rows.select_related(
            "placement__participant", "placement__offer__enterprise"
        ).order_by("due_on", "placement")
    elif chosen.row_type == "participant":
        rows = rows.order_by("last_name", "first_name", "pk")
    elif chosen.row_type == "entry":
        rows = rows.select_related("participant", "offer", "offer__enterprise").order_by(
            "place_freed_at", "pk"
        )
    else:
        rows = rows.select_related("enterprise").order_by("last_confirmed", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    subjects = [_subject(row, chosen.row_type) for row in page.object_list]
    if any(subject is not None for subject in subjects):
        audit_page_view(
            user=request.user, page=f"attention-{kind}", subjects=subjects, request=request
        )
    return render(
        request,
        "placements/attention_list.html",
        {
            "kind": chosen,
            "page_obj": page,
            "rows": page.object_list,
            "today": today,
            "is_manager_side": chosen.side == "manager",
        },
    )
