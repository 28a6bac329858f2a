"""The admin's changelists of the large tables: a fixed number of queries whatever
the number of rows (issue 13: the placement list made two queries per row), and no
exact count of the whole table beside the filtered one."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from participants.models import Participant
from placements.models import AttendanceDay, Placement
from samordning.admin import EstimatedCountPaginator
from samordning.models import AuditLog
from tests import factories as f


@pytest.mark.parametrize("count", [3, 30])
def test_placement_changelist_queries_do_not_grow(
    client: Any, admin_user: Any, django_assert_max_num_queries: Any, count: int
) -> None:
    for _ in range(count):
        f.PlacementFactory(offer=f.TrainingOfferFactory(capacity=5))
    client.force_login(admin_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:placements_placement_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


@pytest.mark.parametrize("count", [3, 30])
def test_participant_changelist_queries_do_not_grow(
    client: Any, admin_user: Any, django_assert_max_num_queries: Any, count: int
) -> None:
    for _ in range(count):
        f.ParticipantFactory()
    client.force_login(admin_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:participants_participant_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


@pytest.mark.parametrize("model", [Participant, Placement, AttendanceDay, AuditLog])
def test_large_tables_have_no_full_count_and_no_date_hierarchy(model: Any) -> None:
    model_admin = admin.site._registry[model]
    assert model_admin.show_full_result_count is False
    assert model_admin.date_hierarchy is None
    assert model_admin.paginator is EstimatedCountPaginator


def test_personal_data_changelists_show_fifty_rows(client: Any, admin_user: Any) -> None:
    """Every personal-data admin pages by 50 (the admin's per-cell rendering was half
    the changelist's time at 100); the 51st person is on the second page."""
    from samordning.admin import AuditedAdminMixin

    audited = [a for a in admin.site._registry.values() if isinstance(a, AuditedAdminMixin)]
    assert audited and all(a.list_per_page == 50 for a in audited)
    for _ in range(51):
        f.ParticipantFactory()
    client.force_login(admin_user)
    url = reverse("admin:participants_participant_changelist")
    assert len(client.get(url).context["cl"].result_list) == 50
    assert len(client.get(url, {"p": 2}).context["cl"].result_list) == 1
