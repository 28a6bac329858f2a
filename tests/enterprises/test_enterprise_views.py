"""Enterprise pages: my enterprise, annual figures, offers, pause/reopen, confirmation."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import AnnualFigure, CapacityChange, Enterprise, OfferStatus, TrainingOffer
from tests.factories import EnterpriseFactory, TrainingOfferFactory, business_area
from tests.worlds.enterprise import enterprise_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(manager):
    return enterprise_world(manager, "Ett")


@pytest.fixture
def logged_in(client, manager):
    client.force_login(manager)
    return client


def test_list_shows_only_my_enterprises(logged_in, world, manager2):
    enterprise_world(manager2, "Tva")
    response = logged_in.get(reverse("enterprises:enterprise-list"))
    assert response.status_code == 200
    assert "FöretagEtt" in response.text
    assert "FöretagTva" not in response.text
    assert "<h1>Mitt företag</h1>" in response.text


def test_detail_shows_profile_figures_and_offers_with_edit_links(logged_in, world):
    response = logged_in.get(world.enterprise.get_absolute_url())
    text = response.text
    assert "<h1>FöretagEtt</h1>" in text
    assert "2024" in text and "PlatsEtt" in text
    assert reverse("enterprises:enterprise-update", args=[world.enterprise.pk]) in text
    assert reverse("enterprises:annual-figure-create", args=[world.enterprise.pk]) in text


def test_coordinator_sees_detail_without_edit_links(client, coordinator, world):
    client.force_login(coordinator)
    response = client.get(world.enterprise.get_absolute_url())
    assert response.status_code == 200
    assert reverse("enterprises:enterprise-update", args=[world.enterprise.pk]) not in (
        response.text
    )


def test_manager_profile_form_has_only_the_fields_a_manager_may_change(logged_in, world):
    url = reverse("enterprises:enterprise-update", args=[world.enterprise.pk])
    response = logged_in.get(url)
    assert 'name="contact_name"' in response.text
    assert 'name="business_areas"' in response.text
    assert 'name="org_number"' not in response.text
    assert 'name="name"' not in response.text
    response = logged_in.post(
        url,
        {
            "contact_name": "Karin",
            "contact_email": "karin@example.se",
            "description": "Café och catering",
            "business_areas": [business_area("cafe").pk],
            # Fields a manager may not change are ignored, not applied.
            "name": "Kapat namn",
            "org_number": "5560000000",
        },
    )
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(pk=world.enterprise.pk)
    assert (enterprise.contact_name, enterprise.description) == ("Karin", "Café och catering")
    assert enterprise.name == "FöretagEtt"
    assert enterprise.org_number == world.enterprise.org_number
    assert list(enterprise.business_areas.values_list("code", flat=True)) == ["cafe"]


def test_profile_bad_input_shows_errors_and_changes_nothing(logged_in, world):
    url = reverse("enterprises:enterprise-update", args=[world.enterprise.pk])
    response = logged_in.post(url, {"contact_name": "Karin", "contact_email": "inte-en-adress"})
    assert response.status_code == 200
    assert "is-invalid" in response.text
    assert 'value="Karin"' in response.text
    assert Enterprise.objects.get(pk=world.enterprise.pk).contact_name == "Kontakt Person"


def test_admin_profile_form_has_every_field(client, admin_user, world):
    client.force_login(admin_user)
    response = client.get(reverse("enterprises:enterprise-update", args=[world.enterprise.pk]))
    assert 'name="org_number"' in response.text and 'name="name"' in response.text


def _figure_data(**extra):
    return {
        "year": "2025",
        "turnover_sek": "3800000",
        "employees": "9",
        "employees_target_group": "4",
        **extra,
    }


def test_add_annual_figures(logged_in, world):
    url = reverse("enterprises:annual-figure-create", args=[world.enterprise.pk])
    response = logged_in.post(url, _figure_data())
    assert response.status_code == 302
    figure = AnnualFigure.objects.get(enterprise=world.enterprise, year=2025)
    assert (figure.turnover_sek, figure.employees, figure.employees_target_group) == (
        3800000,
        9,
        4,
    )


def test_a_year_twice_is_a_form_error(logged_in, world):
    url = reverse("enterprises:annual-figure-create", args=[world.enterprise.pk])
    response = logged_in.post(url, _figure_data(year="2024"))
    assert response.status_code == 200
    assert "Det finns redan uppgifter för 2024" in response.text
    assert AnnualFigure.objects.filter(enterprise=world.enterprise).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        _figure_data(employees="2", employees_target_group="3"),
        _figure_data(turnover_sek="-5"),
        _figure_data(year="1800"),
        _figure_data(employees="många"),
    ],
)
def test_annual_figure_bad_input_changes_nothing(logged_in, world, data):
    url = reverse("enterprises:annual-figure-update", args=[world.enterprise.pk, world.figure.pk])
    response = logged_in.post(url, data)
    assert response.status_code == 200
    assert "is-invalid" in response.text or "alert-block" in response.text
    world.figure.refresh_from_db()
    assert (world.figure.year, world.figure.employees) == (2024, 10)


def test_edit_annual_figures(logged_in, world):
    url = reverse("enterprises:annual-figure-update", args=[world.enterprise.pk, world.figure.pk])
    assert logged_in.post(url, _figure_data(year="2024", employees="11")).status_code == 302
    world.figure.refresh_from_db()
    assert world.figure.employees == 11


def _offer_data(world, **extra):
    return {
        "title": "Trädgård, park",
        "business_area": business_area("tradgard").pk,
        "municipality": world.enterprise.municipality_id,
        "min_extent": "25",
        "max_extent": "100",
        "supervisor_name": "Per",
        **extra,
    }


def test_create_offer_records_capacity_history(logged_in, world, manager):
    url = reverse("enterprises:offer-create", args=[world.enterprise.pk])
    assert 'name="capacity"' in logged_in.get(url).text
    response = logged_in.post(
        url, _offer_data(world, capacity="4", free_from="2031-05-01"), follow=True
    )
    offer = TrainingOffer.objects.get(title="Trädgård, park")
    assert offer.enterprise == world.enterprise
    assert (offer.capacity, offer.free_from) == (4, datetime.date(2031, 5, 1))
    change = CapacityChange.objects.get(offer=offer)
    assert (change.old_capacity, change.new_capacity, change.changed_by) == (None, 4, manager)
    assert "Arbetsträningsplatsen är skapad" in response.text


def test_create_offer_bad_input_creates_nothing(logged_in, world):
    url = reverse("enterprises:offer-create", args=[world.enterprise.pk])
    response = logged_in.post(
        url,
        _offer_data(world, capacity="4", free_from="2031-05-01", min_extent="100", max_extent="25"),
    )
    assert response.status_code == 200
    assert "Högsta omfattning kan inte vara lägre" in response.text
    assert not TrainingOffer.objects.filter(title="Trädgård, park").exists()


@pytest.mark.parametrize("free_from", ["9999-12-31", "0001-01-01"])
def test_create_offer_with_a_far_off_free_from_is_a_form_error(logged_in, world, free_from):
    url = reverse("enterprises:offer-create", args=[world.enterprise.pk])
    response = logged_in.post(url, _offer_data(world, capacity="4", free_from=free_from))
    assert response.status_code == 200
    assert response.context["form"].errors["free_from"] == ["Välj datum mellan 1900 och 2100."]
    assert not TrainingOffer.objects.filter(title="Trädgård, park").exists()


def test_edit_offer_has_no_capacity_field_and_ignores_one(logged_in, world):
    url = reverse("enterprises:offer-update", args=[world.offer.pk])
    assert 'name="capacity"' not in logged_in.get(url).text
    response = logged_in.post(url, _offer_data(world, title="Ny titel", capacity="99"))
    assert response.status_code == 302
    offer = TrainingOffer.objects.get(pk=world.offer.pk)
    assert (offer.title, offer.capacity) == ("Ny titel", 5)


def test_pause_reopen_and_confirm_are_post_only(logged_in, world):
    for name in ["offer-pause", "offer-reopen", "offer-confirm-capacity"]:
        url = reverse(f"enterprises:{name}", args=[world.offer.pk])
        assert logged_in.get(url).status_code == 405
    offer = TrainingOffer.objects.get(pk=world.offer.pk)
    assert offer.status == OfferStatus.OPEN


def test_pause_then_reopen(logged_in, world):
    response = logged_in.post(
        reverse("enterprises:offer-pause", args=[world.offer.pk]), follow=True
    )
    assert "Platsen är pausad" in response.text
    assert TrainingOffer.objects.get(pk=world.offer.pk).status == OfferStatus.PAUSED
    # Pausing twice is a message, not an error page.
    again = logged_in.post(reverse("enterprises:offer-pause", args=[world.offer.pk]), follow=True)
    assert again.status_code == 200 and "redan pausad" in again.text
    logged_in.post(reverse("enterprises:offer-reopen", args=[world.offer.pk]))
    assert TrainingOffer.objects.get(pk=world.offer.pk).status == OfferStatus.OPEN


def test_one_click_confirmation(logged_in, world):
    TrainingOffer.objects.filter(pk=world.offer.pk).update(last_confirmed=datetime.date(2020, 1, 1))
    page = logged_in.get(world.offer.get_absolute_url())
    assert "Behöver bekräftas" in page.text
    response = logged_in.post(
        reverse("enterprises:offer-confirm-capacity", args=[world.offer.pk]), follow=True
    )
    assert "Platsantalet är bekräftat" in response.text
    offer = TrainingOffer.objects.get(pk=world.offer.pk)
    assert offer.last_confirmed == timezone.localdate()
    assert offer.capacity == 5


@pytest.mark.parametrize("count", [5, 100])
def test_offer_list_query_count_does_not_grow(
    logged_in, manager, django_assert_max_num_queries, count
):
    enterprise = EnterpriseFactory(managers=[manager])
    for _ in range(count):
        TrainingOfferFactory(enterprise=enterprise)
    # session, user, savepoint, release, groups, the paginator's count, the page of
    # offers (with enterprise, area, municipality), my enterprises for "new offer": 8.
    with django_assert_max_num_queries(8):
        response = logged_in.get(reverse("enterprises:offer-list"))
    assert response.text.count("/foretag/platser/") >= min(count, 25)


@pytest.mark.parametrize("count", [5, 100])
def test_enterprise_list_query_count_does_not_grow(
    client, admin_user, django_assert_max_num_queries, count
):
    for _ in range(count):
        EnterpriseFactory()
    client.force_login(admin_user)
    # session, user, savepoint, release, groups, the paginator's count, the page: 7.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("enterprises:enterprise-list"))
    assert response.status_code == 200


def test_manager_cannot_change_the_price_per_day(logged_in, world):
    offer = world.offer
    url = reverse("enterprises:offer-update", args=[offer.pk])
    assert 'name="price_per_day"' not in logged_in.get(url).text
    logged_in.post(url, _offer_data(world, price_per_day="999"))
    offer.refresh_from_db()
    assert offer.price_per_day != 999
