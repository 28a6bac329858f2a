"""Demo data: a realistic installation for Samordningsförbundet Östra Södertörn.

`seed_demo()` is what `manage.py seed_demo` runs. It lives in placements, the top
of the app graph, because it builds rows in every app. The package:
`facts` (the fixed catalogue), `organisations` (enterprises, offers, insatser),
`people` (participants and their journeys), `grid` (the capacity ledger).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any, Protocol

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from demo.development import build_development
from demo.facts import ENTERPRISES
from demo.follow_through import build_follow_through
from demo.notifications import build_notifications
from demo.organisations import SENTINEL_ORG_NUMBER, aware, build_organisations, link_managers
from demo.people import ATTENDANCE_WINDOW, JourneyBuilder
from enterprises.models import Enterprise
from placements.models import ClosedMonth, Placement
from placements.tasks import refresh_association_counts
from samordning.models import User
from samordning.policy import Role

RANDOM_SEED = 2010  # the year the association was formed; any fixed number will do
COUNTED_APPS = ("samordning", "enterprises", "participants", "placements")


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    title: str
    role: Role
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "Annika", "Lindqvist", "Förbundsadministratör", Role.ADMIN, superuser=True),
    DemoUser("coordinator", "Sara", "Holmberg", "Koordinator", Role.COORDINATOR),
    DemoUser("coordinator2", "Ahmed", "Hassan", "Koordinator", Role.COORDINATOR),
    DemoUser("manager", "Johan", "Ekström", "Verksamhetsledare", Role.MANAGER),
    DemoUser("manager2", "Leila", "Haddad", "Föreståndare, Café Trädgårdsmästarn", Role.MANAGER),
    DemoUser("funder", "Karin", "Bergström", "Styrelseledamot (Försäkringskassan)", Role.FUNDER),
]


def ensure_users(password: str) -> dict[str, User]:
    """The demo users exist, are in their role's group and have `password` (idempotent)."""
    users = {}
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "title": demo.title,
                "email": f"{demo.username}@samordning.example",
            },
        )
        user.is_active = True
        user.is_staff = demo.superuser
        user.is_superuser = demo.superuser
        user.set_password(password)
        if created:
            user.full_clean()
        user.save()
        user.groups.add(Group.objects.get_or_create(name=demo.role.value)[0])
        users[demo.username] = user
    return users


# Demo proposals expire within 14 days of the day the demo was built.
STALE_AFTER_DAYS = 14


def demo_built_on() -> datetime.date | None:
    """The day the demo was built: its latest proposal (the builder proposes up to today)."""
    latest = Placement.objects.aggregate(latest=Max("proposed_at"))["latest"]
    return timezone.localdate(latest) if latest else None


def count_rows() -> dict[str, int]:
    """Rows per model in the project's own apps, keyed by 'app_label.ModelName'."""
    return {
        model._meta.label: model._default_manager.count()
        for app_label in COUNTED_APPS
        for model in apps.get_app_config(app_label).get_models()
    }


def seed_demo(*, scale: int = 1, password: str, stdout: Writer | None = None) -> dict[str, Any]:
    """Build the demo installation once; on later runs only make sure the users are there.

    `scale` multiplies participants and placements (300 x scale participants; at
    scale N > 1 there are 4 x (N - 1) more offers so new places keep up). Runs are
    reproducible for a given date: every random choice comes from one seeded
    generator. Existing demo data is recognised by the first enterprise's
    organisation number, and nothing but the users is touched then. Returns
    {"created", "scale", "users": [(username, role label, password)], "counts"}.
    """
    if scale < 1:
        raise ValueError("scale must be 1 or more")

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    today = timezone.localdate()
    with transaction.atomic():
        users = ensure_users(password)
        created = not Enterprise.objects.filter(org_number=SENTINEL_ORG_NUMBER).exists()
        if created:
            rng = random.Random(RANDOM_SEED)
            say(_("Skapar demodata (skala %(scale)s) …") % {"scale": scale})
            org = build_organisations(rng=rng, today=today, scale=scale, users=users)
            build_development(
                enterprises=org.enterprises[: len(ENTERPRISES)], users=users, today=today
            )
            link_managers(users)
            JourneyBuilder(rng=rng, today=today, org=org, users=users, scale=scale).build()
            build_follow_through(rng=rng, today=today, users=users)
            build_closed_months(today=today, admin=users["admin"])
            build_notifications(users, today=today)
            # The admin's start page reads these (the worker keeps them later on).
            refresh_association_counts.call()
        else:
            say(_("Demodata finns redan; bara demoanvändarna och deras lösenord har säkerställts."))
            link_managers(users)
            built = demo_built_on()
            if built is not None and (today - built).days > STALE_AFTER_DAYS:
                # The demo's dates follow the day it was built: proposals expire, the
                # attendance month passes. Rebuilding is the honest way to move it on.
                say(
                    _(
                        "Demodatan byggdes %(day)s och ser gammal ut (förslag har gått ut). "
                        "Kör make demo-reset för att bygga om den med dagens datum."
                    )
                    % {"day": built.isoformat()}
                )
    return {
        "created": created,
        "scale": scale,
        "users": [(d.username, str(d.role.label), password) for d in DEMO_USERS],
        "counts": count_rows(),
    }


def build_closed_months(*, today: datetime.date, admin: User) -> list[ClosedMonth]:
    """The office closes a month once its invoice basis is sent, early the month after:
    every month of the demo's attendance before last month is closed (last month's is
    still being reported). Written as history, like the demo's present days, which
    lie in these months already."""
    last_open = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    month = (today - datetime.timedelta(days=ATTENDANCE_WINDOW)).replace(day=1)
    rows = []
    while month < last_open:
        following = (month + datetime.timedelta(days=31)).replace(day=1)
        rows.append(
            ClosedMonth(
                month=month,
                note="Fakturaunderlaget skickat till Arbetsförmedlingen.",
                closed_by=admin,
                closed_at=aware(following + datetime.timedelta(days=4), 10),
            )
        )
        month = following
    for row in rows:
        row.full_clean()
    return ClosedMonth.objects.bulk_create(rows)


def format_summary(result: dict[str, Any]) -> str:
    """The demo users as a table, then the row counts."""
    headers = (_("Användarnamn"), _("Roll"), _("Lösenord"))
    rows = [headers, *result["users"]]
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def row_text(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    out = ["", _("Demoanvändare:"), line, row_text(headers), line]
    out += [row_text(tuple(row)) for row in result["users"]]
    out += [line, "", _("Antal rader:")]
    for label, count in result["counts"].items():
        model = apps.get_model(label)
        out.append(f"  {str(model._meta.verbose_name_plural).capitalize():<36} {count:>8}")
    return "\n".join(out)
