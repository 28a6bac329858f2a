"""Enterprise services: profile, annual figures, offers, pause/reopen, confirmation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from enterprises.models import AnnualFigure, CapacityChange, OfferStatus, TrainingOffer
from enterprises.services import (
    annual_figure_save,
    enterprise_update,
    offer_confirm_capacity,
    offer_create,
    offer_pause,
    offer_reopen,
    offer_update,
)
from tests.factories import (
    AnnualFigureFactory,
    EnterpriseFactory,
    TrainingOfferFactory,
    business_area,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 3, 12)


def test_manager_may_change_contact_description_and_areas(manager):
    enterprise = EnterpriseFactory(managers=[manager])
    enterprise_update(
        enterprise=enterprise,
        user=manager,
        data={"contact_name": "Ny Kontakt", "description": "Vi bakar bröd."},
        business_areas=[business_area("cafe"), business_area("snickeri")],
    )
    enterprise.refresh_from_db()
    assert enterprise.contact_name == "Ny Kontakt"
    assert enterprise.description == "Vi bakar bröd."
    assert set(enterprise.business_areas.values_list("code", flat=True)) == {"cafe", "snickeri"}


def test_manager_may_not_change_name_or_org_number(manager):
    enterprise = EnterpriseFactory(managers=[manager], name="Gamla namnet")
    with pytest.raises(ValidationError, match="name"):
        enterprise_update(enterprise=enterprise, user=manager, data={"name": "Nytt"})
    enterprise.refresh_from_db()
    assert enterprise.name == "Gamla namnet"


def test_admin_may_change_every_field(admin_user):
    enterprise = EnterpriseFactory(name="Gamla namnet")
    enterprise_update(enterprise=enterprise, user=admin_user, data={"name": "Nytt namn"})
    enterprise.refresh_from_db()
    assert enterprise.name == "Nytt namn"


def test_invalid_profile_is_refused(manager):
    enterprise = EnterpriseFactory(managers=[manager], contact_email="a@example.se")
    with pytest.raises(ValidationError):
        enterprise_update(enterprise=enterprise, user=manager, data={"contact_email": "inte"})
    enterprise.refresh_from_db()
    assert enterprise.contact_email == "a@example.se"


def _figures(**extra):
    return {
        "year": 2025,
        "turnover_sek": Decimal("2500000"),
        "employees": 12,
        "employees_target_group": 5,
        **extra,
    }


def test_annual_figures_one_row_a_year(manager):
    enterprise = EnterpriseFactory(managers=[manager])
    figure = annual_figure_save(enterprise=enterprise, user=manager, **_figures())
    assert figure.year == 2025
    with pytest.raises(ValidationError) as caught:
        annual_figure_save(enterprise=enterprise, user=manager, **_figures(employees=99))
    assert "Det finns redan uppgifter för 2025" in caught.value.message_dict["year"][0]
    assert AnnualFigure.objects.get(enterprise=enterprise).employees == 12


def test_annual_figure_edit_may_keep_its_year_but_not_take_another(manager):
    enterprise = EnterpriseFactory(managers=[manager])
    AnnualFigureFactory(enterprise=enterprise, year=2024)
    figure = AnnualFigureFactory(enterprise=enterprise, year=2025)
    annual_figure_save(enterprise=enterprise, user=manager, figure=figure, **_figures(employees=20))
    figure.refresh_from_db()
    assert figure.employees == 20
    with pytest.raises(ValidationError):
        annual_figure_save(
            enterprise=enterprise, user=manager, figure=figure, **_figures(year=2024)
        )
    figure.refresh_from_db()
    assert figure.year == 2025


def test_annual_figure_target_group_within_employees(manager):
    enterprise = EnterpriseFactory(managers=[manager])
    with pytest.raises(ValidationError, match="fler än antalet anställda"):
        annual_figure_save(
            enterprise=enterprise, user=manager, **_figures(employees=3, employees_target_group=4)
        )
    assert not AnnualFigure.objects.exists()


def test_annual_figure_of_another_enterprise_is_refused(manager):
    mine = EnterpriseFactory(managers=[manager])
    other = AnnualFigureFactory(year=2020)
    with pytest.raises(ValidationError):
        annual_figure_save(enterprise=mine, user=manager, figure=other, **_figures())


def _offer_data(**extra):
    return {
        "title": "Café, kök",
        "business_area": business_area("cafe"),
        "municipality": EnterpriseFactory().municipality,
        "min_extent": 25,
        "max_extent": 75,
        **extra,
    }


def test_only_admins_set_the_price_per_day(manager, admin_user):
    enterprise = EnterpriseFactory(managers=[manager])
    with pytest.raises(ValidationError, match="price_per_day"):
        offer_create(
            enterprise=enterprise,
            user=manager,
            data=_offer_data(price_per_day=Decimal(999)),
            capacity=2,
            free_from=datetime.date(2031, 4, 1),
            today=TODAY,
        )
    offer = offer_create(
        enterprise=enterprise,
        user=admin_user,
        data=_offer_data(price_per_day=Decimal(300)),
        capacity=2,
        free_from=datetime.date(2031, 4, 1),
        today=TODAY,
    )
    assert offer.price_per_day == Decimal(300)
    with pytest.raises(ValidationError):
        offer_update(offer=offer, user=manager, data={"price_per_day": Decimal(1)})


def test_offer_create_records_the_first_capacity(manager):
    enterprise = EnterpriseFactory(managers=[manager])
    offer = offer_create(
        enterprise=enterprise,
        user=manager,
        data=_offer_data(),
        capacity=4,
        free_from=datetime.date(2031, 4, 1),
        today=TODAY,
    )
    assert (offer.capacity, offer.free_from, offer.last_confirmed) == (
        4,
        datetime.date(2031, 4, 1),
        TODAY,
    )
    change = CapacityChange.objects.get(offer=offer)
    assert (change.old_capacity, change.new_capacity, change.changed_by) == (None, 4, manager)


def test_offer_create_refuses_min_above_max(manager):
    enterprise = EnterpriseFactory(managers=[manager])
    with pytest.raises(ValidationError):
        offer_create(
            enterprise=enterprise,
            user=manager,
            data=_offer_data(min_extent=100, max_extent=25),
            capacity=2,
            free_from=TODAY,
        )
    assert not TrainingOffer.objects.exists()
    assert not CapacityChange.objects.exists()


def test_offer_update_cannot_touch_capacity(manager):
    offer = TrainingOfferFactory(capacity=3)
    with pytest.raises(ValidationError, match="capacity"):
        offer_update(offer=offer, user=manager, data={"capacity": 30})
    offer_update(offer=offer, user=manager, data={"title": "Ny titel"})
    offer.refresh_from_db()
    assert (offer.title, offer.capacity) == ("Ny titel", 3)
    assert not CapacityChange.objects.exists()


def test_pause_and_reopen(manager):
    offer = TrainingOfferFactory()
    offer_pause(offer=offer, user=manager)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PAUSED
    with pytest.raises(ValidationError, match="redan pausad"):
        offer_pause(offer=offer, user=manager)
    offer_reopen(offer=offer, user=manager)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN
    with pytest.raises(ValidationError, match="redan öppen"):
        offer_reopen(offer=offer, user=manager)


def test_confirm_capacity_moves_only_the_date(manager):
    offer = TrainingOfferFactory(capacity=3, last_confirmed=datetime.date(2031, 1, 1))
    assert offer.is_capacity_stale(TODAY)
    offer_confirm_capacity(offer=offer, user=manager, today=TODAY)
    offer.refresh_from_db()
    assert (offer.last_confirmed, offer.capacity) == (TODAY, 3)
    assert not offer.is_capacity_stale(TODAY)
    assert not CapacityChange.objects.exists()


def test_capacity_stale_is_one_rule_for_the_row_and_the_queryset():
    """Confirmed 30 days ago is still fresh; 31 days ago is stale, in Python and in SQL."""
    fresh = TrainingOfferFactory(last_confirmed=TODAY - datetime.timedelta(days=30))
    stale = TrainingOfferFactory(last_confirmed=TODAY - datetime.timedelta(days=31))
    assert not fresh.is_capacity_stale(TODAY)
    assert stale.is_capacity_stale(TODAY)
    assert list(TrainingOffer.objects.capacity_stale(TODAY)) == [stale]
