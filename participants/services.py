"""Writes for participants: registration, changes, consents, enrolments and the read log.

Every function here writes exactly one audit row for the participant it
touches, so the log answers "who read or changed this person, when".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from participants.choices import ConsentPurpose, ParkingReason
from participants.identity import format_full, parse_identity_number
from participants.models import (
    ESF_ENTRY_FIELDS,
    ESF_EXIT_FIELDS,
    ESF_SIX_MONTHS_FIELDS,
    IDENTITY_FIELDS,
    PROFILE_FIELDS,
    Consent,
    Enrolment,
    EsfParticipantData,
    Insats,
    Parking,
    Participant,
    ParticipantSupportSource,
    ResponsibilityChange,
    SupportSourcePhase,
)
from participants.selectors import is_responsible
from samordning import policy
from samordning.audit import audit_record
from samordning.models import AuditAction, User

# Kept for everyone, including anonymous registrations (counts stay complete).
MINIMUM_FIELDS = ("sex", "birth_year", "start_date", "anonymous_reason")


class DuplicateNumberError(ValidationError):
    """Another participant already has this number; `existing` says who (for scoped
    display and the log). The message says no more than that the person may already
    be registered: whose participant it is stays hidden (no identity oracle)."""

    def __init__(
        self, existing: Participant | None, other_errors: Mapping[str, list[Any]] | None = None
    ) -> None:
        errors: dict[str, list[Any]] = {
            key: list(value) for key, value in (other_errors or {}).items()
        }
        errors.setdefault("personal_number", []).append(
            ValidationError(
                _(
                    "Personen kan redan vara registrerad. Kontakta en förbundsadministratör, "
                    "som kan hjälpa dig vidare."
                ),
                code="duplicate",
            )
        )
        super().__init__(errors)
        self.existing = existing


def _audit(
    user: User,
    action: str,
    participant: Participant,
    request: HttpRequest | None,
    detail: str = "",
    *,
    responsible: bool | None = None,
) -> None:
    audit_record(
        user=user,
        action=action,
        obj=participant,
        request=request,
        detail=detail,
        responsible=responsible,
        subjects=[participant.pk],
    )


def _derive_from_number(participant: Participant) -> None:
    """Normalise the number and fill in birth date, birth year and (if not chosen) sex.

    An invalid number is left as typed: full_clean() reports it on the field.
    """
    if not participant.personal_number:
        participant.personal_number = None
        return
    try:
        number = parse_identity_number(participant.personal_number)
    except ValidationError:
        return
    participant.personal_number = number.digits
    participant.birth_date = number.birth_date
    participant.birth_year = number.birth_date.year
    if not participant.sex:
        participant.sex = number.sex


def _check_duplicate(participant: Participant) -> None:
    if not participant.personal_number:
        return
    existing = (
        Participant.objects.filter(personal_number=participant.personal_number)
        .exclude(pk=participant.pk)
        .first()
    )
    if existing is not None:
        raise DuplicateNumberError(existing)


def _validate(participant: Participant) -> None:
    errors: dict[str, list[Any]] = {}
    if not participant.sex:
        errors["sex"] = [_("Ange kön, eller ange ett personnummer som visar det.")]
    exclude = ["sex"]
    if participant.birth_year is None:
        if participant.is_anonymous:
            errors["birth_year"] = [_("Ange födelseår.")]
        # A named participant's birth year comes from the number; the number's
        # own error says what is wrong.
        exclude.append("birth_year")
    try:
        participant.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _check_duplicate(participant)


def _save(participant: Participant) -> None:
    """Save; a number registered by someone else at the same moment is a duplicate, not a 500."""
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError:
        existing = Participant.objects.filter(personal_number=participant.personal_number).first()
        if existing is None:
            raise
        raise DuplicateNumberError(existing) from None


def support_sources_set(participant: Participant, phase: str, sources: Iterable[str]) -> None:
    participant.support_sources.filter(phase=phase).delete()
    rows = [
        ParticipantSupportSource(participant=participant, phase=phase, source=source)
        for source in sorted(set(sources))
    ]
    for row in rows:
        row.full_clean(exclude=["participant"])
    ParticipantSupportSource.objects.bulk_create(rows)


def _check_coordinators(coordinators: Iterable[Any]) -> list[Any]:
    chosen = list(coordinators)
    for candidate in chosen:
        if not policy.is_coordinator(candidate):
            raise ValidationError(
                {"coordinators": _("%(user)s är inte koordinator.") % {"user": candidate}}
            )
    return chosen


@transaction.atomic
def participant_create(
    *,
    user: User,
    is_anonymous: bool,
    fields: Mapping[str, Any],
    interests: Iterable[Any] = (),
    support_sources_start: Iterable[str] = (),
    coordinators: Iterable[Any] = (),
    consent_purposes: Iterable[str] = (),
    consent_given_on: datetime.date | None = None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Participant:
    """Register a participant; the registering coordinator becomes responsible.

    Someone else registering (an admin) must name at least one responsible
    coordinator: no coordinator could see the participant otherwise.

    A named participant needs a valid number and a consent to registration. An
    anonymous one (protected identity or no consent) keeps only sex, birth year,
    start date and the reason: start data and wishes are not stored for them.
    """
    today = today or timezone.localdate()
    participant = Participant(is_anonymous=is_anonymous, created_by=user, sex="")
    # Identity fields are assigned for anonymous ones too, so that the model
    # refuses a name or number typed by mistake instead of silently dropping it.
    allowed = MINIMUM_FIELDS + IDENTITY_FIELDS + (() if is_anonymous else PROFILE_FIELDS)
    for name in allowed:
        if name in fields:
            setattr(participant, name, fields[name])
    participant.personal_number = participant.personal_number or None
    if is_anonymous:
        participant.birth_date = None
    else:
        participant.anonymous_reason = ""
        participant.birth_year = None  # type: ignore[assignment]
        _derive_from_number(participant)
    purposes = sorted(set(consent_purposes))
    errors: dict[str, list[str]] = {}
    if not is_anonymous:
        if ConsentPurpose.REGISTRATION not in purposes:
            errors["consent_purposes"] = [
                _(
                    "Utan samtycke till registrering registreras deltagaren anonymt "
                    "(bara kön, födelseår och startdatum)."
                )
            ]
        if consent_given_on is None:
            errors["consent_given_on"] = [_("Ange när samtycket lämnades.")]
        elif consent_given_on > today:
            errors["consent_given_on"] = [_("Samtycket kan inte vara lämnat i framtiden.")]
    chosen: set[Any] = set()
    try:
        chosen.update(_check_coordinators(coordinators))
    except ValidationError as error:
        errors.setdefault("coordinators", []).extend(error.message_dict["coordinators"])
    else:
        if policy.is_coordinator(user):
            chosen.add(user)
        if not chosen:
            errors["coordinators"] = [_("Minst en koordinator ska vara ansvarig.")]
    try:
        _validate(participant)
    except DuplicateNumberError as duplicate:
        raise DuplicateNumberError(duplicate.existing, errors) from None
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _save(participant)
    participant.coordinators.set(chosen)
    if not is_anonymous:
        assert consent_given_on is not None  # checked above with the other errors
        participant.interests.set(list(interests))
        support_sources_set(participant, SupportSourcePhase.START, support_sources_start)
        for purpose in purposes:
            consent = Consent(
                participant=participant,
                purpose=purpose,
                given_on=consent_given_on,
                recorded_by=user,
            )
            consent.full_clean()
            consent.save()
    _audit(user, AuditAction.CREATE, participant, request, "registered")
    return participant


@transaction.atomic
def participant_update(
    *,
    participant: Participant,
    user: User,
    fields: Mapping[str, Any],
    interests: Iterable[Any] | None = None,
    support_sources_start: Iterable[str] | None = None,
    coordinators: Iterable[Any] | None = None,
    request: HttpRequest | None = None,
) -> Participant:
    """Change a participant's data. A blank number keeps the stored one.

    Whether a participant is anonymous does not change here; an anonymous
    participant has only the minimum fields to edit.
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    allowed: tuple[str, ...] = MINIMUM_FIELDS
    if not participant.is_anonymous:
        allowed += IDENTITY_FIELDS + PROFILE_FIELDS
    changed: list[str] = []
    for name in allowed:
        if name not in fields:
            continue
        value = fields[name]
        if name == "personal_number" and not value:
            continue
        if name == "anonymous_reason" and not participant.is_anonymous:
            continue
        if name == "birth_year" and not participant.is_anonymous:
            continue
        if getattr(participant, name) != value:
            setattr(participant, name, value)
            changed.append(name)
    if not participant.is_anonymous:
        _derive_from_number(participant)
    _validate(participant)
    if coordinators is not None:
        chosen = _check_coordinators(coordinators)
        if not chosen:
            raise ValidationError({"coordinators": _("Minst en koordinator ska vara ansvarig.")})
    _save(participant)
    if coordinators is not None:
        before = {c.pk for c in participant.coordinators.all()}
        if before != {c.pk for c in chosen}:
            participant.coordinators.set(chosen)
            changed.append("coordinators")
            _record_responsibility(participant, before, chosen, user)
    if interests is not None and not participant.is_anonymous:
        interest_list = list(interests)
        if {i.pk for i in participant.interests.all()} != {i.pk for i in interest_list}:
            participant.interests.set(interest_list)
            changed.append("interests")
    if support_sources_start is not None and not participant.is_anonymous:
        wanted = set(support_sources_start)
        current = set(
            participant.support_sources.filter(phase=SupportSourcePhase.START).values_list(
                "source", flat=True
            )
        )
        if wanted != current:
            support_sources_set(participant, SupportSourcePhase.START, wanted)
            changed.append("support_sources_start")
    # Field names only: the log must not become a second copy of the data.
    _audit(
        user,
        AuditAction.UPDATE,
        participant,
        request,
        "changed: " + (", ".join(changed) or "-"),
    )
    return participant


def _record_responsibility(
    participant: Participant, before: set[int], chosen: list[Any], user: User
) -> None:
    """The history of responsible coordinators: one row per coordinator added on the
    edit page (from the one removed, when exactly one was)."""
    removed = sorted(before - {c.pk for c in chosen})
    ResponsibilityChange.objects.bulk_create(
        ResponsibilityChange(
            participant=participant,
            from_user_id=removed[0] if len(removed) == 1 else None,
            to_user=coordinator,
            changed_by=user,
        )
        for coordinator in chosen
        if coordinator.pk not in before
    )


def participant_log_duplicate_attempt(
    *, existing: Participant, user: User, request: HttpRequest | None = None
) -> None:
    """Log that `user` typed a number already registered (to `existing`): admins
    review these attempts (samordning.views.audit_review)."""
    _audit(
        user,
        AuditAction.DUPLICATE,
        existing,
        request,
        "registration with an already registered number",
        responsible=is_responsible(existing, user),
    )


def participant_log_view(
    *,
    participant: Participant,
    user: User,
    request: HttpRequest | None = None,
    page: str = "detail",
) -> None:
    """One read row for one view of the participant's record (`page`: which page
    showed it; a form page that names the person is a read too)."""
    _audit(
        user,
        AuditAction.VIEW,
        participant,
        request,
        page,
        responsible=is_responsible(participant, user),
    )


@transaction.atomic
def participant_reveal_number(
    *, participant: Participant, user: User, request: HttpRequest | None = None
) -> str:
    """Return the full number for display and log that it was shown."""
    if not participant.personal_number:
        raise ValidationError(_("Deltagaren har inget registrerat nummer."))
    _audit(
        user,
        AuditAction.REVEAL,
        participant,
        request,
        "personal number shown",
        responsible=is_responsible(participant, user),
    )
    return format_full(participant.personal_number)


@transaction.atomic
def consent_record(
    *,
    participant: Participant,
    user: User,
    purpose: str,
    given_on: datetime.date,
    note: str = "",
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Consent:
    """Record a consent for one purpose; one valid consent per purpose at a time."""
    today = today or timezone.localdate()
    if participant.is_anonymous:
        raise ValidationError(
            _("En anonym deltagare registreras utan samtycken och personuppgifter.")
        )
    consent = Consent(
        participant=participant, purpose=purpose, given_on=given_on, note=note, recorded_by=user
    )
    consent.full_clean()
    if given_on > today:
        raise ValidationError({"given_on": _("Samtycket kan inte vara lämnat i framtiden.")})
    if participant.consents.filter(purpose=purpose).valid_on(today).exists():
        raise ValidationError(
            {"purpose": _("Det finns redan ett gällande samtycke för det här ändamålet.")}
        )
    consent.save()
    _audit(user, AuditAction.UPDATE, participant, request, f"consent given: {purpose}")
    return consent


@transaction.atomic
def consent_withdraw(
    *,
    consent: Consent,
    user: User,
    withdrawn_on: datetime.date,
    request: HttpRequest | None = None,
) -> Consent:
    """Record that a consent was withdrawn; the consent is kept as history."""
    consent = Consent.objects.select_for_update().select_related("participant").get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("Samtycket är redan återkallat."))
    if withdrawn_on > timezone.localdate():
        # Withdrawal is recorded when it happens: a future date would stop
        # processing (and may anonymise the person) today anyway.
        raise ValidationError(
            {"withdrawn_on": _("Ett återkallande registreras när det sker, inte i förväg.")}
        )
    consent.withdrawn_on = withdrawn_on
    consent.full_clean()
    consent.save(update_fields=["withdrawn_on"])
    _audit(
        user,
        AuditAction.UPDATE,
        consent.participant,
        request,
        f"consent withdrawn: {consent.purpose}",
    )
    return consent


@transaction.atomic
def enrolment_create(
    *,
    participant: Participant,
    user: User,
    insats: Insats,
    start_date: datetime.date,
    request: HttpRequest | None = None,
) -> Enrolment:
    """Enrol the participant in an insats; not twice at the same time in the same one."""
    enrolment = Enrolment(participant=participant, insats=insats, start_date=start_date)
    enrolment.full_clean()
    errors: dict[str, list[str]] = {}
    if start_date < insats.start_date or (insats.end_date and start_date > insats.end_date):
        errors["start_date"] = [_("Startdatum ligger utanför insatsens period.")]
    elif (
        Enrolment.objects.filter(participant=participant, insats=insats)
        .filter(end_date__isnull=True)
        .exists()
    ):
        errors["insats"] = [_("Deltagaren är redan inskriven i den här insatsen.")]
    if errors:
        raise ValidationError(errors)
    enrolment.save()
    _audit(user, AuditAction.UPDATE, participant, request, f"enrolled: {insats.pk}")
    return enrolment


# --- parking: not suggested for a place until a date ------------------------------


@transaction.atomic
def parking_start(
    *,
    participant: Participant,
    user: User,
    reason: str,
    until: datetime.date,
    note: str = "",
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Parking:
    """Park the participant from today until `until` (inclusive) with a reason."""
    today = today or timezone.localdate()
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    parking = Parking(
        participant=participant,
        reason=reason,
        since=today,
        until=until,
        note=note.strip(),
        created_by=user,
    )
    parking.full_clean()
    if reason not in ParkingReason.values:
        raise ValidationError({"reason": _("Välj ett skäl.")})
    if until < today:
        raise ValidationError({"until": _("Parkeringen måste gälla till idag eller senare.")})
    if Parking.objects.current(today).filter(participant=participant).exists():
        raise ValidationError(
            _("Deltagaren är redan parkerad. Avsluta den parkeringen först."), code="parked"
        )
    parking.save()
    _audit(user, AuditAction.UPDATE, participant, request, f"parked: {reason} until {until}")
    return parking


@transaction.atomic
def parking_end(
    *,
    parking: Parking,
    user: User,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Parking:
    """End a parking early: the participant is suggested again from today."""
    today = today or timezone.localdate()
    parking = Parking.objects.select_for_update().select_related("participant").get(pk=parking.pk)
    if not parking.is_current(today):
        raise ValidationError(_("Parkeringen gäller inte längre."))
    parking.ended_on = today
    parking.ended_by = user
    parking.save(update_fields=["ended_on", "ended_by"])
    _audit(user, AuditAction.UPDATE, parking.participant, request, "parking ended early")
    return parking


def current_parking(participant: Participant, today: datetime.date) -> Parking | None:
    """The parking in force today; uses a prefetched `parking_list` when there is one."""
    listed = getattr(participant, "parking_list", None)
    if listed is not None:
        return next((p for p in listed if p.is_current(today)), None)
    return Parking.objects.current(today).filter(participant=participant).first()


# --- handover: another coordinator takes over ----------------------------------------


@transaction.atomic
def handover(
    *,
    participants: Iterable[Participant],
    from_user: User,
    to_user: User,
    user: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> list[ResponsibilityChange]:
    """Move the participants from `from_user` to `to_user` in one step (admins).

    Each participant must have `from_user` among their coordinators; every change is
    kept (from, to, when, by, note) and audit-logged on the person."""
    if not policy.is_admin(user):
        raise ValidationError(_("Bara förbundsadministratörer kan överlämna deltagare."))
    chosen = list(participants)
    errors: dict[str, list[str]] = {}
    if from_user.pk == to_user.pk:
        errors["to_user"] = [_("Välj en annan koordinator än den som lämnar över.")]
    if not (policy.is_coordinator(to_user) and to_user.is_active):
        errors["to_user"] = [_("Mottagaren måste vara en aktiv koordinator.")]
    if not chosen:
        errors["participants"] = [_("Välj minst en deltagare.")]
    if errors:
        raise ValidationError(errors)
    ids = [p.pk for p in chosen]
    locked = list(Participant.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    through = Participant.coordinators.through
    held = set(
        through.objects.filter(participant_id__in=ids, user=from_user).values_list(
            "participant_id", flat=True
        )
    )
    if missing := [p for p in locked if p.pk not in held]:
        raise ValidationError(
            {
                "participants": [
                    _("%(name)s har inte %(coordinator)s som ansvarig koordinator.")
                    % {"name": p, "coordinator": from_user.get_full_name() or from_user.username}
                    for p in missing
                ]
            }
        )
    already = set(
        through.objects.filter(participant_id__in=ids, user=to_user).values_list(
            "participant_id", flat=True
        )
    )
    through.objects.filter(participant_id__in=ids, user=from_user).delete()
    through.objects.bulk_create(
        [through(participant_id=pk, user_id=to_user.pk) for pk in ids if pk not in already]
    )
    now = timezone.now()
    changes = ResponsibilityChange.objects.bulk_create(
        [
            ResponsibilityChange(
                participant=p,
                from_user=from_user,
                to_user=to_user,
                changed_at=now,
                changed_by=user,
                note=note.strip(),
            )
            for p in locked
        ]
    )
    for p in locked:
        _audit(
            user,
            AuditAction.UPDATE,
            p,
            request,
            f"handover: coordinator {from_user.pk} -> {to_user.pk}",
        )
    return changes


# --- ESF+ indicators --------------------------------------------------------------

ESF_PHASES: dict[str, tuple[tuple[str, ...], str]] = {
    # phase -> (its fields, the date field that says when they were recorded)
    "entry": (ESF_ENTRY_FIELDS, "entry_recorded_on"),
    "exit": (ESF_EXIT_FIELDS, "exit_recorded_on"),
    "six_months": (ESF_SIX_MONTHS_FIELDS, "six_months_recorded_on"),
}


def esf_data_for(enrolment: Enrolment) -> EsfParticipantData:
    """The enrolment's ESF+ row, or an unsaved empty one."""
    found = EsfParticipantData.objects.filter(enrolment=enrolment).first()
    return found or EsfParticipantData(enrolment=enrolment)


def esf_log_view(*, enrolment: Enrolment, user: User, request: HttpRequest | None = None) -> None:
    """One read row: the ESF+ answers (special categories of data) were shown."""
    _audit(
        user,
        AuditAction.VIEW,
        enrolment.participant,
        request,
        f"esf+ data: enrolment {enrolment.pk}",
        responsible=is_responsible(enrolment.participant, user),
    )


@transaction.atomic
def esf_data_save(
    *,
    enrolment: Enrolment,
    user: User,
    phases: Iterable[str],
    answers: Mapping[str, str],
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> EsfParticipantData:
    """Save the ESF+ answers of the given phases ("entry", "exit", "six_months").

    Only for an enrolment in an ESF-financed insats; results only once the
    enrolment has ended, and the six-month answers only six months after. A
    phase with any answer gets today as its recorded date.
    """
    today = today or timezone.localdate()
    enrolment = Enrolment.objects.select_related("insats", "participant").get(pk=enrolment.pk)
    if not enrolment.insats.esf_funded:
        raise ValidationError(_("Insatsen är inte ESF-finansierad."), code="not_esf")
    if enrolment.participant.is_anonymous:
        # Only sex, birth year and start for an anonymous registration (DOMAIN.md);
        # an anonymised person's earlier answers stay for the statistics.
        raise ValidationError(
            _("En anonym deltagare registreras utan ESF+-uppgifter."), code="anonymous"
        )
    data = EsfParticipantData.objects.select_for_update().filter(enrolment=enrolment).first()
    data = data or EsfParticipantData(enrolment=enrolment)
    phases = list(phases)
    unknown = set(answers) - {name for phase in phases for name in ESF_PHASES[phase][0]}
    if unknown:
        raise ValidationError(_("Okända fält: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for phase in phases:
        fields, recorded = ESF_PHASES[phase]
        for name in fields:
            setattr(data, name, answers.get(name, ""))
        filled = any(getattr(data, name) for name in fields)
        if filled and getattr(data, recorded) is None:
            setattr(data, recorded, today)
        if not filled:
            setattr(data, recorded, None)
    if any(getattr(data, f) for f in ESF_SIX_MONTHS_FIELDS):
        end = enrolment.end_date
        if end is not None and today < _six_months_after(end):
            raise ValidationError(
                _("Uppgifterna efter sex månader registreras tidigast %(day)s.")
                % {"day": formats.date_format(_six_months_after(end), "DATE_FORMAT")}
            )
    data.full_clean()
    data.save()
    _audit(
        user,
        AuditAction.UPDATE,
        enrolment.participant,
        request,
        f"esf+ data ({', '.join(phases)}): enrolment {enrolment.pk}",
    )
    return data


def _six_months_after(day: datetime.date) -> datetime.date:
    month = day.month + 6
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")
