"""The exact per-insats report for Uppföljning Finsam: admins only, every look logged."""

import csv
import io

import pytest
from django.urls import reverse

from samordning.models import AuditAction, AuditLog
from tests.worlds.statistics import build_small

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:finsam-followup")
URLS = [
    PAGE,
    reverse("reports:finsam-export", args=["csv"]),
    reverse("reports:finsam-export", args=["xlsx"]),
]


@pytest.fixture
def data(db):
    return build_small()


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("role", ["funder", "coordinator", "manager"])
def test_funders_and_coordinators_cannot_reach_it(client, data, url, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url, {"year": 2024}).status_code == 403
    assert not AuditLog.objects.exists()


def test_the_funder_page_links_to_it_only_for_admins(client, data, funder, admin_user):
    client.force_login(funder)
    assert PAGE not in client.get(reverse("reports:overview")).text
    client.force_login(admin_user)
    assert PAGE in client.get(reverse("reports:overview")).text


def test_admin_sees_exact_counts_and_the_look_is_logged(client, data, admin_user):
    client.force_login(admin_user)
    response = client.get(PAGE, {"year": 2024})
    assert response.status_code == 200
    table = response.context["item"].table
    # Exact (these are below the funder pages' threshold): MIA 2024 has F1-F5, M1-M5, X1.
    assert table.export_rows() == [
        ["Arbetsträning ASF", 1, 0, 0, 1],
        ["MIA", 5, 5, 1, 11],
    ]
    rows = AuditLog.objects.filter(action=AuditAction.VIEW, user=admin_user)
    assert sorted(r.object_repr for r in rows) == ["Arbetsträning ASF", "MIA"]
    assert all("exact statistics" in r.detail for r in rows)


def test_admin_download_is_exact_and_logged(client, data, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("reports:finsam-export", args=["csv"]), {"year": 2024})
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Insats", "Kvinna", "Man", "Annat/ej angivet", "Totalt"]
    assert rows[2] == ["MIA", "5", "5", "1", "11"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == 2
