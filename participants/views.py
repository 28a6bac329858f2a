"""Coordinator pages for participants: list, register, edit, detail, consents, enrolments.

Every view is for coordinators and admins; rows come through
Participant.objects.visible_to(user), so a participant outside the user's
responsibility is a 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from participants import services
from participants.choices import ParkingReason
from participants.forms import (
    LABEL_FIELDS,
    ConsentForm,
    EnrolmentForm,
    EsfEntryForm,
    EsfResultsForm,
    HandoverForm,
    ParkingForm,
    ParticipantForm,
    coordinator_choices,
)
from participants.models import Enrolment, Participant
from samordning.audit import audit_page_view
from samordning.forms import apply_service_error
from samordning.http import AuthedRequest, post_only
from samordning.models import User
from samordning.policy import Perm, perm_required

PAGE_SIZE = 25


def _participant(request: AuthedRequest, pk: int) -> Participant:
    return get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)


@perm_required(Perm.PARTICIPANT_EDIT)
def participant_create(request: AuthedRequest) -> HttpResponse:
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
            duplicate_of = _duplicate_attempt(request, error)
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


def _duplicate_attempt(
    request: AuthedRequest, error: services.DuplicateNumberError
) -> Participant | None:
    """Log the attempt (after the service's transaction rolled back); name the
    participant who has the number only if the user may already see them."""
    if error.existing is None:
        return None
    services.participant_log_duplicate_attempt(
        existing=error.existing, user=request.user, request=request
    )
    return Participant.objects.visible_to(request.user).filter(pk=error.existing.pk).first()


@perm_required(Perm.PARTICIPANT_EDIT)
def participant_update(request: AuthedRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk)
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
            duplicate_of = _duplicate_attempt(request, error)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Ändringarna är sparade."))
            if not Participant.objects.visible_to(request.user).filter(pk=pk).exists():
                # The user removed their own responsibility.
                return redirect("participants:participant-list")
            return redirect(participant)
    # The edit form shows the whole record (again, with its mistakes, after a POST):
    # a read like the detail page.
    services.participant_log_view(participant=participant, user=request.user, request=request)
    return render(
        request,
        "participants/participant_form.html",
        {"form": form, "participant": participant, "duplicate_of": duplicate_of},
    )


def _participant_step(
    request: AuthedRequest,
    pk: int,
    *,
    form_class: type[forms.BaseForm],
    service: Callable[..., Any],
    heading: str,
    done: str,
    page: str,
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
    # The page names the person (a GET, or a POST shown again): a read like the detail page.
    services.participant_log_view(
        participant=participant, user=request.user, request=request, page=page
    )
    return render(
        request,
        "participants/participant_step_form.html",
        {"form": form, "participant": participant, "heading": heading},
    )


@perm_required(Perm.PARTICIPANT_EDIT)
def consent_create(request: AuthedRequest, pk: int) -> HttpResponse:
    return _participant_step(
        request,
        pk,
        form_class=ConsentForm,
        service=services.consent_record,
        heading=_("Registrera samtycke"),
        done=_("Samtycket är registrerat."),
        page="consent-form",
    )


@perm_required(Perm.PARTICIPANT_EDIT)
def enrolment_create(request: AuthedRequest, pk: int) -> HttpResponse:
    return _participant_step(
        request,
        pk,
        form_class=EnrolmentForm,
        service=services.enrolment_create,
        heading=_("Skriv in i insats"),
        done=_("Deltagaren är inskriven."),
        page="enrolment-form",
    )


@perm_required(Perm.PARTICIPANT_EDIT)
def parking_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Park the participant: not suggested for a place until a date.

    `?reason=` preselects a reason (the declined placement's page links here)."""
    participant = _participant(request, pk)
    if request.method == "POST":
        form = ParkingForm(request.POST)
        if form.is_valid():
            try:
                services.parking_start(
                    participant=participant, user=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("Deltagaren är parkerad."))
                return redirect(participant)
    else:
        reason = request.GET.get("reason", "")
        form = ParkingForm(
            initial={
                "reason": reason if reason in ParkingReason.values else "",
                "until": timezone.localdate() + datetime.timedelta(days=30),
            }
        )
    # The page names the person (a GET, or a POST shown again): a read like the detail page.
    services.participant_log_view(
        participant=participant, user=request.user, request=request, page="parking-form"
    )
    return render(
        request,
        "participants/participant_step_form.html",
        {"form": form, "participant": participant, "heading": _("Parkera deltagare")},
    )


@perm_required(Perm.PARTICIPANT_EDIT)
def parking_end(request: AuthedRequest, pk: int, parking_pk: int) -> HttpResponse:
    """End a parking early (POST only)."""
    participant = _participant(request, pk)
    parking = get_object_or_404(participant.parkings.all(), pk=parking_pk)
    if refused := post_only(request):
        return refused
    try:
        services.parking_end(parking=parking, user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Parkeringen är avslutad; deltagaren föreslås igen."))
    return redirect(participant)


def _chosen_coordinator(form: HandoverForm, data: Any) -> User | None:
    """The "from" coordinator the page lists participants for (GET or POST)."""
    field = form.fields["from_user"]
    try:
        return field.clean(data.get("from_user"))  # type: ignore[no-any-return]
    except ValidationError:
        return None


@perm_required(Perm.PARTICIPANT_HANDOVER)
def handover(request: AuthedRequest) -> HttpResponse:
    """Move one or many participants from one coordinator to another in one step.

    First choose the coordinator who hands over (a GET): their participants are
    listed, all ticked; then the receiver and a note (the POST)."""
    data = request.POST if request.method == "POST" else request.GET
    probe = HandoverForm()
    from_user = _chosen_coordinator(probe, data)
    participants = (
        Participant.objects.filter(coordinators=from_user).order_by("last_name", "first_name", "pk")
        if from_user is not None
        else Participant.objects.none()
    )
    # Read once: the names for the checkboxes and the ids for the audit row.
    listed = list(participants.only(*LABEL_FIELDS))
    choices: dict[str, Any] = {
        "participants": participants,
        "listed": listed,
        "coordinators": coordinator_choices(),
    }
    if request.method == "POST":
        form = HandoverForm(request.POST, **choices)
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                changes = services.handover(
                    participants=cleaned["participants"],
                    from_user=cleaned["from_user"],
                    to_user=cleaned["to_user"],
                    user=request.user,
                    note=cleaned["note"],
                    request=request,
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(count)s deltagare har lämnats över till %(name)s.")
                    % {
                        "count": len(changes),
                        "name": cleaned["to_user"].get_full_name() or cleaned["to_user"].username,
                    },
                )
                return redirect("participants:handover")
    else:
        initial: dict[str, Any] = {}
        if from_user is not None:
            # Everyone ticked: the usual handover is the whole caseload.
            initial = {"from_user": from_user.pk, "participants": [p.pk for p in listed]}
        form = HandoverForm(initial=initial, **choices)
    if listed:
        # The page names the coordinator's participants.
        audit_page_view(
            user=request.user,
            page="handover",
            subjects=[p.pk for p in listed],
            request=request,
            filters=f"from_user={from_user.pk}" if from_user else "",
        )
    return render(
        request,
        "participants/handover.html",
        {"form": form, "from_user": from_user, "listed": listed},
    )


def _esf_page(
    request: AuthedRequest,
    pk: int,
    enrolment_pk: int,
    *,
    form_class: type[EsfEntryForm] | type[EsfResultsForm],
    phases: tuple[str, ...],
    heading: str,
) -> HttpResponse:
    """The ESF+ answers of one enrolment in an ESF-financed insats (else 404).

    Showing the form is a read of special categories of data: logged."""
    participant = _participant(request, pk)
    enrolment = get_object_or_404(
        Enrolment.objects.filter(participant=participant, insats__esf_funded=True).select_related(
            "insats", "participant"
        ),
        pk=enrolment_pk,
    )
    data = services.esf_data_for(enrolment)
    form = form_class(request.POST or None, instance=data)
    if request.method == "POST" and form.is_valid():
        try:
            services.esf_data_save(
                enrolment=enrolment,
                user=request.user,
                phases=phases,
                answers=form.answers(),
                request=request,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("ESF+-uppgifterna är sparade."))
            return redirect(participant)
    # Shown (on a GET, or again with a POST's mistakes): a read of the answers.
    services.esf_log_view(enrolment=enrolment, user=request.user, request=request)
    return render(
        request,
        "participants/participant_step_form.html",
        {
            "form": form,
            "participant": participant,
            "heading": heading,
            "intro": enrolment.insats.name,
        },
    )


@perm_required(Perm.ESF_DATA_EDIT)
def esf_entry(request: AuthedRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    return _esf_page(
        request,
        pk,
        enrolment_pk,
        form_class=EsfEntryForm,
        phases=("entry",),
        heading=_("ESF+-uppgifter vid start"),
    )


@perm_required(Perm.ESF_DATA_EDIT)
def esf_results(request: AuthedRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    return _esf_page(
        request,
        pk,
        enrolment_pk,
        form_class=EsfResultsForm,
        phases=("exit", "six_months"),
        heading=_("ESF+-resultat vid och efter avslut"),
    )
