"""The access policy: who has which role, and what each role may do.

Every view declares the capability it needs with `perm_required(Perm.X)` or
`PermRequiredMixin`; templates ask `can.X` (context processor). Row scoping
("which rows may this user see") lives in each app's queryset
`visible_to(user)`, built on the role questions answered here. Outside a
user's scope is a 404, a function the role may not use is a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache, wraps
from types import MappingProxyType
from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _

from samordning import prepared
from samordning.http import request_user
from samordning.models import User


class Role(models.TextChoices):
    """The four roles; each is a Django group of the same name (data migration 0002)."""

    COORDINATOR = "coordinator", _("Koordinator")
    MANAGER = "enterprise_manager", _("Företagsledare")
    FUNDER = "funder", _("Finansiär")
    ADMIN = "association_admin", _("Förbundsadministratör")


class Perm:
    """Named capabilities. `can(user, Perm.X)` answers whether a role grants it."""

    PARTICIPANT_VIEW = "participant.view"
    PARTICIPANT_EDIT = "participant.edit"
    PARTICIPANT_REVEAL_NUMBER = "participant.reveal_number"
    PLACEMENT_PROPOSE = "placement.propose"
    PLACEMENT_MANAGE = "placement.manage"
    PLACEMENT_ANSWER = "placement.answer"
    OFFER_VIEW_ALL = "offer.view_all"
    OFFER_EDIT = "offer.edit"
    ENTERPRISE_VIEW = "enterprise.view"
    ENTERPRISE_EDIT = "enterprise.edit"
    ENTERPRISE_PLACEMENTS_VIEW = "enterprise.placements_view"
    ATTENDANCE_REPORT = "attendance.report"
    INVOICE_VIEW = "invoice.view"
    STATISTICS_VIEW = "statistics.view"
    # Exact (unperturbed) counts for the national follow-up: admins only, audit-logged.
    STATISTICS_EXACT = "statistics.exact"
    AUDIT_REVIEW = "audit.review"
    # Works at one or more enterprises: the "my enterprise" pages and menu.
    OWN_ENTERPRISE = "enterprise.own"
    BACK_OFFICE = "admin.site"
    # Spreadsheets (docs/import.md): participants and enterprises are imported by the
    # association; offers and annual figures also by managers, for their own enterprises.
    DATA_IMPORT_ALL = "data.import_all"
    DATA_IMPORT = "data.import"
    CASELOAD_EXPORT = "participant.export_caseload"
    ENTERPRISE_REGISTER_EXPORT = "enterprise.export_register"
    # Moving participants from one coordinator to another: admins only.
    PARTICIPANT_HANDOVER = "participant.handover"
    # The "Att göra" page: what needs the user's attention.
    ATTENTION_VIEW = "attention.view"
    # A secret calendar address (iCalendar) of the dates in one's own scope.
    CALENDAR_FEED = "calendar.feed"
    # Enterprise development (the association's second purpose): the plan, the support
    # log and the milestones. Read in the enterprise's scope; written by the
    # association's staff (admins and coordinators, who visit the enterprises); the
    # enterprise's manager and the staff may comment.
    DEVELOPMENT_VIEW = "development.view"
    DEVELOPMENT_EDIT = "development.edit"
    DEVELOPMENT_COMMENT = "development.comment"
    # ESF+ indicators of a participant's enrolment (GDPR art. 9): the responsible
    # coordinators and admins, like the rest of the participant's record.
    ESF_DATA_EDIT = "participant.esf_edit"

    @classmethod
    def names(cls) -> dict[str, str]:
        """Attribute name -> capability, e.g. {"PARTICIPANT_VIEW": "participant.view"}."""
        return {k: v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str)}


_GRANTS: dict[str, frozenset[str]] = {
    Perm.PARTICIPANT_VIEW: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Perm.PARTICIPANT_EDIT: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Perm.PARTICIPANT_REVEAL_NUMBER: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Perm.PLACEMENT_PROPOSE: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Perm.PLACEMENT_MANAGE: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Perm.PLACEMENT_ANSWER: frozenset({Role.MANAGER, Role.ADMIN}),
    Perm.OFFER_VIEW_ALL: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Perm.OFFER_EDIT: frozenset({Role.MANAGER, Role.ADMIN}),
    Perm.ENTERPRISE_VIEW: frozenset({Role.MANAGER, Role.COORDINATOR, Role.ADMIN}),
    Perm.ENTERPRISE_EDIT: frozenset({Role.MANAGER, Role.ADMIN}),
    Perm.ENTERPRISE_PLACEMENTS_VIEW: frozenset({Role.MANAGER, Role.ADMIN}),
    Perm.ATTENDANCE_REPORT: frozenset({Role.MANAGER, Role.ADMIN}),
    Perm.INVOICE_VIEW: frozenset({Role.MANAGER, Role.COORDINATOR, Role.ADMIN}),
    Perm.STATISTICS_VIEW: frozenset({Role.FUNDER, Role.COORDINATOR, Role.ADMIN}),
    Perm.STATISTICS_EXACT: frozenset({Role.ADMIN}),
    Perm.AUDIT_REVIEW: frozenset({Role.ADMIN}),
    Perm.OWN_ENTERPRISE: frozenset({Role.MANAGER}),
    Perm.BACK_OFFICE: frozenset({Role.ADMIN}),
    Perm.DATA_IMPORT_ALL: frozenset({Role.ADMIN}),
    Perm.DATA_IMPORT: frozenset({Role.MANAGER, Role.ADMIN}),
    Perm.CASELOAD_EXPORT: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Perm.ENTERPRISE_REGISTER_EXPORT: frozenset({Role.ADMIN}),
    Perm.PARTICIPANT_HANDOVER: frozenset({Role.ADMIN}),
    Perm.ATTENTION_VIEW: frozenset({Role.COORDINATOR, Role.MANAGER, Role.ADMIN}),
    Perm.CALENDAR_FEED: frozenset({Role.COORDINATOR, Role.MANAGER}),
    Perm.DEVELOPMENT_VIEW: frozenset({Role.MANAGER, Role.COORDINATOR, Role.ADMIN}),
    Perm.DEVELOPMENT_EDIT: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Perm.DEVELOPMENT_COMMENT: frozenset({Role.MANAGER, Role.COORDINATOR, Role.ADMIN}),
    Perm.ESF_DATA_EDIT: frozenset({Role.COORDINATOR, Role.ADMIN}),
}

# Whoever is asking: a user, the anonymous user or nobody.
Subject = User | AbstractBaseUser | AnonymousUser | None

_CACHE_ATTR = "_samordning_roles"


def roles_granted(perm: str) -> frozenset[str]:
    """The roles that have capability `perm`."""
    return _GRANTS[perm]


def _group_names(user_pk: int) -> list[tuple[Any, ...]]:
    """The names of the user's groups, from a query compiled once per process: the
    related manager built and compiled it anew on every request (0.7 ms, a fifth of
    a logged-in 404's CPU)."""
    return prepared.rows_for_pks(
        lambda pks: Group.objects.filter(user__in=pks).values_list("name"),
        [user_pk],
        key="group-names",
    )


def roles_of(user: Subject) -> frozenset[str]:
    """The user's roles, read once per request object and cached on it."""
    if not isinstance(user, User) or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        names = {name for (name,) in _group_names(user.pk)}
        cached = frozenset(r for r in Role.values if r in names)
        if user.is_superuser:
            cached = cached | {Role.ADMIN}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def has_role(user: Subject, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_admin(user: Subject) -> bool:
    return has_role(user, Role.ADMIN)


def is_coordinator(user: Subject) -> bool:
    return has_role(user, Role.COORDINATOR)


def is_manager(user: Subject) -> bool:
    return has_role(user, Role.MANAGER)


def is_funder(user: Subject) -> bool:
    return has_role(user, Role.FUNDER)


def can(user: Subject, perm: str) -> bool:
    """May this user use the capability `perm` at all (row scope aside)?"""
    return bool(roles_of(user) & _GRANTS[perm])


@cache
def capabilities(user_roles: frozenset[str]) -> Mapping[str, bool]:
    """Which capabilities these roles have, by attribute name ({"PARTICIPANT_VIEW":
    True, ...}), for templates' menus and buttons. One read-only mapping per set of
    roles, made once per process: asking `can` for each of the 29 capabilities on
    every page took a fifth of a logged-in 404's CPU."""
    return MappingProxyType(
        {name: bool(user_roles & _GRANTS[perm]) for name, perm in Perm.names().items()}
    )


V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def _check(request: HttpRequest, perm: str) -> None:
    if not can(request.user, perm):
        raise PermissionDenied(_("Din roll ger inte tillgång till den här sidan."))


def perm_required(perm: str) -> Callable[[V], V]:
    """Function-view decorator: logged in (middleware) and a role granting `perm`, else 403."""
    if perm not in _GRANTS:
        raise ValueError(f"Unknown capability {perm!r}")

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            _check(request, perm)
            return view(request, *args, **kwargs)

        wrapped.required_perm = perm  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


class PermRequiredMixin(AccessMixin):
    """Class-based views: set `required_perm`; a user whose roles lack it gets 403."""

    required_perm: str = ""

    @property
    def user(self) -> User:
        """The request's user, typed: dispatch has checked the login and the capability."""
        return request_user(self.request)  # type: ignore[attr-defined]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.required_perm:
            raise PermissionDenied
        _check(request, self.required_perm)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
