"""The funder pages run the same number of queries whatever the amount of data.

Small: the hand-built data set. Large: `build_scaled(20)` (240 participants,
20 enterprises and offers, placements and attendance). Demo: `seed_demo` at
scale 1 and at scale 20 (6,000 participants). The same bound holds for all.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from participants.models import Insats, Participant
from reports.catalogue import OVERVIEW_TABLES
from tests.worlds.statistics import build_scaled, build_small

pytestmark = pytest.mark.django_db

# GET /statistik/?year=2024, at most 30 queries:
#  1 session, 2 user, 3 SAVEPOINT (ATOMIC_REQUESTS), 4 the user's groups (roles),
#  5 enterprises and turnover per year, 6 places at every point (one aggregate),
#  7 places held at every point (one aggregate), 8-14 participants by sex, age band,
#  ESF age band, municipality, referrer, education and support source group,
#  15 outcomes, 16 support source before/after, 17 placement lengths (counts and
#  averages), 18-20 the median of each non-empty length group (OFFSET, one or two
#  rows), 21 attendance per enterprise and year, 22-23 insats targets (the insatser,
#  then their enrolments grouped, each person's record key summed once), 24 the
#  insats list, 25 the municipality choices in the filter, 26-28 enterprise
#  development (support per year and kind, milestones per year and kind, places at
#  each year end: one aggregate), 29 parked people per reason, 30 RELEASE SAVEPOINT.
# Every count of people carries its cell key from the same query (SUM beside COUNT).
OVERVIEW_QUERIES = 30

# GET /statistik/foretagsutveckling/?year=2024, at most 10 queries:
#  1 session, 2 user, 3 SAVEPOINT, 4 groups, 5 enterprises, turnover and employees
#  per year, 6 support per year and kind, 7 milestones per year and kind, 8 places at
#  every year end (one aggregate), 9 the municipality choices, 10 RELEASE SAVEPOINT.
DEVELOPMENT_QUERIES = 10

# GET /statistik/esf/<pk>/?year=2024, at most 10 queries:
#  1 session, 2 user, 3 SAVEPOINT, 4 groups, 5 the insats, 6-8 entry, exit and
#  six-month indicators (each one query grouped by sex, keys summed beside the
#  counts), 9 the municipality choices, 10 RELEASE SAVEPOINT.
ESF_QUERIES = 10

# GET /statistik/insats/<pk>/?year=2024, at most 9 queries:
#  1 session, 2 user, 3 SAVEPOINT, 4 groups, 5 the insats, 6 participants by sex
#  (also gives the budget table its count), 7 outcomes (both outcome tables),
#  8 the municipality choices, 9 RELEASE SAVEPOINT.
INSATS_QUERIES = 9


@pytest.fixture(params=["small", "large"])
def dataset(request, db):
    if request.param == "small":
        build_small()
    else:
        build_scaled(20)
    return request.param


def test_overview_query_count(client, funder, dataset, django_assert_max_num_queries):
    client.force_login(funder)
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        response = client.get(reverse("reports:overview") + "?year=2024")
    assert response.status_code == 200


def test_insats_page_query_count(client, funder, dataset, django_assert_max_num_queries):
    insats = Insats.objects.get(name="MIA")
    client.force_login(funder)
    with django_assert_max_num_queries(INSATS_QUERIES):
        response = client.get(reverse("reports:insats-detail", args=[insats.pk]) + "?year=2024")
    assert response.status_code == 200


def test_development_page_query_count(client, funder, dataset, django_assert_max_num_queries):
    client.force_login(funder)
    with django_assert_max_num_queries(DEVELOPMENT_QUERIES):
        response = client.get(reverse("reports:development") + "?year=2024")
    assert response.status_code == 200


def test_esf_page_query_count(client, funder, dataset, django_assert_max_num_queries):
    insats = Insats.objects.get(name="MIA")
    Insats.objects.filter(pk=insats.pk).update(esf_funded=True)
    client.force_login(funder)
    with django_assert_max_num_queries(ESF_QUERIES):
        response = client.get(reverse("reports:esf", args=[insats.pk]) + "?year=2024")
    assert response.status_code == 200


def test_the_large_data_set_is_large(dataset):
    expected = 14 if dataset == "small" else 240
    assert Participant.objects.count() == expected


@pytest.mark.parametrize("scale", [1, 20])
def test_overview_query_count_on_the_demo(client, db, scale, django_assert_max_num_queries):
    call_command("seed_demo", force=True, scale=scale, password="pw", stdout=StringIO())
    from samordning.models import User

    client.force_login(User.objects.get(username="funder"))
    for query in ("", "?year=2014", "?year=2025&quarter=2"):
        with django_assert_max_num_queries(OVERVIEW_QUERIES):
            response = client.get(reverse("reports:overview") + query)
        assert response.status_code == 200
    assert Participant.objects.count() == 300 * scale


# GET /statistik/tabell/<slug>.csv?year=2024, at most 12 queries for any table:
#  1 session, 2 user, 3 SAVEPOINT, 4 groups, 5 the municipality filter's choices
#  (validation), then the table's own queries (at most 6: the places table's two,
#  the placement lengths' aggregate and three medians; one for most), the last
#  RELEASE SAVEPOINT. Every count of people brings its cell key in the same query.
EXPORT_QUERIES = 12


@pytest.mark.parametrize("slug", sorted(OVERVIEW_TABLES))
def test_every_download_has_a_constant_query_count(
    client, funder, dataset, slug, django_assert_max_num_queries
):
    client.force_login(funder)
    with django_assert_max_num_queries(EXPORT_QUERIES):
        response = client.get(reverse("reports:table-export", args=[slug, "csv"]) + "?year=2024")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
