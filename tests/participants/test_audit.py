"""The read log is append-only: rows written by the coordinator pages cannot be changed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from samordning.models import AuditLog
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(client, coordinator):
    participant = ParticipantFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    client.get(reverse("participants:participant-detail", args=[participant.pk]))
    return AuditLog.objects.get()


def test_a_row_cannot_be_changed(row):
    row.detail = "tampered"
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        AuditLog.objects.filter(pk=row.pk).update(detail="tampered")
    assert AuditLog.objects.get().detail == "detail"


def test_a_row_cannot_be_deleted(row):
    with pytest.raises(ValidationError):
        row.delete()
    with pytest.raises(ValidationError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.count() == 1


def test_edit_form_is_a_read_and_is_logged(client, coordinator):
    from django.urls import reverse

    from samordning.models import AuditLog
    from tests.factories import ParticipantFactory

    participant = ParticipantFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    before = AuditLog.objects.filter(action="view", object_id=str(participant.pk)).count()
    assert (
        client.get(reverse("participants:participant-update", args=[participant.pk])).status_code
        == 200
    )
    assert (
        AuditLog.objects.filter(action="view", object_id=str(participant.pk)).count() == before + 1
    )
