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
    InsatsOrientation,
    Outcome,
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
