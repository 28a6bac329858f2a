"""A coordinator's journey in a real browser: register, match, propose; a place is taken."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from participants.models import Participant
from placements.models import Placement
from tests.browser.helpers import browser_login
from tests.factories import (
    EnterpriseFactory,
    InsatsFactory,
    MunicipalityFactory,
    TrainingOfferFactory,
    business_area,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _free_places(page, offer) -> int:
    page.get_by_role("link", name="Lediga platser", exact=True).first.click()
    page.wait_for_url("**/arbetstraning/lediga-platser/**")
    return int(page.locator(f'tr[data-offer="{offer.pk}"] .free-places').inner_text())


def test_register_match_and_propose(page, coordinator):
    haninge = MunicipalityFactory(name="Haninge", code="0136", is_member=True)
    cafe = business_area("cafe")
    offer = TrainingOfferFactory(
        enterprise=EnterpriseFactory(name="Café Haninge", municipality=haninge),
        title="Kök och servering",
        business_area=cafe,
        capacity=3,
        min_extent=25,
        max_extent=100,
    )
    mia = InsatsFactory(name="MIA")
    browser_login(page, "coordinator")
    assert _free_places(page, offer) == 3

    page.get_by_role("link", name="Deltagare", exact=True).click()
    page.get_by_role("link", name="Registrera deltagare").click()
    page.get_by_label("Personnummer eller samordningsnummer").fill("850312-2387")
    page.get_by_label("Förnamn").fill("Sara")
    page.get_by_label("Efternamn").fill("Lund")
    page.get_by_label("Folkbokföringskommun").select_option(label=str(haninge))
    page.get_by_label(cafe.name).check()
    page.get_by_label("Sjukpenning inkl. rehabiliteringspenning").check()
    # Without consent to sharing with the enterprise no place can be proposed.
    page.get_by_label("Delning av namn och anpassningar med arbetsträningsplatsen").check()
    page.get_by_role("button", name="Spara").click()

    page.get_by_role("heading", level=1, name="Sara Lund").wait_for()
    expect(page.get_by_text("19850312-****")).to_be_visible()
    participant = Participant.objects.get()
    assert participant.personal_number == "198503122387"
    assert participant.sex == "female"

    # A placement belongs to one of the participant's enrolments: enrol first.
    page.get_by_role("link", name="Skriv in i insats").click()
    page.get_by_label("Insats").select_option(label=mia.name)
    page.get_by_role("button", name="Spara").click()
    page.get_by_text("Deltagaren är inskriven.").wait_for()

    page.get_by_role("link", name="Hitta plats").click()
    card = page.locator(f'li[data-offer="{offer.pk}"]')
    expect(card.get_by_text(f"Intresse: {cafe.name}")).to_be_visible()
    expect(card.get_by_text("Samma kommun (Haninge)")).to_be_visible()
    card.get_by_role("button", name="Föreslå Kök och servering").click()
    # The one proposal form, filled in from the match: offer, hours and a message.
    expect(page.get_by_label("Arbetstider")).not_to_have_value("")
    expect(page.get_by_label("Meddelande till företaget")).to_contain_text("Kök och servering")
    page.get_by_role("button", name="Föreslå", exact=True).click()

    page.get_by_text("Förslaget är skickat till Café Haninge.").wait_for()
    placement = Placement.objects.get()
    assert (placement.participant, placement.offer, placement.status) == (
        participant,
        offer,
        "proposed",
    )
    assert _free_places(page, offer) == 2
