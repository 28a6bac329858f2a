""" "Att göra": what needs the user's attention, per role, as counts with links.

`attention_items(user)` is the one answer: the start page's first block, the
"Att göra" page and the daily digest all call it. Each kind is one count query
over the user's scope (coordinators: their caseload; managers: their
enterprises; admins: the whole association, plus the log review). Each item
links to a filtered list (`attention_rows` gives that list's rows).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from enterprises.models import TrainingOffer
from participants.choices import ConsentPurpose
from participants.models import Consent, Enrolment, Parking, Participant
from placements.models import (
    ENDED_STATUSES,
    PENDING_STATUSES,
    AttendanceDay,
    AttentionCount,
    FollowUpDue,
    ParticipantActivity,
    Placement,
    PlacementStatus,
    WaitingListEntry,
)
from placements.selectors.enterprise import enterprise_placements, open_proposals
from samordning import policy
from samordning.expressions import InSubquery
from samordning.models import AuditLog, User

ENDING_SOON_DAYS = 30
DECLINED_RECENT_DAYS = 30
INACTIVE_DAYS = 60
AUDIT_REVIEW_DAYS = 7


# An admin's counts (the whole association) are kept this long (AttentionCount).
ASSOCIATION_COUNTS_MAX_AGE = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # a stable slug, e.g. "queue-freed"
    label: str  # Swedish
    count: int
    url: str
    # When an association-wide count was counted (an admin's); None: just now.
    counted_at: datetime.datetime | None = None


# Above this many people the caseload stays a subquery (SQLite's limit of bound values).
CASELOAD_AS_LIST = 10_000


def caseload_of(participants: QuerySet[Participant]) -> tuple[Any, int]:
    """The caseload as a list of pks (and its size) in one query, when it is small.

    Joined as a subquery, PostgreSQL misjudged how many active placements end in a
    month (250 for 20,000 at national scale) and walked all of them in the country,
    probing each for its coordinators (0.6 s); from a list it starts from the
    coordinator's thousand people. An admin's caseload is everyone: no list.
    """
    pks = list(participants.values_list("pk", flat=True)[: CASELOAD_AS_LIST + 1])
    if len(pks) > CASELOAD_AS_LIST:
        return participants.values("pk"), participants.count()
    return pks, len(pks)


# Within caseload_read_once, the caseload read for one count serves the next.
_CASELOAD_MEMO = "_samordning_caseload"


@contextmanager
def caseload_read_once(user: User) -> Iterator[None]:
    """Within the block, read_caseload(user) reads the caseload once: the start page
    and "Att göra" count several things from it. Only within: a caseload kept on the
    user object would go stale when a request or a worker's loop changes it."""
    if hasattr(user, _CASELOAD_MEMO):  # an outer block reads it once already
        yield
        return
    setattr(user, _CASELOAD_MEMO, None)
    try:
        yield
    finally:
        delattr(user, _CASELOAD_MEMO)


def read_caseload(user: User) -> tuple[Any, int]:
    """The people `user` may see as caseload_of gives them (pks, or a subquery when
    there are many) and how many; read once within caseload_read_once."""
    read: tuple[Any, int] | None = getattr(user, _CASELOAD_MEMO, None)
    if read is None:
        read = caseload_of(Participant.objects.visible_to(user))
        if hasattr(user, _CASELOAD_MEMO):
            setattr(user, _CASELOAD_MEMO, read)
    return read


def caseload_placements(user: User) -> QuerySet[Placement]:
    """`Placement.objects.in_caseload_of(user)`, with a coordinator's caseload read
    first as a list (caseload_of): one more query, and PostgreSQL starts from the
    coordinator's people instead of walking the country's placements (0.2-1 s
    nationally). An admin's caseload is everyone: as in_caseload_of."""
    if policy.is_admin(user):
        return Placement.objects.in_caseload_of(user)
    people, _count = read_caseload(user)
    return Placement.objects.filter(participant__in=people)


# --- the coordinator's kinds (admins: association-wide) ------------------------------


def answered_proposals(user: User, today: datetime.date) -> QuerySet[Placement]:
    """Declined in the last 30 days with no newer proposal for the person since, or
    past their answer date without an answer (or start): both free the person."""
    since = timezone.now() - datetime.timedelta(days=DECLINED_RECENT_DAYS)
    newer = Placement.objects.filter(
        participant_id=OuterRef("participant_id"), proposed_at__gt=OuterRef("answered_at")
    ).exclude(pk=OuterRef("pk"))
    declined = Q(status=PlacementStatus.DECLINED, answered_at__gte=since) & ~Q(Exists(newer))
    expired = Q(status__in=PENDING_STATUSES, expires_on__lt=today)
    # From the caseload's ids: joined as a subquery, PostgreSQL probed every placement
    # declined in the country in 30 days for a newer proposal (23,000 nationally)
    # before keeping the coordinator's (215-300 -> 53-58 ms).
    return caseload_placements(user).filter(declined | expired)


def ending_soon(user: User, today: datetime.date) -> QuerySet[Placement]:
    soon = today + datetime.timedelta(days=ENDING_SOON_DAYS)
    return caseload_placements(user).filter(
        status=PlacementStatus.ACTIVE, planned_end__gte=today, planned_end__lte=soon
    )


def follow_ups_due(user: User, today: datetime.date) -> QuerySet[FollowUpDue]:
    """Active or ended placements whose latest planned next meeting is due and not yet
    held: the database keeps that date per placement (FollowUpDue), so an admin's
    count reads one index (1.5 s -> 0.05 s nationally) and a coordinator's starts from
    their caseload."""
    due = FollowUpDue.objects.filter(due_on__lte=today)
    if policy.is_admin(user):
        return due
    return due.filter(placement__in=Placement.objects.in_caseload_of(user))


def _caseload(user: User) -> QuerySet[Participant]:
    return Participant.objects.visible_to(user)


def _recently_active(person: OuterRef, cutoff: datetime.datetime) -> Exists:
    """Something recorded in their placements or follow-up meetings since `cutoff`:
    ParticipantActivity keeps the latest of those per person."""
    return Exists(ParticipantActivity.objects.filter(participant=person, last_at__gte=cutoff))


def _unoccupied(person: OuterRef, today: datetime.date) -> list[Any]:
    """Not placed, proposed, queued or parked."""
    placements = Placement.objects.filter(participant=person)
    return [
        ~Exists(placements.filter(status=PlacementStatus.ACTIVE)),
        ~Exists(placements.pending(today)),
        ~Exists(WaitingListEntry.objects.waiting().filter(participant=person)),
        ~Exists(Parking.objects.current(today).filter(participant=person)),
    ]


def inactive_participants(user: User, today: datetime.date) -> QuerySet[Participant]:
    """Enrolled, not placed, proposed, queued or parked, and nothing recorded for 60 days
    (the participant's record, their placements' `updated_at`, their follow-up
    meetings' `created_at`).

    An admin's: first the open enrolments of people with nothing recorded in their
    placements for 60 days (an index of 59,000 nationally against the index of
    recent activity: a few left), then those people by primary key (InSubquery),
    each probed for the rest. Asked all at once PostgreSQL expected 20,000 of them
    and read every participant to join them (the people with an open enrolment are
    mostly the placed, recently active ones: the planner cannot know).
    A coordinator's: from their caseload, each person probed."""
    cutoff = timezone.now() - datetime.timedelta(days=INACTIVE_DAYS)
    if policy.is_admin(user):
        quiet = Enrolment.objects.filter(end_date__isnull=True).exclude(
            _recently_active(OuterRef("participant_id"), cutoff)
        )
        return _caseload(user).filter(
            InSubquery("pk", quiet.order_by().values("participant_id")),
            *_unoccupied(OuterRef("pk"), today),
            updated_at__lt=cutoff,
        )
    person = OuterRef("pk")
    return _caseload(user).filter(
        Exists(Enrolment.objects.filter(participant=person, end_date__isnull=True)),
        *_unoccupied(person, today),
        ~_recently_active(person, cutoff),
        updated_at__lt=cutoff,
    )


def sharing_consent_missing(user: User, today: datetime.date) -> QuerySet[Participant]:
    """Proposed, placed or queued, but with no valid consent to share with the
    enterprise: no new proposal can be sent, and the enterprise sees no name."""
    person = OuterRef("pk")
    placements = Placement.objects.filter(participant=person)
    sharing = Consent.objects.filter(
        participant=person, purpose=ConsentPurpose.SHARE_WITH_ENTERPRISE
    ).valid_on(today)
    return _caseload(user).filter(
        Exists(placements.filter(status=PlacementStatus.ACTIVE))
        | Exists(placements.pending(today))
        | Exists(WaitingListEntry.objects.waiting().filter(participant=person)),
        ~Exists(sharing),
        is_anonymous=False,
    )


def queue_freed(user: User, today: datetime.date) -> QuerySet[WaitingListEntry]:
    return WaitingListEntry.objects.waiting().visible_to(user).filter(place_freed_at__isnull=False)


# --- the manager's kinds (admins: every enterprise) -------------------------------------


def stale_offers(user: User, today: datetime.date) -> QuerySet[TrainingOffer]:
    return TrainingOffer.objects.editable_by(user).capacity_stale(today)


def last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last


def attendance_missing(user: User, today: datetime.date) -> QuerySet[Placement]:
    """Placements under way last month with not one present day reported for it."""
    first, last = last_month(today)
    return (
        enterprise_placements(user)
        .filter(start_date__isnull=False, start_date__lte=last)
        .filter(
            Q(status=PlacementStatus.ACTIVE, planned_end__gte=first)
            | Q(status__in=ENDED_STATUSES, end_date__gte=first)
        )
        .exclude(
            Exists(
                AttendanceDay.objects.filter(placement=OuterRef("pk"), date__range=(first, last))
            )
        )
    )


def _audit_rows(today: datetime.date) -> QuerySet[AuditLog]:
    since = today - datetime.timedelta(days=AUDIT_REVIEW_DAYS)
    return AuditLog.objects.to_review().filter(at__date__gte=since)


# --- the catalogue --------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str | Promise
    side: str  # "coordinator", "manager" or "admin": whose kind it is
    rows: Callable[[User, datetime.date], QuerySet]  # type: ignore[type-arg]
    # What the attention list page shows: "placement", "follow-up" (a FollowUpDue),
    # "participant", "entry" or "offer"; "elsewhere" for kinds whose own page lists
    # them (proposals to answer, the attendance grid, the log review), never listed
    # on the attention page.
    row_type: str


KINDS: list[Kind] = [
    Kind(
        "queue-freed",
        _("Köplatser där en plats blivit ledig"),
        "coordinator",
        queue_freed,
        "entry",
    ),
    Kind(
        "proposals-answered",
        _("Avböjda eller utgångna förslag"),
        "coordinator",
        answered_proposals,
        "placement",
    ),
    Kind(
        "ending-soon",
        _("Arbetsträningar som slutar inom 30 dagar"),
        "coordinator",
        ending_soon,
        "placement",
    ),
    Kind(
        "follow-ups-due", _("Uppföljningar att hålla"), "coordinator", follow_ups_due, "follow-up"
    ),
    Kind(
        "inactive",
        _("Deltagare utan aktivitet på 60 dagar"),
        "coordinator",
        inactive_participants,
        "participant",
    ),
    Kind(
        "sharing-consent-missing",
        _("Samtycke till delning saknas eller har återkallats"),
        "coordinator",
        sharing_consent_missing,
        "participant",
    ),
    Kind(
        "proposals-waiting",
        _("Förslag som väntar på svar"),
        "manager",
        lambda user, today: open_proposals(user, today),
        "elsewhere",
    ),
    Kind(
        "capacity-stale",
        _("Platsantal som inte bekräftats på 30 dagar"),
        "manager",
        stale_offers,
        "offer",
    ),
    Kind(
        "attendance-missing",
        _("Förra månadens närvaro är inte rapporterad"),
        "manager",
        attendance_missing,
        "elsewhere",
    ),
    Kind(
        "audit-review",
        _("Logghändelser att granska (senaste 7 dagarna)"),
        "admin",
        lambda user, today: _audit_rows(today),
        "elsewhere",
    ),
]
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}


def kinds_for(user: User) -> list[Kind]:
    """The kinds this user's roles give; an admin gets every kind, association-wide."""
    if policy.is_admin(user):
        return list(KINDS)
    sides = set()
    if policy.is_coordinator(user):
        sides.add("coordinator")
    if policy.is_manager(user):
        sides.add("manager")
    return [kind for kind in KINDS if kind.side in sides]


def kind_for(user: User, slug: str) -> Kind | None:
    return next((kind for kind in kinds_for(user) if kind.slug == slug), None)


def item_url(kind: Kind, today: datetime.date) -> str:
    """Where the item leads: the page that lists (and handles) exactly those rows."""
    if kind.slug == "proposals-waiting":
        return reverse("placements:enterprise-proposal-list")
    if kind.slug == "attendance-missing":
        first, _last = last_month(today)
        return f"{reverse('placements:attendance-grid')}?month={first:%Y-%m}"
    if kind.slug == "audit-review":
        since = today - datetime.timedelta(days=AUDIT_REVIEW_DAYS)
        return f"{reverse('audit-review')}?{urlencode({'date_from': since.isoformat()})}"
    return reverse("placements:attention-list", args=[kind.slug])


def attention_rows(user: User, kind: Kind, today: datetime.date) -> QuerySet:  # type: ignore[type-arg]
    return kind.rows(user, today)


def attention_items(user: User, *, today: datetime.date | None = None) -> list[AttentionItem]:
    """What needs `user`'s attention now: one item per kind with something in it
    (kinds with a zero count are left out), in a fixed order. One count query per
    kind of the user's roles; an admin's association-wide counts are read from
    AttentionCount when counted within ASSOCIATION_COUNTS_MAX_AGE (one query)."""
    real_today = timezone.localdate()
    today = today or real_today
    kinds = kinds_for(user)
    counted_at: dict[str, datetime.datetime] = {}
    if policy.is_admin(user) and today == real_today:
        counts, counted_at = association_counts(user, kinds, today)
    else:
        with caseload_read_once(user):
            counts = {kind.slug: kind.rows(user, today).count() for kind in kinds}
    return [
        AttentionItem(
            kind.slug,
            str(kind.label),
            counts[kind.slug],
            item_url(kind, today),
            counted_at.get(kind.slug),
        )
        for kind in kinds
        if counts[kind.slug]
    ]


def association_counts(
    admin: User, kinds: list[Kind], today: datetime.date
) -> tuple[dict[str, int], dict[str, datetime.datetime]]:
    """Each kind's association-wide count and when it was counted: the stored one if
    it was counted today within ASSOCIATION_COUNTS_MAX_AGE, else counted now (as
    `admin` sees it: everything) and stored."""
    now = timezone.now()
    stored = {
        row.kind: row
        for row in AttentionCount.objects.filter(
            day=today, counted_at__gte=now - ASSOCIATION_COUNTS_MAX_AGE
        )
    }
    missing = [kind for kind in kinds if kind.slug not in stored]
    if missing:
        stored.update({row.kind: row for row in store_association_counts(admin, missing, today)})
    return (
        {kind.slug: stored[kind.slug].count for kind in kinds},
        {kind.slug: stored[kind.slug].counted_at for kind in kinds},
    )


def store_association_counts(
    admin: User, kinds: list[Kind], today: datetime.date
) -> list[AttentionCount]:
    """Count `kinds` for the whole association now and store the counts (one upsert:
    two pages or the worker counting at once leave the last one's counts)."""
    rows = [
        AttentionCount(
            kind=kind.slug,
            count=kind.rows(admin, today).count(),
            day=today,
            counted_at=timezone.now(),
        )
        for kind in kinds
    ]
    AttentionCount.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["kind"],
        update_fields=["count", "day", "counted_at"],
    )
    return rows
