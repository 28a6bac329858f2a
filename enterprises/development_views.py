"""Enterprise development pages: the plan, the support log, milestones and comments.

The development page is in the enterprise's scope (`Enterprise.objects.visible_to`):
a manager sees only their own enterprises' plans (another one is a 404), the
association's staff every enterprise. Goals, activities and milestones are
written by the staff (Perm.DEVELOPMENT_EDIT); anyone who sees the plan may comment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from enterprises import services
from enterprises.forms import (
    DevelopmentCommentForm,
    DevelopmentGoalForm,
    MilestoneForm,
    SupportActivityForm,
)
from enterprises.models import (
    DevelopmentComment,
    DevelopmentGoal,
    Enterprise,
    Milestone,
    SupportActivity,
)
from samordning import policy
from samordning.forms import apply_service_error
from samordning.http import AuthedRequest, post_only, read_only
from samordning.policy import Perm, perm_required


def _visible_enterprise(request: AuthedRequest, enterprise_pk: int) -> Enterprise:
    return get_object_or_404(Enterprise.objects.visible_to(request.user), pk=enterprise_pk)


def _development_url(enterprise: Enterprise) -> str:
    return reverse("enterprises:development", args=[enterprise.pk])


@perm_required(Perm.DEVELOPMENT_VIEW)
def development(request: AuthedRequest, enterprise_pk: int) -> HttpResponse:
    """The enterprise's development plan, support log, milestones and comments."""
    enterprise = _visible_enterprise(request, enterprise_pk)
    refused = read_only(request)
    if refused:
        return refused
    activities = SupportActivity.objects.filter(enterprise=enterprise).order_by("-date", "-id")
    context: dict[str, Any] = {
        "enterprise": enterprise,
        "goals": DevelopmentGoal.objects.filter(enterprise=enterprise).order_by(
            "target_date", "id"
        ),
        "activities": activities,
        "total_hours": activities.aggregate(total=Sum("hours"))["total"],
        "milestones": Milestone.objects.filter(enterprise=enterprise).order_by("date", "id"),
        "comments": DevelopmentComment.objects.filter(enterprise=enterprise)
        .select_related("author")
        .order_by("created_at", "id"),
        "can_edit": policy.can(request.user, Perm.DEVELOPMENT_EDIT),
        "can_comment": policy.can(request.user, Perm.DEVELOPMENT_COMMENT),
        "comment_form": DevelopmentCommentForm(),
    }
    return render(request, "enterprises/development.html", context)


def _development_step(
    request: AuthedRequest,
    enterprise_pk: int,
    *,
    form: forms.BaseForm,
    save: Callable[[Enterprise, dict[str, Any]], Any],
    heading: str,
    done: str,
) -> HttpResponse:
    """A small form page that adds to the enterprise's development record."""
    enterprise = _visible_enterprise(request, enterprise_pk)
    if request.method == "POST" and form.is_valid():
        try:
            save(enterprise, form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect(_development_url(enterprise))
    return render(
        request,
        "enterprises/development_form.html",
        {"form": form, "enterprise": enterprise, "heading": heading},
    )


@perm_required(Perm.DEVELOPMENT_EDIT)
def goal_create(request: AuthedRequest, enterprise_pk: int) -> HttpResponse:
    return _development_step(
        request,
        enterprise_pk,
        form=DevelopmentGoalForm(request.POST or None),
        save=lambda enterprise, data: services.development_goal_save(
            enterprise=enterprise, user=request.user, **data
        ),
        heading=_("Nytt mål i utvecklingsplanen"),
        done=_("Målet är sparat."),
    )


@perm_required(Perm.DEVELOPMENT_EDIT)
def goal_update(request: AuthedRequest, enterprise_pk: int, goal_pk: int) -> HttpResponse:
    enterprise = _visible_enterprise(request, enterprise_pk)
    goal = get_object_or_404(DevelopmentGoal.objects.filter(enterprise=enterprise), pk=goal_pk)
    initial = {
        "goal_text": goal.goal,
        "target_date": goal.target_date,
        "status": goal.status,
        "achieved_on": goal.achieved_on,
    }
    return _development_step(
        request,
        enterprise_pk,
        form=DevelopmentGoalForm(request.POST or None, initial=initial),
        save=lambda enterprise, data: services.development_goal_save(
            enterprise=enterprise, user=request.user, goal=goal, **data
        ),
        heading=_("Ändra mål i utvecklingsplanen"),
        done=_("Målet är sparat."),
    )


@perm_required(Perm.DEVELOPMENT_EDIT)
def activity_create(request: AuthedRequest, enterprise_pk: int) -> HttpResponse:
    return _development_step(
        request,
        enterprise_pk,
        form=SupportActivityForm(request.POST or None),
        save=lambda enterprise, data: services.support_activity_log(
            enterprise=enterprise, user=request.user, **data
        ),
        heading=_("Logga stöd till företaget"),
        done=_("Stödinsatsen är loggad."),
    )


@perm_required(Perm.DEVELOPMENT_EDIT)
def milestone_create(request: AuthedRequest, enterprise_pk: int) -> HttpResponse:
    return _development_step(
        request,
        enterprise_pk,
        form=MilestoneForm(request.POST or None),
        save=lambda enterprise, data: services.milestone_record(
            enterprise=enterprise, user=request.user, **data
        ),
        heading=_("Registrera milstolpe"),
        done=_("Milstolpen är registrerad."),
    )


@perm_required(Perm.DEVELOPMENT_COMMENT)
def comment_create(request: AuthedRequest, enterprise_pk: int) -> HttpResponse:
    enterprise = _visible_enterprise(request, enterprise_pk)
    refused = post_only(request)
    if refused:
        return refused
    form = DevelopmentCommentForm(request.POST)
    if form.is_valid():
        try:
            services.development_comment_add(
                enterprise=enterprise, user=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Kommentaren är sparad."))
    else:
        messages.error(request, _("Skriv en kommentar (högst 2000 tecken)."))
    return redirect(_development_url(enterprise))
