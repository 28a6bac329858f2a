"""Nothing falls through the cracks, in the browser: a coordinator queues a participant
for a full offer; the place frees when the holder's placement ends; the coordinator
gets a mail, finds the freed place under "Att göra" too, and proposes from the mail's
link in one click."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from placements.models import LeftReason, Placement, PlacementStatus, WaitingListEntry
from tests.browser.helpers import browser_login
from tests.factories import EnrolledParticipantFactory, PlacementFactory, TrainingOfferFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.timedelta(days=1)


def test_queue_freed_place_and_propose(page, browser, live_server, coordinator, coordinator2):
    today = timezone.localdate()
    offer = TrainingOfferFactory(title="Bageriet", capacity=1, min_extent=25, max_extent=100)
    holder = PlacementFactory(
        offer=offer,
        participant=EnrolledParticipantFactory(coordinators=[coordinator2]),
        status=PlacementStatus.ACTIVE,
        planned_start=today - 60 * DAY,
        start_date=today - 60 * DAY,
        planned_end=today + 200 * DAY,
    )
    waiting = EnrolledParticipantFactory(
        first_name="Köa", last_name="Väntesson", coordinators=[coordinator], sharing=True
    )

    # The coordinator queues the participant for the full offer.
    browser_login(page, "coordinator")
    page.goto(f"/deltagare/{waiting.pk}/")
    page.get_by_role("link", name="Ställ i kö").click()
    page.get_by_label("Arbetsträningsplats").select_option(str(offer.pk))
    page.get_by_label("Önskad start").fill((today + 7 * DAY).isoformat())
    page.get_by_label("Omfattning").select_option("50")
    page.get_by_role("button", name="Ställ i kö").click()
    expect(page.get_by_text("som nummer 1")).to_be_visible()
    entry = WaitingListEntry.objects.get(participant=waiting)
    assert entry.place_freed_at is None

    # The holder's placement ends (their own coordinator ends it).
    other = browser.new_context(base_url=live_server.url, locale="sv-SE")
    other_page = other.new_page()
    browser_login(other_page, "coordinator2")
    other_page.goto(f"/arbetstraning/{holder.pk}/")
    other_page.get_by_text("Avsluta arbetsträningen").click()
    other_page.get_by_label("Slutdatum").fill(today.isoformat())
    other_page.get_by_label("Avslutsorsak").select_option("ill_health")
    other_page.get_by_label("Resultat", exact=True).select_option("unknown")
    other_page.get_by_role("button", name="Avsluta", exact=True).click()
    expect(other_page.get_by_text("Arbetsträningen är avslutad.")).to_be_visible()
    other.close()
    entry.refresh_from_db()
    assert entry.place_freed_at is not None

    # The coordinator gets a mail (no name in it) with a link to the filled-in proposal.
    (message,) = [m for m in mail.outbox if coordinator.email in m.to]
    assert "Väntesson" not in message.subject + message.body
    link = urlsplit(re.search(r"https?://\S*\?offer=\S+", message.body).group(0))
    # Att göra on the start page lists the freed place too.
    page.goto("/")
    page.get_by_role("link", name="Köplatser där en plats blivit ledig").click()
    expect(page.get_by_role("link", name="Föreslå")).to_be_visible()
    # One click from the mail: the proposal form, filled in.
    page.goto(f"{link.path}?{link.query}")
    # The offer from the mail is named, not a select of every open offer.
    chosen = page.locator("#chosen-offer")
    assert offer.title in chosen.inner_text()
    assert page.locator('input[type=hidden][name="offer"]').input_value() == str(offer.pk)
    assert page.get_by_label("Omfattning").input_value() == "50"
    assert page.get_by_label("Planerad start").input_value() == (today + 7 * DAY).isoformat()
    page.get_by_role("button", name="Föreslå").click()
    expect(page.get_by_text("Förslaget är skickat")).to_be_visible()

    proposal = Placement.objects.get(participant=waiting, offer=offer)
    assert proposal.status == PlacementStatus.PROPOSED
    entry.refresh_from_db()
    assert entry.left_reason == LeftReason.PROPOSED
