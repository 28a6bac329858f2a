"""The participant list's filters, search and sorting (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.choices import ReferringAuthority
from participants.forms import coordinator_users
from participants.identity import parse_identity_number, search_digits
from participants.models import Enrolment, Insats, Participant
from placements.selectors.participants import ParticipantStatus, with_status
from samordning import policy
from samordning.forms import ModelChoiceFilter, SimpleForm, municipality_options, set_options
from samordning.models import Municipality, User
from samordning.prepared import rows_for_pks, rows_of

SORTS = {
    "name": ["last_name", "first_name", "id"],
    "-name": ["-last_name", "-first_name", "-id"],
    "start": ["start_date", "id"],
    "-start": ["-start_date", "-id"],
    "municipality": ["home_municipality__name", "last_name", "id"],
    "status": ["status", "last_name", "id"],
}


def _coordinators(shared_with: int | None) -> QuerySet[User]:
    """The coordinator filter's choices. A coordinator's list is their caseload: the
    coordinators who share it (`shared_with`, the coordinator's id), not every
    coordinator of the association (1,000 at national scale, most of the page's
    time); an admin (None) chooses among all."""
    coordinators = coordinator_users().only("pk", "username", "first_name", "last_name")
    if shared_with is None:
        return coordinators
    through = Participant.coordinators.through
    caseload = through.objects.filter(user_id=shared_with).values("participant_id")
    return coordinators.filter(
        pk__in=through.objects.filter(participant_id__in=caseload).values("user_id")
    )


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Sök namn eller personnummer"), method="search", max_length=60
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ParticipantStatus.choices, empty_label=_("Alla")
    )
    insats = ModelChoiceFilter(
        label=_("Insats"), queryset=Insats.objects.all(), method="in_insats", empty_label=_("Alla")
    )
    municipality = ModelChoiceFilter(
        label=_("Kommun"),
        field_name="home_municipality",
        queryset=Municipality.objects.all(),
        empty_label=_("Alla"),
    )
    referring_authority = django_filters.ChoiceFilter(
        label=_("Remitterande myndighet"),
        choices=ReferringAuthority.choices,
        empty_label=_("Alla"),
    )
    coordinator = ModelChoiceFilter(
        label=_("Koordinator"),
        # Scoped per request in __init__ when a coordinator is chosen; none otherwise.
        queryset=User.objects.none(),
        method="with_coordinator",
        empty_label=_("Alla"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sortera"),
        method="sort_by",
        empty_label=_("Namn A–Ö"),
        choices=[
            ("-name", _("Namn Ö–A")),
            ("-start", _("Senast startade först")),
            ("start", _("Först startade först")),
            ("municipality", _("Kommun")),
            ("status", _("Status")),
        ],
    )

    class Meta:
        model = Participant
        fields: list[str] = []
        form = SimpleForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The coordinators this user may filter by, scoped per request (the class
        # attribute, evaluated at import, refuses every value).
        user = getattr(self.request, "user", None)
        shared_with = user.pk if user is not None and not policy.is_admin(user) else None
        if self.is_bound and self.data.get("coordinator"):
            # Only a chosen value is checked against the queryset (the options are
            # read below): building the scoped query took 6 % of the list's CPU.
            self.filters["coordinator"].queryset = _coordinators(shared_with)
        fields = self.form.fields
        fields["coordinator"].label_from_instance = (  # type: ignore[attr-defined]
            lambda user: user.get_full_name() or user.username
        )
        # The options, from queries compiled once per process (samordning.prepared):
        # the querysets above still check a chosen value, but compiling three
        # queries for the options took longer than running them (1.3 of the page's
        # 12 ms of CPU). Labels as the models' own str() (tests/placements/test_filters.py).
        set_options(
            fields["insats"],
            rows_of(lambda: Insats.objects.values_list("pk", "name"), key="insats-options"),
        )
        set_options(fields["municipality"], municipality_options())
        columns = ("pk", "first_name", "last_name", "username")
        if shared_with is None:
            rows = rows_of(
                lambda: _coordinators(None).values_list(*columns), key="coordinator-options"
            )
        else:
            rows = rows_for_pks(
                lambda pks: _coordinators(pks[0]).values_list(*columns),
                [shared_with],
                key="coordinator-options-shared",
            )
        set_options(
            fields["coordinator"],
            ((pk, f"{first} {last}".strip() or username) for pk, first, last, username in rows),
        )

    def filter_queryset(self, queryset: QuerySet[Participant]) -> QuerySet[Participant]:
        # The status is computed in the query only when it filters or sorts the list;
        # otherwise the page reads it for its own rows (with_status_labels).
        data = self.form.cleaned_data
        if data.get("status") or data.get("sort") == "status":
            queryset = with_status(queryset, today=timezone.localdate())  # type: ignore[arg-type]
        # Name order unless the `sort` filter chooses another.
        return super().filter_queryset(queryset.order_by(*SORTS["name"]))

    def search(self, queryset: QuerySet[Participant], name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        # The registration's normalisation: any dash or minus sign, full-width digits,
        # with or without the century, 10 or 12 digits.
        digits = search_digits(value)
        if digits:
            try:
                number = parse_identity_number(value)
            except ValidationError:
                # Part of a number, e.g. the birth date: match it anywhere.
                return queryset.filter(personal_number__contains=digits)
            return queryset.filter(personal_number=number.digits)
        condition = Q()
        for word in value.split():
            condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return queryset.filter(condition)

    def in_insats(self, queryset: QuerySet[Participant], name: str, value: Insats) -> QuerySet:
        return queryset.filter(
            Exists(Enrolment.objects.filter(participant=OuterRef("pk"), insats=value))
        )

    def with_coordinator(self, queryset: QuerySet[Participant], name: str, value: Any) -> QuerySet:
        through = Participant.coordinators.through
        return queryset.filter(
            Exists(through.objects.filter(participant=OuterRef("pk"), user=value))
        )

    def sort_by(self, queryset: QuerySet[Participant], name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS.get(value, SORTS["name"]))
