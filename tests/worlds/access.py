"""One shared world for the permission matrix and the canary.

`build_world()` makes the cast (the six role users of tests/conftest.py, same
usernames) and what they work on:

- `participant`, owned by `coordinator`, with a marker string in every sensitive
  field, two support sources, two consents, an open enrolment and placements in
  every interesting state at `offer` of `enterprise` (managed by `manager`):
  proposed, accepted, active (with a present day and a follow-up meeting),
  completed and declined;
- `participant2`, owned by `coordinator2`, placed at `offer2` of `enterprise2`
  (managed by `manager2`), with markers of its own;
- `participant3`, owned by `coordinator`, placed (active, with a present day this
  month) at `offer` of `enterprise`, who has withdrawn the consent to sharing with
  the enterprise: its name and adaptations are seen by no manager anywhere, though
  a snapshot of them is still stored.

Markers are upper-case nonsense words that no template, label or demo text contains.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from enterprises.models import (
    AnnualFigure,
    DevelopmentGoal,
    Enterprise,
    SupportActivity,
    TrainingOffer,
)
from participants.choices import ParkingReason
from participants.identity import format_full, mask
from participants.models import (
    Consent,
    Enrolment,
    EsfParticipantData,
    Insats,
    Parking,
    Participant,
    ParticipantSupportSource,
)
from placements.models import (
    AttendanceDay,
    FollowUpMeeting,
    Placement,
    PlacementStatus,
    WaitingListEntry,
)
from samordning.models import User
from samordning.policy import Role
from tests.factories import (
    AnnualFigureFactory,
    AttendanceDayFactory,
    ClosedMonthFactory,
    ConsentFactory,
    EnrolmentFactory,
    EnterpriseAgreementFactory,
    EnterpriseFactory,
    FollowUpMeetingFactory,
    InsatsFactory,
    MunicipalityFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
    UserFactory,
    business_area,
    make_personal_number,
)

DAY = datetime.timedelta(days=1)
ROLES = ("anonymous", "coordinator", "coordinator2", "manager", "manager2", "funder", "admin")

# A specific valid personnummer for the canary (born 1971-07-19); searched in every
# written form: twelve digits, ten digits, with a dash, and masked.
PERSONAL_NUMBER = make_personal_number(datetime.date(1971, 7, 19), serial=486)
PERSONAL_NUMBER_2 = make_personal_number(datetime.date(1968, 11, 23), serial=512)


def number_forms(number: str) -> dict[str, str]:
    """Every way a page could write the number (or enough of it to identify the person)."""
    return {
        "personal_number": number,
        "personal_number_10": number[2:],
        "personal_number_dashed": f"{number[2:8]}-{number[8:]}",
        "personal_number_full": format_full(number),
        "personal_number_masked": mask(number),
        "birth_date": f"{number[:4]}-{number[4:6]}-{number[6:8]}",
    }


# Markers by field; the keys name what may be shown to whom in the canary.
MARKERS: dict[str, str] = {
    **number_forms(PERSONAL_NUMBER),
    "first_name": "Kanarielina",
    "last_name": "Fagelqvistsson",
    "email": "kanariepost.zq@example.se",
    "phone": "070-9184736",
    "address": "Kanariegrand 17 ZQ",
    "support_needs": "KANSTODBEHOVZQ",
    "workplace_adaptations": "KANANPASSNINGZQ",
    "notes": "KANANTECKNINGZQ",
    "consent_note": "KANSAMTYCKEZQ",
    "agreement_tasks": "KANUPPGIFTERZQ",
    "agreement_hours": "KANTIDERZQ",
    "agreement_support": "KANSTODZQ",
    "proposal_note": "KANFORSLAGZQ",
    "decline_note": "KANAVBOJZQ",
    "schedule": "KANSCHEMAZQ",
    "follow_up_notes": "KANUPPFOLJNINGZQ",
    "follow_up_attendees": "KANDELTAGAREZQ",
}

# The participant's support sources are stored as codes: their Swedish labels are
# the markers. So are the end reason and outcome of the completed placement.
SUPPORT_SOURCE_LABELS: dict[str, str] = {
    "support_source_sickness": "Sjukpenning inkl. rehabiliteringspenning",
    "support_source_assistance": "Försörjningsstöd (ekonomiskt bistånd)",
}
END_LABELS: dict[str, str] = {
    "end_outcome": "Förvärvsarbete utan subvention",
    "end_reason": "Planerat avslut",
}

# The other caseload's participant (coordinator2, placed at manager2's enterprise).
MARKERS_2: dict[str, str] = {
    **{f"{key}_2": value for key, value in number_forms(PERSONAL_NUMBER_2).items()},
    "first_name_2": "Domherrina",
    "last_name_2": "Rodbrostsson",
    "support_needs_2": "DOMSTODBEHOVZQ",
    "workplace_adaptations_2": "DOMANPASSNINGZQ",
    "notes_2": "DOMANTECKNINGZQ",
}


# The participant who withdrew the sharing consent (coordinator's caseload, placed at
# manager's enterprise): what was shared must reach no manager any more.
MARKERS_3: dict[str, str] = {
    "first_name_3": "Sidensvansa",
    "last_name_3": "Vinterfagelsson",
    "workplace_adaptations_3": "SIDANPASSNINGZQ",
    "support_needs_3": "SIDSTODBEHOVZQ",
    # Shared under the sharing consent as well: gone with it, though the placement runs.
    "agreement_tasks_3": "SIDUPPGIFTERZQ",
    "schedule_3": "SIDSCHEMAZQ",
    "proposal_note_3": "SIDFORSLAGZQ",
}


@dataclass
class World:
    users: dict[str, User]
    enterprise: Enterprise
    offer: TrainingOffer
    figure: AnnualFigure
    enterprise2: Enterprise
    offer2: TrainingOffer
    figure2: AnnualFigure
    insats: Insats
    insats_new: Insats
    participant: Participant
    consent: Consent
    consent_other: Consent
    enrolment: Enrolment
    proposed: Placement
    accepted: Placement
    active: Placement
    completed: Placement
    declined: Placement
    attendance: AttendanceDay
    follow_up: FollowUpMeeting
    participant2: Participant
    consent2: Consent
    enrolment2: Enrolment
    active2: Placement
    participant3: Participant
    active3: Placement
    # Enterprise development and ESF+ (issue #16).
    goal: DevelopmentGoal
    goal2: DevelopmentGoal
    insats_esf: Insats
    enrolment_esf: Enrolment
    today: datetime.date = field(default_factory=timezone.localdate)
    # participant queued at offer2 (full or not: written directly), participant3 parked.
    waiting_entry: WaitingListEntry | None = None
    parking: Parking | None = None

    @property
    def placements(self) -> list[Placement]:
        return [self.proposed, self.accepted, self.active, self.completed, self.declined]


def build_users() -> dict[str, User]:
    """The cast of tests/conftest.py, keyed by username."""
    return {
        "admin": UserFactory(
            username="admin", roles=[Role.ADMIN], is_staff=True, is_superuser=True
        ),
        "coordinator": UserFactory(username="coordinator", roles=[Role.COORDINATOR]),
        "coordinator2": UserFactory(username="coordinator2", roles=[Role.COORDINATOR]),
        "manager": UserFactory(username="manager", roles=[Role.MANAGER]),
        "manager2": UserFactory(username="manager2", roles=[Role.MANAGER]),
        "funder": UserFactory(username="funder", roles=[Role.FUNDER]),
    }


def build_world() -> World:
    today = timezone.localdate()
    users = build_users()
    municipality = MunicipalityFactory(name="Tyresö", code="0138")
    cafe = business_area("cafe")

    enterprise = EnterpriseFactory(
        name="Café Talgoxen", municipality=municipality, managers=[users["manager"]]
    )
    enterprise.business_areas.add(cafe)
    EnterpriseAgreementFactory(enterprise=enterprise)
    offer = TrainingOfferFactory(
        enterprise=enterprise, title="Kök", capacity=8, price_per_day=Decimal("150.00")
    )
    figure = AnnualFigureFactory(enterprise=enterprise, year=2024)

    enterprise2 = EnterpriseFactory(
        name="Snickeriet Nötväckan", municipality=municipality, managers=[users["manager2"]]
    )
    offer2 = TrainingOfferFactory(enterprise=enterprise2, title="Verkstad", capacity=8)
    figure2 = AnnualFigureFactory(enterprise=enterprise2, year=2024)

    insats = InsatsFactory(name="Arbetsträning ASF")
    insats_new = InsatsFactory(name="MIA")

    m = MARKERS
    participant = ParticipantFactory(
        personal_number=PERSONAL_NUMBER,
        first_name=m["first_name"],
        last_name=m["last_name"],
        email=m["email"],
        phone=m["phone"],
        address=m["address"],
        support_needs=m["support_needs"],
        workplace_adaptations=m["workplace_adaptations"],
        notes=m["notes"],
        home_municipality=municipality,
        start_date=today - 120 * DAY,
        wanted_extent=25,
        coordinators=[users["coordinator"]],
    )
    participant.interests.add(cafe)
    for source in ("sickness_benefit", "social_assistance"):
        ParticipantSupportSource.objects.create(
            participant=participant, phase="start", source=source
        )
    consent = ConsentFactory(
        participant=participant, given_on=today - 120 * DAY, note=m["consent_note"]
    )
    consent_other = ConsentFactory(
        participant=participant, purpose="share_with_enterprise", given_on=today - 120 * DAY
    )
    enrolment = EnrolmentFactory(
        participant=participant, insats=insats, start_date=today - 120 * DAY
    )

    common = {"participant": participant, "offer": offer, "enrolment": enrolment, "extent": 25}
    proposed = PlacementFactory(
        **common,
        status=PlacementStatus.PROPOSED,
        planned_start=today + 10 * DAY,
        planned_end=today + 100 * DAY,
        expires_on=today + 14 * DAY,
        proposed_by=users["coordinator"],
        proposal_note=m["proposal_note"],
        schedule=m["schedule"],
    )
    accepted = PlacementFactory(
        **common,
        status=PlacementStatus.ACCEPTED,
        planned_start=today + 5 * DAY,
        planned_end=today + 90 * DAY,
        expires_on=today + 20 * DAY,
        answered_by=users["manager"],
        schedule=m["schedule"],
    )
    active = PlacementFactory(
        **common,
        status=PlacementStatus.ACTIVE,
        planned_start=today - 40 * DAY,
        start_date=today - 40 * DAY,
        planned_end=today + 60 * DAY,
        supervisor_name="Handledare Hanna",
        agreement_date=today - 41 * DAY,
        agreement_tasks=m["agreement_tasks"],
        agreement_hours=m["agreement_hours"],
        agreement_support=m["agreement_support"],
        schedule=m["schedule"],
    )
    completed = PlacementFactory(
        **common,
        status=PlacementStatus.COMPLETED,
        planned_start=today - 300 * DAY,
        start_date=today - 300 * DAY,
        planned_end=today - 150 * DAY,
        end_date=today - 150 * DAY,
        end_reason="planned",
        outcome="work",
    )
    declined = PlacementFactory(
        **common,
        status=PlacementStatus.DECLINED,
        planned_start=today + 30 * DAY,
        planned_end=today + 120 * DAY,
        answered_by=users["manager"],
        decline_reason="other",
        decline_note=m["decline_note"],
    )
    # A present day in the current month, so this month's invoice basis has the row.
    attendance = AttendanceDayFactory(
        placement=active, date=today.replace(day=1), recorded_by=users["manager"]
    )
    # A closed month long before the world's days: the admin pages of a closing
    # (change, history, delete) get a row, and no attendance row here is in it.
    ClosedMonthFactory(month=datetime.date(2020, 1, 1), closed_by=users["admin"])
    follow_up = FollowUpMeetingFactory(
        placement=active,
        date=today - 10 * DAY,
        notes=m["follow_up_notes"],
        attendees=m["follow_up_attendees"],
        recorded_by=users["coordinator"],
    )

    m2 = MARKERS_2
    participant2 = ParticipantFactory(
        personal_number=PERSONAL_NUMBER_2,
        first_name=m2["first_name_2"],
        last_name=m2["last_name_2"],
        support_needs=m2["support_needs_2"],
        workplace_adaptations=m2["workplace_adaptations_2"],
        notes=m2["notes_2"],
        home_municipality=municipality,
        coordinators=[users["coordinator2"]],
    )
    consent2 = ConsentFactory(participant=participant2, given_on=today - 60 * DAY)
    enrolment2 = EnrolmentFactory(
        participant=participant2, insats=insats, start_date=today - 60 * DAY
    )
    active2 = PlacementFactory(
        participant=participant2,
        offer=offer2,
        enrolment=enrolment2,
        status=PlacementStatus.ACTIVE,
        planned_start=today - 30 * DAY,
        start_date=today - 30 * DAY,
        planned_end=today + 60 * DAY,
    )
    AttendanceDayFactory(placement=active2, date=today.replace(day=1))

    m3 = MARKERS_3
    participant3 = ParticipantFactory(
        first_name=m3["first_name_3"],
        last_name=m3["last_name_3"],
        workplace_adaptations=m3["workplace_adaptations_3"],
        support_needs=m3["support_needs_3"],
        home_municipality=municipality,
        start_date=today - 90 * DAY,
        coordinators=[users["coordinator"]],
    )
    ConsentFactory(participant=participant3, given_on=today - 90 * DAY)
    ConsentFactory(
        participant=participant3,
        purpose="share_with_enterprise",
        given_on=today - 90 * DAY,
        withdrawn_on=today - 2 * DAY,
    )
    enrolment3 = EnrolmentFactory(
        participant=participant3, insats=insats, start_date=today - 90 * DAY
    )
    # Proposed while the consent was valid: the snapshot holds the name and adaptations.
    active3 = PlacementFactory(
        participant=participant3,
        offer=offer,
        enrolment=enrolment3,
        extent=25,
        status=PlacementStatus.ACTIVE,
        planned_start=today - 30 * DAY,
        start_date=today - 30 * DAY,
        planned_end=today + 60 * DAY,
        agreement_date=today - 31 * DAY,
        agreement_tasks=m3["agreement_tasks_3"],
        schedule=m3["schedule_3"],
        proposal_note=m3["proposal_note_3"],
    )
    AttendanceDayFactory(placement=active3, date=today.replace(day=1))
    waiting_entry = WaitingListEntry.objects.create(
        offer=offer2,
        participant=participant,
        wanted_start=today + 30 * DAY,
        extent=25,
        added_by=users["coordinator"],
    )
    parking = Parking.objects.create(
        participant=participant3,
        reason=ParkingReason.HEALTH,
        since=today,
        until=today + 30 * DAY,
        created_by=users["coordinator"],
    )

    # Enterprise development: a goal and a logged activity per enterprise.
    goal = DevelopmentGoal.objects.create(
        enterprise=enterprise, goal="Bli godkänd leverantör", target_date=today + 90 * DAY
    )
    goal2 = DevelopmentGoal.objects.create(
        enterprise=enterprise2, goal="Första IOP-avtalet", target_date=today + 90 * DAY
    )
    for e in (enterprise, enterprise2):
        SupportActivity.objects.create(
            enterprise=e, kind="network_meeting", date=today - 20 * DAY, hours=Decimal("2.5")
        )
    # An ended enrolment of participant in an ESF-financed insats, with its ESF+ answers.
    insats_esf = InsatsFactory(
        name="ESF-projektet Vägen", esf_funded=True, start_date=today - 800 * DAY
    )
    enrolment_esf = EnrolmentFactory(
        participant=participant,
        insats=insats_esf,
        start_date=today - 400 * DAY,
        end_date=today - 200 * DAY,
        end_reason="planned",
        outcome="work",
    )
    EsfParticipantData.objects.create(
        enrolment=enrolment_esf,
        employment_situation="long_term_unemployed",
        education="isced_0_2",
        disability="yes",
        entry_recorded_on=today - 400 * DAY,
        exit_employed="yes",
        exit_recorded_on=today - 200 * DAY,
    )

    return World(
        goal=goal,
        goal2=goal2,
        insats_esf=insats_esf,
        enrolment_esf=enrolment_esf,
        users=users,
        enterprise=enterprise,
        offer=offer,
        figure=figure,
        enterprise2=enterprise2,
        offer2=offer2,
        figure2=figure2,
        insats=insats,
        insats_new=insats_new,
        participant=participant,
        consent=consent,
        consent_other=consent_other,
        enrolment=enrolment,
        proposed=proposed,
        accepted=accepted,
        active=active,
        completed=completed,
        declined=declined,
        attendance=attendance,
        follow_up=follow_up,
        participant2=participant2,
        consent2=consent2,
        enrolment2=enrolment2,
        active2=active2,
        participant3=participant3,
        active3=active3,
        today=today,
        waiting_entry=waiting_entry,
        parking=parking,
    )


@dataclass
class Setup:
    world: World
    clients: dict[str, Client]


@pytest.fixture(scope="module", name="access")
def access_fixture(django_db_setup: None, django_db_blocker: Any) -> Iterator[Setup]:
    """The world and a logged-in client per role (`ROLES`), built once per module
    inside a transaction rolled back at the end (the pattern of `seeded_demo`).
    Tests also take `db`, so each runs in a savepoint inside it. Clients do not
    raise a view's exception: a 500 is an answer the matrix reports."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        clients = {role: Client(raise_request_exception=False) for role in ROLES}
        for role, client in clients.items():
            if role != "anonymous":
                client.force_login(world.users[role])
        yield Setup(world, clients)
        transaction.set_rollback(True)
