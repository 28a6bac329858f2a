"""Deleting a row never silently erases history.

Every foreign key in the project's apps uses PROTECT (or SET_NULL where the
link is optional) unless it is on the allow-list below; a new CASCADE fails
this test until someone writes down why it is safe.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.db.models import ProtectedError

from participants.models import Participant, ParticipantSupportSource
from samordning.audit import audit_record
from samordning.models import AuditAction
from tests import factories as f

PROJECT_APPS = ("samordning", "enterprises", "participants", "placements")

# (model label, field name) -> why CASCADE is right there.
CASCADE_ALLOWED = {
    ("participants.ParticipantSupportSource", "participant"): (
        "A support source is a detail row of its participant's start or end data, "
        "like a line of a form: it means nothing without the participant, nothing "
        "else points at it, and the participant itself is protected by its consents, "
        "enrolments and placements. Anonymisation keeps the participant row."
    ),
    ("placements.SharedSnapshot", "placement"): (
        "What was shared with the enterprise about one placement: a copy that means "
        "nothing without the placement, which itself is protected by its attendance "
        "and follow-ups."
    ),
    ("samordning.NotificationOptOut", "user"): (
        "A setting of the user's own (a kind of mail turned off): no history, "
        "nothing points at it, and the user row is protected by the audit log."
    ),
    ("samordning.CalendarFeed", "user"): (
        "The user's own secret calendar address: deleting the user must revoke it."
    ),
    ("placements.OfferHoldStamp", "offer"): (
        "Derived data written by database triggers (a token for the offer's cached "
        "peaks): no history, nothing points at it, and an offer that ever had a "
        "placement is protected by it, so only an unused offer's stamp goes with it."
    ),
}


def _foreign_keys() -> list[tuple[str, models.Field]]:
    found = []
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.proxy:
                # A proxy's columns are its concrete model's (django-otp's devices, shown
                # under Swedish names): another app's table, not ours.
                continue
            for field in model._meta.get_fields():
                if isinstance(field, models.ForeignKey) and field.concrete:
                    found.append((f"{model._meta.label}", field))
    return found


def test_no_unexpected_cascade() -> None:
    cascades = {
        (label, field.name)
        for label, field in _foreign_keys()
        if field.remote_field.on_delete is models.CASCADE
    }
    assert cascades - set(CASCADE_ALLOWED) == set()


def test_allow_list_is_not_stale() -> None:
    """Each allowed CASCADE still exists (a stale entry would hide nothing, but mislead)."""
    fields = {(label, field.name): field for label, field in _foreign_keys()}
    for key in CASCADE_ALLOWED:
        assert fields[key].remote_field.on_delete is models.CASCADE, key


def test_the_walk_sees_the_foreign_keys() -> None:
    # OneToOneField is a ForeignKey subclass, so it is walked too.
    names = {(label, field.name) for label, field in _foreign_keys()}
    assert ("placements.Placement", "participant") in names
    assert ("enterprises.TrainingOffer", "enterprise") in names
    assert ("samordning.AuditLog", "user") in names
    assert len(names) >= 20


@pytest.mark.django_db
class TestProtected:
    def test_enterprise_with_offers_agreements_and_figures(self) -> None:
        offer = f.TrainingOfferFactory()
        enterprise = offer.enterprise
        f.AnnualFigureFactory(enterprise=enterprise)
        f.EnterpriseAgreementFactory(enterprise=enterprise)
        with pytest.raises(ProtectedError):
            enterprise.delete()
        assert enterprise.offers.count() == 1

    def test_offer_with_placements(self) -> None:
        placement = f.PlacementFactory()
        with pytest.raises(ProtectedError):
            placement.offer.delete()

    @pytest.mark.parametrize("related", ["consent", "enrolment", "placement"])
    def test_participant_with_history(self, related: str) -> None:
        participant = f.ParticipantFactory()
        factory = {
            "consent": f.ConsentFactory,
            "enrolment": f.EnrolmentFactory,
            "placement": f.PlacementFactory,
        }[related]
        factory(participant=participant)
        with pytest.raises(ProtectedError):
            participant.delete()
        assert Participant.objects.filter(pk=participant.pk).exists()

    def test_placement_with_attendance_and_follow_ups(self) -> None:
        placement = f.AttendanceDayFactory().placement
        with pytest.raises(ProtectedError):
            placement.delete()
        meeting = f.FollowUpMeetingFactory()
        with pytest.raises(ProtectedError):
            meeting.placement.delete()

    def test_user_in_the_audit_log(self, admin_user: object) -> None:
        audit_record(user=admin_user, action=AuditAction.VIEW, obj=admin_user)
        with pytest.raises(ProtectedError):
            admin_user.delete()  # type: ignore[attr-defined]

    def test_support_sources_go_with_their_participant(self) -> None:
        """The one allowed CASCADE: a participant with no history takes its details along."""
        participant = f.ParticipantFactory()
        ParticipantSupportSource.objects.create(
            participant=participant, phase="start", source="social_assistance"
        )
        participant.delete()
        assert not ParticipantSupportSource.objects.exists()
