"""The admin applies the model's rules (issue 12): dates outside 1900-2100 and identity
numbers of people born before 1900 are a form error on the field, never a save.

Each admin change page is submitted as rendered (every input, select and textarea with
its value), with one date changed to 0001-01-01 or 9999-12-31; the rule lives in the
model (field validators, `Participant.clean`) and a database check backs it.
"""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.contrib import admin
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import reverse

from enterprises.models import EnterpriseAgreement
from participants.models import Participant
from placements.models import PlacementStatus
from samordning.models import User
from tests import factories as f
from tests.helpers import submitted_form

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("enterprises", "participants", "placements")
OUT_OF_RANGE = ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"]


@pytest.fixture
def world() -> None:
    placement = f.PlacementFactory(
        status=PlacementStatus.ACTIVE,
        start_date=datetime.date(2030, 1, 2),
        agreement_date=datetime.date(2029, 12, 1),
    )
    f.AttendanceDayFactory(placement=placement)
    f.FollowUpMeetingFactory(placement=placement, next_meeting=datetime.date(2030, 3, 1))
    f.ConsentFactory(participant=placement.participant, withdrawn_on=datetime.date(2030, 2, 1))
    f.EnrolmentFactory(
        participant=placement.participant, end_date=datetime.date(2030, 2, 1), end_reason="planned"
    )
    f.EnterpriseAgreementFactory(
        enterprise=placement.offer.enterprise, valid_to=datetime.date(2031, 1, 1)
    )


@pytest.fixture
def office(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def _date_fields() -> list[tuple[type[models.Model], str]]:
    pairs = []
    for model in admin.site._registry:
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField) and field.editable:
                pairs.append((model, field.name))
    return sorted(pairs, key=lambda p: (p[0]._meta.label, p[1]))


def _change_url(obj: models.Model) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize(("model", "name"), _date_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_the_admin_refuses_dates_outside_the_range(
    office: Client, world: None, model: type[models.Model], name: str
) -> None:
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        pytest.skip(f"{model._meta.label} rows are written by services only (view-only admin)")
    page = office.get(_change_url(obj))
    form = page.context["adminform"].form
    if name not in form.fields or name in page.context["adminform"].readonly_fields:
        pytest.skip(f"{name} is not editable in the admin")
    data = submitted_form(page.text)
    split = isinstance(form.fields[name], forms.SplitDateTimeField)
    stored = getattr(obj, name)
    for value in OUT_OF_RANGE:
        data[f"{name}_0" if split else name] = [value]
        if split:
            data[f"{name}_1"] = ["12:00:00"]
        response = office.post(_change_url(obj), data)
        assert response.status_code == 200, (value, response.get("Location"))
        assert name in response.context["adminform"].form.errors, value
        obj.refresh_from_db()
        assert getattr(obj, name) == stored


def test_the_form_submitted_as_rendered_saves(office: Client, world: None) -> None:
    """The control for the test above: unchanged, the same form is saved."""
    obj = EnterpriseAgreement.objects.get()
    page = office.get(_change_url(obj))
    data = submitted_form(page.text)
    data["valid_to"] = ["2032-06-30"]
    assert office.post(_change_url(obj), data).status_code == 302
    obj.refresh_from_db()
    assert obj.valid_to == datetime.date(2032, 6, 30)


@pytest.mark.parametrize("number", ["00010101-1237", "850312+2387", "18850312-2387"])
def test_the_admin_refuses_people_born_before_1900(office: Client, number: str) -> None:
    municipality = f.MunicipalityFactory()
    add = reverse("admin:participants_participant_add")
    page = office.get(add)
    data = submitted_form(page.text)
    data.update(
        personal_number=[number],
        first_name=["Ada"],
        last_name=["Berg"],
        sex=["female"],
        birth_year=["1985"],
        home_municipality=[str(municipality.pk)],
        start_date=["2024-01-15"],
    )
    response = office.post(add, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "personal_number" in errors
    assert not Participant.objects.exists()


def test_a_valid_number_is_saved_from_the_admin(office: Client) -> None:
    municipality = f.MunicipalityFactory()
    add = reverse("admin:participants_participant_add")
    data = submitted_form(office.get(add).text)
    data.update(
        personal_number=["19850312-2387"],
        first_name=["Ada"],
        last_name=["Berg"],
        sex=["female"],
        birth_year=["1985"],
        home_municipality=[str(municipality.pk)],
        start_date=["2024-01-15"],
    )
    response = office.post(add, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Participant.objects.get().birth_date == datetime.date(1985, 3, 12)


@pytest.mark.parametrize("birth_year", [1, 1885, 9999])
def test_the_database_refuses_a_birth_year_out_of_range(birth_year: int) -> None:
    participant = f.ParticipantFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(birth_year=birth_year)


@pytest.mark.parametrize("day", [datetime.date(1, 1, 1), datetime.date(9999, 12, 31)])
def test_the_database_refuses_a_date_out_of_range(day: datetime.date) -> None:
    agreement = f.EnterpriseAgreementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseAgreement.objects.filter(pk=agreement.pk).update(valid_from=day)
