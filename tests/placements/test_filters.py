"""The list filters' options: read by queries compiled once, labelled as the models are."""

from __future__ import annotations

import pytest
from django.urls import reverse

from participants.models import Insats
from samordning.models import BusinessArea, Municipality
from tests.factories import (
    InsatsFactory,
    MunicipalityFactory,
    ParticipantFactory,
    UserFactory,
    business_area,
)

pytestmark = pytest.mark.django_db


def _options(response, name):
    field = response.context["filter"].form.fields[name]
    return [(str(value), str(label)) for value, label in field.widget.choices]


def _as_models(objects):
    return [("", "Alla")] + [(str(obj.pk), str(obj)) for obj in objects]


def test_participant_list_options_are_every_insats_and_municipality_and_the_sharers(
    client, coordinator, coordinator2, admin_user
):
    from samordning.policy import Role

    MunicipalityFactory(name="Tyresö", code="0138")
    MunicipalityFactory(name="Haninge", code="0136")
    InsatsFactory(name="MIA")
    stranger = UserFactory(roles=[Role.COORDINATOR], first_name="", last_name="")
    ParticipantFactory(coordinators=[coordinator, coordinator2])
    ParticipantFactory(coordinators=[stranger])
    url = reverse("participants:participant-list")
    for user, coordinators in [
        (coordinator, [coordinator2, coordinator]),
        (admin_user, None),
    ]:
        client.force_login(user)
        # Twice: the second time from the queries compiled the first time.
        for _again in range(2):
            response = client.get(url)
            assert _options(response, "insats") == _as_models(Insats.objects.all())
            assert _options(response, "municipality") == _as_models(Municipality.objects.all())
            offered = _options(response, "coordinator")
            if coordinators is not None:
                # Those who share the caseload, in the users' order.
                ordered = sorted(coordinators, key=lambda u: (u.last_name, u.first_name))
                assert offered == [("", "Alla")] + [(str(u.pk), u.get_full_name()) for u in ordered]
            else:
                assert (str(stranger.pk), stranger.username) in offered
                assert len(offered) == 4
    # A value chosen is still checked by the scoped queryset: the stranger is no
    # choice of the coordinator's.
    client.force_login(coordinator)
    response = client.get(url, {"coordinator": stranger.pk})
    assert response.context["filter"].form.errors["coordinator"]


def test_free_places_options_are_every_area_and_municipality(client, coordinator):
    MunicipalityFactory(name="Nynäshamn", code="0192")
    business_area("cafe")
    business_area("snickeri")
    client.force_login(coordinator)
    for _again in range(2):
        response = client.get(reverse("placements:offer-free-list"))
        assert _options(response, "business_area") == _as_models(BusinessArea.objects.all())
        assert _options(response, "municipality") == _as_models(Municipality.objects.all())
