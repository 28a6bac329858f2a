"""Core models: municipality codes, the append-only audit log, one test per constraint."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from samordning.audit import audit_record
from samordning.models import AuditAction, AuditLog, Municipality, NotificationOptOut
from tests import factories as f
from tests.helpers import assert_each_constraint_tested, breaks_constraint, clean_errors

pytestmark = pytest.mark.django_db


class TestMunicipality:
    @pytest.mark.parametrize("code", ["0136", "0138", "0192"])
    def test_accepts_four_digits(self, code: str) -> None:
        assert clean_errors(Municipality(name=f"K{code}", code=code)) == {}

    @pytest.mark.parametrize("code", ["136", "01a6", "x"])
    def test_rejects_other_codes(self, code: str) -> None:
        errors = clean_errors(Municipality(name="Haninge", code=code))
        assert errors["code"] == ["Kommunkoden ska vara fyra siffror."]

    def test_str(self) -> None:
        assert str(Municipality(name="Haninge", code="0136")) == "Haninge (0136)"


class TestAuditLogIsAppendOnly:
    @pytest.fixture
    def entry(self, admin_user: object) -> AuditLog:
        return audit_record(user=admin_user, action=AuditAction.VIEW, obj=f.ParticipantFactory())

    def test_refuses_saving_an_existing_row(self, entry: AuditLog) -> None:
        entry.detail = "ändrad i efterhand"
        with pytest.raises(ValidationError) as info:
            entry.save()
        assert info.value.messages == ["Granskningsloggen kan inte ändras."]
        entry.refresh_from_db()
        assert entry.detail == ""

    def test_refuses_queryset_update(self, entry: AuditLog) -> None:
        with pytest.raises(ValidationError) as info:
            AuditLog.objects.filter(pk=entry.pk).update(detail="x")
        assert info.value.messages == ["Granskningsloggen kan inte ändras."]
        entry.refresh_from_db()
        assert entry.detail == ""

    def test_refuses_instance_delete(self, entry: AuditLog) -> None:
        with pytest.raises(ValidationError) as info:
            entry.delete()
        assert info.value.messages == ["Granskningsloggen kan inte raderas."]
        assert AuditLog.objects.filter(pk=entry.pk).exists()

    def test_refuses_queryset_delete(self, entry: AuditLog) -> None:
        with pytest.raises(ValidationError) as info:
            AuditLog.objects.all().delete()
        assert info.value.messages == ["Granskningsloggen kan inte raderas."]
        assert AuditLog.objects.filter(pk=entry.pk).exists()

    def test_records_who_what_and_where(self, rf: object, admin_user: object) -> None:
        participant = f.ParticipantFactory()
        request = rf.get("/deltagare/1/", REMOTE_ADDR="10.0.0.7")  # type: ignore[attr-defined]
        entry = audit_record(
            user=admin_user, action=AuditAction.VIEW, obj=participant, request=request
        )
        assert entry.object_type == "participants.participant"
        assert entry.object_id == str(participant.pk)
        assert entry.ip_address == "10.0.0.7"
        assert entry.path == "/deltagare/1/"


# One test per named database constraint: a direct ORM write that breaks it is refused.


def test_every_constraint_has_a_test() -> None:
    assert_each_constraint_tested("samordning", __name__)


def test_constraint_municipality_code_four_digits() -> None:
    municipality = f.MunicipalityFactory(code="0136")
    with breaks_constraint():
        Municipality.objects.filter(pk=municipality.pk).update(code="136")


def test_constraint_notification_opt_out_unique() -> None:
    user = f.UserFactory(username="opt-out")
    NotificationOptOut.objects.create(user=user, kind="digest")
    with breaks_constraint():
        NotificationOptOut.objects.create(user=user, kind="digest")
