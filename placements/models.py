"""Placements (arbetsträning): the lifecycle, attendance and follow-up meetings."""

from __future__ import annotations

import datetime
from typing import Any

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import HOURS_AT_FULL_EXTENT, Extent, TrainingOffer
from participants.choices import EndReason, Outcome
from participants.models import Enrolment, Participant
from samordning import policy
from samordning.models import User
from samordning.validation import sane_date_constraints, validate_sane_date


class PlacementType(models.TextChoices):
    TRAINING = "training", _("Arbetsträning")
    ENHANCED_TRAINING = "enhanced_training", _("Förstärkt arbetsträning")
    WORK_TRIAL = "work_trial", _("Arbetsprövning")
    INTERNSHIP = "internship", _("Praktik")


class PlacementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Föreslagen")
    ACCEPTED = "accepted", _("Accepterad")
    DECLINED = "declined", _("Avböjd")
    WITHDRAWN = "withdrawn", _("Återtagen")
    ACTIVE = "active", _("Pågående")
    COMPLETED = "completed", _("Avslutad")
    INTERRUPTED = "interrupted", _("Avbruten")


PENDING_STATUSES = [PlacementStatus.PROPOSED, PlacementStatus.ACCEPTED]
ENDED_STATUSES = [PlacementStatus.COMPLETED, PlacementStatus.INTERRUPTED]


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("Ingen handledarkapacitet just nu")
    TASKS_UNSUITABLE = "tasks_unsuitable", _("Arbetsuppgifterna passar inte")
    ADAPTATIONS_IMPOSSIBLE = "adaptations_impossible", _("Anpassningarna går inte att ordna")
    TIMING = "timing", _("Startdatum passar inte")
    OTHER = "other", _("Annat")


def unexpired(today: datetime.date) -> Q:
    """Not past its answer date (`expires_on`); one without a date never expires."""
    return Q(expires_on__isnull=True) | Q(expires_on__gte=today)


class PlacementQuerySet(models.QuerySet["Placement"]):
    def visible_to(self, user: User) -> PlacementQuerySet:
        """Coordinators see their participants' placements; managers their enterprises'."""
        if policy.is_admin(user):
            return self.all()
        scope = Q(pk__in=[])
        if policy.is_coordinator(user):
            scope |= Q(participant__coordinators=user)
        if policy.is_manager(user):
            scope |= Q(offer__enterprise__managers=user)
        if scope == Q(pk__in=[]):
            return self.none()
        return self.filter(scope).distinct()

    def in_caseload_of(self, user: User) -> PlacementQuerySet:
        """The coordinator's side only: placements of participants they are
        responsible for (admins: all). A user who is also a manager does not get
        coordinator pages for their enterprise's other participants."""
        if policy.is_admin(user):
            return self.all()
        if policy.is_coordinator(user):
            return self.filter(participant__coordinators=user)
        return self.none()

    def with_related(self) -> PlacementQuerySet:
        return self.select_related(
            "participant", "offer", "offer__enterprise", "offer__business_area", "enrolment"
        )

    def holding_between(
        self, start: datetime.date, end: datetime.date, *, today: datetime.date | None = None
    ) -> PlacementQuerySet:
        """Placements that hold a place in their offer on some day in [start, end].

        Proposed and accepted hold their planned dates until declined, withdrawn
        or expired; active ones hold from their start to the planned end; ended
        ones held from start to end (kept so history stays correct).
        """
        today = today or timezone.localdate()
        pending = (
            Q(status__in=PENDING_STATUSES)
            & unexpired(today)
            & Q(planned_start__lte=end, planned_end__gte=start)
        )
        active = Q(status=PlacementStatus.ACTIVE) & Q(held_from__lte=end, planned_end__gte=start)
        ended = Q(status__in=ENDED_STATUSES) & Q(held_from__lte=end, end_date__gte=start)
        return self.annotate(held_from=Coalesce("start_date", "planned_start")).filter(
            pending | active | ended
        )

    def with_hold_range(self) -> PlacementQuerySet:
        """Annotate `hold_from` and `hold_to`: the days a placement that holds a place
        holds it (the database side of `Placement.hold_range`; use with holding_between,
        which leaves out those that hold nothing)."""
        return self.annotate(
            hold_from=Case(
                When(status__in=PENDING_STATUSES, then=F("planned_start")),
                default=Coalesce("start_date", "planned_start"),
            ),
            hold_to=Case(
                When(status__in=ENDED_STATUSES, then=F("end_date")),
                default=F("planned_end"),
            ),
        )

    def pending(self, today: datetime.date) -> PlacementQuerySet:
        """Proposed or accepted and not expired: waiting for an answer or a start."""
        return self.filter(Q(status__in=PENDING_STATUSES) & unexpired(today))


# A placement moved to another offer (the admin can) moves its months with it.
PLACEMENT_MONTH_OFFER_PG_FUNC = """
    UPDATE placements_placementmonth SET offer_id = NEW.offer_id WHERE placement_id = NEW.id;
    RETURN NULL;
"""


# What decides the places a placement holds (PlacementQuerySet.holding_between and
# with_hold_range): a change to any of these gives its offer a new hold stamp.
HOLD_COLUMNS = (
    "offer_id",
    "status",
    "planned_start",
    "planned_end",
    "start_date",
    "end_date",
    "expires_on",
)
_HOLD_OLD = ", ".join(f"OLD.{column}" for column in HOLD_COLUMNS)
_HOLD_NEW = ", ".join(f"NEW.{column}" for column in HOLD_COLUMNS)
# Fixed column names, no input. The offer's row lock (capacity.lock_offer's) is taken
# before its stamp's, in offer order, as the services take them: a write that reaches
# the stamp first and the offer after it (a withdrawal, then place_freed) would
# otherwise deadlock with a proposal holding the offer and waiting for the stamp.
HOLD_STAMP_PG_FUNC = f"""
    IF TG_OP = 'UPDATE' AND ({_HOLD_OLD}) IS NOT DISTINCT FROM ({_HOLD_NEW}) THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM enterprises_trainingoffer
    WHERE id IN (OLD.offer_id, NEW.offer_id) ORDER BY id FOR UPDATE;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO placements_offerholdstamp (offer_id, stamp)
        VALUES (OLD.offer_id, md5(random()::text || clock_timestamp()::text))
        ON CONFLICT (offer_id) DO UPDATE SET stamp = EXCLUDED.stamp;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO placements_offerholdstamp (offer_id, stamp)
        VALUES (NEW.offer_id, md5(random()::text || clock_timestamp()::text))
        ON CONFLICT (offer_id) DO UPDATE SET stamp = EXCLUDED.stamp;
    END IF;
    RETURN NULL;
"""  # noqa: S608


# FollowUpDue is kept by the database, whoever writes the meetings or the status (the
# services, the admin, bulk_create, queryset update/delete, raw SQL): each write
# recomputes the due date of the placements it touches. A meeting's write takes the
# placement's row lock first, so two meetings written at once for one placement leave
# the right date (a status change holds that lock already). SQLite: the same rules
# from migration 0014 (FOLLOW_UP_DUE_SQLITE_TRIGGERS).
FOLLOW_UP_DUE_STATUSES = (PlacementStatus.ACTIVE, *ENDED_STATUSES)
_DUE_STATUSES_SQL = ", ".join(f"'{status.value}'" for status in FOLLOW_UP_DUE_STATUSES)
FOLLOW_UP_DUE_PG_FUNC = f"""
    IF TG_OP = 'UPDATE' AND OLD.placement_id = NEW.placement_id AND OLD.date = NEW.date
       AND OLD.next_meeting IS NOT DISTINCT FROM NEW.next_meeting THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM placements_placement
     WHERE id IN (OLD.placement_id, NEW.placement_id) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM placements_followupdue
     WHERE placement_id IN (OLD.placement_id, NEW.placement_id);
    INSERT INTO placements_followupdue (placement_id, due_on)
    SELECT fu.placement_id, max(fu.next_meeting)
      FROM placements_followupmeeting fu
      JOIN placements_placement pl ON pl.id = fu.placement_id
     WHERE fu.placement_id IN (OLD.placement_id, NEW.placement_id)
       AND pl.status IN ({_DUE_STATUSES_SQL})
     GROUP BY fu.placement_id HAVING max(fu.next_meeting) > max(fu.date);
    RETURN NULL;
"""  # noqa: S608  (built from the status constants only)
PLACEMENT_FOLLOW_UP_DUE_PG_FUNC = f"""
    DELETE FROM placements_followupdue WHERE placement_id = NEW.id;
    INSERT INTO placements_followupdue (placement_id, due_on)
    SELECT fu.placement_id, max(fu.next_meeting)
      FROM placements_followupmeeting fu
     WHERE fu.placement_id = NEW.id AND NEW.status IN ({_DUE_STATUSES_SQL})
     GROUP BY fu.placement_id HAVING max(fu.next_meeting) > max(fu.date);
    RETURN NULL;
"""  # noqa: S608  (built from the status constants only)


# ParticipantActivity is kept the same way: each write to a placement (its updated_at
# or participant) or a follow-up meeting (its created_at or placement) recomputes the
# latest of the participant's placements' updated_at and meetings' created_at. The
# participant's row is locked first, so two writers for one person (two placements,
# or a placement and a meeting) leave the later time; the trigger fires after the
# placement's hold stamp (its name sorts after it), so the locks go placement, offer,
# participant, as the services take them. SQLite: migration 0016.
def _activity_of(participants: str) -> str:
    """Recompute ParticipantActivity for the participants matched by `participants`
    (an SQL expression for `IN`): the rows exist exactly while a person has a
    placement. Shared by the PostgreSQL triggers and migration 0016's SQLite ones."""
    return f"""
    DELETE FROM placements_participantactivity WHERE participant_id IN ({participants});
    INSERT INTO placements_participantactivity (participant_id, last_at)
    SELECT participant_id, max(at) FROM (
        SELECT pl.participant_id, pl.updated_at AS at
          FROM placements_placement pl WHERE pl.participant_id IN ({participants})
        UNION ALL
        SELECT pl.participant_id, fu.created_at
          FROM placements_followupmeeting fu
          JOIN placements_placement pl ON pl.id = fu.placement_id
         WHERE pl.participant_id IN ({participants})
    ) AS activity GROUP BY participant_id;
    """  # noqa: S608  (built from fixed column expressions only)


_PLACEMENT_PARTICIPANTS = "OLD.participant_id, NEW.participant_id"
PLACEMENT_ACTIVITY_PG_FUNC = f"""
    IF TG_OP = 'UPDATE' AND OLD.participant_id = NEW.participant_id
       AND OLD.updated_at = NEW.updated_at THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM participants_participant
     WHERE id IN ({_PLACEMENT_PARTICIPANTS}) ORDER BY id FOR NO KEY UPDATE;
    {_activity_of(_PLACEMENT_PARTICIPANTS)}
    RETURN NULL;
"""
_MEETING_PARTICIPANTS = (
    "SELECT participant_id FROM placements_placement"
    " WHERE id IN (OLD.placement_id, NEW.placement_id)"
)
FOLLOW_UP_ACTIVITY_PG_FUNC = f"""
    IF TG_OP = 'UPDATE' AND OLD.placement_id = NEW.placement_id
       AND OLD.created_at = NEW.created_at THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM participants_participant
     WHERE id IN ({_MEETING_PARTICIPANTS}) ORDER BY id FOR NO KEY UPDATE;
    {_activity_of(_MEETING_PARTICIPANTS)}
    RETURN NULL;
"""


class Placement(models.Model):
    """A participant's work training at one offer, from proposal to outcome."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("deltagare"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    # The insats that funds it: every placement belongs to one of the participant's
    # enrolments, so its outcome can end that enrolment and reach the funder's figures.
    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("inskrivning"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    offer = models.ForeignKey(
        TrainingOffer,
        verbose_name=_("arbetsträningsplats"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    placement_type = models.CharField(
        _("typ"), max_length=20, choices=PlacementType.choices, default=PlacementType.TRAINING
    )
    extent = models.PositiveSmallIntegerField(
        _("omfattning"), choices=Extent.choices, default=Extent.HALF
    )
    schedule = models.CharField(
        _("arbetstider"), max_length=150, blank=True, help_text=_("T.ex. ”mån–fre 9–13”.")
    )
    planned_start = models.DateField(_("planerad start"), validators=[validate_sane_date])
    planned_end = models.DateField(_("planerat slut"), validators=[validate_sane_date])
    start_date = models.DateField(
        _("startade"), null=True, blank=True, validators=[validate_sane_date]
    )
    end_date = models.DateField(
        _("avslutades"), null=True, blank=True, validators=[validate_sane_date]
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PlacementStatus.choices,
        default=PlacementStatus.PROPOSED,
        db_index=True,
    )
    supervisor_name = models.CharField(_("handledare"), max_length=100, blank=True)
    # Trepartsöverenskommelse: agreed before the start.
    agreement_date = models.DateField(
        _("överenskommelse träffad"), null=True, blank=True, validators=[validate_sane_date]
    )
    agreement_tasks = models.TextField(_("överenskomna arbetsuppgifter"), blank=True)
    agreement_hours = models.CharField(_("överenskomna tider"), max_length=150, blank=True)
    agreement_support = models.TextField(_("överenskommet stöd"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("föreslagen av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(
        _("föreslagen"), default=timezone.now, validators=[validate_sane_date]
    )
    proposal_note = models.TextField(_("meddelande till företaget"), blank=True)
    expires_on = models.DateField(
        _("förslaget gäller till"),
        validators=[validate_sane_date],
        null=True,
        blank=True,
        help_text=_(
            "Efter detta datum släpper ett obesvarat förslag platsen, och en accepterad "
            "arbetsträning som inte startat likaså: den kan då inte starta senare."
        ),
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("besvarad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(
        _("besvarad"), null=True, blank=True, validators=[validate_sane_date]
    )
    decline_reason = models.CharField(
        _("skäl att avböja"), max_length=30, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("kommentar till avböjande"), blank=True)
    withdraw_note = models.CharField(_("skäl till återtagande"), max_length=200, blank=True)
    end_reason = models.CharField(
        _("avslutsorsak"), max_length=30, choices=EndReason.choices, blank=True
    )
    outcome = models.CharField(_("resultat"), max_length=30, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("arbetsträning")
        verbose_name_plural = _("arbetsträningar")
        ordering = ["-planned_start", "-id"]
        constraints = [
            *sane_date_constraints(
                "placement",
                "planned_start",
                "planned_end",
                "start_date",
                "end_date",
                "agreement_date",
                "expires_on",
                datetimes=("proposed_at", "answered_at"),
            ),
            models.CheckConstraint(
                condition=Q(extent__in=[25, 50, 75, 100]), name="placement_extent_allowed"
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="placement_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="placement_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=ENDED_STATUSES)
                | (Q(end_date__isnull=False) & ~Q(end_reason="") & ~Q(outcome="")),
                name="placement_ended_has_end_data",
            ),
        ]
        indexes = [
            models.Index(fields=["offer", "status"], name="placement_offer_status_idx"),
            # Places held now or later: the few proposed, accepted and active placements
            # among millions that ended (free places, matching, capacity checks).
            models.Index(
                fields=["offer", "planned_end"],
                condition=Q(status__in=[*PENDING_STATUSES, PlacementStatus.ACTIVE]),
                name="placement_current_idx",
            ),
            # A person's places held now or later: "not placed or proposed" (the
            # inactive list probes 15,000 people quiet for 60 days in an admin's count)
            # reads this small index instead of each person's every placement
            # (255 -> 150 ms nationally, docs/performance.md, seventh round).
            models.Index(
                fields=["participant"],
                condition=Q(status__in=[*PENDING_STATUSES, PlacementStatus.ACTIVE]),
                name="placement_person_current_idx",
            ),
            # Ended placements by end date: "held on a day in [start, end]" for the
            # statistics and the capacity sweep, without reading all history.
            models.Index(
                fields=["end_date", "offer"],
                condition=Q(status__in=ENDED_STATUSES),
                name="placement_ended_idx",
            ),
            # The default ordering (lists and the admin changelist).
            models.Index(fields=["planned_start", "id"], name="placement_planned_start_idx"),
            # Declined proposals by answer date: "answered in the last 30 days" (the
            # attention counts) without a bitmap over every proposal ever declined
            # (an admin's count: 1.1 s -> 0.24 s nationally).
            models.Index(
                fields=["answered_at"],
                condition=Q(status=PlacementStatus.DECLINED),
                name="placement_declined_idx",
            ),
        ]
        # PlacementMonth carries the placement's offer (the invoice basis groups a
        # month per offer without reading every placement): a placement moved to
        # another offer takes its months along. SQLite: migration 0010.
        triggers = [
            pgtrigger.Trigger(
                name="placement_month_offer",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("offer_id"),
                condition=pgtrigger.Condition("OLD.offer_id IS DISTINCT FROM NEW.offer_id"),
                func=PLACEMENT_MONTH_OFFER_PG_FUNC,
            ),
            # Every write that changes the places a placement holds gives its offer
            # (old and new) a new OfferHoldStamp. SQLite: migration 0011.
            pgtrigger.Trigger(
                name="placement_hold_stamp",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=HOLD_STAMP_PG_FUNC,
            ),
            # A placement that starts, ends or is withdrawn gains or loses its
            # FollowUpDue row (FOLLOW_UP_DUE_STATUSES). SQLite: migration 0014.
            pgtrigger.Trigger(
                name="placement_follow_up_due",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("status"),
                condition=pgtrigger.Condition("OLD.status IS DISTINCT FROM NEW.status"),
                func=PLACEMENT_FOLLOW_UP_DUE_PG_FUNC,
            ),
            # The participant's ParticipantActivity. Named to fire after the hold
            # stamp (PostgreSQL fires a table's triggers in name order): the offer's
            # lock before the participant's. SQLite: migration 0016.
            pgtrigger.Trigger(
                name="placement_last_activity",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=PLACEMENT_ACTIVITY_PG_FUNC,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} – {self.offer.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("placements:placement-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = _("Planerat slut kan inte ligga före planerad start.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("Slutdatum kan inte ligga före startdatum.")
        if self.extent not in Extent.values:
            errors["extent"] = _("Omfattningen ska vara 25, 50, 75 eller 100 %.")
        if (
            self.enrolment_id
            and self.participant_id
            and self.enrolment.participant_id != self.participant_id
        ):
            errors["enrolment"] = _("Inskrivningen gäller en annan deltagare.")
        if errors:
            raise ValidationError(errors)

    @property
    def hours_per_week(self) -> int:
        return self.extent * HOURS_AT_FULL_EXTENT // 100

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED_STATUSES

    def has_expired(self, today: datetime.date) -> bool:
        """Past its answer date (the Python side of `unexpired`)."""
        return self.expires_on is not None and self.expires_on < today

    def hold_range(
        self, today: datetime.date | None = None
    ) -> tuple[datetime.date, datetime.date] | None:
        """The days this placement holds a place (see PlacementQuerySet.holding_between)."""
        today = today or timezone.localdate()
        if self.status in PENDING_STATUSES:
            if self.has_expired(today):
                return None
            return (self.planned_start, self.planned_end)
        if self.status == PlacementStatus.ACTIVE:
            return (self.start_date or self.planned_start, self.planned_end)
        if self.status in ENDED_STATUSES and self.end_date:
            return (self.start_date or self.planned_start, self.end_date)
        return None


# One present day less in OLD's month (the row goes at its last day, never kept at
# 0: placement_month_days_in_month), one more in NEW's (created at its first): row
# by row, so every writer keeps PlacementMonth equal to a GROUP BY over
# AttendanceDay. The old month's row is locked before it is read, so two
# transactions removing days of the same month take turns (a DELETE ... = 1 then
# UPDATE ... > 1 could miss a row that a concurrent removal brought from 2 to 1).
# Concurrent additions meet in ON CONFLICT, which waits for the other's row.
# A new month's row copies the placement's offer, read FOR SHARE: a concurrent
# change of the offer (placement_month_offer) either commits first and is read
# here, or waits for this transaction and then moves this row too.
PLACEMENT_MONTH_PG_FUNC = """
    IF TG_OP = 'UPDATE' AND OLD.placement_id = NEW.placement_id
       AND date_trunc('month', OLD.date) = date_trunc('month', NEW.date) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT present_days INTO days_before FROM placements_placementmonth
         WHERE placement_id = OLD.placement_id
           AND month = date_trunc('month', OLD.date)::date
           FOR UPDATE;
        IF days_before = 1 THEN
            DELETE FROM placements_placementmonth
             WHERE placement_id = OLD.placement_id
               AND month = date_trunc('month', OLD.date)::date;
        ELSIF days_before > 1 THEN
            UPDATE placements_placementmonth SET present_days = present_days - 1
             WHERE placement_id = OLD.placement_id
               AND month = date_trunc('month', OLD.date)::date;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT offer_id INTO placement_offer FROM placements_placement
         WHERE id = NEW.placement_id
           FOR SHARE;
        INSERT INTO placements_placementmonth (placement_id, month, present_days, offer_id)
        VALUES (NEW.placement_id, date_trunc('month', NEW.date)::date, 1, placement_offer)
        ON CONFLICT (placement_id, month)
        DO UPDATE SET present_days = placements_placementmonth.present_days + 1;
    END IF;
    RETURN NULL;
"""


class AttendanceDay(models.Model):
    """A day the participant was present; payment is per present day."""

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("arbetsträning"),
        on_delete=models.PROTECT,
        related_name="attendance_days",
    )
    date = models.DateField(_("datum"), validators=[validate_sane_date])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("registrerad"), auto_now_add=True)

    class Meta:
        verbose_name = _("närvarodag")
        verbose_name_plural = _("närvarodagar")
        ordering = ["placement", "date"]
        constraints = [
            *sane_date_constraints("attendance_day", "date"),
            models.UniqueConstraint(fields=["placement", "date"], name="attendance_once_per_day"),
        ]
        # A month's present days for all placements (invoice basis, statistics).
        indexes = [models.Index(fields=["date", "placement"], name="attendance_date_idx")]
        # PlacementMonth is kept by the database, whoever writes the days: the
        # service, the admin, bulk_create, queryset update/delete, raw SQL.
        # SQLite gets the same rules from migration 0009 (PLACEMENT_MONTH_SQLITE_TRIGGERS).
        triggers = [
            pgtrigger.Trigger(
                name="attendance_placement_month",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                declare=[("days_before", "integer"), ("placement_offer", "integer")],
                func=PLACEMENT_MONTH_PG_FUNC,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.placement_id}: {self.date}"


class PlacementMonth(models.Model):
    """A placement's present days in one month, kept by database triggers on
    AttendanceDay (never written by the application): the invoice basis and the
    statistics sum these instead of reading every present day.

    A row exists exactly when the placement has present days in the month."""

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("arbetsträning"),
        # A row exists only while the placement has present days, and those
        # protect the placement: a deletable placement has no rows here, so Django
        # need not look (the foreign key constraint still refuses a stray row).
        on_delete=models.DO_NOTHING,
        related_name="months",
    )
    month = models.DateField(_("månad"))
    present_days = models.PositiveIntegerField(_("närvarodagar"))
    # The placement's offer, copied (and moved with it: placement_month_offer), so
    # a month's rows group per offer from placement_month_offer_idx alone.
    offer = models.ForeignKey(
        TrainingOffer,
        verbose_name=_("arbetsträningsplats"),
        # Placements PROTECT their offer, so an offer with rows here is never
        # deleted; no index of its own (every present day written updates each
        # index of this table), so deleting an offer scans this table once.
        on_delete=models.DO_NOTHING,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("närvarodagar per månad")
        verbose_name_plural = _("närvarodagar per månad")
        constraints = [
            models.UniqueConstraint(fields=["placement", "month"], name="placement_month_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="placement_month_first_day"),
            models.CheckConstraint(
                condition=Q(present_days__gte=1, present_days__lte=31),
                name="placement_month_days_in_month",
            ),
        ]
        # A month for all placements (invoice basis), years for all (statistics); a
        # month per offer (the invoice basis's totals and pages, index only).
        indexes = [
            models.Index(fields=["month", "placement", "present_days"], name="placement_month_idx"),
            models.Index(
                fields=["month", "offer", "present_days"], name="placement_month_offer_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.placement_id}: {self.month:%Y-%m} {self.present_days}"


class ClosedMonth(models.Model):
    """A month closed for attendance changes, association-wide: its invoice basis
    (fakturaunderlag) has been sent, so no present day in it may be added, changed
    or removed (placements.services.attendance). Reopening deletes the row; the
    admin's history keeps who closed and reopened it."""

    month = models.DateField(
        _("månad"), validators=[validate_sane_date], help_text=_("Månadens första dag.")
    )
    note = models.CharField(
        _("anteckning"),
        max_length=200,
        blank=True,
        help_text=_("Till exempel när fakturaunderlaget skickades och till vem."),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stängd av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("stängd"), default=timezone.now)

    class Meta:
        verbose_name = _("stängd närvaromånad")
        verbose_name_plural = _("stängda närvaromånader")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["month"], name="closed_month_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="closed_month_first_day"),
            *sane_date_constraints("closed_month", "month", datetimes=("closed_at",)),
        ]

    def __str__(self) -> str:
        return str(formats.date_format(self.month, "YEAR_MONTH_FORMAT"))


class FollowUpMeeting(models.Model):
    """A follow-up (uppföljningsmöte) of a placement."""

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("arbetsträning"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    date = models.DateField(_("datum"), validators=[validate_sane_date])
    attendees = models.CharField(_("deltog"), max_length=300, blank=True)
    notes = models.TextField(_("anteckningar"), blank=True)
    next_meeting = models.DateField(
        _("nästa möte"), null=True, blank=True, validators=[validate_sane_date]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registrerad"), auto_now_add=True)

    class Meta:
        verbose_name = _("uppföljningsmöte")
        verbose_name_plural = _("uppföljningsmöten")
        ordering = ["placement", "-date"]
        constraints = sane_date_constraints("follow_up", "date", "next_meeting")
        triggers = [
            pgtrigger.Trigger(
                name="follow_up_due",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=FOLLOW_UP_DUE_PG_FUNC,
            ),
            # After follow_up_due (name order): the placement's lock, then the
            # participant's. SQLite: migration 0016.
            pgtrigger.Trigger(
                name="follow_up_last_activity",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=FOLLOW_UP_ACTIVITY_PG_FUNC,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.placement}: {self.date}"

    def clean(self) -> None:
        super().clean()
        if self.date and self.next_meeting and self.next_meeting < self.date:
            raise ValidationError({"next_meeting": _("Nästa möte kan inte ligga före detta möte.")})


class FollowUpDue(models.Model):
    """The follow-up meeting an active or ended placement waits for: its latest
    planned next meeting, when that is later than the latest meeting held. Kept by
    database triggers on FollowUpMeeting and on the placement's status (never
    written by the application), so "follow-ups due" counts from one index instead
    of grouping every placement's meetings (1.5 s for an admin at national scale).

    A row exists exactly when the placement is active or ended (FOLLOW_UP_DUE_STATUSES)
    and its meetings plan one not yet held."""

    placement = models.OneToOneField(
        Placement,
        verbose_name=_("arbetsträning"),
        primary_key=True,
        # A row exists only while the placement has meetings, and those protect the
        # placement: a deletable placement has no row here (as PlacementMonth).
        on_delete=models.DO_NOTHING,
        related_name="follow_up_due",
    )
    due_on = models.DateField(_("nästa möte"))

    class Meta:
        verbose_name = _("uppföljning att hålla")
        verbose_name_plural = _("uppföljningar att hålla")
        # The due ones by date, with the placement to join (index only).
        indexes = [models.Index(fields=["due_on", "placement"], name="follow_up_due_idx")]

    def __str__(self) -> str:
        return f"{self.placement_id}: {self.due_on}"


class ParticipantActivity(models.Model):
    """When something was last recorded in a participant's placements: the latest of
    their placements' `updated_at` and their follow-up meetings' `created_at`. Kept by
    database triggers on both (never written by the application), so the "inactive"
    attention list reads one row per person instead of walking their placements and
    meetings (an admin's list at national scale: see docs/performance.md, seventh round).

    A row exists exactly when the participant has a placement."""

    participant = models.OneToOneField(
        Participant,
        verbose_name=_("deltagare"),
        primary_key=True,
        # A row exists only while the participant has placements, and those protect
        # the participant: a deletable participant has no row here (as FollowUpDue).
        on_delete=models.DO_NOTHING,
        related_name="activity",
    )
    last_at = models.DateTimeField(_("senast registrerat"))

    class Meta:
        verbose_name = _("senaste aktivitet")
        verbose_name_plural = _("senaste aktivitet")
        # Those with recent activity, with the participant (index only).
        indexes = [models.Index(fields=["last_at", "participant"], name="participant_activity_idx")]

    def __str__(self) -> str:
        # Never the name: this string ends up in the admin's log.
        return f"{self.participant_id}: {self.last_at:%Y-%m-%d %H:%M}"


class SharedSnapshot(models.Model):
    """What the enterprise was told about the participant of a placement.

    Taken when the proposal is sent and replaced only when the coordinator
    chooses to share an update: the enterprise never reads the live record, so
    what the coordinator writes later (e.g. a diagnosis) stays with them.
    """

    placement = models.OneToOneField(
        Placement,
        verbose_name=_("arbetsträning"),
        on_delete=models.CASCADE,
        related_name="shared",
    )
    first_name = models.CharField(_("förnamn"), max_length=100, blank=True)
    last_name = models.CharField(_("efternamn"), max_length=100, blank=True)
    workplace_adaptations = models.TextField(_("delade anpassningar"), blank=True)
    support_needs = models.TextField(
        _("delat stödbehov"),
        blank=True,
        help_text=_("Bara det koordinatorn valt att dela med arbetsplatsen."),
    )
    shared_at = models.DateTimeField(_("delat"), default=timezone.now)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delat av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("delade uppgifter")
        verbose_name_plural = _("delade uppgifter")
        ordering = ["placement"]

    def __str__(self) -> str:
        # Never the name: this string ends up in the admin's log.
        return _("Delat för arbetsträning %(id)s") % {"id": self.placement_id}

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class LeftReason(models.TextChoices):
    """Why an entry left its waiting list."""

    PROPOSED = "proposed", _("Föreslagen till platsen")
    PLACED_ELSEWHERE = "placed_elsewhere", _("Fick plats på annat håll")
    REMOVED = "removed", _("Borttagen av koordinatorn")


class WaitingListQuerySet(models.QuerySet["WaitingListEntry"]):
    def waiting(self) -> WaitingListQuerySet:
        """Entries still in their queue."""
        return self.filter(left_at__isnull=True)

    def in_queue_order(self) -> WaitingListQuerySet:
        return self.order_by("added_at", "pk")

    def visible_to(self, user: User) -> WaitingListQuerySet:
        """The entries of the participants the user is responsible for (admins: all)."""
        return self.filter(participant__in=Participant.objects.visible_to(user).values("pk"))


class WaitingListEntry(models.Model):
    """A participant waiting for a place at a full offer, first come first served.

    When a place frees, the first waiting entry gets `place_freed_at`: it shows on
    the coordinator's attention list with a link to propose. The entry leaves the
    queue (`left_at`, `left_reason`) when proposed there, placed elsewhere or removed.
    """

    offer = models.ForeignKey(
        TrainingOffer,
        verbose_name=_("arbetsträningsplats"),
        on_delete=models.PROTECT,
        related_name="waiting_list",
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("deltagare"),
        on_delete=models.PROTECT,
        related_name="waiting_list_entries",
    )
    wanted_start = models.DateField(_("önskad start"), validators=[validate_sane_date])
    extent = models.PositiveSmallIntegerField(
        _("omfattning"), choices=Extent.choices, default=Extent.HALF
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("köad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(
        _("köad"), default=timezone.now, validators=[validate_sane_date]
    )
    place_freed_at = models.DateTimeField(
        _("plats ledig"), null=True, blank=True, validators=[validate_sane_date]
    )
    left_at = models.DateTimeField(
        _("lämnade kön"), null=True, blank=True, validators=[validate_sane_date]
    )
    left_reason = models.CharField(
        _("skäl att lämna kön"), max_length=20, choices=LeftReason.choices, blank=True
    )

    objects = WaitingListQuerySet.as_manager()

    class Meta:
        verbose_name = _("köplats")
        verbose_name_plural = _("köplatser")
        ordering = ["offer", "added_at", "id"]
        constraints = [
            *sane_date_constraints(
                "waiting_list",
                "wanted_start",
                datetimes=("added_at", "place_freed_at", "left_at"),
            ),
            models.UniqueConstraint(
                fields=["participant", "offer"],
                condition=Q(left_at__isnull=True),
                name="waiting_list_once_per_offer",
            ),
            models.CheckConstraint(
                condition=Q(extent__in=[25, 50, 75, 100]), name="waiting_list_extent_allowed"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | ~Q(left_reason=""),
                name="waiting_list_left_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["offer", "left_at"], name="waiting_offer_left_idx")]

    def __str__(self) -> str:
        return f"{self.participant} – {self.offer.title}"

    def clean(self) -> None:
        super().clean()
        if self.extent not in Extent.values:
            raise ValidationError({"extent": _("Omfattningen ska vara 25, 50, 75 eller 100 %.")})

    def days_waiting(self, today: datetime.date) -> int:
        return (today - timezone.localdate(self.added_at)).days

    def propose_url(self) -> str:
        """The proposal form, prefilled with this entry's offer, start and extent."""
        query = f"offer={self.offer_id}&start={self.wanted_start.isoformat()}&extent={self.extent}"
        return f"{reverse('placements:placement-propose', args=[self.participant_id])}?{query}"


class OfferHoldStamp(models.Model):
    """A token that changes whenever the places held at an offer may have changed,
    written by database triggers on Placement (never by the application).

    The free places page and the match list keep each offer's peak of places held
    per period in the worker's memory (`capacity.known_peaks`) under this stamp: a
    peak is computed again only for an offer whose stamp (or free-from day) changed.
    The stamp is random, not a counter, so a rolled-back write can never bring back
    a stamp a cached peak was stored under. An offer without a row has never had a
    placement written since the triggers exist (the national loader writes with
    triggers off); its stamp is "" and its key also carries the offer's creation
    time (an id reused after a rollback is another offer)."""

    offer = models.OneToOneField(
        TrainingOffer,
        verbose_name=_("arbetsträningsplats"),
        # Derived data: goes with its offer (an offer with placements cannot be
        # deleted, they protect it).
        on_delete=models.CASCADE,
        related_name="hold_stamp",
    )
    stamp = models.CharField(_("stämpel"), max_length=32)

    class Meta:
        verbose_name = _("platsstämpel")
        verbose_name_plural = _("platsstämplar")

    def __str__(self) -> str:
        return f"{self.offer_id}: {self.stamp}"


class AttentionCount(models.Model):
    """The association-wide count of one "Att göra" kind, as an admin sees it, kept
    for a few minutes: counted live, each kind scans the whole association (0.1-0.2 s
    apiece at national scale; the admin's start page counts ten). The scheduler has
    the worker count them again every few minutes (`refresh_association_counts`); a
    page that finds one missing or older than ASSOCIATION_COUNTS_MAX_AGE counts it
    itself and stores it. Coordinators' and managers' counts stay live."""

    kind = models.CharField(_("slag"), max_length=40, primary_key=True)
    count = models.PositiveIntegerField(_("antal"))
    day = models.DateField(_("räknat för dagen"))
    counted_at = models.DateTimeField(_("räknat"))

    class Meta:
        verbose_name = _("antal att göra (hela förbundet)")
        verbose_name_plural = _("antal att göra (hela förbundet)")

    def __str__(self) -> str:
        return f"{self.kind}: {self.count}"
