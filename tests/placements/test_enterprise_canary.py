"""Canary: what the coordinator keeps about a participant never reaches an enterprise manager.

Marker strings are seeded in every field the enterprise may not see; then every page
the manager can reach (crawled from the home page, plus every enterprise-side URL,
the downloads and the form error pages) is searched for them. The name and the
agreed workplace adaptations are shared with the enterprise and do appear.
"""

from __future__ import annotations

import io
import re
from collections import Counter, deque
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from participants.identity import format_full, mask
from participants.models import ParticipantSupportSource
from placements.disclosure import Disclosed
from placements.models import Placement
from tests.factories import (
    ConsentFactory,
    EnrolmentFactory,
    FollowUpMeetingFactory,
    InsatsFactory,
    share,
)
from tests.placements.test_enterprise_access import (
    _kwargs_variants,
    enterprise_side_patterns,
)
from tests.worlds.enterprise import enterprise_world

pytestmark = pytest.mark.django_db

SKIP = ("/static/", "/admin/", "/accounts/logout/", "/i18n/")


def _seed(world) -> list[str]:
    """Put markers in every coordinator-only field of the world's participants."""
    markers: list[str] = []
    for placement in [world.active, world.proposal, world.accepted, world.ended]:
        participant = placement.participant
        tag = f"{placement.pk:04d}"
        participant.support_needs = f"CANARY-NEEDS-{tag}"
        participant.notes = f"CANARY-NOTES-{tag}"
        participant.email = f"canary-{tag}@example.se"
        participant.phone = f"070-CANARY-{tag}"
        participant.address = f"CANARY-ADDRESS-{tag}"
        participant.workplace_adaptations = f"SHARED-ADAPTATION-{tag}"
        participant.save()
        # The coordinator shares the new adaptations (the enterprise sees the snapshot).
        share(placement)
        number = participant.personal_number
        markers += [
            participant.support_needs,
            participant.notes,
            participant.email,
            participant.phone,
            participant.address,
            number,
            number[2:],  # YYMMDDNNNN
            f"{number[2:8]}-{number[8:]}",  # YYMMDD-NNNN
            format_full(number),
            mask(number),
            f"{participant.birth_date:%Y-%m-%d}",
        ]
        ParticipantSupportSource.objects.create(
            participant=participant, phase="start", source="sickness_benefit"
        )
        ParticipantSupportSource.objects.create(
            participant=participant, phase="start", source="social_assistance"
        )
        ConsentFactory(participant=participant, note=f"CANARY-CONSENT-{tag}")
        enrolment = EnrolmentFactory(
            participant=participant, insats=InsatsFactory(name=f"CANARY-INSATS-{tag}")
        )
        Placement.objects.filter(pk=placement.pk).update(
            enrolment=enrolment, agreement_support=f"CANARY-AGREEMENT-SUPPORT-{tag}"
        )
        FollowUpMeetingFactory(placement=placement, notes=f"CANARY-FOLLOWUP-{tag}")
        markers += [
            f"CANARY-CONSENT-{tag}",
            f"CANARY-INSATS-{tag}",
            f"CANARY-AGREEMENT-SUPPORT-{tag}",
            f"CANARY-FOLLOWUP-{tag}",
        ]
    # Labels of coordinator-only categories: support sources, end outcome.
    markers += [
        "Sjukpenning inkl. rehabiliteringspenning",
        "Försörjningsstöd (ekonomiskt bistånd)",
        "Förvärvsarbete utan subvention",
        "Planerat avslut",
    ]
    return markers


def _text(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        return "\n".join(
            str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell
        )
    return response.getvalue().decode("utf-8-sig", errors="replace")


def _links(html: str, base: str) -> set[str]:
    """Same-site links of a page; "?query" links are resolved against `base`."""
    links = set()
    for link in re.findall(r'href="([/?][^"#]*)"', html):
        link = link.replace("&amp;", "&")
        if link.startswith("?"):
            link = base.split("?")[0] + link
        if not link.startswith(SKIP):
            links.add(link)
    return links


def _reachable_pages(client, world) -> dict[str, str]:
    """Every page the logged-in manager can reach, by URL (or a description)."""
    pages: dict[str, str] = {}
    # Crawl everything reachable by links from the home page.
    # Month navigation goes back forever: a few URLs per path and set of parameters.
    queue = deque(["/"])
    shapes: Counter[tuple[str, tuple[str, ...]]] = Counter()
    while queue and len(pages) < 200:
        url = queue.popleft()
        path, _sep, query = url.partition("?")
        shape = (path, tuple(sorted(parse_qs(query))))
        if url in pages or shapes[shape] >= 3:
            continue
        shapes[shape] += 1
        response = client.get(url)
        if response.status_code != 200:
            continue
        pages[url] = _text(response)
        queue.extend(link for link in _links(pages[url], url) if link not in pages)
    # Every enterprise-side URL with this world's objects, linked or not.
    for namespace, pattern in enterprise_side_patterns():
        variants = _kwargs_variants(pattern, world) if pattern.pattern.converters else [{}]
        for kwargs in variants:
            url = reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)
            response = client.get(url)
            assert response.status_code in (200, 405), url
            if response.status_code == 200:
                pages[url] = _text(response)
    # The invoice basis and its downloads for the month with the world's present day.
    month = {"month": f"{world.attendance.date:%Y-%m}"}
    for name, args in [
        ("invoice-basis", []),
        ("invoice-export", ["csv"]),
        ("invoice-export", ["xlsx"]),
    ]:
        response = client.get(reverse(f"placements:{name}", args=args), month)
        pages[f"{name} {args} {month}"] = _text(response)
    assert "AktivEtt Deltagare" in pages[f"invoice-export ['xlsx'] {month}"]
    # Form pages shown again with errors.
    decline = reverse("placements:enterprise-proposal-decline", args=[world.proposal.pk])
    pages["decline error"] = client.post(decline, {f"d{world.proposal.pk}-decline_reason": ""}).text
    pages["grid error"] = client.post(
        reverse("placements:attendance-grid"),
        {"shown": [world.active.pk], f"p{world.active.pk}": ["2999-01-01"]},
    ).text
    # Accepting produces a message page.
    pages["accept"] = client.post(
        reverse("placements:enterprise-proposal-accept", args=[world.proposal.pk]), follow=True
    ).text
    return pages


def _leaks(pages: dict[str, str], markers: list[str]) -> list[tuple[str, str]]:
    return [(marker, url) for url, text in pages.items() for marker in markers if marker in text]


def test_markers_never_reach_a_manager_page(client, manager):
    world = enterprise_world(manager, "Ett")
    markers = _seed(world)
    client.force_login(manager)
    pages = _reachable_pages(client, world)
    assert len(pages) >= 20
    assert _leaks(pages, markers) == []
    # What is shared does appear (so the search above looks at real pages).
    everything = "\n".join(pages.values())
    assert "AktivEtt Deltagare" in everything
    assert f"SHARED-ADAPTATION-{world.active.pk:04d}" in everything


def test_the_canary_catches_a_leak(client, manager, monkeypatch):
    """If the enterprise side showed the identity number, the same search would say so."""
    world = enterprise_world(manager, "Ett")
    markers = _seed(world)
    monkeypatch.setattr(
        "placements.views.enterprise.enterprise_disclosure",
        lambda placement, today=None: Disclosed(
            label=placement.participant.personal_number, identified=True, details=True
        ),
    )
    client.force_login(manager)
    leaked = {marker for marker, _url in _leaks(_reachable_pages(client, world), markers)}
    assert world.active.participant.personal_number in leaked
