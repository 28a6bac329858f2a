"""Participants (deltagare), their consents, insatser and enrolments."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.choices import (
    AgeBand,
    AnonymousReason,
    ConsentPurpose,
    Education,
    EmploymentStatus,
    EndReason,
    EsfAnswer,
    EsfEducation,
    EsfEmploymentSituation,
    InsatsOrientation,
    Outcome,
    ParkingReason,
    ReferringAuthority,
    Sex,
    SupportSource,
    TimeInSupport,
)
from participants.identity import mask, parse_identity_number
from samordning import policy
from samordning.models import BusinessArea, Municipality, User
from samordning.validation import MAX_YEAR, MIN_YEAR, sane_date_constraints, validate_sane_date

EXTENT_CHOICES = [(25, "25 %"), (50, "50 %"), (75, "75 %"), (100, "100 %")]

# Record keys run 0..255, the key range of the ONS perturbation table that the
# funder statistics use (reports/perturbation.py); a cell key is the sum of its
# people's record keys modulo 256.
RECORD_KEY_RANGE = 256


def random_record_key() -> int:
    """A participant's permanent statistical record key, from a secure random source."""
    return secrets.randbelow(RECORD_KEY_RANGE)


class Insats(models.Model):
    """An intervention the association funds, e.g. MIA or Arbetsträning ASF."""

    name = models.CharField(_("namn"), max_length=150, unique=True)
    orientation = models.CharField(
        _("inriktning"),
        max_length=20,
        choices=InsatsOrientation.choices,
        default=InsatsOrientation.INDIVIDUAL,
    )
    target_group = models.TextField(_("målgrupp"), blank=True)
    esf_funded = models.BooleanField(_("ESF-finansierad"), default=False)
    start_date = models.DateField(_("startdatum"), validators=[validate_sane_date])
    end_date = models.DateField(
        _("slutdatum"), null=True, blank=True, validators=[validate_sane_date]
    )
    budget_per_year = models.DecimalField(
        _("budget per år (kr)"),
        max_digits=12,
        decimal_places=0,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    planned_participants_per_year = models.PositiveIntegerField(
        _("planerat antal deltagare per år"), default=0
    )
    target_participants = models.PositiveIntegerField(
        _("mål: antal deltagare totalt"), null=True, blank=True
    )
    target_work_or_studies_percent = models.PositiveSmallIntegerField(
        _("mål: andel till arbete eller studier (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    target_work_preparatory_percent = models.PositiveSmallIntegerField(
        _("mål: andel till arbetsförberedande insats (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("insats")
        verbose_name_plural = _("insatser")
        ordering = ["-start_date", "name"]
        constraints = [
            *sane_date_constraints("insats", "start_date", "end_date"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="insats_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("Slutdatum kan inte ligga före startdatum.")})


# Identify the person: never stored for an anonymous participant.
IDENTITY_FIELDS = ("personal_number", "first_name", "last_name", "email", "phone", "address")
# Start data and matching wishes: only with consent, so not for anonymous ones.
PROFILE_FIELDS = (
    "home_municipality",
    "referring_authority",
    "employment_status_start",
    "education",
    "time_in_support",
    "wanted_extent",
    "available_from",
    "support_needs",
    "workplace_adaptations",
    "notes",
)


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def visible_to(self, user: User) -> ParticipantQuerySet:
        """Need-based access: a coordinator sees the participants they are responsible for."""
        if policy.is_admin(user):
            return self.all()
        if policy.is_coordinator(user):
            return self.filter(coordinators=user)
        return self.none()

    def counted(self) -> ParticipantQuerySet:
        """Everyone who counts in statistics (registration errors excluded)."""
        return self.exclude(enrolments__end_reason=EndReason.REGISTRATION_ERROR)


class Participant(models.Model):
    """A person far from the labour market in one of the association's insatser.

    An anonymous participant (protected identity or no consent) has no number,
    name or contact data: only sex, birth year and start date, so counts stay whole.
    """

    # Stored as twelve digits (see the check constraint); the field takes the
    # longest written form, ÅÅÅÅMMDD-NNNN, so clean() can normalise it.
    personal_number = models.CharField(
        _("personnummer/samordningsnummer"),
        max_length=13,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Lagras som tolv siffror, visas maskerat."),
    )
    first_name = models.CharField(_("förnamn"), max_length=100, blank=True)
    last_name = models.CharField(_("efternamn"), max_length=100, blank=True)
    sex = models.CharField(_("kön"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(
        _("födelsedatum"), null=True, blank=True, validators=[validate_sane_date]
    )
    birth_year = models.PositiveSmallIntegerField(
        _("födelseår"), validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    is_anonymous = models.BooleanField(
        _("anonym registrering"),
        default=False,
        help_text=_(
            "Skyddade personuppgifter eller inget samtycke: bara kön, födelseår och start."
        ),
    )
    anonymous_reason = models.CharField(
        _("skäl till anonym registrering"),
        max_length=30,
        choices=AnonymousReason.choices,
        blank=True,
    )
    home_municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("folkbokföringskommun"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
    )
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    address = models.CharField(_("adress"), max_length=200, blank=True)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ansvariga koordinatorer"),
        related_name="responsible_for",
        blank=True,
    )
    referring_authority = models.CharField(
        _("remitterande myndighet"), max_length=30, choices=ReferringAuthority.choices, blank=True
    )
    start_date = models.DateField(
        _("startdatum"), default=datetime.date.today, validators=[validate_sane_date]
    )
    # Start data (SUS/Finsam categories).
    employment_status_start = models.CharField(
        _("sysselsättning vid start"), max_length=30, choices=EmploymentStatus.choices, blank=True
    )
    education = models.CharField(
        _("utbildningsnivå"), max_length=20, choices=Education.choices, default=Education.UNKNOWN
    )
    time_in_support = models.CharField(
        _("tid i offentlig försörjning före start"),
        max_length=10,
        choices=TimeInSupport.choices,
        default=TimeInSupport.UNKNOWN,
    )
    employment_status_end = models.CharField(
        _("sysselsättning vid avslut"), max_length=30, choices=EmploymentStatus.choices, blank=True
    )
    # Matching wishes.
    interests = models.ManyToManyField(
        BusinessArea, verbose_name=_("intresseområden"), blank=True, related_name="+"
    )
    wanted_extent = models.PositiveSmallIntegerField(
        _("önskad omfattning"), choices=EXTENT_CHOICES, default=50
    )
    available_from = models.DateField(
        _("kan börja"), null=True, blank=True, validators=[validate_sane_date]
    )
    # Free texts. Support needs stay with the coordinators; adaptations are
    # shared with the enterprise where the participant is placed.
    support_needs = models.TextField(_("stödbehov (endast koordinator)"), blank=True)
    workplace_adaptations = models.TextField(
        _("överenskomna anpassningar (delas med arbetsplatsen)"), blank=True
    )
    notes = models.TextField(_("anteckningar (endast koordinator)"), blank=True)
    created_at = models.DateTimeField(_("registrerad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    anonymised_at = models.DateTimeField(
        _("anonymiserad"), null=True, blank=True, validators=[validate_sane_date]
    )
    # Never shown or edited: knowing people's keys would let a reader undo the
    # perturbation. Kept through anonymisation so that no published figure moves.
    record_key = models.PositiveSmallIntegerField(
        _("statistisk postnyckel"),
        default=random_record_key,
        editable=False,
        validators=[MaxValueValidator(RECORD_KEY_RANGE - 1)],
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("deltagare")
        verbose_name_plural = _("deltagare")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            *sane_date_constraints(
                "participant",
                "birth_date",
                "start_date",
                "available_from",
                datetimes=("anonymised_at",),
            ),
            models.CheckConstraint(
                condition=Q(birth_year__gte=MIN_YEAR, birth_year__lte=MAX_YEAR),
                name="participant_birth_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(is_anonymous=False)
                | (Q(personal_number__isnull=True) & Q(first_name="") & Q(last_name="")),
                name="participant_anonymous_has_no_identity",
            ),
            models.CheckConstraint(
                condition=Q(personal_number__isnull=True)
                | Q(personal_number__regex=r"^[0-9]{12}$"),
                name="participant_personal_number_twelve_digits",
            ),
            models.CheckConstraint(
                condition=Q(wanted_extent__in=[25, 50, 75, 100]),
                name="participant_wanted_extent_allowed",
            ),
            models.CheckConstraint(
                condition=Q(record_key__lt=RECORD_KEY_RANGE),
                name="participant_record_key_in_range",
            ),
        ]
        # The ordering above, so a page of a list or the admin changelist is an index scan.
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="participant_name_idx")
        ]

    def __str__(self) -> str:
        if self.is_anonymous or not (self.first_name or self.last_name):
            return _("Anonym deltagare %(id)s (%(year)s)") % {
                "id": self.pk,
                "year": self.birth_year,
            }
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("participants:participant-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[Any]] = {}
        if self.is_anonymous:
            if not self.anonymous_reason:
                errors["anonymous_reason"] = [_("Ange varför deltagaren registreras anonymt.")]
            for field in (
                "personal_number",
                "first_name",
                "last_name",
                "email",
                "phone",
                "address",
            ):
                if getattr(self, field):
                    errors.setdefault(field, []).append(
                        _("En anonym deltagare registreras utan namn, nummer och kontaktuppgifter.")
                    )
        else:
            if not self.personal_number:
                errors["personal_number"] = [
                    _("Ange personnummer eller samordningsnummer, eller registrera anonymt.")
                ]
            if not self.first_name:
                errors["first_name"] = [_("Ange förnamn.")]
            if not self.last_name:
                errors["last_name"] = [_("Ange efternamn.")]
        if self.personal_number and "personal_number" not in errors:
            try:
                number = parse_identity_number(self.personal_number)
            except ValidationError as error:
                errors["personal_number"] = list(error.messages)
            else:
                self.personal_number = number.digits
                self.birth_date = number.birth_date
                self.birth_year = number.birth_date.year
        if self.birth_year and self.birth_year > timezone.localdate().year:
            errors.setdefault("birth_year", []).append(_("Födelseåret ligger i framtiden."))
        if errors:
            raise ValidationError(errors)

    @property
    def masked_number(self) -> str:
        return mask(self.personal_number)

    def age_on(self, day: datetime.date) -> int:
        if self.birth_date:
            born = self.birth_date
            return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        return day.year - self.birth_year

    def age_band_on(self, day: datetime.date) -> str:
        age = self.age_on(day)
        if age < 25:
            return AgeBand.UNDER_25
        if age < 30:
            return AgeBand.A25_29
        if age < 55:
            return AgeBand.A30_54
        return AgeBand.A55_PLUS


class SupportSourcePhase(models.TextChoices):
    START = "start", _("Vid start")
    END = "end", _("Vid avslut")


class ParticipantSupportSource(models.Model):
    """One of possibly several support sources, before the start or after the end."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("deltagare"),
        on_delete=models.CASCADE,
        related_name="support_sources",
    )
    phase = models.CharField(_("tidpunkt"), max_length=5, choices=SupportSourcePhase.choices)
    source = models.CharField(_("försörjningskälla"), max_length=30, choices=SupportSource.choices)

    class Meta:
        verbose_name = _("försörjningskälla")
        verbose_name_plural = _("försörjningskällor")
        ordering = ["participant", "phase", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "phase", "source"], name="support_source_once_per_phase"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()}: {self.get_source_display()}"


class ConsentQuerySet(models.QuerySet["Consent"]):
    def valid_on(self, day: datetime.date) -> ConsentQuerySet:
        return self.filter(given_on__lte=day).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day)
        )


class Consent(models.Model):
    """A participant's consent for one purpose; withdrawn consent is kept as history."""

    participant = models.ForeignKey(
        Participant, verbose_name=_("deltagare"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("ändamål"), max_length=30, choices=ConsentPurpose.choices)
    given_on = models.DateField(_("lämnat"), validators=[validate_sane_date])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerat av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_on = models.DateField(
        _("återkallat"), null=True, blank=True, validators=[validate_sane_date]
    )
    note = models.CharField(_("anteckning"), max_length=200, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("samtycke")
        verbose_name_plural = _("samtycken")
        ordering = ["participant", "-given_on"]
        indexes = [
            # The consents of one purpose (the follow-up list's "may be contacted":
            # 160 follow-up consents among 2 million, read by a scan of all of them).
            models.Index(fields=["purpose", "participant"], name="consent_purpose_idx"),
        ]
        constraints = [
            *sane_date_constraints("consent", "given_on", "withdrawn_on"),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.given_on})"

    def clean(self) -> None:
        super().clean()
        if self.given_on and self.withdrawn_on and self.withdrawn_on < self.given_on:
            raise ValidationError(
                {"withdrawn_on": _("Ett samtycke kan inte återkallas före det lämnades.")}
            )

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None or self.withdrawn_on > timezone.localdate()


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def counted(self) -> EnrolmentQuerySet:
        return self.exclude(end_reason=EndReason.REGISTRATION_ERROR)


class Enrolment(models.Model):
    """A participant's time in one insats; placements happen within it."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("deltagare"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    insats = models.ForeignKey(
        Insats, verbose_name=_("insats"), on_delete=models.PROTECT, related_name="enrolments"
    )
    start_date = models.DateField(_("startdatum"), validators=[validate_sane_date])
    end_date = models.DateField(
        _("slutdatum"), null=True, blank=True, validators=[validate_sane_date]
    )
    end_reason = models.CharField(
        _("avslutsorsak"), max_length=30, choices=EndReason.choices, blank=True
    )
    outcome = models.CharField(
        _("resultat efter avslut"), max_length=30, choices=Outcome.choices, blank=True
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("inskrivning")
        verbose_name_plural = _("inskrivningar")
        ordering = ["participant", "-start_date"]
        constraints = [
            *sane_date_constraints("enrolment", "start_date", "end_date"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="enrolment_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | ~Q(end_reason=""),
                name="enrolment_ended_has_reason",
            ),
        ]
        indexes = [
            # Enrolments overlapping a period (statistics): open ones and those ended
            # after its start; the start bound is checked on the few rows found.
            models.Index(fields=["end_date", "participant"], name="enrolment_end_idx"),
            models.Index(fields=["start_date", "participant"], name="enrolment_start_idx"),
            # The few registered in error, left out of every figure.
            models.Index(
                fields=["participant"],
                condition=Q(end_reason="registration_error"),
                name="enrolment_error_idx",
            ),
            models.Index(
                fields=["insats", "participant", "start_date"], name="enrolment_insats_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} i {self.insats} från {self.start_date}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("Slutdatum kan inte ligga före startdatum.")
        if self.end_date and not self.end_reason:
            errors["end_reason"] = _("Ange avslutsorsak när inskrivningen avslutas.")
        if self.end_reason and not self.end_date:
            errors["end_date"] = _("Ange slutdatum när du anger avslutsorsak.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.end_date is None or self.end_date >= timezone.localdate()


class ParkingQuerySet(models.QuerySet["Parking"]):
    def current(self, today: datetime.date) -> ParkingQuerySet:
        """Parkings in force today: started, not ended early, not past their date."""
        return self.filter(since__lte=today, until__gte=today, ended_on__isnull=True)


class Parking(models.Model):
    """A participant set aside: not suggested for a place until `until`.

    Ending early sets `ended_on`; the row stays as history (and for the funders'
    count of parkings per reason)."""

    participant = models.ForeignKey(
        Participant, verbose_name=_("deltagare"), on_delete=models.PROTECT, related_name="parkings"
    )
    reason = models.CharField(_("skäl"), max_length=30, choices=ParkingReason.choices)
    since = models.DateField(
        _("parkerad från"), default=datetime.date.today, validators=[validate_sane_date]
    )
    until = models.DateField(_("parkerad till"), validators=[validate_sane_date])
    note = models.CharField(_("anteckning (endast koordinator)"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("parkerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registrerad"), auto_now_add=True)
    ended_on = models.DateField(
        _("avslutad i förtid"), null=True, blank=True, validators=[validate_sane_date]
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("avslutad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ParkingQuerySet.as_manager()

    class Meta:
        verbose_name = _("parkering")
        verbose_name_plural = _("parkeringar")
        ordering = ["participant", "-since", "-id"]
        constraints = [
            *sane_date_constraints("parking", "since", "until", "ended_on"),
            models.CheckConstraint(
                condition=Q(until__gte=models.F("since")), name="parking_until_after_since"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.since}–{self.until})"

    def clean(self) -> None:
        super().clean()
        if self.since and self.until and self.until < self.since:
            raise ValidationError({"until": _("Slutdatum kan inte ligga före startdatum.")})

    def is_current(self, today: datetime.date) -> bool:
        return self.ended_on is None and self.since <= today <= self.until


class ResponsibilityChange(models.Model):
    """One change of a participant's responsible coordinator (a handover): from whom,
    to whom, when, by whom and the handover note."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("deltagare"),
        on_delete=models.PROTECT,
        related_name="responsibility_changes",
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("från koordinator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("till koordinator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(
        _("ändrad"), default=timezone.now, validators=[validate_sane_date]
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ändrad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("överlämningsanteckning"), blank=True)

    class Meta:
        verbose_name = _("byte av ansvarig koordinator")
        verbose_name_plural = _("byten av ansvarig koordinator")
        ordering = ["participant", "-changed_at", "-id"]
        constraints = sane_date_constraints("responsibility_change", datetimes=("changed_at",))

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.from_user_id} -> {self.to_user_id}"


def _esf_answer(label: Any) -> models.CharField[str, str]:
    return models.CharField(label, max_length=10, choices=EsfAnswer.choices, blank=True)


# The questions of each phase, in the order the forms and the export show them.
ESF_ENTRY_FIELDS = (
    "employment_situation",
    "education",
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
)
ESF_EXIT_FIELDS = (
    "exit_job_searching",
    "exit_in_education",
    "exit_qualification",
    "exit_employed",
)
ESF_SIX_MONTHS_FIELDS = ("six_months_situation", "six_months_improved")


class EsfParticipantData(models.Model):
    """The ESF+ common indicators of one enrolment in an ESF-financed insats.

    At entry the output indicators (Annex I 1.1; sex and age come from the
    participant), at exit the immediate results (1.2), six months after exit the
    longer-term results (1.3). Disability and similar answers are special
    categories of data (GDPR art. 9): only the responsible coordinators and
    admins read or write them, and every read is logged. Category answers are
    kept through anonymisation: the funders' figures must not change.
    """

    enrolment = models.OneToOneField(
        Enrolment,
        verbose_name=_("inskrivning"),
        on_delete=models.PROTECT,
        related_name="esf_data",
    )
    # At entry.
    employment_situation = models.CharField(
        _("situation på arbetsmarknaden vid start"),
        max_length=30,
        choices=EsfEmploymentSituation.choices,
        blank=True,
    )
    education = models.CharField(
        _("utbildningsnivå vid start (ISCED)"),
        max_length=10,
        choices=EsfEducation.choices,
        blank=True,
    )
    disability = _esf_answer(_("funktionsnedsättning"))
    third_country_national = _esf_answer(_("medborgare i tredjeland"))
    foreign_background = _esf_answer(_("utländsk bakgrund"))
    minority = _esf_answer(_("tillhör en minoritet (t.ex. romer)"))
    homeless = _esf_answer(_("hemlös eller utestängd från bostadsmarknaden"))
    entry_recorded_on = models.DateField(
        _("startuppgifter registrerade"), null=True, blank=True, validators=[validate_sane_date]
    )
    # At exit: the immediate results (several may apply).
    exit_job_searching = _esf_answer(_("söker arbete vid avslut"))
    exit_in_education = _esf_answer(_("i utbildning eller praktik vid avslut"))
    exit_qualification = _esf_answer(_("har fått en kvalifikation vid avslut"))
    exit_employed = _esf_answer(_("i arbete, inkl. egen företagare, vid avslut"))
    exit_recorded_on = models.DateField(
        _("avslutsuppgifter registrerade"), null=True, blank=True, validators=[validate_sane_date]
    )
    # Six months after exit.
    six_months_situation = models.CharField(
        _("situation på arbetsmarknaden sex månader efter avslut"),
        max_length=30,
        choices=EsfEmploymentSituation.choices,
        blank=True,
    )
    six_months_improved = _esf_answer(_("förbättrad situation sex månader efter avslut"))
    six_months_recorded_on = models.DateField(
        _("uppgifter efter sex månader registrerade"),
        null=True,
        blank=True,
        validators=[validate_sane_date],
    )

    class Meta:
        verbose_name = _("ESF+-uppgifter")
        verbose_name_plural = _("ESF+-uppgifter")
        ordering = ["enrolment"]
        constraints = sane_date_constraints(
            "esf_data", "entry_recorded_on", "exit_recorded_on", "six_months_recorded_on"
        )

    def __str__(self) -> str:
        return _("ESF+-uppgifter för %(enrolment)s") % {"enrolment": self.enrolment}

    def clean(self) -> None:
        super().clean()
        enrolment = self.enrolment if self.enrolment_id else None
        if enrolment is None:
            return
        if not enrolment.insats.esf_funded:
            raise ValidationError(_("Insatsen är inte ESF-finansierad."))
        if self.exit_job_searching == EsfAnswer.YES and self.exit_employed == EsfAnswer.YES:
            # The Commission's guidance (SFC support portal): job searching (EECR01) and
            # employed (EECR04) exclude each other; the last status in the four weeks counts.
            raise ValidationError(
                {
                    "exit_employed": _(
                        "Ange antingen ”söker arbete” eller ”i arbete” vid avslut: den "
                        "situation som gällde sist under de fyra veckorna efter avslut."
                    )
                }
            )
        has_results = any(getattr(self, f) for f in (*ESF_EXIT_FIELDS, *ESF_SIX_MONTHS_FIELDS))
        if has_results and enrolment.end_date is None:
            raise ValidationError(
                _("Resultat vid och efter avslut registreras när inskrivningen har avslutats.")
            )
