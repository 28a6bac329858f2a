"""htmx as progressive enhancement: each action is a normal form POST (or GET) that
works without JavaScript; with the HX-Request header the same URL answers with the
part of the page that changes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from placements.models import PlacementStatus
from tests.factories import ParticipantFactory
from tests.helpers import audit_rows_about, last_audit_pk
from tests.worlds.enterprise import enterprise_world

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(manager):
    return enterprise_world(manager, "Ett")


def test_accept_in_the_list_without_and_with_htmx(client, manager, world, manager2):
    client.force_login(manager)
    listing = client.get(reverse("placements:enterprise-proposal-list")).text
    url = reverse("placements:enterprise-proposal-accept", args=[world.proposal.pk])
    assert f'hx-post="{url}"' in listing
    assert f'hx-target="#proposal-card-{world.proposal.pk}"' in listing
    assert f'id="proposal-card-{world.proposal.pk}"' in listing
    # htmx: the card, replaced by the answer; no page, no redirect, no message left over.
    response = client.post(url, **HX)
    assert response.status_code == 200
    assert response.text.startswith("<section")
    assert f'id="proposal-card-{world.proposal.pk}"' in response.text
    assert "Du har accepterat förslaget om ForslagEtt Deltagare" in response.text
    assert "<html" not in response.text
    world.proposal.refresh_from_db()
    assert world.proposal.status == PlacementStatus.ACCEPTED
    assert "Du har accepterat" not in client.get(reverse("home")).text
    # A refusal is shown in the card too.
    refused = client.post(url, **HX)
    assert "alert-danger" in refused.text and "<html" not in refused.text


def test_accept_without_htmx_redirects_with_a_message(client, manager, world):
    client.force_login(manager)
    url = reverse("placements:enterprise-proposal-accept", args=[world.proposal.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("placements:enterprise-proposal-list")


def test_decline_in_the_list_with_htmx(client, manager, world):
    client.force_login(manager)
    pk = world.proposal.pk
    url = reverse("placements:enterprise-proposal-decline", args=[pk])
    listing = client.get(reverse("placements:enterprise-proposal-list")).text
    assert f'hx-post="{url}"' in listing
    # Without a reason: the card again, with the error on its field, focused; no page.
    refused = client.post(url, {f"d{pk}-decline_reason": ""}, **HX)
    assert refused.status_code == 200
    assert refused.text.lstrip().startswith("<section")
    assert f'id="proposal-card-{pk}"' in refused.text and "<html" not in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert "autofocus" in refused.text
    world.proposal.refresh_from_db()
    assert world.proposal.status == PlacementStatus.PROPOSED
    # "Annat" without a comment: the service's rule, on the comment field.
    other = client.post(url, {f"d{pk}-decline_reason": "other"}, **HX)
    assert "<html" not in other.text and 'aria-invalid="true"' in other.text
    # With a reason: the card becomes the answer.
    answered = client.post(url, {f"d{pk}-decline_reason": "timing"}, **HX)
    assert "Du har tackat nej till förslaget om ForslagEtt Deltagare" in answered.text
    assert "<html" not in answered.text and 'role="status"' in answered.text
    world.proposal.refresh_from_db()
    assert world.proposal.status == PlacementStatus.DECLINED
    assert "Du har tackat nej" not in client.get(reverse("home")).text


def test_decline_without_htmx_is_its_own_page(client, manager, world):
    client.force_login(manager)
    pk = world.proposal.pk
    url = reverse("placements:enterprise-proposal-decline", args=[pk])
    refused = client.post(url, {f"d{pk}-decline_reason": ""})
    assert refused.status_code == 200 and "<html" in refused.text
    assert "autofocus" not in refused.text
    done = client.post(url, {f"d{pk}-decline_reason": "timing"})
    assert done.status_code == 302
    assert done["Location"] == reverse("placements:enterprise-proposal-list")


def test_confirm_capacity_without_and_with_htmx(client, manager, world):
    offer = world.offer
    offer.last_confirmed = timezone.localdate().replace(year=2020)
    offer.save(update_fields=["last_confirmed"])
    client.force_login(manager)
    page = client.get(offer.get_absolute_url()).text
    url = reverse("enterprises:offer-confirm-capacity", args=[offer.pk])
    assert f'hx-post="{url}"' in page and 'hx-target="#capacity-confirmed"' in page
    assert "Tagna i dag" in page and "Lediga i dag" in page  # issue 17
    response = client.post(url, **HX)
    assert response.status_code == 200
    assert response.text.startswith('<dd class="col-sm-8" id="capacity-confirmed">')
    assert "Tack! Platsantalet är bekräftat i dag." in response.text
    assert "Behöver bekräftas" not in response.text
    offer.refresh_from_db()
    assert offer.last_confirmed == timezone.localdate()
    plain = client.post(url)
    assert plain.status_code == 302 and plain["Location"] == offer.get_absolute_url()


def test_participant_list_filters_as_you_type(client, coordinator):
    mine = ParticipantFactory(first_name="Zelda", last_name="Ek")
    mine.coordinators.add(coordinator)
    other = ParticipantFactory(first_name="Adam", last_name="Ek")
    other.coordinators.add(coordinator)
    client.force_login(coordinator)
    url = reverse("participants:participant-list")
    page = client.get(url, {"q": "Zelda"}).text
    assert 'hx-target="#participant-results"' in page and "<html" in page
    partial = client.get(url, {"q": "Zelda"}, **HX).text
    assert partial.lstrip().startswith('<div id="participant-results"')
    assert "<html" not in partial and "Sök och filtrera" not in partial
    # By link, not by name: a coordinator's random name may also be "Adam".
    detail = "participants:participant-detail"
    assert reverse(detail, args=[mine.pk]) in partial
    assert reverse(detail, args=[other.pk]) not in partial


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "page"])
def test_a_decline_shown_again_with_its_errors_is_logged(client, manager, world, headers):
    """The refused decline shows the proposal again (the name and what was shared): a
    read like the list's, on the person shown."""
    client.force_login(manager)
    pk = world.proposal.pk
    url = reverse("placements:enterprise-proposal-decline", args=[pk])
    before = last_audit_pk()
    refused = client.post(url, {f"d{pk}-decline_reason": ""}, **headers)
    assert refused.status_code == 200
    assert "ForslagEtt Deltagare" in refused.text
    assert audit_rows_about(world.proposal.participant, before)
