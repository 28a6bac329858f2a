"""Ending an enrolment: its rule (no active placement may remain) joins
participants to placements, so the service lives here."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.choices import EmploymentStatus, EndReason, Outcome
from participants.models import Enrolment, SupportSourcePhase
from participants.services import support_sources_set
from placements.models import Placement, PlacementStatus
from samordning.audit import audit_record
from samordning.models import AuditAction, User


@transaction.atomic
def enrolment_end(
    *,
    enrolment: Enrolment,
    user: User,
    end_date: datetime.date,
    end_reason: str,
    outcome: str,
    employment_status_end: str = "",
    support_sources_end: Iterable[str] = (),
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Enrolment:
    """End an enrolment with reason and outcome; end data for the reports goes with it."""
    today = today or timezone.localdate()
    enrolment = (
        Enrolment.objects.select_for_update().select_related("participant").get(pk=enrolment.pk)
    )
    participant = enrolment.participant
    if enrolment.end_date is not None:
        raise ValidationError(_("Inskrivningen är redan avslutad."))
    errors: dict[str, list[str]] = {}
    if end_reason not in EndReason.values:
        errors["end_reason"] = [_("Välj avslutsorsak.")]
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Välj resultat.")]
    if employment_status_end and employment_status_end not in EmploymentStatus.values:
        errors["employment_status_end"] = [_("Välj ett giltigt alternativ.")]
    if end_date is None:
        errors["end_date"] = [_("Ange slutdatum.")]
    elif end_date < enrolment.start_date:
        errors["end_date"] = [_("Slutdatum kan inte ligga före startdatum.")]
    elif end_date > today:
        errors["end_date"] = [_("Slutdatum kan inte ligga i framtiden.")]
    if errors:
        raise ValidationError(errors)
    if Placement.objects.filter(participant=participant, status=PlacementStatus.ACTIVE).exists():
        raise ValidationError(_("Avsluta den pågående arbetsträningen innan inskrivningen."))
    enrolment.end_date = end_date
    enrolment.end_reason = end_reason
    enrolment.outcome = outcome
    enrolment.full_clean()
    enrolment.save()
    if not participant.is_anonymous:
        if employment_status_end:
            participant.employment_status_end = employment_status_end
            participant.save(update_fields=["employment_status_end", "updated_at"])
        support_sources_set(participant, SupportSourcePhase.END, support_sources_end)
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=participant,
        request=request,
        detail=f"enrolment ended: {end_reason}",
    )
    return enrolment
