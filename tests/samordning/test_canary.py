"""Canary: marker strings in every sensitive field; every page and download each role can
reach is fetched; markers a role may not see appear 0 times.

The world is tests/samordning/access_world.py: `participant` (coordinator's caseload,
placed at manager's enterprise) and `participant2` (coordinator2's, placed at
manager2's) carry a marker in every sensitive field, and the personal number is
searched in every written form. "Every page a role can reach" is every URL of the
permission matrix that answers that role's GET with 200 (downloads included: CSV,
XLSX read with openpyxl, JSON), the pages those link to (query variants such as
?period=past, ?page=, ?format=csv), every POST the matrix answers with a page (a form
shown again, the revealed number), and for the admin every admin page.

Who may see what (DOMAIN.md, "Who uses it" and "Data protection"):
- coordinator and admin: everything about the coordinator's own participant
  (the admin: everyone); never the other caseload's participant (coordinator);
- manager: the placed participant's name, agreed workplace adaptations, the
  three-party agreement's tasks and hours, the schedule and the coordinator's message
  with the proposal (and the manager's own decline note); never the personal number
  or birth date, contact data, support needs, notes, consents, the agreement's support
  part, follow-up notes, support sources or end reason and outcome;
- manager2, coordinator2: nothing of the other side's participant;
- funder and anonymous: no marker at all.

The participant's support sources, end reason and outcome are stored as codes: their
Swedish labels are the markers. A page that lists every label of the category (a
form's choices, a filter, a table of all categories) does not count for a label:
that is the list, not the person.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter, deque
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from openpyxl import load_workbook

from participants.choices import EndReason, Outcome, SupportSource
from participants.models import Consent
from placements.models import SharedSnapshot
from reports.catalogue import OUTCOME_ROWS
from samordning.models import User
from tests.samordning.test_permission_matrix import MATRIX, admin_urls, row_urls
from tests.worlds.access import (
    END_LABELS,
    MARKERS,
    MARKERS_2,
    MARKERS_3,
    ROLES,
    SUPPORT_SOURCE_LABELS,
    Setup,
)
from tests.worlds.access import access_fixture as access_fixture  # the fixture

LABELS = {**SUPPORT_SOURCE_LABELS, **END_LABELS}
# Every label of the category each label marker belongs to.
CATEGORY: dict[str, list[str]] = {
    **{key: [str(label) for label in SupportSource.labels] for key in SUPPORT_SOURCE_LABELS},
    "end_outcome": [str(label) for label in Outcome.labels],
    "end_reason": [str(label) for label in EndReason.labels],
}
# A table of every report group (the funders' SUS outcome rows) is a list of the
# category too: it names the groups whether or not anyone is in them.
CATEGORY_AS_REPORT_ROWS: dict[str, list[str]] = {
    "end_outcome": [str(label) for label, _codes in OUTCOME_ROWS],
}
ALL_1 = {**MARKERS, **LABELS}

MANAGER_MAY_SEE = {
    "first_name",
    "last_name",
    "workplace_adaptations",
    "agreement_tasks",
    "agreement_hours",
    "schedule",
    "proposal_note",
    "decline_note",
}
MANAGER2_MAY_SEE = {"first_name_2", "last_name_2", "workplace_adaptations_2"}

# Markers (by key) each role must never be shown. participant3 withdrew the consent
# to sharing with the enterprise: no manager sees any of its markers, though it is
# placed at manager's enterprise and a snapshot of its name and adaptations is stored.
FORBIDDEN: dict[str, set[str]] = {
    "anonymous": set(ALL_1) | set(MARKERS_2) | set(MARKERS_3),
    "funder": set(ALL_1) | set(MARKERS_2) | set(MARKERS_3),
    "coordinator": set(MARKERS_2),
    "coordinator2": set(ALL_1) | set(MARKERS_3),
    "manager": (set(ALL_1) - MANAGER_MAY_SEE) | set(MARKERS_2) | set(MARKERS_3),
    "manager2": set(ALL_1) | (set(MARKERS_2) - MANAGER2_MAY_SEE) | set(MARKERS_3),
    "admin": set(),
}

# Markers each role must find somewhere: proof the crawl reads the pages that matter.
MUST_SEE: dict[str, set[str]] = {
    "coordinator": set(ALL_1) | set(MARKERS_3),
    "admin": set(ALL_1)
    | set(MARKERS_3)
    | {"first_name_2", "support_needs_2", "personal_number_masked_2"},
    "coordinator2": {"first_name_2", "support_needs_2", "personal_number_masked_2"},
    "manager": MANAGER_MAY_SEE - {"decline_note"},  # the decline note is not shown back
    "manager2": MANAGER2_MAY_SEE,
}

# Not followed as links: logout and language switches; the admin's own links (filters,
# sort orders, popups) multiply without end, its pages come from admin_urls() instead.
SKIP = ("/static/", "/accounts/logout/", "/i18n/", "/admin/")
MAX_PAGES = 400
MAX_PER_SHAPE = 3


def marker_text(key: str) -> str:
    return {**ALL_1, **MARKERS_2, **MARKERS_3}[key]


def response_text(response: Any) -> str:
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.getvalue()), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if content_type.startswith("application/json"):
        # Decoded, so escapes (\u00e5) cannot hide a marker.
        return json.dumps(json.loads(response.getvalue()), ensure_ascii=False)
    return response.getvalue().decode("utf-8-sig", errors="replace")


def same_site_links(html: str, base: str) -> set[str]:
    links = set()
    for link in re.findall(r'href="([/?][^"#]*)"', html):
        link = link.replace("&amp;", "&")
        if link.startswith("?"):
            link = base.split("?")[0] + link
        if not link.startswith(SKIP):
            links.add(link)
    return links


def reachable(setup: Setup, role: str) -> dict[str, str]:
    """Text of every page and download `role` reaches, by URL (POSTs as "POST url")."""
    client: Client = setup.clients[role]
    pages: dict[str, str] = {}
    queue: deque[str] = deque()
    for name, row in MATRIX.items():
        urls = row_urls(row, name, setup.world)
        if row.expected("GET")[role] == "200":
            queue.extend(urls)
        if row.expected("POST")[role] == "200":
            for url in urls:
                with transaction.atomic():
                    response = client.post(url, row.data(setup.world))
                    transaction.set_rollback(True)
                assert response.status_code == 200, url
                pages[f"POST {url}"] = response_text(response)
    if role == "admin":
        queue.extend(url for _kind, url, _model_admin in admin_urls(setup.world))
    # Every page the matrix lists, then what they link to (a few per path and
    # set of parameters: month navigation goes back forever).
    shapes: Counter[tuple[str, tuple[str, ...]]] = Counter()
    with transaction.atomic():
        while queue and len(pages) < MAX_PAGES:
            url = queue.popleft()
            parts = urlsplit(url)
            shape = (parts.path, tuple(sorted(parse_qs(parts.query))))
            if url in pages or shapes[shape] >= MAX_PER_SHAPE:
                continue
            try:
                resolve(parts.path)
            except Resolver404:
                continue
            shapes[shape] += 1
            response = client.get(url)
            if response.status_code != 200:
                continue
            pages[url] = response_text(response)
            if response.get("Content-Type", "").startswith("text/html"):
                queue.extend(same_site_links(pages[url], url))
        transaction.set_rollback(True)
    return pages


def lists_the_category(page: str, key: str) -> bool:
    return any(
        key in lists and all(label in page for label in lists[key])
        for lists in (CATEGORY, CATEGORY_AS_REPORT_ROWS)
    )


def found(pages: dict[str, str], keys: set[str]) -> dict[str, list[str]]:
    """Marker key -> the pages it appears on."""
    hits: dict[str, list[str]] = {}
    for key in keys:
        text = marker_text(key)
        where = [
            url for url, page in pages.items() if text in page and not lists_the_category(page, key)
        ]
        if where:
            hits[key] = where
    return hits


@pytest.mark.parametrize("role", ROLES)
def test_no_marker_reaches_a_role_that_may_not_see_it(access: Setup, db: None, role: str):
    pages = reachable(access, role)
    assert pages, "the crawl reached nothing"
    leaks = found(pages, FORBIDDEN[role])
    assert leaks == {}, f"{role} is shown markers it may not see"
    # The crawl reads real pages: what the role may see does appear.
    must = MUST_SEE.get(role, set())
    assert set(found(pages, must)) == must


def test_the_crawl_reaches_downloads_and_forms(access: Setup, db: None):
    pages = reachable(access, "coordinator")
    assert any("/export.json" in url for url in pages)
    assert any("/fakturaunderlag/xlsx/" in url for url in pages)
    assert any("/fakturaunderlag/csv/" in url for url in pages)
    assert any(url.startswith("POST ") and "visa-personnummer" in url for url in pages)
    assert len(pages) >= 30


def plant_in_shared_field(setup: Setup) -> None:
    """A coordinator-only text copied into what was shared with the enterprise."""
    SharedSnapshot.objects.filter(placement=setup.world.active).update(
        workplace_adaptations=MARKERS["support_needs"]
    )


def plant_withdrawn_sharing_shown(setup: Setup) -> None:
    """participant3's withdrawn sharing consent made valid again (a disclosure that
    ignored the consent would look like this)."""
    Consent.objects.filter(participant=setup.world.participant3).update(withdrawn_on=None)


def plant_responsibility(setup: Setup) -> None:
    """The other caseload's coordinator made responsible for the participant."""
    setup.world.participant.coordinators.add(setup.world.users["coordinator2"])


def plant_person_on_funder_page(setup: Setup) -> None:
    """A person's name on a page the funder sees (here: the funder's own greeting)."""
    User.objects.filter(pk=setup.world.users["funder"].pk).update(first_name=MARKERS["first_name"])


@pytest.mark.parametrize(
    ("role", "plant", "leaked"),
    [
        ("manager", plant_in_shared_field, "support_needs"),
        ("manager", plant_withdrawn_sharing_shown, "workplace_adaptations_3"),
        ("coordinator2", plant_responsibility, "notes"),
        ("coordinator2", plant_responsibility, "support_source_sickness"),
        ("funder", plant_person_on_funder_page, "first_name"),
    ],
)
def test_the_canary_catches_a_leak(access: Setup, db: None, role, plant, leaked):
    """Plant a forbidden marker where the role can see it: the same search reports it."""
    plant(access)
    leaks = found(reachable(access, role), FORBIDDEN[role])
    assert leaked in leaks
