"""The start page: one block per role the user has, with that role's figures."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from placements.selectors import home as selectors
from placements.selectors.attention import attention_items, caseload_read_once
from samordning import policy
from samordning.audit import audit_page_view
from samordning.http import AuthedRequest
from samordning.policy import Perm


@require_safe
def home(request: AuthedRequest) -> HttpResponse:
    """Any logged-in user; a user without a role is told whom to ask."""
    today = timezone.localdate()
    context: dict[str, object] = {}
    with caseload_read_once(request.user):  # "Att göra" and the overview count from it
        if policy.can(request.user, Perm.ATTENTION_VIEW):
            # Counts only, no names: the first block of the page.
            context["attention_items"] = attention_items(request.user, today=today)
        overview = None
        if policy.is_coordinator(request.user):
            overview = selectors.coordinator_overview(request.user, today=today)
    if overview is not None:
        context["overview"] = overview
        if overview.ending_soon:
            # The start page names the participants whose placements end soon.
            audit_page_view(
                user=request.user,
                page="home",
                subjects=[placement.participant_id for placement in overview.ending_soon],
                request=request,
            )
    if policy.is_manager(request.user):
        context["summary"] = selectors.manager_summary(request.user, today=today)
    return render(request, "placements/home.html", context)
