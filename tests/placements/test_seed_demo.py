"""seed_demo: the association's facts hold, no place is promised twice, reruns change nothing.

The demo is seeded once per module (scale 1) inside a transaction that is rolled
back at the end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from demo.grid import PlaceLedger
from enterprises.models import AnnualFigure, CapacityChange, Enterprise, OfferStatus, TrainingOffer
from participants.choices import WORK_OR_STUDIES, EndReason
from participants.identity import parse_identity_number
from participants.models import Enrolment, Insats, Participant
from placements.models import AttendanceDay, FollowUpMeeting, Placement, PlacementStatus
from placements.services.lifecycle import NEXT_MEETING_MAX_DAYS, too_early
from samordning.models import Municipality, User
from samordning.policy import Role, has_role

PASSWORD = "demo-test-pw"
DAY = datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: object) -> Iterator[str]:
    """Seed once for the module; yields the command's output."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        out = StringIO()
        call_command("seed_demo", force=True, password=PASSWORD, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded: str, db: None) -> str:
    return seeded


def all_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def peak_over_limit(
    holds: Iterable[tuple[datetime.date, datetime.date, int]],
    limits: list[tuple[datetime.date, int]],
) -> list[tuple[datetime.date, int, int]]:
    """Days where the summed weight of the holds exceeds the limit in effect.

    `limits` are (from day, limit) steps; before the first step the limit is 0.
    Load and limit only change at boundaries, so checking those days is enough.
    """
    delta: dict[datetime.date, int] = defaultdict(int)
    for first, last, weight in holds:
        delta[first] += weight
        delta[last + DAY] -= weight
    boundaries = sorted(set(delta) | {day for day, _ in limits})
    steps = sorted(limits)
    load, problems = 0, []
    for day in boundaries:
        load += delta.get(day, 0)
        in_effect = [value for start, value in steps if start <= day]
        limit = in_effect[-1] if in_effect else 0
        if load > limit:
            problems.append((day, load, limit))
    return problems


# --- the association's facts ---------------------------------------------------------------


def test_municipalities_and_insatser(demo: str) -> None:
    members = set(Municipality.objects.filter(is_member=True).values_list("name", "code"))
    assert members == {("Haninge", "0136"), ("Tyresö", "0138"), ("Nynäshamn", "0192")}
    mia = Insats.objects.get(name__startswith="MIA")
    assert (mia.start_date, mia.end_date) == (
        datetime.date(2017, 1, 1),
        datetime.date(2020, 12, 31),
    )
    assert mia.esf_funded
    assert mia.target_participants == 2500
    assert (mia.target_work_or_studies_percent, mia.target_work_preparatory_percent) == (30, 40)
    asf = Insats.objects.get(name="Arbetsträning ASF")
    assert asf.end_date is None
    assert asf.start_date.year == 2010
    # MIA enrolments lie within the project.
    mia_enrolments = Enrolment.objects.filter(insats=mia)
    assert mia_enrolments.exists()
    assert not mia_enrolments.filter(end_date__isnull=True).exists()
    assert not mia_enrolments.filter(end_date__gt=mia.end_date).exists()
    assert not mia_enrolments.filter(start_date__lt=mia.start_date).exists()


def test_enterprise_growth_reproduces_the_seed_figures(demo: str) -> None:
    assert Enterprise.objects.count() == 9
    by_year = {
        row["year"]: row
        for row in AnnualFigure.objects.values("year").annotate(
            n=Count("id"), turnover=Sum("turnover_sek")
        )
    }
    assert (by_year[2010]["n"], by_year[2010]["turnover"]) == (3, Decimal(3_800_000))
    assert (by_year[2014]["n"], by_year[2014]["turnover"]) == (9, Decimal(18_600_000))
    turnovers = [by_year[year]["turnover"] for year in range(2010, 2015)]
    assert turnovers == sorted(turnovers)
    assert set(by_year) == set(range(2010, timezone.localdate().year + 1))
    figures = AnnualFigure.objects.all()
    assert all(0 < f.employees_target_group <= f.employees for f in figures)
    codes = set(Enterprise.objects.values_list("business_areas__code", flat=True))
    assert {"transport", "snickeri", "tradgard", "cafe", "restaurang"} <= codes
    for enterprise in Enterprise.objects.all():
        assert enterprise.org_number[0] in "578"
        assert int(enterprise.org_number[2:4]) >= 20
        assert enterprise.meets_asf_criteria
        assert enterprise.agreements.exists()
        enterprise.full_clean()  # org.nr check digit, among the rest


def test_more_than_160_places_with_history(demo: str) -> None:
    offers = TrainingOffer.objects.prefetch_related("capacity_changes")
    assert sum(o.capacity for o in offers) > 160
    today = timezone.localdate()
    for offer in offers:
        changes = sorted(offer.capacity_changes.all(), key=lambda c: c.changed_at)
        assert changes[0].old_capacity is None
        assert 2010 <= changes[0].changed_at.year <= 2014
        assert changes[-1].new_capacity == offer.capacity
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.old_capacity == before.new_capacity
    assert {o.price_per_day for o in offers} == {Decimal(150), Decimal(300)}
    assert offers.filter(status=OfferStatus.PAUSED).exists()
    stale = [o for o in offers if o.confirmed_days_ago(today) > 60]
    assert 0 < len(stale) < len(offers)


# --- participants ------------------------------------------------------------------------


def test_participants_are_realistic(demo: str) -> None:
    participants = Participant.objects.all()
    assert participants.count() == 300
    anonymous = participants.filter(is_anonymous=True)
    assert 5 <= anonymous.count() <= 30
    for person in anonymous:
        assert person.anonymous_reason
        assert not (person.personal_number or person.first_name or person.phone or person.email)
        assert not person.placements.exists()
    named = participants.filter(is_anonymous=False)
    coordination = 0
    for person in named:
        number = parse_identity_number(person.personal_number)
        assert number.digits == person.personal_number
        assert person.birth_date == number.birth_date
        if person.sex != "other":
            assert number.sex == person.sex
        coordination += number.is_coordination_number
        assert person.support_sources.filter(phase="start").exists()
        assert person.consents.exists()
    assert coordination > 0
    assert named.filter(consents__withdrawn_on__isnull=False).exists()
    assert named.exclude(support_needs="").exists()
    assert named.exclude(workplace_adaptations="").exists()
    assert Participant.objects.filter(interests__isnull=False).distinct().count() > 200


def test_enrolments_end_with_reasons_and_about_30_percent_work_or_studies(demo: str) -> None:
    ended = Enrolment.objects.filter(end_date__isnull=False)
    assert ended.filter(end_reason=EndReason.REGISTRATION_ERROR).exists()
    counted = ended.exclude(end_reason=EndReason.REGISTRATION_ERROR)
    assert not counted.filter(outcome="").exists()
    share = counted.filter(outcome__in=WORK_OR_STUDIES).count() / counted.count()
    assert 0.2 <= share <= 0.4
    assert Enrolment.objects.filter(end_date__isnull=True).count() > 50
    # Ended participants have support sources after the end too.
    assert Participant.objects.filter(support_sources__phase="end").exists()


# --- placements --------------------------------------------------------------------------


def test_every_placement_state_with_its_data(demo: str) -> None:
    today = timezone.localdate()
    statuses = set(Placement.objects.values_list("status", flat=True))
    assert statuses == set(PlacementStatus.values)
    for placement in Placement.objects.all():
        placement.full_clean(validate_unique=False)
        status = placement.status
        if status == PlacementStatus.PROPOSED:
            assert placement.expires_on is not None and placement.expires_on > today
            assert placement.planned_start > today
        if status == PlacementStatus.DECLINED:
            assert placement.decline_reason
        if status in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED, "interrupted"):
            assert placement.start_date and placement.agreement_date
            assert placement.agreement_date <= placement.start_date
            assert placement.agreement_tasks and placement.agreement_hours
            assert placement.supervisor_name
        if placement.is_ended:
            assert placement.end_date and placement.end_reason and placement.outcome
        # Every placement belongs to one of its participant's enrolments.
        assert placement.enrolment.participant_id == placement.participant_id
    assert FollowUpMeeting.objects.filter(placement__status=PlacementStatus.ACTIVE).exists()


def test_every_placement_date_keeps_the_lifecycle_rules(demo: str) -> None:
    """The history the demo writes could have been entered through the services: the
    starts, agreements, planned starts and follow-ups that placement_start,
    placement_change_plan and follow_up_record would refuse do not occur."""
    today = timezone.localdate()
    placements = Placement.objects.select_related("enrolment__insats").prefetch_related(
        "follow_ups"
    )
    started = 0
    for placement in placements:
        assert not too_early(placement, placement.planned_start), placement.pk
        if placement.start_date is None:
            continue
        started += 1
        assert placement.agreement_date is not None
        assert not too_early(placement, placement.start_date), placement.pk
        assert not too_early(placement, placement.agreement_date), placement.pk
        enrolment_end = placement.enrolment.end_date
        assert enrolment_end is None or placement.start_date <= enrolment_end
        for meeting in placement.follow_ups.all():
            assert not too_early(placement, meeting.date), meeting.pk
            assert meeting.date <= today
            if meeting.next_meeting is not None:
                assert (meeting.next_meeting - meeting.date).days <= NEXT_MEETING_MAX_DAYS
    assert started > 100


def test_a_journeys_last_placement_and_its_enrolment_tell_one_outcome(demo: str) -> None:
    """Where an ended enrolment's last placement ended in work or studies, both say the same."""
    ended = (
        Placement.objects.filter(status__in=["completed", "interrupted"])
        .exclude(enrolment__end_date__isnull=True)
        .select_related("enrolment")
        .order_by("enrolment", "-end_date")
    )
    last: dict[int, Placement] = {}
    for placement in ended:
        last.setdefault(placement.enrolment_id, placement)
    assert len(last) > 50
    for placement in last.values():
        if placement.outcome in WORK_OR_STUDIES:
            assert placement.enrolment.outcome == placement.outcome


def test_attendance_on_working_days_within_placements(demo: str) -> None:
    today = timezone.localdate()
    days = AttendanceDay.objects.select_related("placement")
    assert days.filter(placement__status=PlacementStatus.ACTIVE).exists()
    assert days.filter(placement__status__in=["completed", "interrupted"]).exists()
    for day in days:
        placement = day.placement
        assert day.date.weekday() < 5
        assert day.date < today
        assert placement.start_date is not None and placement.start_date <= day.date
        assert day.date <= (placement.end_date or placement.planned_end)


def test_no_offer_is_overbooked_on_any_day(demo: str) -> None:
    """Places held (hold_range) never exceed the capacity, today's or the one in effect."""
    today = timezone.localdate()
    holds = defaultdict(list)
    for placement in Placement.objects.all():
        held = placement.hold_range(today)
        if held is not None:
            holds[placement.offer_id].append((held[0], held[1], 1))
    history = defaultdict(list)
    for change in CapacityChange.objects.all():
        history[change.offer_id].append(
            (timezone.localtime(change.changed_at).date(), change.new_capacity)
        )
    for offer in TrainingOffer.objects.all():
        capacity_now = [(datetime.date(2000, 1, 1), offer.capacity)]
        assert peak_over_limit(holds[offer.pk], capacity_now) == [], offer
        assert peak_over_limit(holds[offer.pk], history[offer.pk]) == [], offer
    assert sum(len(h) for h in holds.values()) > 100


def test_no_participant_over_full_time(demo: str) -> None:
    today = timezone.localdate()
    holds = defaultdict(list)
    for placement in Placement.objects.all():
        held = placement.hold_range(today)
        if held is not None:
            holds[placement.participant_id].append((held[0], held[1], placement.extent))
    full_time = [(datetime.date(2000, 1, 1), 100)]
    for participant_id, ranges in holds.items():
        assert peak_over_limit(ranges, full_time) == [], participant_id


def test_overbooking_check_can_fail() -> None:
    """The helper the two tests above rely on does see an overbooked day."""
    first = datetime.date(2024, 1, 1)
    holds = [(first, first + 10 * DAY, 1), (first + 5 * DAY, first + 20 * DAY, 1)]
    assert peak_over_limit(holds, [(first, 2)]) == []
    assert peak_over_limit(holds, [(first, 1)]) == [(first + 5 * DAY, 2, 1)]
    assert peak_over_limit(holds, [(first, 2), (first + 7 * DAY, 1)])


def test_ledger_refuses_a_place_that_is_taken() -> None:
    first = datetime.date(2020, 1, 1)
    ledger = PlaceLedger(first + 100 * DAY)
    ledger.add_offer("x", [(first, 1), (first + 50 * DAY, 2)])
    assert not ledger.fits("x", first - DAY, first)
    assert ledger.fits("x", first, first + 60 * DAY)
    ledger.take("x", first, first + 60 * DAY)
    assert not ledger.fits("x", first + 10 * DAY, first + 10 * DAY)
    assert ledger.fits("x", first + 55 * DAY, first + 70 * DAY)
    assert ledger.first_free_day("x", first) == first + 50 * DAY


# --- users ---------------------------------------------------------------------------------


def test_coordinators_share_no_participant(demo: str) -> None:
    one = set(User.objects.get(username="coordinator").responsible_for.values_list("pk", flat=True))
    two = set(
        User.objects.get(username="coordinator2").responsible_for.values_list("pk", flat=True)
    )
    assert one and two
    assert not one & two
    assert one | two == set(Participant.objects.values_list("pk", flat=True))


def test_managers_manage_different_enterprises_with_work_to_do(demo: str) -> None:
    manager = User.objects.get(username="manager")
    manager2 = User.objects.get(username="manager2")
    mine = set(manager.managed_enterprises.values_list("pk", flat=True))
    theirs = set(manager2.managed_enterprises.values_list("pk", flat=True))
    assert len(mine) == 2 and len(theirs) == 1
    assert not mine & theirs
    at_mine = Placement.objects.filter(offer__enterprise__in=mine)
    assert at_mine.filter(status=PlacementStatus.PROPOSED).exists()
    assert at_mine.filter(status=PlacementStatus.ACTIVE).exists()
    at_theirs = Placement.objects.filter(offer__enterprise__in=theirs)
    assert at_theirs.filter(status=PlacementStatus.PROPOSED).exists()


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("admin", Role.ADMIN),
        ("coordinator", Role.COORDINATOR),
        ("coordinator2", Role.COORDINATOR),
        ("manager", Role.MANAGER),
        ("manager2", Role.MANAGER),
        ("funder", Role.FUNDER),
    ],
)
def test_demo_users_log_in_with_the_password(demo: str, client, username: str, role: str) -> None:
    user = User.objects.get(username=username)
    assert has_role(user, role)
    assert user.first_name and user.last_name
    assert user.groups.filter(name=role).exists()
    refused = client.post("/accounts/login/", {"username": username, "password": "wrong"})
    assert refused.status_code == 200
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_admin_is_superuser_and_staff(demo: str) -> None:
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()


# --- the command ---------------------------------------------------------------------------


def test_command_prints_the_users_and_counts(demo: str) -> None:
    for username in ("admin", "coordinator", "coordinator2", "manager", "manager2", "funder"):
        assert f"| {username} " in demo
    assert "Koordinator" in demo and "Finansiär" in demo
    assert PASSWORD in demo
    assert "Deltagare" in demo and "300" in demo


def test_second_run_changes_nothing(demo: str) -> None:
    before = all_counts()
    statuses = list(Placement.objects.order_by("pk").values_list("pk", "status", "offer_id"))
    out = StringIO()
    call_command("seed_demo", force=True, password="another-pw", stdout=out)
    assert all_counts() == before
    assert list(Placement.objects.order_by("pk").values_list("pk", "status", "offer_id")) == (
        statuses
    )
    assert "finns redan" in out.getvalue()
    # The users are still ensured: the password is the new one.
    assert User.objects.get(username="coordinator").check_password("another-pw")


def test_password_comes_from_the_environment(demo: str, monkeypatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "from-env")
    call_command("seed_demo", force=True, stdout=StringIO())
    assert User.objects.get(username="funder").check_password("from-env")
    monkeypatch.delenv("DEMO_PASSWORD")
    call_command("seed_demo", force=True, stdout=StringIO())
    assert User.objects.get(username="funder").check_password("demo")


def test_refuses_to_run_with_debug_off_unless_forced(demo: str, settings) -> None:
    settings.DEBUG = False
    before = all_counts()
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", password="not-reset", stdout=StringIO())
    assert all_counts() == before
    assert User.objects.get(username="coordinator").check_password(PASSWORD)


def test_runs_without_force_when_debug_is_on(demo: str, settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", password="debug-pw", stdout=StringIO())
    assert User.objects.get(username="coordinator").check_password("debug-pw")


def test_the_demo_is_fresh_today_and_says_when_it_has_gone_stale(demo: str, monkeypatch) -> None:
    today = timezone.localdate()
    # Built today: waiting proposals have not expired, and this month has attendance.
    pending = Placement.objects.filter(status=PlacementStatus.PROPOSED)
    assert pending.exists() and not pending.filter(expires_on__lt=today).exists()
    assert AttendanceDay.objects.filter(date__gte=today.replace(day=1)).exists() or today.day < 3
    out = StringIO()
    call_command("seed_demo", force=True, password=PASSWORD, stdout=out)
    assert "make demo-reset" not in out.getvalue()
    # A month later the same data is stale, and a second run says how to rebuild it.
    later = today + 30 * DAY
    real = timezone.localdate
    monkeypatch.setattr(
        "demo.seed.timezone.localdate", lambda value=None: later if value is None else real(value)
    )
    out = StringIO()
    call_command("seed_demo", force=True, password=PASSWORD, stdout=out)
    assert "Kör make demo-reset" in out.getvalue()
