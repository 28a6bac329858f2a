"""No overbooking under concurrent requests, against the real database.

30 threads, each with its own database connection, are released together by a
barrier and all propose the same offer with 3 free places: exactly 3 succeed and
27 get the "full" answer. A capacity lowered while a place is proposed leaves the
offer within its places. The same attendance grid submitted eight times at once
saves each day once, without an error. Runs on SQLite here and on PostgreSQL in CI.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from placements.models import Placement, PlacementStatus, WaitingListEntry
from placements.services import capacity, lifecycle, waiting
from placements.services.attendance import attendance_set_months
from placements.services.capacity import CapacityError, held_peak, lock_offer
from placements.services.lifecycle import placement_accept, placement_propose
from placements.services.waiting import offer_capacity_set
from tests.factories import (
    EnrolledParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
    UserFactory,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

THREADS = 30
START = datetime.date(2031, 3, 1)
END = datetime.date(2031, 8, 31)


def _run_all(threads: list[threading.Thread], timeout: float = 120) -> None:
    """Start the threads (each a request on its own connection), wait for every one,
    then let this thread's connection see what they committed."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    close_old_connections()


def _recorded(name: str, step: Callable[[], None], errors: list[str]) -> Callable[[], None]:
    """`step` in its own transaction on the thread's own connection; an error is kept."""

    def run() -> None:
        try:
            with transaction.atomic():
                step()
        except Exception as error:  # noqa: BLE001 - the test reports any escape
            errors.append(f"{name}: {type(error).__name__}: {error}")
        finally:
            connection.close()

    return run


def _run_concurrently(offer, participants, user):
    barrier = threading.Barrier(len(participants))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(participant):
        try:
            barrier.wait(timeout=30)
            # One request's worth of work: its own transaction on its own connection.
            with transaction.atomic():
                placement_propose(
                    participant=participant,
                    offer=offer,
                    user=user,
                    planned_start=START,
                    planned_end=END,
                    extent=50,
                )
            result = "ok"
        except CapacityError:
            result = "full"
        except Exception as error:  # noqa: BLE001 - the test reports any escape
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(p,)) for p in participants]
    _run_all(threads)
    return outcomes


def test_thirty_proposals_for_three_places():
    offer = TrainingOfferFactory(capacity=3, min_extent=25, max_extent=100)
    user = UserFactory(username="koordinator-trad")
    participants = [EnrolledParticipantFactory(sharing=True) for _ in range(THREADS)]

    outcomes = _run_concurrently(offer, participants, user)

    assert len(outcomes) == THREADS
    errors = [o for o in outcomes if o.startswith("error")]
    assert errors == []
    assert outcomes.count("ok") == 3
    assert outcomes.count("full") == THREADS - 3
    assert Placement.objects.filter(offer=offer).count() == 3


def test_one_participant_cannot_be_booked_over_full_time_concurrently():
    offers = [TrainingOfferFactory(capacity=5) for _ in range(4)]
    user = UserFactory(username="koordinator-trad2")
    participant = EnrolledParticipantFactory(sharing=True)
    barrier = threading.Barrier(len(offers))
    outcomes: list[str] = []

    def worker(offer):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                placement_propose(
                    participant=participant,
                    offer=offer,
                    user=user,
                    planned_start=START,
                    planned_end=END,
                    extent=50,
                )
            outcomes.append("ok")
        except CapacityError:
            outcomes.append("full")
        except Exception as error:  # noqa: BLE001
            outcomes.append(f"error: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(o,)) for o in offers]
    _run_all(threads)
    # 50 % each: two fit in 100 %, the other two are refused.
    assert sorted(outcomes) == ["full", "full", "ok", "ok"]


def test_the_same_attendance_grid_submitted_concurrently_saves_each_day_once():
    """A double-clicked grid: every submission succeeds and each day is stored once."""
    start = datetime.date(2031, 3, 1)
    placement = PlacementFactory(
        status=PlacementStatus.ACTIVE,
        planned_start=start,
        start_date=start,
        planned_end=END,
    )
    user = UserFactory(username="handledare-trad")
    days = {start + datetime.timedelta(days=n) for n in range(10)}
    submissions = 8
    barrier = threading.Barrier(submissions)
    outcomes: list[str] = []

    def worker():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                attendance_set_months(
                    marks={placement: days},
                    user=user,
                    year=2031,
                    month=3,
                    today=datetime.date(2031, 3, 31),
                )
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001
            outcomes.append(f"error: {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(submissions)]
    _run_all(threads)
    assert outcomes == ["ok"] * submissions
    assert sorted(placement.attendance_days.values_list("date", flat=True)) == sorted(days)


def test_concurrent_writes_to_one_month_keep_its_summary():
    """Ten days of one placement and month removed and ten others added at once, each
    in its own transaction: PlacementMonth (kept by triggers) ends equal to the days.
    Removals of the same month take turns on the month's row (PLACEMENT_MONTH_PG_FUNC).
    A smoke test: the race that lock closes (a removal committing between another's
    DELETE and UPDATE inside the trigger) is too narrow to hit on demand; three runs
    against the unlocked version passed too."""
    from placements.models import AttendanceDay, PlacementMonth

    placement = PlacementFactory(
        status=PlacementStatus.ACTIVE,
        planned_start=START,
        start_date=START,
        planned_end=END,
    )
    old_days = [START + datetime.timedelta(days=i) for i in range(10)]
    new_days = [START + datetime.timedelta(days=i) for i in range(10, 20)]
    AttendanceDay.objects.bulk_create(
        [AttendanceDay(placement=placement, date=d) for d in old_days]
    )
    barrier = threading.Barrier(len(old_days) + len(new_days))
    errors: list[str] = []

    def worker(day: datetime.date, add: bool) -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                if add:
                    AttendanceDay.objects.create(placement=placement, date=day)
                else:
                    AttendanceDay.objects.filter(placement=placement, date=day).delete()
        except Exception as error:  # noqa: BLE001 - the test reports any escape
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(d, False)) for d in old_days] + [
        threading.Thread(target=worker, args=(d, True)) for d in new_days
    ]
    _run_all(threads)

    assert errors == [] or connection.vendor == "sqlite"  # SQLite may answer "locked"
    expected = AttendanceDay.objects.filter(placement=placement).count()
    if connection.vendor == "postgresql":
        assert expected == 10
    assert list(PlacementMonth.objects.values_list("present_days", flat=True)) == [expected]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises every writer")
def test_a_withdrawal_and_a_proposal_at_one_offer_wait_for_each_other_without_deadlock():
    # The two services' order of locks: placement_withdraw writes the placement (its
    # trigger renews the offer's hold stamp), then locks the offer (place_freed);
    # placement_propose locks the offer, then writes the new placement (its trigger
    # renews the same stamp). The trigger takes the offer's lock before the stamp's, so
    # the withdrawal waits for the proposal instead of holding the stamp it needs.
    offer = TrainingOfferFactory(capacity=5)
    withdrawn = PlacementFactory(offer=offer, planned_start=START, planned_end=END)
    newcomer = EnrolledParticipantFactory()
    proposal_holds_the_offer = threading.Event()
    errors: list[str] = []

    def withdraw() -> None:
        proposal_holds_the_offer.wait(timeout=30)
        Placement.objects.filter(pk=withdrawn.pk).update(status=PlacementStatus.WITHDRAWN)
        lock_offer(offer.pk)

    def propose() -> None:
        lock_offer(offer.pk)
        proposal_holds_the_offer.set()
        time.sleep(0.5)  # the withdrawal writes its placement meanwhile
        PlacementFactory(offer=offer, participant=newcomer, planned_start=START, planned_end=END)

    threads = [
        threading.Thread(target=_recorded("withdraw", withdraw, errors)),
        threading.Thread(target=_recorded("propose", propose, errors)),
    ]
    _run_all(threads, timeout=60)
    assert errors == []
    assert Placement.objects.get(pk=withdrawn.pk).status == PlacementStatus.WITHDRAWN
    assert Placement.objects.filter(offer=offer, participant=newcomer).count() == 1


def _crossing_acceptances(monkeypatch, module, name: str, anna_at_b, bo_at_a) -> list:
    """Anna is proposed at offer A and Bo at offer B; `anna_at_b(anna, b)` and
    `bo_at_a(bo, a)` tie each to the other's offer. A accepts Anna while B accepts Bo,
    each waiting, with its own offer locked, for the other to get there too before
    `module.name` runs (the step that reaches the other's offer). Without the ordered
    locks they then wait for each other (a deadlock); with them the second acceptance
    waits at the start and the barrier gives up after two seconds. Returns the two
    participants, after asserting that neither request failed."""
    offer_a, offer_b = TrainingOfferFactory(capacity=5), TrainingOfferFactory(capacity=5)
    manager = UserFactory(username="chef-korsar")
    anna, bo = EnrolledParticipantFactory(), EnrolledParticipantFactory()
    span = {"planned_start": START, "planned_end": END}
    accepted = {
        "anna": PlacementFactory(participant=anna, offer=offer_a, **span),
        "bo": PlacementFactory(participant=bo, offer=offer_b, **span),
    }
    anna_at_b(anna, offer_b)
    bo_at_a(bo, offer_a)
    both_hold_their_offer = threading.Barrier(2, timeout=2)
    step = getattr(module, name)

    def step_after_the_other(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_hold_their_offer.wait()
        return step(*args, **kwargs)

    monkeypatch.setattr(module, name, step_after_the_other)
    errors: list[str] = []
    threads = [
        threading.Thread(
            target=_recorded(
                who,
                lambda p=placement: placement_accept(placement=p, user=manager, today=START),
                errors,
            )
        )
        for who, placement in accepted.items()
    ]
    _run_all(threads, timeout=60)
    assert errors == []
    return [anna, bo]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises every writer")
def test_two_acceptances_that_withdraw_proposals_at_each_others_offers_do_not_deadlock(
    monkeypatch,
):
    # Each acceptance withdraws the person's other proposal, at the other's offer.
    def proposed(person, offer):
        PlacementFactory(participant=person, offer=offer, planned_start=START, planned_end=END)

    people = _crossing_acceptances(
        monkeypatch, lifecycle, "_release_other_proposals", proposed, proposed
    )
    statuses = Placement.objects.filter(participant__in=people).values_list("status", flat=True)
    assert sorted(statuses) == [
        PlacementStatus.ACCEPTED,
        PlacementStatus.ACCEPTED,
        PlacementStatus.WITHDRAWN,
        PlacementStatus.WITHDRAWN,
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises every writer")
def test_two_acceptances_that_pass_freed_places_on_at_each_others_offers_do_not_deadlock(
    monkeypatch,
):
    # Each person stands first in the other's queue, told of a freed place there: each
    # acceptance leaves that queue, which passes the place on and locks that offer.
    def told(person, offer):
        WaitingListEntry.objects.create(
            offer=offer, participant=person, wanted_start=START, place_freed_at=timezone.now()
        )

    people = _crossing_acceptances(monkeypatch, waiting, "leave_all_queues", told, told)
    statuses = Placement.objects.filter(participant__in=people).values_list("status", flat=True)
    assert set(statuses) == {PlacementStatus.ACCEPTED}
    assert not WaitingListEntry.objects.waiting().filter(participant__in=people).exists()


def test_a_capacity_lowered_while_a_place_is_proposed_never_leaves_the_offer_overbooked(
    monkeypatch,
):
    """Two places, one held. The manager lowers the offer to one place while a
    coordinator proposes someone for the other: one of them must be refused. Each
    waits, after counting the places held, for the other to count too (two seconds at
    most): without the offer's lock both would count one place held, and both write.
    Both count on today's date: the proposal holds its place until it expires."""
    offer = TrainingOfferFactory(capacity=2)
    PlacementFactory(offer=offer, planned_start=START, planned_end=END)
    manager, coordinator = UserFactory(username="chef-sank"), UserFactory(username="koord-sank")
    newcomer = EnrolledParticipantFactory(sharing=True)
    both_counted = threading.Barrier(2, timeout=2)
    offer_holds = capacity._offer_holds

    def count_then_wait_for_the_other(*args, **kwargs):
        holds = offer_holds(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return holds

    monkeypatch.setattr(capacity, "_offer_holds", count_then_wait_for_the_other)
    outcomes: dict[str, str] = {}

    def attempt(name: str, step: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                with transaction.atomic():
                    step()
                outcomes[name] = "ok"
            except CapacityError:
                outcomes[name] = "refused"
            except Exception as error:  # noqa: BLE001 - the test reports any escape
                outcomes[name] = f"error: {type(error).__name__}: {error}"
            finally:
                connection.close()

        return run

    threads = [
        threading.Thread(
            target=attempt(
                "lower",
                lambda: offer_capacity_set(offer=offer, user=manager, capacity=1),
            )
        ),
        threading.Thread(
            target=attempt(
                "propose",
                lambda: placement_propose(
                    participant=newcomer,
                    offer=offer,
                    user=coordinator,
                    planned_start=START,
                    planned_end=END,
                    extent=50,
                ),
            )
        ),
    ]
    _run_all(threads, timeout=60)

    assert sorted(outcomes.values()) == ["ok", "refused"], outcomes
    offer.refresh_from_db()
    assert held_peak(offer, START, END).count <= offer.capacity


FEBRUARY = datetime.date(2031, 2, 1)


def _closing_and_saving_february():
    """A placement active in February 2031, and the two writers that race: the office
    closing February (`close`) and its manager saving the 3rd in February's grid
    (`save`), both on 12 March."""
    from placements.services.attendance import attendance_month_close

    placement = PlacementFactory(
        status=PlacementStatus.ACTIVE, planned_start=FEBRUARY, start_date=FEBRUARY, planned_end=END
    )
    office, manager = UserFactory(username="kansli-trad"), UserFactory(username="ledare-trad")
    today = datetime.date(2031, 3, 12)

    def close():
        return attendance_month_close(month=FEBRUARY, user=office, today=today)

    def save():
        return attendance_set_months(
            marks={placement: {datetime.date(2031, 2, 3)}},
            user=manager,
            year=2031,
            month=2,
            today=today,
        )

    return placement, close, save


def test_a_grid_saved_while_its_month_is_being_closed_waits_and_is_refused():
    """The office closes February and its transaction is still open when a manager
    saves February's grid: the save waits for the closing (the month's lock), then
    sees it and is refused; no day slips into the closed month."""
    from placements.models import AttendanceDay, ClosedMonth
    from tests.helpers import write_at_once

    placement, close, save = _closing_and_saving_february()
    errors = write_at_once(close, save)
    assert len(errors) == 1
    assert errors[0].startswith("second: ValidationError")
    assert "Månaden är stängd för ändringar" in errors[0]
    assert ClosedMonth.objects.filter(month=FEBRUARY).exists()
    assert not AttendanceDay.objects.filter(placement=placement).exists()


def test_a_month_closed_while_a_grid_is_being_saved_waits_for_the_save():
    """The other order: the grid's transaction is open when the office closes the
    month; the closing waits for it (its time is taken after the wait), so the days
    are saved before the month closes."""
    from placements.models import AttendanceDay, ClosedMonth
    from tests.helpers import write_at_once

    placement, close, save = _closing_and_saving_february()
    errors = write_at_once(save, close)
    assert errors == []
    closing = ClosedMonth.objects.get(month=FEBRUARY)
    saved = AttendanceDay.objects.get(placement=placement)
    assert saved.date == datetime.date(2031, 2, 3)
    # The closing waited for the save's transaction (held open half a second).
    assert closing.closed_at - saved.recorded_at >= datetime.timedelta(seconds=0.4)
