"""Demo organisations: municipalities, enterprises with agreements and annual figures,
training offers with their capacity history, and the two insatser."""

from __future__ import annotations

import datetime
import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from stdnum import luhn

from demo.facts import (
    ADAPTATIONS_POSSIBLE,
    ENTERPRISES,
    LATER_GROWTH,
    LOCALITIES,
    MUNICIPALITIES,
    PHYSICAL_DEMANDS,
    TURNOVER_2010,
    TURNOVER_2014,
    EnterpriseFact,
    OfferFact,
)
from enterprises.models import (
    AnnualFigure,
    CapacityChange,
    Enterprise,
    EnterpriseAgreement,
    OfferStatus,
    TrainingOffer,
)
from participants.models import Insats
from samordning.models import BusinessArea, Municipality
from samordning.reference import BUSINESS_AREAS

FIRST_YEAR = 2010
SEED_YEAR = 2014
MIA_NAME = "MIA – Mobilisering inför arbete"
ASF_NAME = "Arbetsträning ASF"


def org_number(prefix: str) -> str:
    """Ten digits: the nine given and the Luhn check digit."""
    return prefix + luhn.calc_check_digit(prefix)


SENTINEL_ORG_NUMBER = org_number(ENTERPRISES[0].org_prefix)


def ascii_slug(text: str) -> str:
    """'Öberg' -> 'oberg', for invented e-mail addresses."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c in ".-")


def aware(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class Offer:
    """A created offer as the placement allocator sees it."""

    obj: TrainingOffer
    area: str
    start: datetime.date
    history: list[tuple[datetime.date, int]]
    manager: Any  # the enterprise's demo manager user, or None

    @property
    def pk(self) -> int:
        return self.obj.pk

    @property
    def is_open(self) -> bool:
        return self.obj.status == OfferStatus.OPEN

    def offers_extent(self, extent: int) -> bool:
        return self.obj.min_extent <= extent <= self.obj.max_extent


@dataclass
class Organisations:
    municipalities: dict[str, Municipality]
    areas: dict[str, BusinessArea]
    enterprises: list[Enterprise]
    offers: list[Offer]
    mia: Insats
    asf: Insats


def ensure_reference_data() -> tuple[dict[str, Municipality], dict[str, BusinessArea]]:
    """Municipalities and business areas (idempotent; the areas normally come from
    a data migration, but a flushed test database has none)."""
    municipalities = {}
    for name, code, member in MUNICIPALITIES:
        municipality, _ = Municipality.objects.get_or_create(
            code=code, defaults={"name": name, "is_member": member}
        )
        municipalities[code] = municipality
    for code, name in BUSINESS_AREAS:
        BusinessArea.objects.get_or_create(code=code, defaults={"name": name})
    areas = {area.code: area for area in BusinessArea.objects.all()}
    return municipalities, areas


def yearly_totals(last_year: int) -> dict[int, int]:
    """The association's total turnover per year: exact in 2010 and 2014, smooth between."""
    ratio = (TURNOVER_2014 / TURNOVER_2010) ** (1 / (SEED_YEAR - FIRST_YEAR))
    totals = {}
    for year in range(FIRST_YEAR, SEED_YEAR + 1):
        totals[year] = round(TURNOVER_2010 * ratio ** (year - FIRST_YEAR), -3)
    totals[FIRST_YEAR], totals[SEED_YEAR] = TURNOVER_2010, TURNOVER_2014
    for year in range(SEED_YEAR + 1, last_year + 1):
        growth = LATER_GROWTH[(year - SEED_YEAR - 1) % len(LATER_GROWTH)]
        totals[year] = round(totals[year - 1] * (1 + growth), -3)
    return {year: int(total) for year, total in totals.items()}


def share_out(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights`, in whole thousands, summing exactly."""
    thousands = total // 1000
    raw = [thousands * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    # Largest remainders get the thousands left over, so the sum is exact.
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: thousands - sum(parts)]:
        parts[i] += 1
    parts = [p * 1000 for p in parts]
    parts[0] += total - sum(parts)
    return parts


def annual_figures(enterprises: list[tuple[EnterpriseFact, Enterprise]], today: datetime.date):
    """Figures for every enterprise and year it existed, from 2010 to this year."""
    totals = yearly_totals(today.year)
    rows = []
    for year, total in totals.items():
        present = [(f, e) for f, e in enterprises if f.first_figures_year <= year]
        weights = []
        for fact, _ in present:
            age = year - fact.first_figures_year
            ramp = (0.5, 0.8)[age] if age < 2 else 1.0
            weights.append(fact.size * (1 + fact.growth) ** age * ramp)
        for (fact, enterprise), turnover in zip(present, share_out(total, weights), strict=True):
            employees = max(2, round(turnover / 420_000))
            target_share = 0.55 + 0.05 * (len(fact.name) % 4)
            rows.append(
                AnnualFigure(
                    enterprise=enterprise,
                    year=year,
                    turnover_sek=Decimal(turnover),
                    employees=employees,
                    employees_target_group=min(employees, round(employees * target_share)),
                )
            )
    return rows


def _offer_texts(fact: OfferFact, index: int) -> dict[str, Any]:
    return {
        "tasks": fact.tasks,
        "physical_demands": PHYSICAL_DEMANDS.get(fact.area, ""),
        "adaptations_possible": ADAPTATIONS_POSSIBLE[index % len(ADAPTATIONS_POSSIBLE)],
        "min_extent": fact.min_extent,
        "max_extent": fact.max_extent,
        "price_per_day": fact.price,
    }


def _extra_offers(scale: int, today: datetime.date) -> list[tuple[int, OfferFact, str]]:
    """At --scale N > 1, 4 * (N - 1) more offers opened 2015-2022 (performance data)."""
    extra = []
    seen: set[str] = set()
    for k in range(4 * (scale - 1)):
        e_index = k % len(ENTERPRISES)
        fact = ENTERPRISES[e_index]
        template = fact.offers[(k // len(ENTERPRISES)) % len(fact.offers)]
        localities = LOCALITIES[fact.municipality]
        locality = localities[(k // len(ENTERPRISES)) % len(localities)][0]
        title = f"{template.title}, {locality}"
        number = 2
        while title in seen:
            title = f"{template.title}, {locality} {number}"
            number += 1
        seen.add(title)
        start = datetime.date(2015 + k % 8, 1 + (k * 5) % 12, 1 + (k * 7) % 27)
        first = 5 + k % 4
        history = [(start, first)]
        grown = start.replace(year=start.year + 3)
        if grown < today:
            history.append((grown, first + 2))
        extra.append(
            (
                e_index,
                OfferFact(
                    title=title,
                    area=template.area,
                    capacity_history=history,
                    tasks=template.tasks,
                    supervisor=template.supervisor,
                    min_extent=template.min_extent,
                    max_extent=template.max_extent,
                    price=template.price,
                ),
                localities[(k // len(ENTERPRISES)) % len(localities)][1] + " " + locality,
            )
        )
    return extra


CONFIRMED_DAYS_AGO = [2, 5, 9, 14, 21, 28, 35, 44, 52, 58, 66, 80, 95, 130, 190]


def build_organisations(
    *, rng: random.Random, today: datetime.date, scale: int, users: dict[str, Any]
) -> Organisations:
    """Create the enterprises, their figures, agreements and offers, and the insatser."""
    municipalities, areas = ensure_reference_data()
    admin = users["admin"]
    managed = {0: users["manager"], 1: users["manager"], 2: users["manager2"]}
    created: list[tuple[EnterpriseFact, Enterprise]] = []
    for fact in ENTERPRISES:
        enterprise = Enterprise(
            name=fact.name,
            org_number=org_number(fact.org_prefix),
            legal_form=fact.legal_form,
            municipality=municipalities[fact.municipality],
            description=fact.description,
            address=fact.street,
            contact_name=fact.contact_name,
            contact_email=f"info@{fact.slug}.example",
            contact_phone=f"08-{rng.randint(500, 799)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            website=f"https://www.{fact.slug}.example",
            founded_year=fact.founded_year,
            criterion_integration=True,
            criterion_participation=True,
            criterion_reinvests=True,
            criterion_independent=True,
        )
        enterprise.full_clean()
        enterprise.save()
        enterprise.business_areas.set([areas[code] for code in fact.areas])
        for agreement_type, counterparty, valid_from, valid_to in fact.agreements:
            agreement = EnterpriseAgreement(
                enterprise=enterprise,
                agreement_type=agreement_type,
                counterparty=counterparty,
                valid_from=valid_from,
                valid_to=valid_to,
            )
            agreement.full_clean()
            agreement.save()
        created.append((fact, enterprise))

    figures = annual_figures(created, today)
    for figure in figures:
        figure.full_clean(validate_unique=False, validate_constraints=False)
    AnnualFigure.objects.bulk_create(figures)

    offer_facts: list[tuple[int, OfferFact, str]] = [
        (i, offer, fact.street) for i, fact in enumerate(ENTERPRISES) for offer in fact.offers
    ]
    offer_facts += _extra_offers(scale, today)
    offers = []
    changes = []
    for index, (e_index, offer_fact, location) in enumerate(offer_facts):
        e_fact, enterprise = created[e_index]
        history = [(day, capacity) for day, capacity in offer_fact.capacity_history if day <= today]
        first_name, _, last_name = offer_fact.supervisor.partition(" ")
        contact = f"{ascii_slug(first_name)}.{ascii_slug(last_name)}@{e_fact.slug}.example"
        offer = TrainingOffer(
            enterprise=enterprise,
            title=offer_fact.title,
            business_area=areas[offer_fact.area],
            municipality=enterprise.municipality,
            location=location,
            supervisor_name=offer_fact.supervisor,
            supervisor_contact=contact,
            capacity=history[-1][1],
            status=OfferStatus.PAUSED if offer_fact.paused else OfferStatus.OPEN,
            free_from=today,
            last_confirmed=today - datetime.timedelta(days=rng.choice(CONFIRMED_DAYS_AGO)),
            **_offer_texts(offer_fact, index),
        )
        offer.full_clean()
        offer.save()
        previous = None
        for day, capacity in history:
            changes.append(
                CapacityChange(
                    offer=offer,
                    changed_at=aware(day, 9, 0),
                    changed_by=admin,
                    old_capacity=previous,
                    new_capacity=capacity,
                )
            )
            previous = capacity
        offers.append(Offer(offer, offer_fact.area, history[0][0], history, managed.get(e_index)))
    CapacityChange.objects.bulk_create(changes)

    mia = _insats(
        name=MIA_NAME,
        target_group=(
            "Personer 16–64 år som står långt från arbetsmarknaden och behöver samordnat stöd "
            "för att komma närmare arbete eller studier."
        ),
        esf_funded=True,
        start_date=datetime.date(2017, 1, 1),
        end_date=datetime.date(2020, 12, 31),
        budget_per_year=Decimal(3_400_000),
        planned_participants_per_year=120,
        target_participants=2500,
        target_work_or_studies_percent=30,
        target_work_preparatory_percent=40,
    )
    asf = _insats(
        name=ASF_NAME,
        target_group=(
            "Personer med behov av arbetsträning i arbetsintegrerande sociala företag, "
            "remitterade av Försäkringskassan, Arbetsförmedlingen, kommunerna eller regionen."
        ),
        esf_funded=False,
        start_date=datetime.date(2010, 1, 1),
        end_date=None,
        budget_per_year=Decimal(2_600_000),
        planned_participants_per_year=60,
    )
    return Organisations(
        municipalities=municipalities,
        areas=areas,
        enterprises=[enterprise for _, enterprise in created],
        offers=offers,
        mia=mia,
        asf=asf,
    )


def _insats(*, name: str, **fields: Any) -> Insats:
    insats = Insats.objects.filter(name=name).first()
    if insats is None:
        insats = Insats(name=name, **fields)
        insats.full_clean()
        insats.save()
    return insats


def link_managers(users: dict[str, Any]) -> None:
    """manager runs the first two enterprises, manager2 the third (idempotent)."""
    numbers = [org_number(fact.org_prefix) for fact in ENTERPRISES[:3]]
    by_number = {e.org_number: e for e in Enterprise.objects.filter(org_number__in=numbers)}
    for index, username in ((0, "manager"), (1, "manager"), (2, "manager2")):
        enterprise = by_number.get(org_number(ENTERPRISES[index].org_prefix))
        if enterprise is not None:
            enterprise.managers.add(users[username])
