"""Coordinator pages for participants: list, register, edit, detail, consents, enrolments.

Every view is for coordinators and admins; rows come through
Participant.objects.visible_to(user), so a participant outside the user's
responsibility is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from participants import selectors, services
from participants.filters import ParticipantFilter
from participants.forms import (
    ConsentForm,
    EnrolmentEndForm,
    EnrolmentForm,
    ParticipantForm,
    apply_service_error,
)
from participants.models import Participant
from samordning.http import post_only
from samordning.policy import Perm, role_required, roles_for

PAGE_SIZE = 25


def _participant(request: HttpRequest, pk: int) -> Participant:
    return get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)


@role_required(*roles_for(Perm.PARTICIPANT_VIEW))
def participant_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    queryset = selectors.participant_list_queryset(request.user, today=today)
    filterset = ParticipantFilter(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(selectors.ParticipantStatus.choices)
    for participant in page.object_list:
        participant.status_label = labels[participant.status]  # type: ignore[attr-defined]
    return render(
        request,
        "participants/participant_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "participants": page.object_list,
        },
    )


@role_required(*roles_for(Perm.PARTICIPANT_EDIT))
def participant_create(request: HttpRequest) -> HttpResponse:
    form = ParticipantForm(request.POST or None, creator=request.user)
    duplicate_of = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            participant = services.participant_create(
                user=request.user,
                is_anonymous=data["is_anonymous"],
                fields=form.service_fields(),
                interests=data["interests"],
                support_sources_start=data["support_sources_start"],
                coordinators=data["coordinators"],
                consent_purposes=data["consent_purposes"],
                consent_given_on=data["consent_given_on"],
                request=request,
            )
        except services.DuplicateNumberError as error:
            apply_service_error(form, error)
            duplicate_of = _visible_duplicate(request, error)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Deltagaren är registrerad."))
            return redirect(participant)
    return render(
        request,
        "participants/participant_form.html",
        {"form": form, "participant": None, "duplicate_of": duplicate_of},
    )


def _visible_duplicate(
    request: HttpRequest, error: services.DuplicateNumberError
) -> Participant | None:
    """Name the participant who has the number only if the user may see them."""
    if error.existing is None:
        return None
    return Participant.objects.visible_to(request.user).filter(pk=error.existing.pk).first()


@role_required(*roles_for(Perm.PARTICIPANT_EDIT))
def participant_update(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    if request.method == "GET":
        # The edit form shows the whole record: that is a read like the detail page.
        services.participant_log_view(participant=participant, user=request.user, request=request)
    form = ParticipantForm(request.POST or None, participant=participant)
    duplicate_of = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            participant = services.participant_update(
                participant=participant,
                user=request.user,
                fields=form.service_fields(),
                interests=data.get("interests"),
                support_sources_start=data.get("support_sources_start"),
                coordinators=data.get("coordinators"),
                request=request,
            )
        except services.DuplicateNumberError as error:
            apply_service_error(form, error)
            duplicate_of = _visible_duplicate(request, error)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Ändringarna är sparade."))
            if not Participant.objects.visible_to(request.user).filter(pk=pk).exists():
                # The user removed their own responsibility.
                return redirect("participants:participant-list")
            return redirect(participant)
    return render(
        request,
        "participants/participant_form.html",
        {"form": form, "participant": participant, "duplicate_of": duplicate_of},
    )


def _detail_context(participant: Participant) -> dict[str, Any]:
    sources = getattr(participant, "support_source_list", [])
    return {
        "participant": participant,
        "start_sources": [s for s in sources if s.phase == "start"],
        "end_sources": [s for s in sources if s.phase == "end"],
        "today": timezone.localdate(),
    }


@role_required(*roles_for(Perm.PARTICIPANT_VIEW))
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = get_object_or_404(selectors.participant_detail_queryset(request.user), pk=pk)
    services.participant_log_view(participant=participant, user=request.user, request=request)
    return render(request, "participants/participant_detail.html", _detail_context(participant))


@role_required(*roles_for(Perm.PARTICIPANT_REVEAL_NUMBER))
def participant_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full number once, on this response only; the reveal is logged.

    POST-only, checked after the role and the scoped lookup (403/404 come first)."""
    participant = get_object_or_404(selectors.participant_detail_queryset(request.user), pk=pk)
    if refused := post_only(request):
        return refused
    context = _detail_context(participant)
    try:
        context["revealed_number"] = services.participant_reveal_number(
            participant=participant, user=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(participant)
    return render(request, "participants/participant_detail.html", context)


def _participant_step(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type[forms.BaseForm],
    service: Callable[..., Any],
    heading: str,
    done: str,
) -> HttpResponse:
    """Add something to a participant on a small form page: the form's fields are
    the service's arguments; errors stay on the form with what was typed."""
    participant = _participant(request, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(
                participant=participant, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect(participant)
    return render(
        request,
        "participants/participant_step_form.html",
        {"form": form, "participant": participant, "heading": heading},
    )


@role_required(*roles_for(Perm.PARTICIPANT_EDIT))
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _participant_step(
        request,
        pk,
        form_class=ConsentForm,
        service=services.consent_record,
        heading=_("Registrera samtycke"),
        done=_("Samtycket är registrerat."),
    )


@role_required(*roles_for(Perm.PARTICIPANT_EDIT))
def enrolment_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _participant_step(
        request,
        pk,
        form_class=EnrolmentForm,
        service=services.enrolment_create,
        heading=_("Skriv in i insats"),
        done=_("Deltagaren är inskriven."),
    )


@role_required(*roles_for(Perm.PARTICIPANT_EDIT))
def enrolment_end(request: HttpRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    enrolment = get_object_or_404(participant.enrolments.select_related("insats"), pk=enrolment_pk)
    form = EnrolmentEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.enrolment_end(
                enrolment=enrolment,
                user=request.user,
                end_date=data["end_date"],
                end_reason=data["end_reason"],
                outcome=data["outcome"],
                employment_status_end=data["employment_status_end"],
                support_sources_end=data["support_sources_end"],
                request=request,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Inskrivningen är avslutad."))
            return redirect(participant)
    return render(
        request,
        "participants/enrolment_end.html",
        {"form": form, "participant": participant, "enrolment": enrolment},
    )
