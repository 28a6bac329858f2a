"""A funder gets 403 or 404 on every coordinator and enterprise URL.

The URLs are read from the resolver (the participants, enterprises and
placements namespaces), so the test grows with the apps. Every integer in a
URL is 1, and one object of each model is created with primary key 1, so a
view cannot pass by answering 404 for a missing object: it has to refuse the
funder (403) or hide the object from them (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from enterprises.models import CapacityChange
from participants.models import Consent, ParticipantSupportSource
from tests.factories import (
    AnnualFigureFactory,
    AttendanceDayFactory,
    ConsentFactory,
    EnrolmentFactory,
    EnterpriseAgreementFactory,
    EnterpriseFactory,
    FollowUpMeetingFactory,
    InsatsFactory,
    MunicipalityFactory,
    ParticipantFactory,
    PlacementFactory,
    TrainingOfferFactory,
)

pytestmark = pytest.mark.django_db

PROTECTED_NAMESPACES = ["participants", "enterprises", "placements"]
DUMMY = {"int": 1, "str": "1", "slug": "1", "path": "1", "uuid": uuid.UUID(int=1)}


def _walk(resolver: URLResolver, namespace: str) -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry, inner)
        elif entry.name:
            yield namespace, entry


def _kwargs(pattern: URLPattern) -> dict[str, object]:
    converters = getattr(pattern.pattern, "converters", {})
    names = pattern.pattern.regex.groupindex
    kwargs = {}
    for name in names:
        converter = converters.get(name)
        kind = type(converter).__name__.replace("Converter", "").lower() if converter else "str"
        kwargs[name] = DUMMY.get(kind, "1")
    return kwargs


def urls_of(namespaces: list[str]) -> list[str]:
    resolver = get_resolver()
    urls = []
    for namespace in namespaces:
        assert namespace in resolver.namespace_dict, f"namespace {namespace} is not mounted"
        _prefix, inner = resolver.namespace_dict[namespace]
        for full_namespace, pattern in _walk(inner, namespace):
            urls.append(reverse(f"{full_namespace}:{pattern.name}", kwargs=_kwargs(pattern)))
    return urls


def _sequences_past_the_ids_given(*models_):
    """PostgreSQL's sequences do not move for an id given explicitly: the factory's
    own next consent would take id 1 again on a fresh test database."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


@pytest.fixture
def one_of_each(db):
    """An object with primary key 1 for every model a URL might name."""
    municipality = MunicipalityFactory(id=1)
    enterprise = EnterpriseFactory(id=1, municipality=municipality)
    offer = TrainingOfferFactory(id=1, enterprise=enterprise)
    participant = ParticipantFactory(id=1, home_municipality=municipality)
    insats = InsatsFactory(id=1)
    enrolment = EnrolmentFactory(id=1, participant=participant, insats=insats)
    # Before the placement, whose factory adds the sharing consent.
    ConsentFactory(id=1, participant=participant)
    _sequences_past_the_ids_given(Consent)
    placement = PlacementFactory(id=1, participant=participant, offer=offer, enrolment=enrolment)
    AttendanceDayFactory(id=1, placement=placement)
    FollowUpMeetingFactory(id=1, placement=placement)
    AnnualFigureFactory(id=1, enterprise=enterprise)
    EnterpriseAgreementFactory(id=1, enterprise=enterprise)
    CapacityChange.objects.create(id=1, offer=offer, new_capacity=3)
    ParticipantSupportSource.objects.create(
        id=1, participant=participant, phase="start", source="salary"
    )


def assert_refused(client, urls: list[str]) -> None:
    for url in urls:
        get = client.get(url)
        # A POST-only view may answer a GET with 405 before asking who is there.
        assert get.status_code in (403, 404, 405), (url, get.status_code)
        post = client.post(url, {})
        assert post.status_code in (403, 404), (url, post.status_code)


def test_funder_is_refused_every_coordinator_and_enterprise_url(client, funder, one_of_each):
    client.force_login(funder)
    assert_refused(client, urls_of(PROTECTED_NAMESPACES))


@pytest.mark.urls("tests.reports.leaky_urls")
def test_the_check_catches_a_view_that_lets_the_funder_in(client, funder, one_of_each):
    client.force_login(funder)
    urls = urls_of(["participants"])
    assert urls == ["/deltagare/1/1/"]
    with pytest.raises(AssertionError):
        assert_refused(client, urls)


def test_the_walk_finds_urls_and_the_funder_reaches_the_reports(client, funder, one_of_each):
    """The same walk over the funder's own namespace finds pages that answer 200."""
    urls = urls_of(["reports"])
    assert reverse("reports:overview") in urls
    assert reverse("reports:insats-detail", args=[1]) in urls
    client.force_login(funder)
    assert client.get(reverse("reports:overview")).status_code == 200
    assert client.get(reverse("reports:insats-detail", args=[1])).status_code == 200


def test_manager_cannot_see_statistics(client, manager, one_of_each):
    client.force_login(manager)
    for url in urls_of(["reports"]):
        assert client.get(url).status_code == 403, url
