"""Data protection services: a person's own data (GDPR art. 15) and anonymisation.

The export walks the participant's relations instead of listing them, so a model
added later that points at a participant (or at one of its placements or
enrolments) is exported without anyone remembering to add it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest
from django.utils import timezone

from participants import services as participant_services
from participants.choices import AnonymousReason, ConsentPurpose
from participants.models import Consent, Parking, Participant, ResponsibilityChange
from placements.models import FollowUpMeeting, Placement, PlacementStatus, SharedSnapshot
from placements.services.sharing import sharing_withdrawn
from samordning.audit import audit_record
from samordning.models import AuditAction, AuditLog, User

# Reverse relations not to follow from a participant's rows: they are other
# people's records that merely point here (none today), or the audit log, which
# is exported separately so that it says who read the record.
EXPORT_DEPTH = 2
# The statistical record key is shown to no one: whoever knew people's keys could
# work back through the funder statistics' perturbation (docs/statistics.md). It is
# a random number, not information about the person.
NOT_EXPORTED = {"record_key"}


def _value(instance: models.Model, field: models.Field[Any, Any]) -> Any:
    value = getattr(instance, field.attname)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "quantize"):
        return str(value)
    return value


def _row(instance: models.Model, depth: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in NOT_EXPORTED:
            continue
        if field.is_relation:
            related = getattr(instance, field.name)
            data[field.name] = str(related) if related is not None else None
        else:
            data[field.name] = _value(instance, field)
    for m2m in instance._meta.many_to_many:
        data[m2m.name] = [str(item) for item in getattr(instance, m2m.name).all()]
    if depth > 0:
        for relation in instance._meta.related_objects:
            if relation.many_to_many or relation.related_model is AuditLog:
                continue
            accessor = relation.get_accessor_name()
            if accessor is None:
                continue
            if relation.one_to_one:
                child = getattr(instance, accessor, None)
                data[accessor] = _row(child, depth - 1) if child is not None else None
            else:
                data[accessor] = [
                    _row(child, depth - 1) for child in getattr(instance, accessor).all()
                ]
    return data


def participant_export_data(*, participant: Participant) -> dict[str, Any]:
    """Everything held about one participant, including who has read the record."""
    # The record's own rows and every page that showed the person (list pages included).
    reads = (
        AuditLog.objects.filter(
            object_type=participant._meta.label_lower, object_id=str(participant.pk)
        )
        | AuditLog.objects.about_subject(participant.pk)
    ).select_related("user")
    return {
        "exported_at": timezone.localtime().isoformat(),
        "participant": _row(participant, EXPORT_DEPTH),
        "audit_log": [
            {
                "at": timezone.localtime(row.at).isoformat(),
                "user": row.user.username if row.user else None,
                "action": row.action,
                "ip_address": row.ip_address,
            }
            for row in reads
        ],
    }


@transaction.atomic
def participant_export(
    *, participant: Participant, user: User, request: HttpRequest | None = None, fmt: str
) -> dict[str, Any]:
    """Export one person's data and log the export (one audit row)."""
    data = participant_export_data(participant=participant)
    audit_record(user=user, action=AuditAction.EXPORT, obj=participant, request=request, detail=fmt)
    return data


def pseudonym_for(participant: Participant) -> str:
    return f"Deltagare {participant.pk} (anonymiserad)"


@transaction.atomic
def participant_anonymise(
    *,
    participant: Participant,
    user: User | None = None,
    reason: str = AnonymousReason.RETENTION,
    request: HttpRequest | None = None,
) -> Participant:
    """Remove everything that identifies the person; keep what the statistics count.

    Kept: sex, birth year, home municipality, referring authority, start and end
    data, support sources, enrolments and placements with dates, extent, end
    reasons and outcomes, attendance days. Removed: number, names, birth date,
    contact data, every free text and what was shared with enterprises; audit rows
    and the Django admin's log keep only a pseudonym.
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    participant.personal_number = None
    participant.first_name = ""
    participant.last_name = ""
    participant.birth_date = None
    participant.email = ""
    participant.phone = ""
    participant.address = ""
    participant.support_needs = ""
    participant.workplace_adaptations = ""
    participant.notes = ""
    participant.is_anonymous = True
    participant.anonymous_reason = reason
    participant.anonymised_at = timezone.now()
    participant.full_clean()
    participant.save()
    Consent.objects.filter(participant=participant).update(note="")
    Parking.objects.filter(participant=participant).update(note="")
    ResponsibilityChange.objects.filter(participant=participant).update(note="")
    placements = Placement.objects.filter(participant=participant)
    placements.update(
        schedule="",
        proposal_note="",
        decline_note="",
        withdraw_note="",
        agreement_tasks="",
        agreement_hours="",
        agreement_support="",
    )
    FollowUpMeeting.objects.filter(placement__in=placements).update(attendees="", notes="")
    pseudonym = pseudonym_for(participant)
    _scrub_admin_log(participant, pseudonym)
    # What was shared with enterprises is a copy of the name and adaptations.
    SharedSnapshot.objects.filter(placement__in=placements).delete()
    AuditLog.objects.filter(
        object_type=participant._meta.label_lower, object_id=str(participant.pk)
    ).pseudonymise(pseudonym)
    AuditLog.objects.filter(
        object_type=Placement._meta.label_lower,
        object_id__in=[str(pk) for pk in placements.values_list("pk", flat=True)],
    ).pseudonymise(pseudonym)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=participant, request=request, detail="anonymised"
    )
    return participant


def _owned_rows(participant: Participant) -> list[tuple[type[models.Model], list[Any]]]:
    """(model, ids) of the person's own row and every row that belongs to them or to
    one of their placements, found by walking the relations (so a model added later
    is covered without anyone remembering it)."""
    placements = Placement.objects.filter(participant=participant)
    owned: list[tuple[type[models.Model], list[Any]]] = [(Participant, [participant.pk])]
    parents: list[tuple[type[models.Model], dict[str, Any]]] = [
        (Participant, {"": participant}),
        (Placement, {"__in": placements}),
    ]
    for parent, lookup in parents:
        for relation in parent._meta.related_objects:
            model = relation.related_model
            if relation.many_to_many or model is AuditLog or not isinstance(model, type):
                continue
            suffix, value = next(iter(lookup.items()))
            rows = model._default_manager.filter(**{f"{relation.field.name}{suffix}": value})
            owned.append((model, list(rows.values_list("pk", flat=True))))
    return owned


def _scrub_admin_log(participant: Participant, pseudonym: str) -> None:
    """Django admin's "recent actions" (django_admin_log) names each row it changed:
    the person's rows get the pseudonym and lose the change message (which may
    repeat an inline row's name)."""
    for model, pks in _owned_rows(participant):
        if pks:
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in pks],
            ).update(object_repr=pseudonym[:200], change_message="")


def participants_past_retention(
    *, today: datetime.date | None = None
) -> models.QuerySet[Participant]:
    """Identified participants with no activity since the retention period began.

    Last activity is the latest of: the record's last change, any enrolment's
    start or end, any placement's planned or actual end. Anyone with an open
    enrolment or a placement still under way is never included.
    """
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.PARTICIPANT_RETENTION_DAYS)
    epoch = datetime.date(1900, 1, 1)
    ongoing = Q(enrolments__end_date__isnull=True, enrolments__isnull=False) | Q(
        placements__status__in=[
            PlacementStatus.PROPOSED,
            PlacementStatus.ACCEPTED,
            PlacementStatus.ACTIVE,
        ]
    )
    return (
        Participant.objects.filter(anonymised_at__isnull=True)
        .exclude(pk__in=Participant.objects.filter(ongoing).values("pk"))
        .annotate(
            last_activity=Greatest(
                Coalesce(Max("enrolments__end_date"), Max("enrolments__start_date"), epoch),
                Coalesce(Max("placements__end_date"), Max("placements__planned_end"), epoch),
                Coalesce("start_date", epoch),
            )
        )
        .filter(last_activity__lt=cutoff, updated_at__date__lt=cutoff)
    )


def anonymise_expired(*, today: datetime.date | None = None, user: User | None = None) -> int:
    """Anonymise every participant past the retention period; returns how many."""
    count = 0
    for participant in participants_past_retention(today=today):
        participant_anonymise(participant=participant, user=user)
        count += 1
    return count


@transaction.atomic
def consent_withdraw(
    *,
    consent: Consent,
    user: User,
    withdrawn_on: datetime.date,
    request: HttpRequest | None = None,
) -> Consent:
    """Withdraw a consent. With no registration consent left, processing stops
    beyond the anonymous minimum: the person is anonymised (counts kept). With no
    sharing consent left, what was shared with enterprises is removed."""
    consent = participant_services.consent_withdraw(
        consent=consent, user=user, withdrawn_on=withdrawn_on, request=request
    )
    if consent.purpose == ConsentPurpose.SHARE_WITH_ENTERPRISE:
        sharing_withdrawn(participant=consent.participant, user=user, request=request)
    registered = (
        Consent.objects.valid_on(max(withdrawn_on, timezone.localdate()))
        .filter(participant_id=consent.participant_id, purpose=ConsentPurpose.REGISTRATION)
        .exists()
    )
    if consent.purpose == ConsentPurpose.REGISTRATION and not registered:
        participant_anonymise(
            participant=consent.participant,
            user=user,
            reason=AnonymousReason.NO_CONSENT,
            request=request,
        )
    return consent
