"""Social enterprises (ASF), their agreements, annual figures and training offers."""

from __future__ import annotations

import datetime
from decimal import Decimal

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
