"""One enterprise manager's world for the enterprise-side tests.

`enterprise_world(manager, tag)` gives an enterprise managed by `manager` with an
offer, an annual figure, an active placement (with a present day), a waiting
proposal, an accepted placement and an ended one. Names carry `tag` so a test can
tell two managers' worlds apart on a page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from enterprises.models import AnnualFigure, Enterprise, TrainingOffer
from placements.models import AttendanceDay, Placement, PlacementStatus
from tests.factories import (
    AnnualFigureFactory,
    AttendanceDayFactory,
    EnterpriseFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
)

DAY = datetime.timedelta(days=1)


@dataclass
class World:
    enterprise: Enterprise
    offer: TrainingOffer
    figure: AnnualFigure
    active: Placement
    proposal: Placement
    accepted: Placement
    ended: Placement
    attendance: AttendanceDay


def enterprise_world(manager, tag: str, *, today: datetime.date | None = None) -> World:
    today = today or timezone.localdate()
    enterprise = EnterpriseFactory(name=f"Företag{tag}", managers=[manager])
    offer = TrainingOfferFactory(
        enterprise=enterprise, title=f"Plats{tag}", capacity=5, price_per_day=Decimal("150.00")
    )
    figure = AnnualFigureFactory(enterprise=enterprise, year=2024)
    active = PlacementFactory(
        offer=offer,
        participant=ParticipantFactory(first_name=f"Aktiv{tag}", last_name="Deltagare"),
        status=PlacementStatus.ACTIVE,
        planned_start=today - 40 * DAY,
        start_date=today - 40 * DAY,
        planned_end=today + 60 * DAY,
        supervisor_name=f"Handledare{tag}",
    )
    proposal = PlacementFactory(
        offer=offer,
        participant=ParticipantFactory(first_name=f"Forslag{tag}", last_name="Deltagare"),
        status=PlacementStatus.PROPOSED,
        planned_start=today + 10 * DAY,
        planned_end=today + 100 * DAY,
        expires_on=today + 14 * DAY,
    )
    accepted = PlacementFactory(
        offer=offer,
        participant=ParticipantFactory(first_name=f"Accepterad{tag}", last_name="Deltagare"),
        status=PlacementStatus.ACCEPTED,
        planned_start=today + 5 * DAY,
        planned_end=today + 90 * DAY,
        expires_on=today + 20 * DAY,
    )
    ended = PlacementFactory(
        offer=offer,
        participant=ParticipantFactory(first_name=f"Avslutad{tag}", last_name="Deltagare"),
        status=PlacementStatus.COMPLETED,
        planned_start=today - 200 * DAY,
        start_date=today - 200 * DAY,
        planned_end=today - 20 * DAY,
        end_date=today - 20 * DAY,
        end_reason="planned",
        outcome="work",
    )
    attendance = AttendanceDayFactory(placement=active, date=today - DAY)
    return World(enterprise, offer, figure, active, proposal, accepted, ended, attendance)
