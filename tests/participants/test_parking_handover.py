"""Parking a participant, and handing participants over to another coordinator."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from participants import services
from participants.models import Parking, Participant, ResponsibilityChange
from placements.selectors.participants import (
    ParticipantStatus,
    participant_list_queryset,
    with_status_labels,
)
from samordning.models import AuditAction, AuditLog
from tests.factories import EnrolledParticipantFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


# --- parking --------------------------------------------------------------------------


def test_park_and_end_early(coordinator):
    person = EnrolledParticipantFactory(coordinators=[coordinator])
    parking = services.parking_start(
        participant=person, user=coordinator, reason="health", until=TODAY + 30 * DAY
    )
    assert services.current_parking(person, TODAY) == parking
    listed = participant_list_queryset(coordinator, today=TODAY).filter(pk=person.pk)
    [row] = with_status_labels(listed, today=TODAY)
    assert row.status == ParticipantStatus.PARKED
    with pytest.raises(ValidationError) as error:
        services.parking_start(
            participant=person, user=coordinator, reason="other", until=TODAY + DAY
        )
    assert error.value.code == "parked"
    services.parking_end(parking=parking, user=coordinator)
    assert services.current_parking(person, TODAY) is None
    parking.refresh_from_db()
    assert parking.ended_on == TODAY and parking.ended_by == coordinator
    with pytest.raises(ValidationError):
        services.parking_end(parking=parking, user=coordinator)
    assert AuditLog.objects.filter(subjects=f",{person.pk},", detail__startswith="parked").exists()


def test_parking_needs_a_listed_reason_and_a_date_from_today(coordinator):
    person = EnrolledParticipantFactory(coordinators=[coordinator])
    with pytest.raises(ValidationError) as error:
        services.parking_start(
            participant=person, user=coordinator, reason="bored", until=TODAY + DAY
        )
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.parking_start(
            participant=person, user=coordinator, reason="health", until=TODAY - DAY
        )
    assert "until" in error.value.message_dict
    assert not Parking.objects.exists()


def test_participant_page_shows_the_parking_and_the_form_parks(coordinator, client):
    person = EnrolledParticipantFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    form = client.get(
        reverse("participants:parking-create", args=[person.pk]) + "?reason=after_decline"
    )
    assert form.context["form"].initial["reason"] == "after_decline"
    response = client.post(
        reverse("participants:parking-create", args=[person.pk]),
        {"reason": "after_decline", "until": (TODAY + 14 * DAY).isoformat()},
    )
    assert response.status_code == 302
    page = client.get(reverse("participants:participant-detail", args=[person.pk]))
    assert page.context["parking"].reason == "after_decline"
    assert "Efter ett avböjt förslag" in page.content.decode()


def test_parking_pages_404_for_another_caseload(coordinator, coordinator2, client):
    person = EnrolledParticipantFactory(coordinators=[coordinator2])
    parking = Parking.objects.create(
        participant=person, reason="health", since=TODAY, until=TODAY + DAY
    )
    client.force_login(coordinator)
    assert client.get(reverse("participants:parking-create", args=[person.pk])).status_code == 404
    url = reverse("participants:parking-end", args=[person.pk, parking.pk])
    assert client.post(url).status_code == 404
    assert Parking.objects.get(pk=parking.pk).ended_on is None


# --- handover -------------------------------------------------------------------------


def test_handover_moves_many_in_one_step_and_keeps_history(admin_user, coordinator, coordinator2):
    people = [ParticipantFactory(coordinators=[coordinator]) for _ in range(3)]
    stays = ParticipantFactory(coordinators=[coordinator])
    changes = services.handover(
        participants=people[:2] + [people[2]],
        from_user=coordinator,
        to_user=coordinator2,
        user=admin_user,
        note="Föräldraledig från 1 mars",
    )
    assert len(changes) == 3
    for person in people:
        assert list(person.coordinators.all()) == [coordinator2]
        change = ResponsibilityChange.objects.get(participant=person)
        assert (change.from_user, change.to_user, change.changed_by) == (
            coordinator,
            coordinator2,
            admin_user,
        )
        assert change.note == "Föräldraledig från 1 mars"
        assert AuditLog.objects.filter(
            action=AuditAction.UPDATE, subjects=f",{person.pk},", detail__startswith="handover"
        ).exists()
    assert list(stays.coordinators.all()) == [coordinator]


def test_handover_refuses_a_participant_not_held_by_the_giver(
    admin_user, coordinator, coordinator2
):
    mine = ParticipantFactory(coordinators=[coordinator])
    theirs = ParticipantFactory(coordinators=[coordinator2])
    with pytest.raises(ValidationError):
        services.handover(
            participants=[mine, theirs],
            from_user=coordinator,
            to_user=coordinator2,
            user=admin_user,
        )
    assert list(mine.coordinators.all()) == [coordinator]
    assert not ResponsibilityChange.objects.exists()


def test_handover_is_for_admins_and_to_a_coordinator(
    admin_user, coordinator, coordinator2, manager
):
    person = ParticipantFactory(coordinators=[coordinator])
    with pytest.raises(ValidationError):
        services.handover(
            participants=[person], from_user=coordinator, to_user=coordinator2, user=coordinator
        )
    with pytest.raises(ValidationError) as error:
        services.handover(
            participants=[person], from_user=coordinator, to_user=manager, user=admin_user
        )
    assert "to_user" in error.value.message_dict
    assert list(person.coordinators.all()) == [coordinator]


def test_handover_page(admin_user, coordinator, coordinator2, client):
    people = [ParticipantFactory(coordinators=[coordinator]) for _ in range(2)]
    client.force_login(admin_user)
    url = reverse("participants:handover")
    page = client.get(f"{url}?from_user={coordinator.pk}")
    assert set(page.context["form"].initial["participants"]) == {p.pk for p in people}
    assert AuditLog.objects.filter(action=AuditAction.LIST, object_type="handover").exists()
    response = client.post(
        url,
        {
            "from_user": coordinator.pk,
            "to_user": coordinator2.pk,
            "participants": [p.pk for p in people],
            "note": "Byter tjänst",
        },
    )
    assert response.status_code == 302
    assert Participant.objects.filter(coordinators=coordinator2).count() == 2
    client.force_login(coordinator2)
    detail = client.get(reverse("participants:participant-detail", args=[people[0].pk]))
    assert "Byter tjänst" in detail.content.decode()
    assert len(detail.context["participant"].responsibility_list) == 1


def test_handover_page_ticks_everyone_with_labels_and_keeps_ticks_after_an_error(
    admin_user, coordinator, coordinator2, client
):
    people = [ParticipantFactory(coordinators=[coordinator]) for _ in range(3)]
    client.force_login(admin_user)
    url = reverse("participants:handover")
    html = client.get(f"{url}?from_user={coordinator.pk}").text
    assert "<legend" in html and "Deltagare att lämna över" in html
    for index, person in enumerate(sorted(people, key=lambda p: (p.last_name, p.first_name, p.pk))):
        assert (
            f'name="participants" value="{person.pk}" id="id_participants_{index}" checked>'
            f'<label for="id_participants_{index}" class="form-check-label">{person}</label>'
        ) in html
    # The chosen giver stays chosen in the first form; both selects name every coordinator.
    assert f'<option value="{coordinator.pk}" selected>' in html
    assert html.count(f'<option value="{coordinator2.pk}">') == 2
    # No receiver chosen: the page again, with only the boxes that were ticked.
    response = client.post(
        url, {"from_user": coordinator.pk, "to_user": "", "participants": [people[0].pk]}
    )
    assert response.status_code == 200
    assert response.text.count(" checked>") == 1
    assert f'value="{people[0].pk}" id=' in response.text
    assert 'id="id_to_user_error"' in response.text or "invalid-feedback" in response.text
    assert list(people[0].coordinators.all()) == [coordinator]


@pytest.mark.parametrize("count", [3, 60])
def test_handover_page_query_count_does_not_grow(
    admin_user, coordinator, client, django_assert_max_num_queries, count
):
    for _ in range(count):
        ParticipantFactory(coordinators=[coordinator])
    client.force_login(admin_user)
    # session, user, the admin's groups, the chosen giver, the giver's people (names
    # only), the coordinators for both selects, the audit row: 7; on PostgreSQL the
    # request's savepoint and its release too. (The people were read three times, the
    # coordinators twice.)
    from django.db import connection

    with django_assert_max_num_queries(9 if connection.vendor == "postgresql" else 7):
        response = client.get(reverse("participants:handover") + f"?from_user={coordinator.pk}")
    assert response.text.count('name="participants"') == count


def test_changing_coordinators_on_the_edit_page_is_kept_in_the_history(coordinator, coordinator2):
    person = ParticipantFactory(coordinators=[coordinator])
    services.participant_update(
        participant=person, user=coordinator, fields={}, coordinators=[coordinator2]
    )
    change = ResponsibilityChange.objects.get(participant=person)
    assert (change.from_user, change.to_user, change.changed_by) == (
        coordinator,
        coordinator2,
        coordinator,
    )
    # Unchanged coordinators: no row.
    services.participant_update(
        participant=person, user=coordinator2, fields={}, coordinators=[coordinator2]
    )
    assert ResponsibilityChange.objects.filter(participant=person).count() == 1
