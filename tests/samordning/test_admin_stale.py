"""An admin change page opened before someone else changed the row writes only what
the admin changed (samordning.admin.FormColumnsOnlyForm): the others' changes stay.
A field both changed since the page was opened is a conflict: nothing is saved, the
Swedish message says so and what was typed is kept. On the placement page, the offer
page and the enterprise page's offers (an inline)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import OfferStatus, TrainingOffer
from placements.models import DeclineReason, Placement, PlacementStatus
from placements.services.lifecycle import placement_decline
from tests.factories import PlacementFactory, TrainingOfferFactory, UserFactory
from tests.helpers import inline_field, office_client, page_form

pytestmark = pytest.mark.django_db

CONFLICT = "Någon annan har ändrat"
START = datetime.date(2031, 3, 1)


@pytest.fixture
def office():
    return office_client()


def test_a_placement_declined_since_the_page_was_opened_keeps_its_answer(office):
    proposal = PlacementFactory(planned_start=START, planned_end=START + datetime.timedelta(90))
    url = reverse("admin:placements_placement_change", args=[proposal.pk])
    data = page_form(office, url)
    data["supervisor_name"] = ["Handledare Harald"]
    placement_decline(
        placement=proposal,
        user=UserFactory(username="chef"),
        reason=DeclineReason.OTHER,
        note="Ingen handledare i sommar",
    )

    assert office.post(url, data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.supervisor_name == "Handledare Harald"  # the admin's edit
    assert (proposal.status, proposal.decline_reason, proposal.decline_note) == (
        PlacementStatus.DECLINED,
        DeclineReason.OTHER,
        "Ingen handledare i sommar",
    )  # and the manager's answer, not the blanks the page showed


def test_a_field_both_changed_since_the_page_was_opened_is_refused(office):
    placement = PlacementFactory(planned_start=START, planned_end=START + datetime.timedelta(90))
    url = reverse("admin:placements_placement_change", args=[placement.pk])
    data = page_form(office, url)
    data["supervisor_name"] = ["Handledare Harald"]
    Placement.objects.filter(pk=placement.pk).update(supervisor_name="Handledare Hanna")

    response = office.post(url, data)
    assert response.status_code == 200
    assert CONFLICT in response.text
    assert 'value="Handledare Harald"' in response.text  # what was typed is kept
    placement.refresh_from_db()
    assert placement.supervisor_name == "Handledare Hanna"

    # Reloaded, the admin's edit is saved.
    data = page_form(office, url)
    data["supervisor_name"] = ["Handledare Harald"]
    assert office.post(url, data).status_code == 302
    placement.refresh_from_db()
    assert placement.supervisor_name == "Handledare Harald"


def test_an_offer_paused_since_the_page_was_opened_stays_paused(office):
    offer = TrainingOfferFactory(capacity=2)
    url = reverse("admin:enterprises_trainingoffer_change", args=[offer.pk])
    data = page_form(office, url)
    data["title"] = ["Kök"]
    TrainingOffer.objects.filter(pk=offer.pk).update(
        status=OfferStatus.PAUSED, updated_at=timezone.now()
    )
    assert office.post(url, data).status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.title) == (OfferStatus.PAUSED, "Kök")


def test_the_enterprise_page_writes_only_the_offer_rows_the_admin_changed(office):
    offer = TrainingOfferFactory(capacity=2)
    other = TrainingOfferFactory(enterprise=offer.enterprise, capacity=1)
    url = reverse("admin:enterprises_enterprise_change", args=[offer.enterprise_id])
    data = page_form(office, url)

    # A manager pauses one offer and renames the other while the admin has the page.
    TrainingOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.PAUSED)
    TrainingOffer.objects.filter(pk=other.pk).update(title="Snickeriet")
    data["name"] = ["Nytt namn AB"]
    data[inline_field(data, offer, "title")] = ["Kök"]
    assert office.post(url, data).status_code == 302
    offer.refresh_from_db()
    other.refresh_from_db()
    assert (offer.status, offer.title) == (OfferStatus.PAUSED, "Kök")
    assert other.title == "Snickeriet"  # an untouched row is not written back

    # Renaming the other offer from a page that showed its old title: a conflict.
    data = page_form(office, url)
    TrainingOffer.objects.filter(pk=other.pk).update(title="Snickeri & trä")
    data[inline_field(data, other, "title")] = ["Verkstaden"]
    response = office.post(url, data)
    assert response.status_code == 200 and CONFLICT in response.text
    other.refresh_from_db()
    assert other.title == "Snickeri & trä"
