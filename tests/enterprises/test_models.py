"""Enterprise models: the org.nr validator, date order, capacity, extent, annual figures,
and one test per database constraint."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from enterprises.models import (
    AnnualFigure,
    CapacityChange,
    Enterprise,
    EnterpriseAgreement,
    TrainingOffer,
)
from enterprises.validators import format_org_number, normalise_org_number
from tests import factories as f
from tests.helpers import (
    FAR_AHEAD,
    assert_each_constraint_tested,
    breaks_constraint,
    breaks_date_range,
    clean_errors,
)

pytestmark = pytest.mark.django_db

VALID = "5560360793"  # aktiebolag
VALID_ASSOCIATION = "7696123459"  # ekonomisk förening


class TestOrgNumber:
    @pytest.mark.parametrize(
        "written",
        [VALID, "556036-0793", " 556036-0793 ", "16556036-0793", "165560360793"],
    )
    def test_accepts_written_forms(self, written: str) -> None:
        assert normalise_org_number(written) == VALID

    def test_accepts_other_legal_forms(self) -> None:
        assert normalise_org_number("769612-3459") == VALID_ASSOCIATION
        assert normalise_org_number("8020024454") == "8020024454"

    def test_rejects_wrong_check_digit(self) -> None:
        with pytest.raises(ValidationError) as info:
            normalise_org_number("556036-0794")
        assert info.value.messages == ["Organisationsnumret har fel kontrollsiffra."]

    def test_rejects_personal_number_shape(self) -> None:
        # Luhn-valid, but digits 3-4 are "03": a person born in March.
        with pytest.raises(ValidationError) as info:
            normalise_org_number("850312-1009")
        assert info.value.code == "not_organisation"
        assert "Siffra 3–4 i ett organisationsnummer är minst 20" in info.value.messages[0]

    @pytest.mark.parametrize("written", ["556036079", "55603607931", "556036-07"])
    def test_rejects_wrong_length(self, written: str) -> None:
        with pytest.raises(ValidationError) as info:
            normalise_org_number(written)
        assert info.value.messages == ["Organisationsnumret ska ha tio siffror."]

    @pytest.mark.parametrize(
        "written", ["55603A0793", "556036-079X", "ab1234-5678", "76²0123456", "556036-079³"]
    )
    def test_rejects_letters(self, written: str) -> None:
        with pytest.raises(ValidationError) as info:
            normalise_org_number(written)
        assert info.value.messages == [
            "Organisationsnumret får bara innehålla siffror och bindestreck."
        ]

    def test_validator_and_format(self) -> None:
        normalise_org_number("556036-0793")
        with pytest.raises(ValidationError):
            normalise_org_number("556036-0794")
        assert format_org_number(VALID) == "556036-0793"


class TestEnterprise:
    def _enterprise(self, org_number: str) -> Enterprise:
        return Enterprise(
            name="Snickeriet",
            org_number=org_number,
            legal_form="economic_association",
            municipality=f.MunicipalityFactory(),
        )

    @pytest.mark.parametrize("written", [VALID, "556036-0793", "16556036-0793"])
    def test_full_clean_normalises(self, written: str) -> None:
        enterprise = self._enterprise(written)
        assert clean_errors(enterprise) == {}
        assert enterprise.org_number == VALID
        assert enterprise.org_number_display == "556036-0793"

    def test_full_clean_rejects_on_the_field(self) -> None:
        errors = clean_errors(self._enterprise("556036-0794"))
        assert errors["org_number"] == ["Organisationsnumret har fel kontrollsiffra."]

    def test_full_clean_rejects_unicode_digits_on_the_field(self) -> None:
        errors = clean_errors(self._enterprise("76²0123456"))
        assert errors["org_number"] == [
            "Organisationsnumret får bara innehålla siffror och bindestreck."
        ]

    def test_full_clean_rejects_a_duplicate_in_another_written_form(self) -> None:
        f.EnterpriseFactory(org_number=VALID)
        errors = clean_errors(self._enterprise("556036-0793"))
        assert "org_number" in errors


class TestAgreementDates:
    @pytest.mark.parametrize(
        "valid_to", [None, datetime.date(2020, 1, 1), datetime.date(2021, 6, 30)]
    )
    def test_accepts_end_on_or_after_start(self, valid_to: datetime.date | None) -> None:
        agreement = f.EnterpriseAgreementFactory.build(
            enterprise=f.EnterpriseFactory(),
            valid_from=datetime.date(2020, 1, 1),
            valid_to=valid_to,
        )
        assert clean_errors(agreement) == {}

    def test_rejects_end_before_start(self) -> None:
        agreement = f.EnterpriseAgreementFactory.build(
            enterprise=f.EnterpriseFactory(),
            valid_from=datetime.date(2020, 1, 1),
            valid_to=datetime.date(2019, 12, 31),
        )
        assert clean_errors(agreement)["valid_to"] == ["Slutdatum kan inte ligga före startdatum."]


class TestOffer:
    def _offer(self, **kwargs: object) -> TrainingOffer:
        return f.TrainingOfferFactory.build(enterprise=f.EnterpriseFactory(), **kwargs)

    @pytest.mark.parametrize("capacity", [0, 1, 12])
    def test_accepts_capacity(self, capacity: int) -> None:
        assert clean_errors(self._offer(capacity=capacity)) == {}

    def test_rejects_negative_capacity(self) -> None:
        errors = clean_errors(self._offer(capacity=-1))
        assert errors["capacity"] == ["Kontrollera att detta värde är större än eller lika med 0."]

    @pytest.mark.parametrize("extent", [25, 50, 75, 100])
    def test_accepts_allowed_extents(self, extent: int) -> None:
        assert clean_errors(self._offer(min_extent=extent, max_extent=100)) == {}

    @pytest.mark.parametrize("extent", [0, 10, 30, 60])
    def test_rejects_other_extents(self, extent: int) -> None:
        errors = clean_errors(self._offer(min_extent=extent, max_extent=100))
        assert errors["min_extent"] == [f"Värdet {extent} är inget giltigt alternativ."]

    @pytest.mark.parametrize(
        ("day", "ok"),
        [
            (datetime.date(1900, 1, 1), True),
            (datetime.date(2100, 12, 31), True),
            (datetime.date(1, 1, 1), False),
            (datetime.date(9999, 12, 31), False),
        ],
    )
    def test_free_from_lies_in_the_sane_range(self, day: datetime.date, ok: bool) -> None:
        errors = clean_errors(self._offer(free_from=day))
        if ok:
            assert errors == {}
        else:
            assert errors["free_from"] == ["Välj datum mellan 1900 och 2100."]

    def test_rejects_min_extent_above_max(self) -> None:
        errors = clean_errors(self._offer(min_extent=75, max_extent=50))
        assert errors["max_extent"] == [
            "Högsta omfattning kan inte vara lägre än lägsta omfattning."
        ]

    def test_extents_offered(self) -> None:
        assert self._offer(min_extent=50, max_extent=75).extents_offered == [50, 75]


class TestAnnualFigure:
    def test_accepts_target_group_up_to_employees(self) -> None:
        figure = f.AnnualFigureFactory.build(
            enterprise=f.EnterpriseFactory(), employees=5, employees_target_group=5
        )
        assert clean_errors(figure) == {}

    def test_rejects_target_group_above_employees(self) -> None:
        figure = f.AnnualFigureFactory.build(
            enterprise=f.EnterpriseFactory(), employees=5, employees_target_group=6
        )
        assert clean_errors(figure)["employees_target_group"] == [
            "Anställda ur målgruppen kan inte vara fler än antalet anställda."
        ]

    def test_one_per_enterprise_and_year(self) -> None:
        first = f.AnnualFigureFactory(year=2014)
        again = f.AnnualFigureFactory.build(enterprise=first.enterprise, year=2014)
        assert clean_errors(again)["__all__"] == [
            "Årsuppgift med samma Företag och År finns redan."
        ]
        next_year = f.AnnualFigureFactory.build(enterprise=first.enterprise, year=2015)
        assert clean_errors(next_year) == {}

    def test_rejects_negative_turnover(self) -> None:
        figure = f.AnnualFigureFactory.build(
            enterprise=f.EnterpriseFactory(), turnover_sek=Decimal(-1)
        )
        assert "turnover_sek" in clean_errors(figure)


# One test per named database constraint: a direct ORM write that breaks it is refused.


def test_every_constraint_has_a_test() -> None:
    assert_each_constraint_tested("enterprises", __name__)


def test_constraint_enterprise_org_number_digits() -> None:
    enterprise = f.EnterpriseFactory()
    with breaks_constraint():
        Enterprise.objects.filter(pk=enterprise.pk).update(org_number="556036-079")


def test_constraint_agreement_valid_to_after_from() -> None:
    agreement = f.EnterpriseAgreementFactory(valid_from=datetime.date(2020, 1, 1))
    with breaks_constraint():
        EnterpriseAgreement.objects.filter(pk=agreement.pk).update(
            valid_to=datetime.date(2019, 12, 31)
        )


def test_constraint_annual_figure_one_per_year() -> None:
    figure = f.AnnualFigureFactory(year=2014)
    with breaks_constraint():
        AnnualFigure.objects.create(
            enterprise=figure.enterprise, year=2014, turnover_sek=Decimal(1)
        )


def test_constraint_annual_figure_turnover_not_negative() -> None:
    figure = f.AnnualFigureFactory()
    with breaks_constraint():
        AnnualFigure.objects.filter(pk=figure.pk).update(turnover_sek=Decimal(-1))


def test_constraint_annual_figure_target_group_within_employees() -> None:
    figure = f.AnnualFigureFactory(employees=5, employees_target_group=2)
    with breaks_constraint():
        AnnualFigure.objects.filter(pk=figure.pk).update(employees_target_group=6)


def test_constraint_offer_capacity_not_negative() -> None:
    offer = f.TrainingOfferFactory()
    with breaks_constraint():
        TrainingOffer.objects.filter(pk=offer.pk).update(capacity=-1)


def test_constraint_offer_extent_allowed_values() -> None:
    offer = f.TrainingOfferFactory(min_extent=25, max_extent=100)
    with breaks_constraint():
        TrainingOffer.objects.filter(pk=offer.pk).update(min_extent=30)


def test_constraint_offer_min_extent_within_max() -> None:
    offer = f.TrainingOfferFactory(min_extent=25, max_extent=50)
    with breaks_constraint():
        TrainingOffer.objects.filter(pk=offer.pk).update(min_extent=75)


def test_constraint_offer_price_not_negative() -> None:
    offer = f.TrainingOfferFactory()
    with breaks_constraint():
        TrainingOffer.objects.filter(pk=offer.pk).update(price_per_day=Decimal("-0.01"))


# The date range checks (issue 12): a date far outside 1900-2100 written around the forms.


def test_constraint_agreement_valid_from_in_range() -> None:
    breaks_date_range(f.EnterpriseAgreementFactory(), "valid_from")


def test_constraint_agreement_valid_to_in_range() -> None:
    breaks_date_range(f.EnterpriseAgreementFactory(), "valid_to", FAR_AHEAD)


def test_constraint_offer_free_from_in_range() -> None:
    breaks_date_range(f.TrainingOfferFactory(), "free_from")


def test_constraint_offer_last_confirmed_in_range() -> None:
    breaks_date_range(f.TrainingOfferFactory(), "last_confirmed", FAR_AHEAD)


def test_constraint_capacity_change_changed_at_in_range() -> None:
    change = CapacityChange.objects.create(
        offer=f.TrainingOfferFactory(), old_capacity=1, new_capacity=2
    )
    breaks_date_range(change, "changed_at")


# --- enterprise development ----------------------------------------------------------


def _goal(**extra):
    from enterprises.models import DevelopmentGoal

    return DevelopmentGoal.objects.create(
        enterprise=f.EnterpriseFactory(), goal="Mål", target_date=datetime.date(2025, 1, 1), **extra
    )


def _activity():
    from enterprises.models import SupportActivity

    return SupportActivity.objects.create(
        enterprise=f.EnterpriseFactory(),
        kind="training",
        date=datetime.date(2024, 1, 1),
        hours=Decimal("2.5"),
    )


def _milestone(**extra):
    from enterprises.models import Milestone

    return Milestone.objects.create(
        enterprise=extra.pop("enterprise", None) or f.EnterpriseFactory(),
        kind=extra.pop("kind", "approved_supplier"),
        date=datetime.date(2024, 1, 1),
    )


def test_constraint_development_goal_target_date_in_range() -> None:
    breaks_date_range(_goal(), "target_date")


def test_constraint_development_goal_achieved_on_in_range() -> None:
    breaks_date_range(
        _goal(status="achieved", achieved_on=datetime.date(2024, 1, 1)), "achieved_on"
    )


def test_constraint_development_goal_achieved_date_only_when_achieved() -> None:
    from enterprises.models import DevelopmentGoal

    goal = _goal()
    with breaks_constraint():
        DevelopmentGoal.objects.filter(pk=goal.pk).update(achieved_on=datetime.date(2024, 1, 1))


def test_constraint_support_activity_date_in_range() -> None:
    breaks_date_range(_activity(), "date")


@pytest.mark.parametrize("hours", [Decimal(0), Decimal("100.5")])
def test_constraint_support_activity_hours_in_range(hours) -> None:
    from enterprises.models import SupportActivity

    activity = _activity()
    with breaks_constraint():
        SupportActivity.objects.filter(pk=activity.pk).update(hours=hours)


def test_constraint_milestone_date_in_range() -> None:
    breaks_date_range(_milestone(), "date")


def test_constraint_milestone_once_per_kind() -> None:
    first = _milestone()
    _milestone(enterprise=first.enterprise, kind="other")
    _milestone(enterprise=first.enterprise, kind="other")  # "other" may repeat
    with breaks_constraint():
        _milestone(enterprise=first.enterprise)


def test_constraint_development_comment_created_at_in_range() -> None:
    from django.utils import timezone

    from enterprises.models import DevelopmentComment

    comment = DevelopmentComment.objects.create(
        enterprise=f.EnterpriseFactory(), author=f.UserFactory(), text="Bra"
    )
    assert comment.created_at <= timezone.now()
    breaks_date_range(comment, "created_at")
