"""Closed attendance months: once the office has closed a month (its invoice basis is
sent), no present day in it is added, changed or removed, by the grid, the services
or the back office, until the month is reopened."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from placements.models import AttendanceDay, ClosedMonth, PlacementStatus
from placements.services.attendance import (
    attendance_mark,
    attendance_month_close,
    attendance_month_reopen,
    attendance_months_reopen,
    attendance_set_month,
    attendance_set_months,
)
from tests.factories import AttendanceDayFactory, ClosedMonthFactory, PlacementFactory
from tests.helpers import page_form
from tests.worlds.enterprise import enterprise_world

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 3, 12)
FEBRUARY = datetime.date(2031, 2, 1)
DAY = datetime.timedelta(days=1)
CLOSED = "Månaden är stängd för ändringar"
TODAYS_PRICE = "Beloppen räknas med dagens pris per dag"


def _active():
    start = datetime.date(2031, 1, 10)
    return PlacementFactory(
        status=PlacementStatus.ACTIVE,
        planned_start=start,
        start_date=start,
        planned_end=datetime.date(2031, 6, 30),
    )


def _days(placement):
    return sorted(placement.attendance_days.values_list("date", flat=True))


# --- services ------------------------------------------------------------------------


def test_close_records_who_and_when(admin_user):
    closing = attendance_month_close(
        month=datetime.date(2031, 2, 17), user=admin_user, note="Skickat", today=TODAY
    )
    assert (closing.month, closing.closed_by, closing.note) == (FEBRUARY, admin_user, "Skickat")
    assert closing.closed_at is not None


@pytest.mark.parametrize(
    ("month", "message"),
    [(datetime.date(2031, 3, 1), "som är slut"), (datetime.date(2031, 4, 1), "som är slut")],
)
def test_a_month_not_over_cannot_be_closed(admin_user, month, message):
    with pytest.raises(ValidationError, match=message):
        attendance_month_close(month=month, user=admin_user, today=TODAY)
    assert not ClosedMonth.objects.exists()


def test_a_closed_month_cannot_be_closed_twice(admin_user):
    attendance_month_close(month=FEBRUARY, user=admin_user, today=TODAY)
    with pytest.raises(ValidationError, match="redan stängd"):
        attendance_month_close(month=FEBRUARY, user=admin_user, today=TODAY)
    assert ClosedMonth.objects.count() == 1


def test_set_month_refuses_a_closed_month_and_changes_nothing(manager, admin_user):
    placement = _active()
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 2, 3))
    attendance_month_close(month=FEBRUARY, user=admin_user, today=TODAY)
    with pytest.raises(ValidationError, match=CLOSED):
        attendance_set_month(
            placement=placement,
            user=manager,
            year=2031,
            month=2,
            present_days={datetime.date(2031, 2, 4)},  # adds the 4th, removes the 3rd
            today=TODAY,
        )
    assert _days(placement) == [datetime.date(2031, 2, 3)]


@pytest.mark.parametrize("present", [True, False])
def test_mark_refuses_adding_or_removing_a_day_in_a_closed_month(manager, present):
    placement = _active()
    AttendanceDayFactory(placement=placement, date=datetime.date(2031, 2, 3))
    ClosedMonthFactory(month=FEBRUARY)
    day = datetime.date(2031, 2, 4) if present else datetime.date(2031, 2, 3)
    with pytest.raises(ValidationError, match=CLOSED):
        attendance_mark(placement=placement, user=manager, day=day, present=present, today=TODAY)
    assert _days(placement) == [datetime.date(2031, 2, 3)]


def test_grid_save_of_a_closed_month_is_one_message_for_the_grid(manager):
    placement = _active()
    ClosedMonthFactory(month=FEBRUARY)
    with pytest.raises(ValidationError) as caught:
        attendance_set_months(
            marks={placement: {datetime.date(2031, 2, 4)}},
            user=manager,
            year=2031,
            month=2,
            today=TODAY,
        )
    assert not hasattr(caught.value, "error_dict")
    assert CLOSED in caught.value.messages[0]
    assert not AttendanceDay.objects.exists()


def test_other_months_stay_open(manager):
    placement = _active()
    ClosedMonthFactory(month=FEBRUARY)
    attendance_set_months(
        marks={placement: {datetime.date(2031, 3, 4)}},
        user=manager,
        year=2031,
        month=3,
        today=TODAY,
    )
    attendance_mark(
        placement=placement, user=manager, day=datetime.date(2031, 1, 13), present=True, today=TODAY
    )
    assert _days(placement) == [datetime.date(2031, 1, 13), datetime.date(2031, 3, 4)]


def test_a_reopened_month_takes_changes_again(manager, admin_user):
    placement = _active()
    closing = attendance_month_close(month=FEBRUARY, user=admin_user, today=TODAY)
    attendance_month_reopen(closing=closing, user=admin_user)
    assert not ClosedMonth.objects.exists()
    attendance_set_month(
        placement=placement,
        user=manager,
        year=2031,
        month=2,
        present_days={datetime.date(2031, 2, 4)},
        today=TODAY,
    )
    assert _days(placement) == [datetime.date(2031, 2, 4)]


# --- the grid page -------------------------------------------------------------------


def _last_month():
    return (timezone.localdate().replace(day=1) - DAY).replace(day=1)


def _grid_url(month):
    return reverse("placements:attendance-grid") + f"?month={month:%Y-%m}"


def _reportable_day(world, month):
    """A day of `month` the world's active placement may report (after its start)."""
    day = max(month, world.active.start_date)
    assert day.month == month.month
    return day


def _a_day_last_month(manager, *, closed=True):
    """The manager's enterprise world with one present day recorded last month (the
    first the active placement may report), and last month closed unless `closed=False`.
    Returns the world, last month and the recorded day."""
    world = enterprise_world(manager, "Ett")
    month = _last_month()
    day = AttendanceDayFactory(placement=world.active, date=_reportable_day(world, month))
    if closed:
        ClosedMonthFactory(month=month)
    return world, month, day


def test_grid_post_to_a_closed_month_shows_why_saves_nothing_and_lists_the_lost_changes(
    client, manager
):
    world, month, kept_day = _a_day_last_month(manager)
    kept = kept_day.date
    before = AttendanceDay.objects.count()
    client.force_login(manager)
    ticked = [kept + DAY, kept + 2 * DAY]  # adds two days, takes `kept` away
    if world.attendance.date >= month:  # the world's own day, when it is in last month
        ticked.append(world.attendance.date)
    response = client.post(
        _grid_url(month),
        {"shown": [world.active.pk], f"p{world.active.pk}": [f"{d:%Y-%m-%d}" for d in ticked]},
    )
    assert response.status_code == 200
    assert CLOSED in response.text
    assert "Inget sparades" in response.text
    assert AttendanceDay.objects.count() == before
    # The grid shows what is recorded, read-only; the list above it what was not saved.
    assert 'type="checkbox"' not in response.text
    (row,) = response.context["unsaved_rows"]
    assert row.placement == world.active
    assert "Ej sparat (dagar i " in response.text
    lost = f"{row.name}: tillagda {kept.day + 1}, {kept.day + 2}; borttagna {kept.day}</li>"
    assert lost in response.text


def test_grid_post_to_a_closed_month_without_changes_lists_nothing(client, manager):
    world, month, _day = _a_day_last_month(manager)
    recorded = world.active.attendance_days.filter(date__year=month.year, date__month=month.month)
    client.force_login(manager)
    response = client.post(
        _grid_url(month),
        {
            "shown": [world.active.pk],
            f"p{world.active.pk}": [f"{d.date:%Y-%m-%d}" for d in recorded],
        },
    )
    assert CLOSED in response.text
    assert response.context["unsaved_rows"] == []
    assert "Ej sparat" not in response.text


def test_grid_of_a_closed_month_is_read_only_text_with_one_note(client, manager):
    """Not disabled checkboxes (out of the tab order, drawn faint, each announcing the
    note again): the recorded days as text, and the note once, in the caption."""
    world, month, _day = _a_day_last_month(manager)
    client.force_login(manager)
    response = client.get(_grid_url(month))
    assert response.status_code == 200
    text = response.text
    assert "Stängd månad:" in text
    assert "kan inte ändras" in text
    assert "(stängd månad: visas men kan inte ändras)</caption>" in text
    assert 'type="checkbox"' not in text
    assert "disabled" not in text
    assert "aria-describedby" not in text
    present = '<span aria-hidden="true">✓</span><span class="visually-hidden">närvarande</span>'
    assert present in text
    absent = '<span aria-hidden="true">·</span><span class="visually-hidden">frånvarande</span>'
    assert absent in text
    assert "Spara närvaro" not in text


def test_grid_of_an_open_month_can_be_saved(client, manager):
    enterprise_world(manager, "Ett")
    month = _last_month()
    ClosedMonthFactory(month=(month - DAY).replace(day=1))  # the month before: not this one
    client.force_login(manager)
    text = client.get(_grid_url(month)).text
    assert "Spara närvaro" in text
    assert "disabled" not in text
    assert "Stängd månad:" not in text
    assert "stängd månad" not in text
    assert "frånvarande" not in text  # open: the reportable days are checkboxes


# --- the invoice basis ---------------------------------------------------------------


def test_invoice_basis_of_a_closed_month_says_since_when(client, manager):
    enterprise_world(manager, "Ett")
    month = _last_month()
    ClosedMonthFactory(
        month=month,
        closed_at=timezone.make_aware(datetime.datetime(2031, 4, 5, 10)),
    )
    client.force_login(manager)
    response = client.get(reverse("placements:invoice-basis"), {"month": f"{month:%Y-%m}"})
    assert response.status_code == 200
    assert "Månaden är stängd för ändringar sedan 5 april 2031" in response.text
    assert "Öppen månad" not in response.text
    # No price history: a closed month's amounts follow a later price change, and say so.
    assert TODAYS_PRICE in response.text


def test_invoice_basis_of_a_closed_month_follows_a_later_price_change(client, manager):
    world, month, _day = _a_day_last_month(manager)
    client.force_login(manager)
    url = reverse("placements:invoice-basis")
    before = client.get(url, {"month": f"{month:%Y-%m}"}).context["total_amount"]
    offer = world.active.offer
    offer.price_per_day = offer.price_per_day + 100
    offer.save(update_fields=["price_per_day"])
    response = client.get(url, {"month": f"{month:%Y-%m}"})
    # The known limit the page states: the amount moved with today's price.
    assert response.context["total_amount"] > before
    assert TODAYS_PRICE in response.text


def test_invoice_basis_of_an_open_past_month_says_it_may_change(client, manager):
    enterprise_world(manager, "Ett")
    client.force_login(manager)
    response = client.get(reverse("placements:invoice-basis"), {"month": f"{_last_month():%Y-%m}"})
    assert "Öppen månad:" in response.text
    assert "Stängd månad" not in response.text
    assert TODAYS_PRICE not in response.text
    this_month = client.get(reverse("placements:invoice-basis")).text
    assert "Öppen månad:" not in this_month


# --- the back office -----------------------------------------------------------------


def _admin_url(model, view, *args):
    return reverse(f"admin:placements_{model._meta.model_name}_{view}", args=args)


def test_admin_closes_a_month_through_the_service(client, admin_user):
    client.force_login(admin_user)
    month = _last_month()
    response = client.post(
        _admin_url(ClosedMonth, "add"), {"month": f"{month:%Y-%m}", "note": "Skickat"}
    )
    assert response.status_code == 302
    closing = ClosedMonth.objects.get()
    assert (closing.month, closing.closed_by, closing.note) == (month, admin_user, "Skickat")


@pytest.mark.parametrize(("which", "message"), [("this", "som är slut"), ("twice", "redan")])
def test_admin_close_refused_is_a_form_error(client, admin_user, which, message):
    client.force_login(admin_user)
    month = timezone.localdate().replace(day=1) if which == "this" else _last_month()
    if which == "twice":
        ClosedMonthFactory(month=month)
    before = ClosedMonth.objects.count()
    response = client.post(_admin_url(ClosedMonth, "add"), {"month": f"{month:%Y-%m}"})
    assert response.status_code == 200
    assert message in response.text
    assert ClosedMonth.objects.count() == before


def test_admin_reopens_a_month_by_deleting_its_closing(client, admin_user):
    closing = ClosedMonthFactory(month=_last_month())
    client.force_login(admin_user)
    response = client.post(_admin_url(ClosedMonth, "delete", closing.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not ClosedMonth.objects.exists()


def _record_month_locks(monkeypatch):
    """Wrap the months' lock: each call is recorded as (months in the order locked,
    exclusive, how many closings exist at that moment), then the lock is taken."""
    from placements.services import attendance

    taken = []
    real = attendance._lock_months

    def spy(months, *, exclusive=False):
        months = sorted({m.replace(day=1) for m in months})
        taken.append((months, exclusive, ClosedMonth.objects.count()))
        real(months, exclusive=exclusive)

    monkeypatch.setattr(attendance, "_lock_months", spy)
    return taken


def test_reopening_several_months_locks_them_all_first_in_ascending_order(
    client, admin_user, monkeypatch
):
    """Writers take the months' shared locks in ascending order; "delete selected"
    lists the newest month first. Locking one month per deletion in that order could
    deadlock with a writer moving a day between two of them (PostgreSQL)."""
    last = _last_month()
    months = [(last - 40 * DAY).replace(day=1), (last - DAY).replace(day=1), last]
    closings = [ClosedMonthFactory(month=month) for month in months]
    taken = _record_month_locks(monkeypatch)
    client.force_login(admin_user)
    response = client.post(
        _admin_url(ClosedMonth, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [c.pk for c in closings],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not ClosedMonth.objects.exists()
    # One exclusive lock of all three months, ascending, before any closing is deleted.
    assert taken == [(months, True, 3)]


def test_months_reopen_service_reopens_only_the_given_months(admin_user):
    january, february = datetime.date(2031, 1, 1), FEBRUARY
    closings = [ClosedMonthFactory(month=february), ClosedMonthFactory(month=january)]
    kept = ClosedMonthFactory(month=datetime.date(2030, 12, 1))
    attendance_months_reopen(closings=closings, user=admin_user)
    assert list(ClosedMonth.objects.all()) == [kept]


def test_admin_changes_only_the_note_of_a_closing(client, admin_user):
    closing = ClosedMonthFactory(month=_last_month(), note="")
    client.force_login(admin_user)
    url = _admin_url(ClosedMonth, "change", closing.pk)
    data = page_form(client, url)
    assert "month" not in data  # read-only once closed
    data["note"] = ["Faktura 2031-17"]
    assert client.post(url, data).status_code == 302
    closing.refresh_from_db()
    assert (closing.note, closing.month) == ("Faktura 2031-17", _last_month())


def test_admin_refuses_adding_a_present_day_in_a_closed_month(client, admin_user, manager):
    world = enterprise_world(manager, "Ett")
    month = _last_month()
    ClosedMonthFactory(month=month)
    before = AttendanceDay.objects.count()
    client.force_login(admin_user)
    response = client.post(
        _admin_url(AttendanceDay, "add"),
        {"placement": world.active.pk, "date": f"{_reportable_day(world, month):%Y-%m-%d}"},
    )
    assert response.status_code == 200
    assert CLOSED in response.text
    assert AttendanceDay.objects.count() == before


def test_admin_refuses_moving_a_present_day_out_of_a_closed_month(client, admin_user, manager):
    world, month, day = _a_day_last_month(manager)
    client.force_login(admin_user)
    url = _admin_url(AttendanceDay, "change", day.pk)
    data = page_form(client, url)
    data["date"] = [f"{timezone.localdate():%Y-%m-%d}"]  # into this (open) month
    response = client.post(url, data)
    assert response.status_code == 200
    assert CLOSED in response.text
    day.refresh_from_db()
    assert day.date.replace(day=1) == month


def test_admin_may_correct_a_day_once_the_month_is_open(client, admin_user, manager):
    world, month, day = _a_day_last_month(manager, closed=False)
    client.force_login(admin_user)
    response = client.post(_admin_url(AttendanceDay, "delete", day.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not AttendanceDay.objects.filter(pk=day.pk).exists()


def test_admin_delete_of_a_day_in_a_closed_month_is_protected(client, admin_user, manager):
    world, month, day = _a_day_last_month(manager)
    client.force_login(admin_user)
    url = _admin_url(AttendanceDay, "delete", day.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert "Stängd närvaromånad" in page.text
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert AttendanceDay.objects.filter(pk=day.pk).exists()
    # "Delete selected" too.
    response = client.post(
        _admin_url(AttendanceDay, "changelist"),
        {"action": "delete_selected", "_selected_action": [day.pk], "post": "yes"},
    )
    assert AttendanceDay.objects.filter(pk=day.pk).exists()
