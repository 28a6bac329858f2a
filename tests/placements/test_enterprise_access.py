"""Isolation between enterprise managers, and role access, over EVERY enterprise-side URL.

The URL patterns are read from the enterprises namespace and from the enterprise
section of placements.urls (views in placements.views.enterprise), so a new URL
is covered without touching this file; a new URL keyword fails loudly until it is
mapped in KWARG_OBJECTS.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from enterprises import urls as enterprise_urls
from enterprises.models import (
    AnnualFigure,
    CapacityChange,
    DevelopmentGoal,
    Enterprise,
    TrainingOffer,
)
from placements import urls as placement_urls
from placements.models import AttendanceDay, Placement
from samordning.policy import Role, roles_granted
from tests.worlds.enterprise import World, enterprise_world

pytestmark = pytest.mark.django_db

ENTERPRISE_SIDE = "placements.views.enterprise"
# URL keywords that name an object of one enterprise (the others, like fmt, do not).
OBJECT_KWARGS = {"enterprise_pk", "offer_pk", "figure_pk", "placement_pk", "goal_pk"}


# The spreadsheet pages (upload forms, the admin-only register) scope by row, not by
# URL: a manager's file naming another enterprise is an error row
# (tests/enterprises/test_import.py); their roles are in the permission matrix.
SPREADSHEET_PAGES = ("enterprises.spreadsheet_views", "samordning.imports")


def _managers_may_use(pattern: URLPattern) -> bool:
    """Pages a manager may not use at all (the association staff's development log)
    answer 403 whatever the enterprise; the permission matrix covers them."""
    callback = pattern.callback
    perm = getattr(callback, "required_perm", None) or getattr(
        getattr(callback, "view_class", None), "required_perm", None
    )
    return not perm or Role.MANAGER in roles_granted(perm)


def enterprise_side_patterns() -> list[tuple[str, URLPattern]]:
    patterns = [
        ("enterprises", p)
        for p in enterprise_urls.urlpatterns
        if p.callback.__module__ not in SPREADSHEET_PAGES and _managers_may_use(p)
    ]
    patterns += [
        ("placements", p)
        for p in placement_urls.urlpatterns
        if isinstance(p, URLPattern) and p.callback.__module__ == ENTERPRISE_SIDE
    ]
    return patterns


def _goal(world: World) -> DevelopmentGoal:
    """A development goal of the world's enterprise (the development plan's pages)."""
    goal = DevelopmentGoal.objects.filter(enterprise=world.enterprise).first()
    return goal or DevelopmentGoal.objects.create(
        enterprise=world.enterprise,
        goal="Bli godkänd leverantör",
        target_date=timezone.localdate(),
    )


def _kwargs_variants(pattern: URLPattern, world: World) -> list[dict]:
    """Every way to fill the pattern's keywords with objects of `world`."""
    names = list(pattern.pattern.converters)
    objects = {
        "enterprise_pk": [world.enterprise.pk],
        "offer_pk": [world.offer.pk],
        "figure_pk": [world.figure.pk],
        "placement_pk": [
            world.active.pk,
            world.proposal.pk,
            world.accepted.pk,
            world.ended.pk,
        ],
        "goal_pk": [_goal(world).pk],
        "fmt": ["csv", "xlsx"],
    }
    unknown = set(names) - set(objects)
    assert not unknown, f"map URL keyword(s) {unknown} of {pattern.name} in this test"
    variants: list[dict] = [{}]
    for name in names:
        variants = [{**v, name: value} for v in variants for value in objects[name]]
    return variants


def _hostile_post(world: World) -> dict:
    """A POST body aimed at `world`'s objects, valid for any of the enterprise-side forms."""
    today = timezone.localdate()
    return {
        "capacity": "0",
        "free_from": f"{today:%Y-%m-%d}",
        f"d{world.proposal.pk}-decline_reason": "other",
        f"d{world.proposal.pk}-decline_note": "nej",
        "shown": [str(world.active.pk)],
        f"p{world.active.pk}": [f"{today - datetime.timedelta(days=2):%Y-%m-%d}"],
        "year": "2024",
        "turnover_sek": "1",
        "employees": "1",
        "employees_target_group": "0",
        "description": "hijacked",
        "contact_name": "hijacked",
        "title": "hijacked",
    }


def _snapshot(world: World) -> tuple:
    return (
        list(Enterprise.objects.filter(pk=world.enterprise.pk).values()),
        list(TrainingOffer.objects.filter(pk=world.offer.pk).values()),
        list(AnnualFigure.objects.filter(enterprise=world.enterprise).values()),
        list(
            Placement.objects.filter(offer=world.offer)
            .order_by("pk")
            .values("pk", "status", "decline_reason", "answered_by")
        ),
        list(
            AttendanceDay.objects.filter(placement__offer=world.offer)
            .order_by("pk")
            .values("placement", "date")
        ),
        CapacityChange.objects.filter(offer=world.offer).count(),
    )


@pytest.fixture
def worlds(manager, manager2):
    return enterprise_world(manager, "Ett"), enterprise_world(manager2, "Tva")


def test_the_test_sees_every_enterprise_side_url():
    names = {f"{ns}:{p.name}" for ns, p in enterprise_side_patterns()}
    # A floor, so the isolation test cannot pass by finding nothing.
    for expected in [
        "enterprises:enterprise-detail",
        "enterprises:annual-figure-update",
        "enterprises:offer-update",
        "enterprises:offer-confirm-capacity",
        "placements:enterprise-proposal-accept",
        "placements:enterprise-placement-detail",
        "placements:attendance-grid",
        "placements:invoice-export",
        "placements:offer-capacity",
    ]:
        assert expected in names


@pytest.mark.parametrize("direction", ["manager sees manager2", "manager2 sees manager"])
def test_managers_get_404_on_every_url_of_the_other(client, manager, manager2, worlds, direction):
    mine, theirs = worlds
    user = manager
    if direction == "manager2 sees manager":
        mine, theirs = theirs, mine
        user = manager2
    client.force_login(user)
    before = _snapshot(theirs)
    checked = 0
    for namespace, pattern in enterprise_side_patterns():
        name = f"{namespace}:{pattern.name}"
        if OBJECT_KWARGS & set(pattern.pattern.converters):
            for kwargs in _kwargs_variants(pattern, theirs):
                url = reverse(name, kwargs=kwargs)
                assert client.get(url).status_code == 404, f"GET {url}"
                assert client.post(url, _hostile_post(theirs)).status_code == 404, f"POST {url}"
                checked += 1
            # My own pages answer (so the 404s above are about scope, not broken URLs).
            for kwargs in _kwargs_variants(pattern, mine):
                url = reverse(name, kwargs=kwargs)
                assert client.get(url).status_code in (200, 405), f"own GET {url}"
        else:
            # Lists and downloads: mine only, and a filter naming theirs is a 404.
            for kwargs in _kwargs_variants(pattern, theirs):
                url = reverse(name, kwargs=kwargs)
                response = client.get(url)
                assert response.status_code == 200, f"own list {url}"
                assert theirs.enterprise.name.encode() not in response.getvalue()
                assert theirs.active.participant.first_name.encode() not in response.getvalue()
                filtered = client.get(url, {"enterprise": theirs.enterprise.pk})
                assert filtered.status_code == 404 or (
                    filtered.status_code == 200
                    and theirs.enterprise.name.encode() not in filtered.getvalue()
                ), f"GET {url}?enterprise=theirs"
                posted = client.post(url, _hostile_post(theirs))
                assert posted.status_code in (404, 405), f"POST {url}"
                checked += 1
    # Objects of the other enterprise nested under my own enterprise's URL.
    figure_url = reverse(
        "enterprises:annual-figure-update",
        kwargs={"enterprise_pk": mine.enterprise.pk, "figure_pk": theirs.figure.pk},
    )
    assert client.get(figure_url).status_code == 404
    assert client.post(figure_url, _hostile_post(theirs)).status_code == 404
    assert checked >= 20
    assert _snapshot(theirs) == before


def test_funder_gets_403_everywhere(client, funder, manager):
    world = enterprise_world(manager, "Ett")
    client.force_login(funder)
    for namespace, pattern in enterprise_side_patterns():
        for kwargs in _kwargs_variants(pattern, world) if pattern.pattern.converters else [{}]:
            url = reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)
            assert client.get(url).status_code == 403, url
            assert client.post(url, _hostile_post(world)).status_code == 403, url


def test_coordinator_may_read_enterprises_and_invoice_basis_but_not_edit(
    client, coordinator, manager
):
    world = enterprise_world(manager, "Ett")
    client.force_login(coordinator)
    readable = [
        reverse("enterprises:enterprise-list"),
        reverse("enterprises:enterprise-detail", args=[world.enterprise.pk]),
        reverse("enterprises:offer-detail", args=[world.offer.pk]),
        reverse("placements:invoice-basis") + f"?enterprise={world.enterprise.pk}",
        reverse("placements:invoice-export", args=["csv"]),
    ]
    for url in readable:
        assert client.get(url).status_code == 200, url
    forbidden = [
        reverse("enterprises:enterprise-update", args=[world.enterprise.pk]),
        reverse("enterprises:offer-update", args=[world.offer.pk]),
        reverse("enterprises:offer-pause", args=[world.offer.pk]),
        reverse("placements:offer-capacity", args=[world.offer.pk]),
        reverse("placements:enterprise-proposal-list"),
        reverse("placements:enterprise-proposal-accept", args=[world.proposal.pk]),
        reverse("placements:enterprise-placement-list"),
        reverse("placements:attendance-grid"),
    ]
    for url in forbidden:
        assert client.get(url).status_code == 403, url
        assert client.post(url, _hostile_post(world)).status_code == 403, url
    assert TrainingOffer.objects.get(pk=world.offer.pk).capacity == 5
    assert Placement.objects.get(pk=world.proposal.pk).status == "proposed"


def test_admin_reaches_every_enterprise(client, admin_user, manager):
    world = enterprise_world(manager, "Ett")
    client.force_login(admin_user)
    for namespace, pattern in enterprise_side_patterns():
        for kwargs in _kwargs_variants(pattern, world) if pattern.pattern.converters else [{}]:
            url = reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)
            assert client.get(url).status_code in (200, 405), url
