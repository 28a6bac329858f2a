"""Writes and rules for enterprises, their annual figures and their training offers.

Capacity *changes* of an existing offer need the places already held, which live in
placements; they are made by `placements.services.capacity.offer_set_capacity`
(placements depends on enterprises, never the other way round).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import (
    AnnualFigure,
    CapacityChange,
    DevelopmentComment,
    DevelopmentGoal,
    Enterprise,
    GoalStatus,
    Milestone,
    OfferStatus,
    SupportActivity,
    TrainingOffer,
)
from samordning import policy
from samordning.models import BusinessArea, User

# After this many days without a confirmation an offer's capacity counts as stale.

# The profile fields an enterprise manager may change; admins may change every field.
MANAGER_ENTERPRISE_FIELDS = (
    "description",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
)
ADMIN_ENTERPRISE_FIELDS = (
    "name",
    "org_number",
    "legal_form",
    "municipality",
    "founded_year",
    "criterion_integration",
    "criterion_participation",
    "criterion_reinvests",
    "criterion_independent",
    *MANAGER_ENTERPRISE_FIELDS,
)

# Offer fields set through offer_create/offer_update. Capacity and free-from are
# set on creation here, and afterwards only through offer_set_capacity.
OFFER_FIELDS = (
    "title",
    "business_area",
    "municipality",
    "location",
    "tasks",
    "physical_demands",
    "adaptations_possible",
    "min_extent",
    "max_extent",
    "supervisor_name",
    "supervisor_contact",
)
# The price per present day follows the association's agreements and is the basis
# of every invoice, past months included: only admins set it.
ADMIN_OFFER_FIELDS = (*OFFER_FIELDS, "price_per_day")


def offer_fields_for(user: User) -> tuple[str, ...]:
    """The offer fields `user` may set (capacity and free-from aside)."""
    return ADMIN_OFFER_FIELDS if policy.is_admin(user) else OFFER_FIELDS


def enterprise_fields_for(user: User) -> tuple[str, ...]:
    """The profile fields `user` may change (business areas come on top)."""
    return ADMIN_ENTERPRISE_FIELDS if policy.is_admin(user) else MANAGER_ENTERPRISE_FIELDS


@transaction.atomic
def enterprise_update(
    *,
    enterprise: Enterprise,
    user: User,
    data: dict[str, Any],
    business_areas: Iterable[BusinessArea] | None = None,
) -> Enterprise:
    """Change an enterprise's profile; a manager may only change contact, description and areas."""
    allowed = set(enterprise_fields_for(user))
    refused = sorted(set(data) - allowed)
    if refused:
        raise ValidationError(
            _("Du får inte ändra: %(fields)s.") % {"fields": ", ".join(refused)},
            code="field_not_allowed",
        )
    for field, value in data.items():
        setattr(enterprise, field, value)
    enterprise.full_clean()
    enterprise.save()
    if business_areas is not None:
        enterprise.business_areas.set(business_areas)
    return enterprise


@transaction.atomic
def annual_figure_save(
    *,
    enterprise: Enterprise,
    user: User,
    year: int,
    turnover_sek: Decimal,
    employees: int,
    employees_target_group: int,
    figure: AnnualFigure | None = None,
) -> AnnualFigure:
    """Add (figure=None) or change one year's figures; there is one row per year."""
    # The enterprise's row lock serialises two saves of the same year.
    Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if figure is not None and figure.enterprise_id != enterprise.pk:
        raise ValidationError(_("Årsuppgiften hör till ett annat företag."))
    taken = AnnualFigure.objects.filter(enterprise=enterprise, year=year)
    if figure is not None:
        taken = taken.exclude(pk=figure.pk)
    if taken.exists():
        raise ValidationError(
            {
                "year": _("Det finns redan uppgifter för %(year)s. Ändra den raden i stället.")
                % {"year": year}
            },
            code="year_taken",
        )
    figure = figure or AnnualFigure(enterprise=enterprise)
    figure.year = year
    figure.turnover_sek = turnover_sek
    figure.employees = employees
    figure.employees_target_group = employees_target_group
    figure.full_clean()
    figure.save()
    return figure


def _apply_offer_fields(offer: TrainingOffer, data: dict[str, Any], user: User) -> None:
    unknown = sorted(set(data) - set(offer_fields_for(user)))
    if unknown:
        raise ValidationError(
            _("Du får inte ändra: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="field_not_allowed",
        )
    for field, value in data.items():
        setattr(offer, field, value)


@transaction.atomic
def offer_create(
    *,
    enterprise: Enterprise,
    user: User,
    data: dict[str, Any],
    capacity: int,
    free_from: datetime.date,
    today: datetime.date | None = None,
) -> TrainingOffer:
    """Create an offer; its first capacity is recorded as history from nothing to `capacity`."""
    today = today or timezone.localdate()
    offer = TrainingOffer(enterprise=enterprise, last_confirmed=today)
    _apply_offer_fields(offer, data, user)
    offer.capacity = capacity
    offer.free_from = free_from
    offer.full_clean()
    offer.save()
    CapacityChange.objects.create(
        offer=offer, changed_by=user, old_capacity=None, new_capacity=capacity
    )
    return offer


@transaction.atomic
def offer_update(*, offer: TrainingOffer, user: User, data: dict[str, Any]) -> TrainingOffer:
    """Change an offer's description; capacity and free-from go through offer_set_capacity."""
    offer = TrainingOffer.objects.select_for_update().get(pk=offer.pk)
    _apply_offer_fields(offer, data, user)
    offer.full_clean()
    offer.save()
    return offer


def _set_status(offer: TrainingOffer, status: str) -> TrainingOffer:
    offer = TrainingOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status == status:
        raise ValidationError(
            _("Platsen är redan %(status)s.") % {"status": OfferStatus(status).label.lower()},
            code="same_status",
        )
    offer.status = status
    offer.full_clean()
    offer.save(update_fields=["status", "updated_at"])
    return offer


@transaction.atomic
def offer_pause(*, offer: TrainingOffer, user: User) -> TrainingOffer:
    """Stop new proposals; placements already holding a place keep it."""
    return _set_status(offer, OfferStatus.PAUSED)


@transaction.atomic
def offer_reopen(*, offer: TrainingOffer, user: User) -> TrainingOffer:
    """Take proposals again."""
    return _set_status(offer, OfferStatus.OPEN)


@transaction.atomic
def offer_confirm_capacity(
    *, offer: TrainingOffer, user: User, today: datetime.date | None = None
) -> TrainingOffer:
    """The manager says the number of places is still right: only the date moves."""
    today = today or timezone.localdate()
    offer = TrainingOffer.objects.select_for_update().get(pk=offer.pk)
    offer.last_confirmed = today
    offer.save(update_fields=["last_confirmed", "updated_at"])
    return offer


@transaction.atomic
def enterprise_create(
    *,
    user: User,
    data: dict[str, Any],
    business_areas: Iterable[BusinessArea] = (),
) -> Enterprise:
    """Register an enterprise (the association's office: imports and the back office)."""
    if not policy.is_admin(user):
        raise ValidationError(_("Bara förbundet registrerar nya företag."), code="not_allowed")
    refused = sorted(set(data) - set(ADMIN_ENTERPRISE_FIELDS))
    if refused:
        raise ValidationError(
            _("Du får inte ändra: %(fields)s.") % {"fields": ", ".join(refused)},
            code="field_not_allowed",
        )
    enterprise = Enterprise(**data)
    enterprise.full_clean()
    enterprise.save()
    enterprise.business_areas.set(list(business_areas))
    return enterprise


# --- enterprise development ------------------------------------------------------


def _require_development_staff(user: User) -> None:
    if not policy.can(user, policy.Perm.DEVELOPMENT_EDIT):
        raise ValidationError(
            _("Bara förbundets personal för in utvecklingsplan, stöd och milstolpar."),
            code="not_allowed",
        )


@transaction.atomic
def development_goal_save(
    *,
    enterprise: Enterprise,
    user: User,
    goal_text: str,
    target_date: datetime.date,
    status: str = GoalStatus.ONGOING,
    achieved_on: datetime.date | None = None,
    goal: DevelopmentGoal | None = None,
) -> DevelopmentGoal:
    """Add a goal to the enterprise's plan (goal=None) or change one of its goals."""
    _require_development_staff(user)
    if goal is not None and goal.enterprise_id != enterprise.pk:
        raise ValidationError(_("Målet hör till ett annat företag."))
    goal = goal or DevelopmentGoal(enterprise=enterprise, created_by=user)
    goal.goal = goal_text
    goal.target_date = target_date
    goal.status = status
    if status == GoalStatus.ACHIEVED and achieved_on is None:
        achieved_on = timezone.localdate()
    goal.achieved_on = achieved_on if status == GoalStatus.ACHIEVED else None
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def support_activity_log(
    *,
    enterprise: Enterprise,
    user: User,
    kind: str,
    date: datetime.date,
    hours: Decimal,
    taking_part: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> SupportActivity:
    """Log one support activity for the enterprise: what, when, how many hours."""
    _require_development_staff(user)
    today = today or timezone.localdate()
    if date > today:
        raise ValidationError({"date": _("Logga stödet när det är gjort, inte i förväg.")})
    activity = SupportActivity(
        enterprise=enterprise,
        kind=kind,
        date=date,
        hours=hours,
        taking_part=taking_part,
        note=note,
        created_by=user,
    )
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def milestone_record(
    *,
    enterprise: Enterprise,
    user: User,
    kind: str,
    date: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
) -> Milestone:
    """Record that the enterprise reached a milestone; each named kind once."""
    _require_development_staff(user)
    today = today or timezone.localdate()
    # The enterprise's row lock serialises two records of the same kind.
    Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if date > today:
        raise ValidationError({"date": _("En milstolpe registreras när den är nådd.")})
    milestone = Milestone(enterprise=enterprise, kind=kind, date=date, note=note, created_by=user)
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def development_comment_add(*, enterprise: Enterprise, user: User, text: str) -> DevelopmentComment:
    """A comment on the development plan by someone who may see the enterprise."""
    if not policy.can(user, policy.Perm.DEVELOPMENT_COMMENT) or not (
        Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists()
    ):
        raise ValidationError(_("Du kan inte kommentera det här företagets plan."))
    comment = DevelopmentComment(enterprise=enterprise, author=user, text=text.strip())
    comment.full_clean()
    comment.save()
    return comment
