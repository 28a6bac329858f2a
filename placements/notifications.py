"""The placement events that are mailed, and the daily digest.

Each `notify_*` is called inside the service's transaction (services/lifecycle.py), so
the notification rows are written with the event and sent by the worker after commit
(samordning.notifications). Subjects and bodies name a placement by its number and
link to it; never a participant's name, identity number or anything about their
health or support: a mail leaves our hands.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from placements.models import Placement
from placements.selectors.attention import AttentionItem, attention_items
from samordning import policy
from samordning.models import Notification, NotificationKind, User
from samordning.notifications import absolute_url, notification_create


def _footer() -> str:
    return _(
        "Det här är ett automatiskt meddelande från Samordning. Du kan stänga av den här "
        "sortens meddelanden under Mina inställningar: %(url)s"
    ) % {"url": absolute_url(reverse("my-settings"))}


def _number(placement: Placement) -> str:
    return _("arbetsträning nr %(id)s") % {"id": placement.pk}


def _send_to(
    recipients: Iterable[User],
    *,
    kind: str,
    key: str,
    subject: str,
    lead: str,
    path: str,
) -> list[Notification]:
    url = absolute_url(path)
    body = f"{lead}\n\n{url}\n\n-- \n{_footer()}\n"
    written = []
    for user in {u.pk: u for u in recipients}.values():
        notification = notification_create(
            recipient=user,
            kind=kind,
            key=f"{key}:{user.pk}",
            subject=subject,
            body=body,
            url=url,
        )
        if notification is not None:
            written.append(notification)
    return written


def _managers(placement: Placement) -> list[User]:
    return list(placement.offer.enterprise.managers.all())


def _coordinators(placement: Placement) -> list[User]:
    """The coordinators responsible for the participant; the proposer if there are none."""
    responsible = list(placement.participant.coordinators.all())
    if not responsible and placement.proposed_by is not None:
        responsible = [placement.proposed_by]
    return responsible


def notify_proposal_made(placement: Placement) -> list[Notification]:
    """To the enterprise's managers: a proposal waits for their answer."""
    with translation.override(settings.LANGUAGE_CODE):
        return _send_to(
            _managers(placement),
            kind=NotificationKind.PROPOSAL_MADE,
            key=f"proposal_made:{placement.pk}",
            subject=_("Nytt förslag: %(placement)s") % {"placement": _number(placement)},
            lead=_("Ett nytt förslag om %(placement)s väntar på ert svar till %(day)s.")
            % {"placement": _number(placement), "day": placement.expires_on},
            path=reverse("placements:enterprise-proposal-list"),
        )


def notify_proposal_answered(placement: Placement) -> list[Notification]:
    """To the responsible coordinators: the enterprise accepted or declined."""
    with translation.override(settings.LANGUAGE_CODE):
        answer = placement.get_status_display().lower()
        return _send_to(
            _coordinators(placement),
            kind=NotificationKind.PROPOSAL_ANSWERED,
            key=f"proposal_answered:{placement.pk}",
            subject=_("Förslaget om %(placement)s är %(answer)s")
            % {"placement": _number(placement), "answer": answer},
            lead=_("Företaget har svarat på förslaget om %(placement)s: %(answer)s.")
            % {"placement": _number(placement), "answer": answer},
            path=reverse("placements:placement-detail", args=[placement.pk]),
        )


def notify_proposal_withdrawn(placement: Placement) -> list[Notification]:
    """To the enterprise's managers: the coordinator took the proposal back."""
    with translation.override(settings.LANGUAGE_CODE):
        return _send_to(
            _managers(placement),
            kind=NotificationKind.PROPOSAL_WITHDRAWN,
            key=f"proposal_withdrawn:{placement.pk}",
            subject=_("Återkallat: %(placement)s") % {"placement": _number(placement)},
            lead=_("Koordinatorn har tagit tillbaka %(placement)s.")
            % {"placement": _number(placement)},
            path=reverse("placements:enterprise-placement-list"),
        )


def notify_place_freed(entry: Any, *, today: datetime.date | None = None) -> list[Notification]:
    """To the coordinator of a waiting-list entry: a place at `entry.offer` is free.

    `entry` is any object with `.offer` and either `.coordinator` or a
    `.participant` whose responsible coordinators are told. The mail names the
    offer by its number and links to it; never the person waiting."""
    today = today or timezone.localdate()
    offer = entry.offer
    coordinator = getattr(entry, "coordinator", None)
    if coordinator is not None:
        recipients = [coordinator]
    else:
        recipients = list(entry.participant.coordinators.all())
    entry_id = getattr(entry, "pk", None) or "-"
    with translation.override(settings.LANGUAGE_CODE):
        return _send_to(
            recipients,
            kind=NotificationKind.PLACE_FREED,
            key=f"place_freed:{entry_id}:{offer.pk}:{today.isoformat()}",
            subject=_("Ledig plats: arbetsträningsplats nr %(id)s") % {"id": offer.pk},
            lead=_(
                "En plats har blivit ledig på arbetsträningsplats nr %(id)s, där någon på "
                "din väntelista väntar."
            )
            % {"id": offer.pk},
            # The queue entry's prefilled proposal form (one click), else the offer.
            path=(
                entry.propose_url()
                if hasattr(entry, "propose_url")
                else reverse("enterprises:offer-detail", args=[offer.pk])
            ),
        )


# --- the daily digest -------------------------------------------------------------------


def digest_items(user: User, *, today: datetime.date | None = None) -> list[AttentionItem]:
    """What `user` has to attend to, as counts and links: the "Att göra" items
    (placements.selectors.attention), which leave out the kinds with nothing in them."""
    return attention_items(user, today=today)


@transaction.atomic
def digest_send(user: User, *, today: datetime.date | None = None) -> Notification | None:
    """Write `user`'s digest for `today`, once (key digest:<user>:<date>); None if
    there is nothing to tell or the user has turned digests off."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        items = digest_items(user, today=today)
        if not items:
            return None
        lines = [f"- {item.label}: {item.count}\n  {absolute_url(item.url)}" for item in items]
        body = "\n".join(
            [
                _("Det här väntar på dig i Samordning i dag:"),
                "",
                *lines,
                "",
                "-- ",
                _footer(),
                "",
            ]
        )
        return notification_create(
            recipient=user,
            kind=NotificationKind.DIGEST,
            key=f"digest:{user.pk}:{today.isoformat()}",
            subject=_("Samordning: att göra %(day)s") % {"day": today.isoformat()},
            body=body,
            url=absolute_url(reverse("home")),
        )


def digests_send(*, today: datetime.date | None = None) -> int:
    """Every coordinator's and manager's digest for `today`; the number written.
    Safe to run again the same day: each person gets one digest a day."""
    today = today or timezone.localdate()
    users = (
        User.objects.filter(
            is_active=True,
            groups__name__in=[policy.Role.COORDINATOR, policy.Role.MANAGER],
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    written = 0
    for user in users:
        if digest_send(user, today=today) is not None:
            written += 1
    return written
