"""Social enterprises (ASF), their agreements, annual figures and training offers."""

from __future__ import annotations

import datetime
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

from enterprises.validators import format_org_number, normalise_org_number
from samordning import policy
from samordning.models import BusinessArea, Municipality, User
from samordning.validation import sane_date_constraints, validate_sane_date


class LegalForm(models.TextChoices):
    ECONOMIC_ASSOCIATION = "economic_association", _("Ekonomisk förening")
    NON_PROFIT_ASSOCIATION = "non_profit_association", _("Ideell förening")
    SVB_COMPANY = "svb_company", _("Aktiebolag med särskild vinstutdelningsbegränsning (svb)")
    FOUNDATION = "foundation", _("Stiftelse")
    OTHER = "other", _("Annan")


class Extent(models.IntegerChoices):
    """Extent of a placement: 100 % is 40 hours a week."""

    QUARTER = 25, _("25 % (10 tim/vecka)")
    HALF = 50, _("50 % (20 tim/vecka)")
    THREE_QUARTERS = 75, _("75 % (30 tim/vecka)")
    FULL = 100, _("100 % (40 tim/vecka)")


HOURS_AT_FULL_EXTENT = 40


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def visible_to(self, user: User) -> EnterpriseQuerySet:
        """Managers see the enterprises they manage; coordinators and admins all."""
        if policy.has_role(user, policy.Role.ADMIN, policy.Role.COORDINATOR):
            return self.all()
        if policy.is_manager(user):
            return self.filter(managers=user)
        return self.none()

    def editable_by(self, user: User) -> EnterpriseQuerySet:
        if policy.is_admin(user):
            return self.all()
        if policy.is_manager(user):
            return self.filter(managers=user)
        return self.none()


class Enterprise(models.Model):
    """An arbetsintegrerande socialt företag."""

    name = models.CharField(_("namn"), max_length=150)
    # Stored as ten digits (see the check constraint); the field takes the
    # longest written form, 16NNNNNN-NNNN, so clean() can normalise it.
    org_number = models.CharField(
        _("organisationsnummer"),
        max_length=13,
        unique=True,
        help_text=_("Tio siffror, t.ex. 769612-3456."),
    )
    legal_form = models.CharField(_("juridisk form"), max_length=30, choices=LegalForm.choices)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("kommun"), on_delete=models.PROTECT, related_name="enterprises"
    )
    business_areas = models.ManyToManyField(
        BusinessArea, verbose_name=_("verksamhetsområden"), blank=True, related_name="enterprises"
    )
    description = models.TextField(_("beskrivning"), blank=True)
    address = models.CharField(_("adress"), max_length=200, blank=True)
    contact_name = models.CharField(_("kontaktperson"), max_length=100, blank=True)
    contact_email = models.EmailField(_("e-post"), blank=True)
    contact_phone = models.CharField(_("telefon"), max_length=40, blank=True)
    website = models.URLField(_("webbplats"), blank=True)
    founded_year = models.PositiveSmallIntegerField(
        _("startår"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    # The four ASF criteria (Tillväxtverket's definition).
    criterion_integration = models.BooleanField(
        _("driver verksamhet för att integrera människor i arbetsliv och samhälle"), default=False
    )
    criterion_participation = models.BooleanField(
        _("medarbetarna är delaktiga genom ägande, avtal eller på annat sätt"), default=False
    )
    criterion_reinvests = models.BooleanField(
        _("återinvesterar sina vinster i den egna eller liknande verksamheter"), default=False
    )
    criterion_independent = models.BooleanField(
        _("är organisatoriskt fristående från offentlig verksamhet"), default=False
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("företagsledare"),
        blank=True,
        related_name="managed_enterprises",
    )
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("socialt företag")
        verbose_name_plural = _("sociala företag")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(org_number__regex=r"^[0-9]{10}$"), name="enterprise_org_number_digits"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("enterprises:enterprise-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.org_number:
            try:
                self.org_number = normalise_org_number(self.org_number)
            except ValidationError as error:
                raise ValidationError({"org_number": error.messages}) from None

    @property
    def org_number_display(self) -> str:
        return format_org_number(self.org_number)

    @property
    def meets_asf_criteria(self) -> bool:
        return all(
            (
                self.criterion_integration,
                self.criterion_participation,
                self.criterion_reinvests,
                self.criterion_independent,
            )
        )


class AgreementType(models.TextChoices):
    LOU = "lou", _("LOU (upphandling)")
    RESERVED = "reserved", _("Reserverad upphandling")
    LOV = "lov", _("LOV (valfrihetssystem)")
    IOP = "iop", _("IOP (idéburet offentligt partnerskap)")


class EnterpriseAgreement(models.Model):
    """The enterprise is an approved rehabilitation provider under this agreement."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("företag"), on_delete=models.PROTECT, related_name="agreements"
    )
    agreement_type = models.CharField(_("avtalsform"), max_length=20, choices=AgreementType.choices)
    counterparty = models.CharField(
        _("avtalspart"), max_length=150, blank=True, help_text=_("T.ex. Arbetsförmedlingen.")
    )
    valid_from = models.DateField(_("gäller från"), validators=[validate_sane_date])
    valid_to = models.DateField(
        _("gäller till"), null=True, blank=True, validators=[validate_sane_date]
    )
    note = models.TextField(_("anteckning"), blank=True)

    class Meta:
        verbose_name = _("avtal")
        verbose_name_plural = _("avtal")
        ordering = ["enterprise__name", "-valid_from"]
        constraints = [
            *sane_date_constraints("agreement", "valid_from", "valid_to"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="agreement_valid_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.get_agreement_type_display()} från {self.valid_from}"

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Slutdatum kan inte ligga före startdatum.")})


class AnnualFigure(models.Model):
    """Turnover and employees of one enterprise for one year."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("företag"),
        on_delete=models.PROTECT,
        related_name="annual_figures",
    )
    year = models.PositiveSmallIntegerField(
        _("år"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    turnover_sek = models.DecimalField(
        _("omsättning (kr)"),
        max_digits=14,
        decimal_places=0,
        validators=[MinValueValidator(Decimal(0))],
    )
    employees = models.PositiveIntegerField(_("anställda"), default=0)
    employees_target_group = models.PositiveIntegerField(_("anställda ur målgruppen"), default=0)

    class Meta:
        verbose_name = _("årsuppgift")
        verbose_name_plural = _("årsuppgifter")
        ordering = ["enterprise__name", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"], name="annual_figure_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(turnover_sek__gte=0), name="annual_figure_turnover_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(employees_target_group__lte=models.F("employees")),
                name="annual_figure_target_group_within_employees",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"

    def clean(self) -> None:
        super().clean()
        if (
            self.employees is not None
            and self.employees_target_group is not None
            and self.employees_target_group > self.employees
        ):
            raise ValidationError(
                {
                    "employees_target_group": _(
                        "Anställda ur målgruppen kan inte vara fler än antalet anställda."
                    )
                }
            )


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Öppen")
    PAUSED = "paused", _("Pausad")


# A manager confirms an offer's number of places at least this often; older is "stale".
CAPACITY_CONFIRM_INTERVAL_DAYS = 30


def capacity_stale_before(today: datetime.date | None = None) -> datetime.date:
    """Offers last confirmed before this date have a stale capacity."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=CAPACITY_CONFIRM_INTERVAL_DAYS)


class TrainingOfferQuerySet(models.QuerySet["TrainingOffer"]):
    def visible_to(self, user: User) -> TrainingOfferQuerySet:
        """Coordinators and admins see every offer; managers their enterprises' offers."""
        if policy.has_role(user, policy.Role.ADMIN, policy.Role.COORDINATOR):
            return self.all()
        if policy.is_manager(user):
            return self.filter(enterprise__managers=user)
        return self.none()

    def editable_by(self, user: User) -> TrainingOfferQuerySet:
        if policy.is_admin(user):
            return self.all()
        if policy.is_manager(user):
            return self.filter(enterprise__managers=user)
        return self.none()

    def open(self) -> TrainingOfferQuerySet:
        return self.filter(status=OfferStatus.OPEN)

    def with_related(self) -> TrainingOfferQuerySet:
        return self.select_related("enterprise", "business_area", "municipality")

    def capacity_stale(self, today: datetime.date | None = None) -> TrainingOfferQuerySet:
        """Offers whose number of places has not been confirmed for too long."""
        return self.filter(last_confirmed__lt=capacity_stale_before(today))

    def offering_extent(self, extent: int) -> TrainingOfferQuerySet:
        return self.filter(min_extent__lte=extent, max_extent__gte=extent)


class TrainingOffer(models.Model):
    """An arbetsträningsplats: an enterprise's offer of places in one area."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("företag"), on_delete=models.PROTECT, related_name="offers"
    )
    title = models.CharField(
        _("benämning"), max_length=150, help_text=_("T.ex. ”Café Tyresö, kök”.")
    )
    business_area = models.ForeignKey(
        BusinessArea,
        verbose_name=_("verksamhetsområde"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("kommun"),
        on_delete=models.PROTECT,
        related_name="offers",
        help_text=_("Där platsen finns."),
    )
    location = models.CharField(_("adress/plats"), max_length=200, blank=True)
    tasks = models.TextField(_("arbetsuppgifter"), blank=True)
    physical_demands = models.TextField(_("fysiska krav"), blank=True)
    adaptations_possible = models.TextField(_("möjliga anpassningar"), blank=True)
    min_extent = models.PositiveSmallIntegerField(
        _("lägsta omfattning"), choices=Extent.choices, default=Extent.QUARTER
    )
    max_extent = models.PositiveSmallIntegerField(
        _("högsta omfattning"), choices=Extent.choices, default=Extent.FULL
    )
    supervisor_name = models.CharField(_("handledare"), max_length=100, blank=True)
    supervisor_contact = models.CharField(_("handledarens kontakt"), max_length=150, blank=True)
    capacity = models.PositiveIntegerField(
        _("antal platser"),
        default=1,
        help_text=_("Hur många deltagare platsen tar emot samtidigt."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN
    )
    free_from = models.DateField(
        _("ledig från"), default=datetime.date.today, validators=[validate_sane_date]
    )
    price_per_day = models.DecimalField(
        _("pris per närvarodag (kr)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("150.00"),
        validators=[MinValueValidator(Decimal(0))],
    )
    last_confirmed = models.DateField(
        _("platsantal bekräftat"), default=datetime.date.today, validators=[validate_sane_date]
    )
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)

    objects = TrainingOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("arbetsträningsplats")
        verbose_name_plural = _("arbetsträningsplatser")
        ordering = ["enterprise__name", "title"]
        constraints = [
            *sane_date_constraints("offer", "free_from", "last_confirmed"),
            models.CheckConstraint(
                condition=Q(capacity__gte=0), name="offer_capacity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(min_extent__in=[25, 50, 75, 100]) & Q(max_extent__in=[25, 50, 75, 100]),
                name="offer_extent_allowed_values",
            ),
            models.CheckConstraint(
                condition=Q(min_extent__lte=models.F("max_extent")),
                name="offer_min_extent_within_max",
            ),
            models.CheckConstraint(
                condition=Q(price_per_day__gte=0), name="offer_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.name}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("enterprises:offer-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.min_extent and self.max_extent and self.min_extent > self.max_extent:
            raise ValidationError(
                {"max_extent": _("Högsta omfattning kan inte vara lägre än lägsta omfattning.")}
            )

    @property
    def is_open(self) -> bool:
        return self.status == OfferStatus.OPEN

    @property
    def extents_offered(self) -> list[int]:
        return [e for e in Extent.values if self.min_extent <= e <= self.max_extent]

    def offers_extent(self, extent: int) -> bool:
        return self.min_extent <= extent <= self.max_extent

    def confirmed_days_ago(self, today: datetime.date | None = None) -> int:
        today = today or timezone.localdate()
        return (today - self.last_confirmed).days

    def is_capacity_stale(self, today: datetime.date | None = None) -> bool:
        return self.confirmed_days_ago(today) > CAPACITY_CONFIRM_INTERVAL_DAYS


class CapacityChange(models.Model):
    """History of an offer's number of places: who changed it, when, from and to."""

    offer = models.ForeignKey(
        TrainingOffer,
        verbose_name=_("arbetsträningsplats"),
        on_delete=models.PROTECT,
        related_name="capacity_changes",
    )
    changed_at = models.DateTimeField(
        _("ändrad"), default=timezone.now, db_index=True, validators=[validate_sane_date]
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ändrad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    old_capacity = models.PositiveIntegerField(_("från"), null=True, blank=True)
    new_capacity = models.PositiveIntegerField(_("till"))

    class Meta:
        verbose_name = _("ändring av platsantal")
        verbose_name_plural = _("ändringar av platsantal")
        ordering = ["offer", "-changed_at"]
        constraints = sane_date_constraints("capacity_change", datetimes=("changed_at",))
        # An offer's capacity on a date: its latest change by then.
        indexes = [models.Index(fields=["offer", "changed_at"], name="capacity_change_offer_idx")]

    def __str__(self) -> str:
        return (
            f"{self.offer}: {self.old_capacity} → {self.new_capacity} ({self.changed_at:%Y-%m-%d})"
        )


# --- enterprise development: the association's second purpose (DOMAIN.md) ----------
#
# The plan (goals), the log of the association's support and the milestones an
# enterprise reaches. Facts about organisations, never about participants: the
# "who took part" text names roles ("verksamhetsledare, två handledare"), not people
# in the target group.


class DevelopmentQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: User) -> DevelopmentQuerySet:
        """The rows of the enterprises the user may see (managers: their own)."""
        return self.filter(enterprise__in=Enterprise.objects.visible_to(user))


class GoalStatus(models.TextChoices):
    ONGOING = "ongoing", _("Pågående")
    ACHIEVED = "achieved", _("Uppnått")


class DevelopmentGoal(models.Model):
    """One goal of an enterprise's development plan, with a target date."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("företag"),
        on_delete=models.PROTECT,
        related_name="development_goals",
    )
    goal = models.CharField(_("mål"), max_length=300)
    target_date = models.DateField(_("måldatum"), validators=[validate_sane_date])
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.ONGOING
    )
    achieved_on = models.DateField(
        _("uppnått datum"), null=True, blank=True, validators=[validate_sane_date]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerat av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)

    objects = DevelopmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("utvecklingsmål")
        verbose_name_plural = _("utvecklingsmål")
        ordering = ["enterprise__name", "target_date", "id"]
        constraints = [
            *sane_date_constraints("development_goal", "target_date", "achieved_on"),
            models.CheckConstraint(
                condition=Q(status=GoalStatus.ACHIEVED) | Q(achieved_on__isnull=True),
                name="development_goal_achieved_date_only_when_achieved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.goal}"

    def clean(self) -> None:
        super().clean()
        if self.status != GoalStatus.ACHIEVED and self.achieved_on:
            raise ValidationError(
                {"achieved_on": _("Ange uppnått datum bara för ett uppnått mål.")}
            )


class SupportActivityKind(models.TextChoices):
    """What the association did for the enterprise (our list, DOMAIN.md's second purpose)."""

    NETWORK_MEETING = "network_meeting", _("Nätverksträff")
    TRAINING = "training", _("Utbildning/kompetensutveckling")
    BUSINESS_ADVICE = "business_advice", _("Affärsrådgivning")
    AUTHORITY_CONTACT = "authority_contact", _("Kontakt med myndighet")
    PROCUREMENT = "procurement", _("Stöd vid upphandling/avtal")
    OTHER = "other", _("Annat")


# One logged activity is at most a few working days (a two-day course for several
# people is logged as its total); more is a typing error.
MAX_ACTIVITY_HOURS = Decimal(100)


class SupportActivity(models.Model):
    """One piece of the association's support to an enterprise, with the hours it took."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("företag"),
        on_delete=models.PROTECT,
        related_name="support_activities",
    )
    kind = models.CharField(_("typ av stöd"), max_length=20, choices=SupportActivityKind.choices)
    date = models.DateField(_("datum"), validators=[validate_sane_date])
    hours = models.DecimalField(
        _("timmar"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(MAX_ACTIVITY_HOURS)],
        help_text=_("Förbundets arbetstid, t.ex. 1,5."),
    )
    taking_part = models.CharField(
        _("vilka deltog"),
        max_length=200,
        blank=True,
        help_text=_("Roller, inte namn på deltagare: t.ex. ”verksamhetsledare, två handledare”."),
    )
    note = models.CharField(_("kort anteckning"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)

    objects = DevelopmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("stödinsats till företag")
        verbose_name_plural = _("stödinsatser till företag")
        ordering = ["enterprise__name", "-date", "-id"]
        constraints = [
            *sane_date_constraints("support_activity", "date"),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_ACTIVITY_HOURS),
                name="support_activity_hours_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.get_kind_display()} {self.date}"


class MilestoneKind(models.TextChoices):
    FIRST_AF_AGREEMENT = "first_af_agreement", _("Första avtalet med Arbetsförmedlingen")
    APPROVED_SUPPLIER = "approved_supplier", _("Godkänd leverantör")
    IOP_MUNICIPALITY = "iop_municipality", _("IOP-avtal med en kommun")
    FIRST_TARGET_GROUP_EMPLOYEE = (
        "first_target_group_employee",
        _("Första anställda ur målgruppen"),
    )
    OTHER = "other", _("Annat")


class Milestone(models.Model):
    """A step the enterprise reached, on a date. Each named kind is reached once."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("företag"), on_delete=models.PROTECT, related_name="milestones"
    )
    kind = models.CharField(_("milstolpe"), max_length=30, choices=MilestoneKind.choices)
    date = models.DateField(_("datum"), validators=[validate_sane_date])
    note = models.CharField(_("anteckning"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerad av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)

    objects = DevelopmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("milstolpe")
        verbose_name_plural = _("milstolpar")
        ordering = ["enterprise__name", "date", "id"]
        constraints = [
            *sane_date_constraints("milestone", "date"),
            models.UniqueConstraint(
                fields=["enterprise", "kind"],
                condition=~Q(kind="other"),
                name="milestone_once_per_kind",
                violation_error_message=_("Företaget har redan nått den här milstolpen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.get_kind_display()} {self.date}"


class DevelopmentComment(models.Model):
    """A comment on the enterprise's development plan, by its manager or the association."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("företag"),
        on_delete=models.PROTECT,
        related_name="development_comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("skriven av"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("kommentar"), max_length=2000)
    created_at = models.DateTimeField(
        _("skriven"), default=timezone.now, validators=[validate_sane_date]
    )

    objects = DevelopmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("kommentar till utvecklingsplan")
        verbose_name_plural = _("kommentarer till utvecklingsplaner")
        ordering = ["enterprise__name", "created_at", "id"]
        constraints = sane_date_constraints("development_comment", datetimes=("created_at",))

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.author} {self.created_at:%Y-%m-%d}"
