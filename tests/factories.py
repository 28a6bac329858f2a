"""factory_boy factories for every model. Identity numbers are generated valid."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.db.models import F
from django.utils import timezone
from stdnum import luhn

from enterprises.models import AnnualFigure, Enterprise, EnterpriseAgreement, TrainingOffer
from participants.choices import ConsentPurpose
from participants.models import Consent, Enrolment, Insats, Participant
from placements.models import (
    AttendanceDay,
    ClosedMonth,
    FollowUpMeeting,
    Placement,
    PlacementStatus,
    SharedSnapshot,
)
from samordning.models import BusinessArea, Municipality, User
from samordning.policy import Role

_serial = itertools.count(100)


def make_personal_number(
    birth_date: datetime.date = datetime.date(1985, 3, 12),
    serial: int | None = None,
    *,
    coordination: bool = False,
) -> str:
    """A valid twelve-digit personnummer (or samordningsnummer) for tests."""
    serial = (next(_serial) if serial is None else serial) % 1000
    day = birth_date.day + (60 if coordination else 0)
    nine = f"{birth_date:%y%m}{day:02d}{serial:03d}"
    return f"{birth_date.year:04d}{nine[2:]}{luhn.calc_check_digit(nine)}"


_org = itertools.count(1000)


def make_org_number() -> str:
    nine = f"769{next(_org) % 1000000:06d}"
    return nine + luhn.calc_check_digit(nine)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.se")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            for role in extracted:
                # get_or_create: transactional tests flush the data migration's groups.
                self.groups.add(Group.objects.get_or_create(name=role)[0])


def user_with_role(role: Role | str, username: str) -> User:
    return UserFactory(username=username, roles=[role])


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Kommun {n}")
    code = factory.Sequence(lambda n: f"{(n % 9000) + 1000:04d}")
    is_member = True


def business_area(code: str = "cafe") -> BusinessArea:
    """The area with this code; recreated when a transactional test flushed it."""
    return BusinessArea.objects.get_or_create(code=code, defaults={"name": code.capitalize()})[0]


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Socialt företag {n}")
    org_number = factory.LazyFunction(make_org_number)
    legal_form = "economic_association"
    municipality = factory.SubFactory(MunicipalityFactory)
    contact_name = "Kontakt Person"
    contact_email = "kontakt@example.se"
    criterion_integration = True
    criterion_participation = True
    criterion_reinvests = True
    criterion_independent = True

    @factory.post_generation
    def managers(self, create: bool, extracted: list[User] | None, **kwargs: object) -> None:
        if create and extracted:
            self.managers.add(*extracted)


class EnterpriseAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseAgreement

    enterprise = factory.SubFactory(EnterpriseFactory)
    agreement_type = "iop"
    counterparty = "Samordningsförbundet"
    valid_from = datetime.date(2020, 1, 1)


class AnnualFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualFigure

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2024
    turnover_sek = Decimal("1000000")
    employees = 10
    employees_target_group = 4


class TrainingOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingOffer

    enterprise = factory.SubFactory(EnterpriseFactory)
    title = factory.Sequence(lambda n: f"Plats {n}")
    business_area = factory.LazyFunction(lambda: business_area("cafe"))
    municipality = factory.SelfAttribute("enterprise.municipality")
    capacity = 3
    supervisor_name = "Handledare Hanna"
    free_from = datetime.date(2020, 1, 1)
    price_per_day = Decimal("150.00")


class InsatsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insats
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Insats {n}")
    start_date = datetime.date(2017, 1, 1)
    budget_per_year = Decimal("1000000")
    planned_participants_per_year = 100


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant
        skip_postgeneration_save = True

    personal_number = factory.LazyFunction(make_personal_number)
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    sex = "female"
    birth_year = factory.LazyAttribute(
        lambda o: int(o.personal_number[:4]) if o.personal_number else 1985
    )
    birth_date = factory.LazyAttribute(
        lambda o: (
            datetime.date(
                int(o.personal_number[:4]),
                int(o.personal_number[4:6]),
                int(o.personal_number[6:8]) % 60 or 1,
            )
            if o.personal_number
            else None
        )
    )
    home_municipality = factory.SubFactory(MunicipalityFactory)
    referring_authority = "arbetsformedlingen"
    start_date = datetime.date(2024, 1, 15)
    education = "secondary"

    @factory.post_generation
    def coordinators(self, create: bool, extracted: list[User] | None, **kwargs: object) -> None:
        if create and extracted:
            self.coordinators.add(*extracted)

    @factory.post_generation
    def sharing(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """With `sharing=True`: a consent to sharing with the enterprise (what a
        proposal needs)."""
        if create and extracted and not self.is_anonymous:
            Consent.objects.create(
                participant=self,
                purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE,
                given_on=min(self.start_date, timezone.localdate()),
            )


class EnrolledParticipantFactory(ParticipantFactory):
    """A participant with an open enrolment, so placements can be proposed for them."""

    @factory.post_generation
    def enrolment(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            EnrolmentFactory(participant=self, start_date=self.start_date, **kwargs)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    participant = factory.SubFactory(ParticipantFactory)
    purpose = "registration"
    given_on = datetime.date(2024, 1, 15)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    participant = factory.SubFactory(ParticipantFactory)
    insats = factory.SubFactory(InsatsFactory)
    start_date = datetime.date(2024, 1, 15)


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement
        skip_postgeneration_save = True

    participant = factory.SubFactory(ParticipantFactory)
    offer = factory.SubFactory(TrainingOfferFactory)
    extent = 50

    @factory.lazy_attribute
    def enrolment(self) -> Enrolment:
        """The participant's open (else latest) enrolment; a new one if they have none."""
        existing = self.participant.enrolments.order_by(
            F("end_date").desc(nulls_first=True), "-start_date"
        ).first()
        return existing or EnrolmentFactory(
            participant=self.participant, start_date=self.participant.start_date
        )

    planned_start = datetime.date(2030, 1, 1)
    planned_end = datetime.date(2030, 6, 30)
    status = PlacementStatus.PROPOSED

    @factory.post_generation
    def shared(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """What placement_propose does, unless `shared=False`: the participant has a
        consent to sharing (one is given if they never had one) and the placement
        a snapshot of the name and adaptations."""
        if not create or extracted is False or self.participant.is_anonymous:
            return
        participant = self.participant
        if not participant.consents.filter(purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE).exists():
            Consent.objects.create(
                participant=participant,
                purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE,
                given_on=min(participant.start_date, timezone.localdate()),
            )
        share(self)


def share(placement: Placement) -> SharedSnapshot:
    """Take (or retake) the placement's snapshot from the participant's live record."""
    participant = placement.participant
    return SharedSnapshot.objects.update_or_create(
        placement=placement,
        defaults={
            "first_name": participant.first_name,
            "last_name": participant.last_name,
            "workplace_adaptations": participant.workplace_adaptations,
        },
    )[0]


class AttendanceDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttendanceDay

    placement = factory.SubFactory(PlacementFactory)
    date = datetime.date(2030, 1, 2)


class ClosedMonthFactory(factory.django.DjangoModelFactory):
    """A month closed for attendance changes (its invoice basis sent)."""

    class Meta:
        model = ClosedMonth
        django_get_or_create = ("month",)

    month = datetime.date(2030, 1, 1)
    closed_by = factory.SubFactory(UserFactory)


class FollowUpMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpMeeting

    placement = factory.SubFactory(PlacementFactory)
    date = datetime.date(2030, 2, 1)
    notes = "Uppföljning"
