"""Demo data for the association's second purpose: each enterprise's development plan,
the support the association gave it year by year, and the milestones it reached.

The milestones follow the enterprises' agreements in `facts` (first agreement with
Arbetsförmedlingen, approved supplier under LOV, IOP with a municipality) and their
annual figures (the first employee from the target group). Its own random generator,
so the rest of the demo stays as it was.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from demo.facts import AF, ENTERPRISES, EnterpriseFact
from demo.organisations import aware
from enterprises.models import (
    DevelopmentComment,
    DevelopmentGoal,
    Enterprise,
    GoalStatus,
    Milestone,
    MilestoneKind,
    SupportActivity,
    SupportActivityKind,
)

RANDOM_SEED = 2014  # the year the enterprises had grown to nine
D = datetime.date
K = SupportActivityKind

# The association's network meetings for all enterprises, four a year.
NETWORK_DAYS = [(3, 14), (6, 9), (9, 19), (11, 24)]
TAKING_PART = [
    "verksamhetsledare",
    "verksamhetsledare och styrelseordförande",
    "verksamhetsledare, två handledare",
    "handledare",
    "styrelsen",
]
NOTES: dict[str, list[str]] = {
    K.NETWORK_MEETING: ["Erfarenhetsutbyte om handledning", "Tema: ekonomi och prissättning"],
    K.TRAINING: [
        "Handledarutbildning, steg 1",
        "Arbetsmiljö och systematiskt arbetsmiljöarbete",
        "Dokumentation av arbetsträning",
    ],
    K.BUSINESS_ADVICE: ["Genomgång av budget", "Affärsplan för nytt verksamhetsområde"],
    K.AUTHORITY_CONTACT: [
        "Möte med Arbetsförmedlingen om arbetsträning",
        "Möte med kommunens arbetsmarknadsenhet",
    ],
    K.PROCUREMENT: ["Ansökan om LOV", "Underlag till anbud", "Förhandling om IOP"],
    K.OTHER: ["Studiebesök hos annat socialt företag"],
}


def _hours(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high) * 2) / 2)).quantize(Decimal("0.1"))


def _activity(
    rng: random.Random,
    enterprise: Enterprise,
    kind: str,
    day: D,
    low: float,
    high: float,
    user: Any,
) -> SupportActivity:
    return SupportActivity(
        enterprise=enterprise,
        kind=kind,
        date=day,
        hours=_hours(rng, low, high),
        taking_part=rng.choice(TAKING_PART),
        note=rng.choice(NOTES[kind]),
        created_by=user,
    )


def _activities(
    rng: random.Random, fact: EnterpriseFact, enterprise: Enterprise, today: D, staff: list[Any]
) -> list[SupportActivity]:
    rows = []
    agreement_years = {valid_from.year for _t, _c, valid_from, _to in fact.agreements}
    for year in range(fact.first_figures_year, today.year + 1):
        # Competence development weighs most in the first years (DOMAIN.md).
        young = year - fact.first_figures_year < 4
        plan: list[tuple[str, int, float, float]] = [
            (K.TRAINING, 3 if young else 1, 4, 16),
            (K.BUSINESS_ADVICE, rng.randint(1, 3), 1.5, 6),
            (K.AUTHORITY_CONTACT, rng.randint(1, 2), 1, 3),
            (K.OTHER, 1 if rng.random() < 0.3 else 0, 2, 6),
        ]
        if year in agreement_years or year + 1 in agreement_years:
            plan.append((K.PROCUREMENT, 2, 3, 8))
        for month, day_of_month in NETWORK_DAYS:
            if rng.random() < 0.85:
                plan_day = D(year, month, day_of_month)
                if plan_day <= today:
                    rows.append(
                        _activity(
                            rng, enterprise, K.NETWORK_MEETING, plan_day, 2, 3, rng.choice(staff)
                        )
                    )
        for kind, count, low, high in plan:
            for _ in range(count):
                day = D(year, 1, 1) + datetime.timedelta(days=rng.randint(10, 350))
                if day <= today:
                    rows.append(_activity(rng, enterprise, kind, day, low, high, rng.choice(staff)))
    return rows


def _milestones(fact: EnterpriseFact, enterprise: Enterprise, today: D, admin: Any) -> list:
    found: dict[str, tuple[D, str]] = {}
    for agreement_type, counterparty, valid_from, _to in sorted(
        fact.agreements, key=lambda a: a[2]
    ):
        if counterparty == AF:
            found.setdefault(MilestoneKind.FIRST_AF_AGREEMENT, (valid_from, agreement_type.upper()))
        if counterparty == AF and agreement_type == "lov":
            found.setdefault(MilestoneKind.APPROVED_SUPPLIER, (valid_from, "LOV"))
        if agreement_type == "iop":
            found.setdefault(MilestoneKind.IOP_MUNICIPALITY, (valid_from, counterparty))
    found[MilestoneKind.FIRST_TARGET_GROUP_EMPLOYEE] = (
        D(fact.first_figures_year, 9, 1),
        "Första anställningen efter avslutad arbetsträning",
    )
    return [
        Milestone(enterprise=enterprise, kind=kind, date=day, note=note, created_by=admin)
        for kind, (day, note) in found.items()
        if day <= today
    ]


def _goals(fact: EnterpriseFact, enterprise: Enterprise, today: D, admin: Any) -> list:
    first = fact.first_figures_year
    goals = [
        DevelopmentGoal(
            enterprise=enterprise,
            goal="Alla handledare har gått förbundets handledarutbildning",
            target_date=D(first + 1, 12, 31),
            status=GoalStatus.ACHIEVED,
            achieved_on=D(first + 1, 11, 15),
            created_by=admin,
        )
    ]
    af = [f for _t, c, f, _to in fact.agreements if c == AF]
    if af:
        goals.append(
            DevelopmentGoal(
                enterprise=enterprise,
                goal="Bli leverantör av arbetsträning till Arbetsförmedlingen",
                target_date=min(af),
                status=GoalStatus.ACHIEVED,
                achieved_on=min(af),
                created_by=admin,
            )
        )
    if not any(t == "iop" for t, _c, _f, _to in fact.agreements):
        goals.append(
            DevelopmentGoal(
                enterprise=enterprise,
                goal="Teckna ett IOP-avtal med kommunen",
                target_date=D(today.year + 1, 6, 30),
                created_by=admin,
            )
        )
    goals.append(
        DevelopmentGoal(
            enterprise=enterprise,
            goal="Fler anställningar ur målgruppen efter arbetsträning",
            target_date=D(today.year, 12, 31),
            created_by=admin,
        )
    )
    return [g for g in goals if g.achieved_on is None or g.achieved_on <= today]


def build_development(*, enterprises: list[Enterprise], users: dict[str, Any], today: D) -> None:
    """Plans, support logs, milestones and a few comments for the demo enterprises."""
    rng = random.Random(RANDOM_SEED)
    admin = users["admin"]
    staff = [admin, users["coordinator"], users["coordinator2"]]
    activities, milestones, goals = [], [], []
    for fact, enterprise in zip(ENTERPRISES, enterprises, strict=False):
        activities += _activities(rng, fact, enterprise, today, staff)
        milestones += _milestones(fact, enterprise, today, admin)
        goals += _goals(fact, enterprise, today, admin)
    for row in [*activities, *milestones, *goals]:
        row.full_clean(validate_unique=False, validate_constraints=False)
    SupportActivity.objects.bulk_create(activities, batch_size=1000)
    Milestone.objects.bulk_create(milestones)
    DevelopmentGoal.objects.bulk_create(goals)
    comments = [
        (
            0,
            "manager",
            40,
            "Tack för hjälpen med LOV-ansökan. Vi vill gärna ha stöd med IOP också.",
        ),
        (0, "coordinator", 35, "Jag bokar ett möte med kommunens arbetsmarknadsenhet i vår."),
        (
            2,
            "manager2",
            12,
            "Handledarutbildningen gav mycket. Kan nästa omgång ligga i Nynäshamn?",
        ),
    ]
    DevelopmentComment.objects.bulk_create(
        DevelopmentComment(
            enterprise=enterprises[index],
            author=users[username],
            text=text,
            created_at=aware(today - datetime.timedelta(days=ago), 10, 30),
        )
        for index, username, ago, text in comments
        if index < len(enterprises)
    )
