"""The placement lifecycle: every transition is one service function.

proposed -> accepted | declined | withdrawn; accepted -> active | withdrawn;
active -> completed | interrupted. Anything else is refused with a message.
Transitions that make a placement hold a place (propose, accept, start, change
of dates or extent) check capacity under the offer's row lock.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import OfferStatus, TrainingOffer
from participants.choices import WORK_OR_STUDIES, EndReason, Outcome
from participants.models import Enrolment, Participant
from placements.models import (
    DeclineReason,
    FollowUpMeeting,
    Placement,
    PlacementStatus,
    PlacementType,
)
from placements.notifications import (
    notify_proposal_answered,
    notify_proposal_made,
    notify_proposal_withdrawn,
)
from placements.services import waiting
from placements.services.capacity import (
    check_offer_room,
    check_participant_extent,
    lock_offer,
    lock_offers,
    lock_participant,
)
from placements.services.enrolments import enrolment_end
from placements.services.sharing import check_sharing_consent, follow_up_refusal, snapshot_take
from samordning.audit import audit_record
from samordning.models import AuditAction, User

S = PlacementStatus

TRANSITIONS: dict[str, set[str]] = {
    S.PROPOSED: {S.ACCEPTED, S.DECLINED, S.WITHDRAWN},
    S.ACCEPTED: {S.ACTIVE, S.WITHDRAWN},
    S.ACTIVE: {S.COMPLETED, S.INTERRUPTED},
    S.DECLINED: set(),
    S.WITHDRAWN: set(),
    S.COMPLETED: set(),
    S.INTERRUPTED: set(),
}


class TransitionError(ValidationError):
    """The placement is in a state from which this step is not possible."""


def can_transition(placement: Placement, target: str) -> bool:
    return target in TRANSITIONS[placement.status]


# The coordinator's steps on a placement besides the status transitions.
PLAN_CHANGEABLE = frozenset({S.PROPOSED, S.ACCEPTED, S.ACTIVE})  # it holds a place
FOLLOW_UP_ALLOWED = frozenset({S.ACCEPTED, S.ACTIVE, S.COMPLETED, S.INTERRUPTED})  # it happened
STEPS = ("withdraw", "start", "end", "change_plan", "follow_up")


def allowed_steps(placement: Placement) -> frozenset[str]:
    """Which of the coordinator's lifecycle steps (STEPS) this placement allows now.

    The one answer the services, the views and the templates use."""
    allowed = {
        "withdraw": can_transition(placement, S.WITHDRAWN),
        "start": can_transition(placement, S.ACTIVE),
        "end": can_transition(placement, S.COMPLETED),
        "change_plan": placement.status in PLAN_CHANGEABLE,
        "follow_up": placement.status in FOLLOW_UP_ALLOWED,
    }
    return frozenset(step for step, ok in allowed.items() if ok)


def _require(placement: Placement, target: str) -> None:
    if not can_transition(placement, target):
        raise TransitionError(
            _("Arbetsträningen är %(status)s och kan inte bli %(target)s.")
            % {
                "status": placement.get_status_display().lower(),
                "target": S(target).label.lower(),
            },
            code="transition",
        )


# The steps that are one status transition: the coordinator's, and the enterprise's
# answer that comes with a form (its decline, with a reason).
TRANSITION_STEPS = {
    "withdraw": S.WITHDRAWN,
    "start": S.ACTIVE,
    "end": S.COMPLETED,
    "decline": S.DECLINED,
}


def check_step(placement: Placement, step: str, *, today: datetime.date | None = None) -> None:
    """Raise TransitionError, with the reason, when the placement's status does not
    allow the coordinator's lifecycle `step` (one of STEPS), or the enterprise's
    "decline", now.

    The services check this first; a view checks it before it reads the form, so a
    page left open while the placement moved on says why, whatever was typed."""
    if step in TRANSITION_STEPS:
        _require(placement, TRANSITION_STEPS[step])
    elif step == "change_plan" and step not in allowed_steps(placement):
        raise TransitionError(
            _("En %(status)s arbetsträning kan inte ändras.")
            % {"status": placement.get_status_display().lower()}
        )
    elif step == "follow_up":
        if step not in allowed_steps(placement):
            raise TransitionError(
                _("Uppföljning kan bara registreras för en arbetsträning som blivit av.")
            )
        refusal = follow_up_refusal(placement, today or timezone.localdate())
        if refusal:
            raise TransitionError(refusal, code="no_follow_up_consent")


def _lock(placement: Placement) -> Placement:
    """Re-read the placement with a row lock so two answers cannot cross."""
    return Placement.objects.select_for_update().get(pk=placement.pk)


def _lock_with_other_proposals(placement: Placement) -> Placement:
    """Accepting withdraws the person's other proposals, at other offers: lock them and
    this placement (by id), then all their offers (by id), before changing any. Two
    acceptances that withdraw proposals at each other's offers then wait for each
    other instead of deadlocking; a second acceptance of the same person finds the
    first's withdrawal. The offers of the person's queues are locked with them:
    leaving a queue can pass a freed place on there (`leave_all_queues`)."""
    rows = (
        Placement.objects.select_for_update(of=("self",))
        .filter(Q(pk=placement.pk) | Q(participant_id=placement.participant_id, status=S.PROPOSED))
        .order_by("pk")
        .values_list("offer_id", flat=True)
    )
    lock_offers([*rows, *waiting.queue_offers(placement.participant_id)])
    return Placement.objects.get(pk=placement.pk)


def _audit(
    user: User, action: str, placement: Placement, request: HttpRequest | None, detail: str
) -> None:
    audit_record(
        user=user,
        action=action,
        obj=placement,
        request=request,
        detail=detail,
        subjects=[placement.participant_id],
    )


# A follow-up's next meeting further off than this is a typing mistake, not a plan
# (follow-ups after the end come at six and twelve months).
NEXT_MEETING_MAX_DAYS = 366


def _before_enrolment(enrolment: Enrolment, day: datetime.date) -> str:
    """Why `day` cannot be a day of a placement in `enrolment`: it is before the
    participant was enrolled in the insats that funds it; "" if it is not."""
    if day >= enrolment.start_date:
        return ""
    return _("Datumet ligger före %(day)s, då deltagaren skrevs in i %(insats)s.") % {
        "day": enrolment.start_date,
        "insats": enrolment.insats.name,
    }


def too_early(placement: Placement, day: datetime.date) -> str:
    """Why `day` cannot be a date of the placement (its planned or actual start, its
    agreement, a follow-up meeting), or "" if it can.

    Nothing of a placement happens before it was proposed (so not before its offer
    existed or its participant was registered, let alone born), nor before the
    participant's enrolment in the insats that funds it started. The demo's history
    keeps the same rule (tests/placements/test_seed_demo.py)."""
    if refusal := _before_enrolment(placement.enrolment, day):
        return refusal
    proposed_on = timezone.localdate(placement.proposed_at)
    if day < proposed_on:
        return _("Datumet ligger före %(day)s, då arbetsträningen föreslogs.") % {
            "day": proposed_on
        }
    return ""


def _expiry(from_day: datetime.date) -> datetime.date:
    return from_day + datetime.timedelta(days=settings.PROPOSAL_VALID_DAYS)


def _check_free_from(offer: TrainingOffer, planned_start: datetime.date) -> None:
    """A placement that has not started may not be planned to start before the offer is free."""
    if planned_start < offer.free_from:
        raise ValidationError(
            {"planned_start": _("Platsen är ledig först från %(day)s.") % {"day": offer.free_from}}
        )


@transaction.atomic
def placement_propose(
    *,
    participant: Participant,
    offer: TrainingOffer,
    user: User,
    planned_start: datetime.date,
    planned_end: datetime.date,
    extent: int,
    placement_type: str = PlacementType.TRAINING,
    enrolment: Enrolment | None = None,
    schedule: str = "",
    proposal_note: str = "",
    shared_support_needs: str = "",
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Placement:
    """Propose `participant` for a place at `offer`; holds a place until answered or expired.

    Needs a valid consent to sharing with the enterprise; what the enterprise will
    see (name, adaptations, `shared_support_needs`) is copied into a snapshot now.
    The placement belongs to one of the participant's open enrolments (the insats
    that funds it): `enrolment`, or by default the participant's latest open one.
    """
    today = today or timezone.localdate()
    check_sharing_consent(participant, today)
    if enrolment is None:
        enrolment = default_enrolment(participant)
    if enrolment is None:
        raise ValidationError(
            {"enrolment": _("Skriv in deltagaren i en insats innan du föreslår en arbetsträning.")}
        )
    placement = Placement(
        participant=participant,
        offer=offer,
        enrolment=enrolment,
        placement_type=placement_type,
        extent=extent,
        planned_start=planned_start,
        planned_end=planned_end,
        schedule=schedule,
        proposal_note=proposal_note,
        status=S.PROPOSED,
        proposed_by=user,
        proposed_at=timezone.now(),
        expires_on=_expiry(today),
        supervisor_name=offer.supervisor_name,
    )
    placement.full_clean()
    errors: dict[str, list[str]] = {}
    if planned_start < today:
        errors.setdefault("planned_start", []).append(
            _("Planerad start kan inte ligga bakåt i tiden.")
        )
    elif refusal := _before_enrolment(enrolment, planned_start):
        errors.setdefault("planned_start", []).append(refusal)
    if enrolment.participant_id != participant.pk:
        errors.setdefault("enrolment", []).append(_("Inskrivningen gäller en annan deltagare."))
    elif enrolment.end_date is not None:
        errors.setdefault("enrolment", []).append(_("Inskrivningen är avslutad."))
    if errors:
        raise ValidationError(errors)
    offer = lock_offer(offer)
    if offer.status != OfferStatus.OPEN:
        raise ValidationError(
            _("Platsen är pausad och tar inte emot förslag just nu."), code="paused"
        )
    if not offer.offers_extent(extent):
        raise ValidationError(
            {
                "extent": _("Platsen erbjuder %(low)s–%(high)s %%.")
                % {"low": offer.min_extent, "high": offer.max_extent}
            }
        )
    _check_free_from(offer, planned_start)
    check_offer_room(offer, planned_start, planned_end, today=today)
    lock_participant(participant)
    check_participant_extent(participant, extent, planned_start, planned_end, today=today)
    placement.offer = offer
    placement.save()
    snapshot_take(placement=placement, user=user, support_needs=shared_support_needs)
    _audit(user, AuditAction.CREATE, placement, request, "proposed")
    waiting.leave_on_proposal(participant=participant, offer=offer, user=user, request=request)
    notify_proposal_made(placement)
    return placement


def default_enrolment(participant: Participant) -> Enrolment | None:
    """The participant's latest open enrolment: where a new placement belongs by default."""
    return (
        Enrolment.objects.filter(participant=participant, end_date__isnull=True)
        .order_by("-start_date", "-pk")
        .first()
    )


@transaction.atomic
def placement_withdraw(
    *, placement: Placement, user: User, reason: str = "", request: HttpRequest | None = None
) -> Placement:
    """The coordinator takes back a proposal (or an accepted, not yet started placement).

    `reason` is kept on the placement (e.g. when another proposal was accepted);
    the freed place goes to the first in the offer's queue."""
    placement = _lock(placement)
    check_step(placement, "withdraw")
    placement.status = S.WITHDRAWN
    placement.withdraw_note = reason[:200]
    placement.save(update_fields=["status", "withdraw_note", "updated_at"])
    _audit(user, AuditAction.UPDATE, placement, request, "withdrawn")
    waiting.place_freed(placement.offer_id)
    notify_proposal_withdrawn(placement)
    return placement


def _release_other_proposals(
    placement: Placement, user: User, request: HttpRequest | None
) -> list[Placement]:
    """One proposal at a time: the participant's other open proposals are withdrawn,
    each through placement_withdraw (so its audit row and hooks run as usual)."""
    others = Placement.objects.filter(
        participant_id=placement.participant_id, status=S.PROPOSED
    ).exclude(pk=placement.pk)
    reason = _("Återtaget automatiskt: deltagaren har accepterats hos %(enterprise)s.") % {
        "enterprise": placement.offer.enterprise.name
    }
    return [
        placement_withdraw(placement=other, user=user, reason=reason, request=request)
        for other in others.order_by("pk")
    ]


@transaction.atomic
def placement_accept(
    *,
    placement: Placement,
    user: User,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Placement:
    """The enterprise accepts a proposal; it keeps holding its place until started."""
    today = today or timezone.localdate()
    placement = _lock_with_other_proposals(placement)
    _require(placement, S.ACCEPTED)
    if placement.has_expired(today):
        raise TransitionError(
            _("Förslaget gick ut %(day)s och kan inte längre accepteras.")
            % {"day": placement.expires_on},
            code="expired",
        )
    offer = lock_offer(placement.offer_id)
    check_offer_room(
        offer, placement.planned_start, placement.planned_end, exclude=placement, today=today
    )
    placement.status = S.ACCEPTED
    placement.answered_by = user
    placement.answered_at = timezone.now()
    placement.expires_on = _expiry(max(placement.planned_start, today))
    placement.save(
        update_fields=["status", "answered_by", "answered_at", "expires_on", "updated_at"]
    )
    _audit(user, AuditAction.UPDATE, placement, request, "accepted")
    placement.offer = offer
    _release_other_proposals(placement, user, request)
    waiting.leave_all_queues(participant=placement.participant_id, user=user, request=request)
    notify_proposal_answered(placement)
    return placement


@transaction.atomic
def placement_decline(
    *,
    placement: Placement,
    user: User,
    reason: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> Placement:
    """The enterprise declines a proposal with a reason; the place is freed.

    A proposal no longer open (withdrawn, answered) is refused before the reason is
    read: a stale page says so, not that a reason is missing."""
    placement = _lock(placement)
    check_step(placement, "decline")
    if reason not in DeclineReason.values:
        raise ValidationError({"decline_reason": _("Välj ett skäl.")})
    if reason == DeclineReason.OTHER and not note.strip():
        raise ValidationError({"decline_note": _("Beskriv skälet när du väljer ”Annat”.")})
    placement.status = S.DECLINED
    placement.decline_reason = reason
    placement.decline_note = note.strip()
    placement.answered_by = user
    placement.answered_at = timezone.now()
    placement.save(
        update_fields=[
            "status",
            "decline_reason",
            "decline_note",
            "answered_by",
            "answered_at",
            "updated_at",
        ]
    )
    _audit(user, AuditAction.UPDATE, placement, request, "declined")
    waiting.place_freed(placement.offer_id)
    notify_proposal_answered(placement)
    return placement


@transaction.atomic
def placement_start(
    *,
    placement: Placement,
    user: User,
    start_date: datetime.date,
    supervisor_name: str,
    agreement_date: datetime.date,
    agreement_tasks: str,
    agreement_hours: str,
    agreement_support: str,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Placement:
    """Start an accepted placement; the three-party agreement and a handledare are required.

    The start is no later than the acceptance holds the place (`expires_on`); a start
    on or before that day may be registered afterwards."""
    today = today or timezone.localdate()
    placement = _lock(placement)
    check_step(placement, "start")
    errors: dict[str, list[str]] = {}
    required = {
        "supervisor_name": supervisor_name,
        "agreement_tasks": agreement_tasks,
        "agreement_hours": agreement_hours,
        "agreement_support": agreement_support,
    }
    for field, value in required.items():
        if not (value or "").strip():
            errors.setdefault(field, []).append(_("Fyll i detta innan arbetsträningen startar."))
    if agreement_date is None:
        errors.setdefault("agreement_date", []).append(_("Ange när överenskommelsen träffades."))
    elif start_date is not None and agreement_date > start_date:
        errors.setdefault("agreement_date", []).append(
            _("Trepartsöverenskommelsen ska vara träffad före start.")
        )
    elif refusal := too_early(placement, agreement_date):
        errors.setdefault("agreement_date", []).append(refusal)
    enrolment = placement.enrolment
    if start_date is None:
        errors.setdefault("start_date", []).append(_("Ange startdatum."))
    elif start_date > placement.planned_end:
        errors.setdefault("start_date", []).append(_("Startdatum ligger efter planerat slut."))
    elif refusal := too_early(placement, start_date):
        errors.setdefault("start_date", []).append(refusal)
    elif enrolment.end_date is not None and start_date > enrolment.end_date:
        errors.setdefault("start_date", []).append(
            _("Inskrivningen i %(insats)s avslutades %(day)s.")
            % {"insats": enrolment.insats.name, "day": enrolment.end_date}
        )
    elif placement.has_expired(start_date):
        # The acceptance held the place until expires_on; then the place went back
        # to the offer (and its queue). A start that late takes a place nobody held.
        # A start on or before that day, registered afterwards, is still the one
        # that was accepted (its place is counted again below, under the lock).
        errors.setdefault("start_date", []).append(
            _(
                "Accepten gällde till %(day)s; då släpptes platsen och arbetsträningen "
                "kan inte starta senare. Har starten skjutits upp, ändra planerad start "
                "först."
            )
            % {"day": placement.expires_on}
        )
    if errors:
        raise ValidationError(errors)
    # This offer and those whose queue the start makes the person leave, in id order
    # (lock_offer alone when the person stands in no queue).
    if queues := waiting.queue_offers(placement.participant_id):
        lock_offers([placement.offer_id, *queues])
    offer = lock_offer(placement.offer_id)
    check_offer_room(offer, start_date, placement.planned_end, exclude=placement, today=today)
    check_participant_extent(
        lock_participant(placement.participant_id),
        placement.extent,
        start_date,
        placement.planned_end,
        exclude=placement,
        today=today,
    )
    placement.status = S.ACTIVE
    placement.start_date = start_date
    placement.supervisor_name = supervisor_name.strip()
    placement.agreement_date = agreement_date
    placement.agreement_tasks = agreement_tasks.strip()
    placement.agreement_hours = agreement_hours.strip()
    placement.agreement_support = agreement_support.strip()
    placement.full_clean()
    placement.save()
    _audit(user, AuditAction.UPDATE, placement, request, "started")
    waiting.leave_all_queues(participant=placement.participant_id, user=user, request=request)
    return placement


@transaction.atomic
def placement_end(
    *,
    placement: Placement,
    user: User,
    end_date: datetime.date,
    end_reason: str,
    outcome: str,
    end_enrolment: bool = False,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Placement:
    """End an active placement: planned end -> completed, any other reason -> interrupted.

    The end may not be later than the planned end: to extend, change the plan
    first (which re-checks capacity for the added days). With `end_enrolment`,
    a placement that ends in work or studies also ends its enrolment, on the
    same day with the same reason and outcome, so the funder's outcome figures
    (which count enrolments) say what the placement says.
    """
    today = today or timezone.localdate()
    placement = _lock(placement)
    check_step(placement, "end")
    target = S.COMPLETED if end_reason == EndReason.PLANNED else S.INTERRUPTED
    errors: dict[str, list[str]] = {}
    if end_reason not in EndReason.values:
        errors["end_reason"] = [_("Välj avslutsorsak.")]
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Välj resultat.")]
    if end_date is None:
        errors["end_date"] = [_("Ange slutdatum.")]
    else:
        if placement.start_date and end_date < placement.start_date:
            errors["end_date"] = [_("Slutdatum kan inte ligga före startdatum.")]
        elif end_date > today:
            errors["end_date"] = [_("Slutdatum kan inte ligga i framtiden.")]
        elif end_date > placement.planned_end:
            errors["end_date"] = [
                _(
                    "Slutdatum kan inte ligga efter planerat slut (%(day)s). Ska "
                    "arbetsträningen förlängas, ändra planen först."
                )
                % {"day": placement.planned_end}
            ]
    if end_enrolment and outcome not in WORK_OR_STUDIES:
        errors["end_enrolment"] = [
            _(
                "Inskrivningen avslutas här bara när arbetsträningen leder till arbete eller "
                "studier; avsluta den annars från deltagarens sida."
            )
        ]
    if errors:
        raise ValidationError(errors)
    placement.status = target
    placement.end_date = end_date
    placement.end_reason = end_reason
    placement.outcome = outcome
    placement.full_clean()
    placement.save()
    _audit(user, AuditAction.UPDATE, placement, request, f"ended: {end_reason}")
    waiting.place_freed(placement.offer_id, today=today)
    if end_enrolment:
        try:
            enrolment_end(
                enrolment=placement.enrolment,
                user=user,
                end_date=end_date,
                end_reason=end_reason,
                outcome=outcome,
                request=request,
                today=today,
            )
        except ValidationError as error:
            # One step: the placement's end is rolled back with the enrolment's.
            raise ValidationError({"end_enrolment": error.messages}) from error
    return placement


@transaction.atomic
def placement_change_plan(
    *,
    placement: Placement,
    user: User,
    planned_start: datetime.date,
    planned_end: datetime.date,
    extent: int,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Placement:
    """Change dates or extent of a placement that holds a place; capacity is re-checked.

    An accepted placement's acceptance (`expires_on`) follows a moved planned start."""
    today = today or timezone.localdate()
    placement = _lock(placement)
    check_step(placement, "change_plan")
    moved_start = planned_start != placement.planned_start
    held_before = (_first_held(placement), placement.planned_end)
    placement.planned_start = planned_start
    placement.planned_end = planned_end
    placement.extent = extent
    if placement.status == S.ACCEPTED and moved_start:
        # An acceptance holds the place until shortly after the planned start (as
        # placement_accept sets it): a start put off moves that day with it.
        placement.expires_on = _expiry(max(planned_start, today))
    placement.full_clean()
    if placement.status == S.ACTIVE and placement.start_date and planned_end < placement.start_date:
        # Else the placement would hold no day at all and the capacity check pass vacuously.
        raise ValidationError({"planned_end": _("Planerat slut kan inte ligga före startdatum.")})
    if placement.status != S.ACTIVE and moved_start and planned_start < today:
        raise ValidationError({"planned_start": _("Planerad start kan inte ligga bakåt i tiden.")})
    if moved_start and (refusal := too_early(placement, planned_start)):
        raise ValidationError({"planned_start": refusal})
    offer = lock_offer(placement.offer_id)
    if not offer.offers_extent(extent):
        raise ValidationError(
            {
                "extent": _("Platsen erbjuder %(low)s–%(high)s %%.")
                % {"low": offer.min_extent, "high": offer.max_extent}
            }
        )
    if placement.status != S.ACTIVE and moved_start:
        _check_free_from(offer, planned_start)
    first = _first_held(placement)
    for start, end in _days_to_check(first, planned_end, held_before, today):
        check_offer_room(offer, start, end, exclude=placement, today=today)
    check_participant_extent(
        lock_participant(placement.participant_id),
        extent,
        first,
        planned_end,
        exclude=placement,
        today=today,
    )
    placement.save()
    _audit(user, AuditAction.UPDATE, placement, request, "plan changed")
    return placement


def _first_held(placement: Placement) -> datetime.date:
    """The first day the placement holds its place: its start, or its planned start."""
    if placement.status == S.ACTIVE and placement.start_date:
        return placement.start_date
    return placement.planned_start


def _days_to_check(
    first: datetime.date,
    end: datetime.date,
    held_before: tuple[datetime.date, datetime.date],
    today: datetime.date,
) -> list[tuple[datetime.date, datetime.date]]:
    """The ranges a changed plan's capacity check covers: every day from today on, and
    the past days it newly holds. A past day it held already stays as it was: judged
    again by the places the offer had that day, older data could refuse a change that
    adds only a future day (a past day that had more people than its history allows)."""
    day = datetime.timedelta(days=1)
    ranges = [(max(first, today), end)]
    old_first, old_end = held_before
    past_end = min(end, today - day)
    ranges += [(first, min(old_first - day, past_end)), (max(old_end + day, first), past_end)]
    return [(start, last) for start, last in ranges if start <= last]


def check_follow_up_dates(
    placement: Placement,
    *,
    date: datetime.date,
    next_meeting: datetime.date | None,
    today: datetime.date,
) -> None:
    """Raise ValidationError (by field) when a follow-up meeting of `placement` held
    on `date` and planning the next for `next_meeting` cannot be recorded `today`.

    The meeting has been held (not after `today`, not before the placement's first
    day: `too_early`); the next one is at most NEXT_MEETING_MAX_DAYS after it. The
    one rule for the service and the admin."""
    errors: dict[str, list[str]] = {}
    if date > today:
        errors["date"] = [
            _("Ett möte registreras när det har hållits; ett kommande möte anges som nästa möte.")
        ]
    elif refusal := too_early(placement, date):
        errors["date"] = [refusal]
    if next_meeting is not None and (next_meeting - date).days > NEXT_MEETING_MAX_DAYS:
        errors["next_meeting"] = [_("Nästa möte kan ligga högst ett år efter det här mötet.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def follow_up_record(
    *,
    placement: Placement,
    user: User,
    date: datetime.date,
    attendees: str = "",
    notes: str = "",
    next_meeting: datetime.date | None = None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> FollowUpMeeting:
    """Record a follow-up meeting of an accepted, active or ended placement; after
    the end only with the participant's consent to follow-up.

    The meeting has been held (`date`: from the proposal until today); the next one
    is planned (`next_meeting`: at most a year after it)."""
    today = today or timezone.localdate()
    check_step(placement, "follow_up", today=today)
    meeting = FollowUpMeeting(
        placement=placement,
        date=date,
        attendees=attendees,
        notes=notes,
        next_meeting=next_meeting,
        recorded_by=user,
    )
    meeting.full_clean()
    check_follow_up_dates(placement, date=date, next_meeting=next_meeting, today=today)
    meeting.save()
    _audit(user, AuditAction.CREATE, placement, request, "follow-up recorded")
    return meeting
