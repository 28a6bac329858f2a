"""The back office cannot overbook an offer by writing back what it read.

An admin's change page reads the row when the POST arrives and, without a lock,
saves it at the end of the request. Meanwhile the app's own services may have
declined the placement or raised the offer's capacity and given the freed place to
someone else. Were the admin to write back every column, the placement would hold
its place again (or the offer get its old, lower capacity back): two participants on
one place. Each test lets the other request commit while the admin's request waits
between its read and its write, in real threads against the real database. On
SQLite the admin's POST takes the write lock at BEGIN, so the other request waits
for it instead; the tests hold there too.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.urls import reverse

from enterprises.models import TrainingOffer
from placements.models import DeclineReason, Placement, PlacementStatus
from placements.services.capacity import held_peak
from placements.services.lifecycle import placement_decline, placement_propose
from placements.services.waiting import offer_capacity_set
from tests.factories import (
    EnrolledParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
    UserFactory,
)
from tests.helpers import inline_field, office_client, page_form

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

START = datetime.date(2031, 3, 1)
END = datetime.date(2031, 8, 31)


def _admin_saves_late(
    monkeypatch: pytest.MonkeyPatch,
    model_admin: Any,
    office: Client,
    url: str,
    data: dict[str, list[str]],
    meanwhile: Callable[[], None],
) -> None:
    """POST `data` to the admin page `url`; once the admin has read the row (its
    save_model is called), `meanwhile` runs and commits in another request, then the
    admin saves. A `meanwhile` that waits for the admin's lock (SQLite) is given two
    seconds, then the admin goes on and `meanwhile` after it."""
    admin_has_read, admin_may_save = threading.Event(), threading.Event()
    save_model = type(model_admin).save_model

    def save_model_late(self: Any, request: Any, obj: Any, form: Any, change: bool) -> None:
        admin_has_read.set()
        admin_may_save.wait(timeout=30)
        save_model(self, request, obj, form, change)

    monkeypatch.setattr(type(model_admin), "save_model", save_model_late)
    errors: list[str] = []
    answers: list[int] = []

    def post() -> None:
        try:
            answers.append(office.post(url, data).status_code)
        except Exception as error:  # noqa: BLE001 - the test reports any escape
            errors.append(f"admin: {type(error).__name__}: {error}")
        finally:
            connection.close()

    def other_request() -> None:
        try:
            admin_has_read.wait(timeout=30)
            with transaction.atomic():
                meanwhile()
        except Exception as error:  # noqa: BLE001
            errors.append(f"meanwhile: {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=post), threading.Thread(target=other_request)]
    for thread in threads:
        thread.start()
    threads[1].join(timeout=2)
    admin_may_save.set()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert errors == []
    assert answers == [302]


def test_an_admin_edit_of_a_placement_declined_meanwhile_does_not_take_its_place_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offer = TrainingOfferFactory(capacity=1)
    proposal = PlacementFactory(offer=offer, planned_start=START, planned_end=END)
    newcomer = EnrolledParticipantFactory(sharing=True)
    manager, coordinator = UserFactory(username="chef"), UserFactory(username="koordinator")
    office = office_client()
    url = reverse("admin:placements_placement_change", args=[proposal.pk])
    data = page_form(office, url)
    data["supervisor_name"] = ["Handledare Harald"]

    def decline_and_give_the_place_away() -> None:
        placement_decline(placement=proposal, user=manager, reason=DeclineReason.NO_CAPACITY)
        placement_propose(
            participant=newcomer,
            offer=offer,
            user=coordinator,
            planned_start=START,
            planned_end=END,
            extent=50,
        )

    _admin_saves_late(
        monkeypatch,
        admin.site._registry[Placement],
        office,
        url,
        data,
        decline_and_give_the_place_away,
    )

    proposal.refresh_from_db()
    assert proposal.supervisor_name == "Handledare Harald"  # the admin's edit is kept
    assert proposal.status == PlacementStatus.DECLINED  # and so is the answer
    assert proposal.decline_reason == DeclineReason.NO_CAPACITY  # with its reason
    assert held_peak(offer, START, END).count == 1


def _raise_and_fill(offer: TrainingOffer) -> Callable[[], None]:
    """The manager raises the offer from 1 to 2 places; a coordinator takes the new one."""
    manager, coordinator = UserFactory(username="chef"), UserFactory(username="koordinator")
    newcomer = EnrolledParticipantFactory(sharing=True)

    def run() -> None:
        offer_capacity_set(offer=offer, user=manager, capacity=2)
        placement_propose(
            participant=newcomer,
            offer=offer,
            user=coordinator,
            planned_start=START,
            planned_end=END,
            extent=50,
        )

    return run


def test_an_admin_edit_of_an_offer_does_not_write_back_its_old_capacity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offer = TrainingOfferFactory(capacity=1)
    PlacementFactory(offer=offer, planned_start=START, planned_end=END)
    office = office_client()
    url = reverse("admin:enterprises_trainingoffer_change", args=[offer.pk])
    data = page_form(office, url)
    data["title"] = ["Café Tyresö, kök"]

    _admin_saves_late(
        monkeypatch, admin.site._registry[TrainingOffer], office, url, data, _raise_and_fill(offer)
    )

    offer.refresh_from_db()
    assert offer.title == "Café Tyresö, kök"
    assert offer.capacity == 2
    assert held_peak(offer, START, END).count == 2


def test_an_admin_edit_of_an_enterprise_does_not_write_back_its_offers_old_capacity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offer = TrainingOfferFactory(capacity=1)
    PlacementFactory(offer=offer, planned_start=START, planned_end=END)
    office = office_client()
    url = reverse("admin:enterprises_enterprise_change", args=[offer.enterprise_id])
    data = page_form(office, url)
    data[inline_field(data, offer, "title")] = ["Café Tyresö, kök"]

    _admin_saves_late(
        monkeypatch,
        admin.site._registry[type(offer.enterprise)],
        office,
        url,
        data,
        _raise_and_fill(offer),
    )

    offer.refresh_from_db()
    assert offer.title == "Café Tyresö, kök"
    assert offer.capacity == 2
    assert held_peak(offer, START, END).count == 2
