"""The permission matrix: EVERY URL pattern x every role x {GET, POST}.

`MATRIX` below is the explicit table, keyed by URL name (plus an optional label
after a space for a second row of the same URL, e.g. with a filter parameter).
Each row says how to fill the URL from the shared world (tests/samordning/
access_world.py) and the answer each role gets, in the order of `ROLES`:

    L    302 to the login page /accounts/login/
    OUT  302 to the login page after logging out (the intended answer, not a refusal)
    AL   302 to the admin's login page /admin/login/
    200  the page (or a form shown again with its errors)
    204  no content
    302  done, redirected somewhere other than a login page
    403  the role may not use this function
    404  the object is outside the user's scope
    405  the method is not accepted (state changes are POST-only, so a GET is 405;
         read-only pages refuse POST, on every side) -- only ever
         answered to a role that may use the function, and after the scope check,
         so it never tells an outsider that a row exists
         (a list checks the method before it reads its ?enterprise= filter: a POST to
         a list is never processed, so there is nothing to tell)

The walk over django.urls.get_resolver() fails when a URL pattern is missing from
the table (add a row for every new URL) or a row names a URL that is gone. The
Django admin (namespace "admin") is checked as one group: its index, each app's
index, and every registered model's changelist and add pages and a row's change,
history and delete pages.

Every POST that is refused (L, AL, 403, 404, 405) must leave the database as it
was: all rows of every model of the project apps (auth users and groups
included) are fingerprinted before and after. Every cell runs in its own savepoint
that is rolled back, so the world is the same for each.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse

from samordning import urls as root_urls
from samordning.models import Municipality
from tests.worlds.access import ROLES, Setup, World
from tests.worlds.access import access_fixture as access_fixture  # the fixture

REFUSED = {"L", "AL", "403", "404", "405"}
LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
PROJECT_APPS = ("samordning", "participants", "enterprises", "placements", "reports", "demo")


# --- the table ------------------------------------------------------------------

Kwargs = Callable[[World], list[dict[str, Any]]]
Data = Callable[[World], dict[str, Any]]


def none(world: World) -> list[dict[str, Any]]:
    return [{}]


def empty(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Row:
    get: str  # expected answers in the order of ROLES
    post: str
    kwargs: Kwargs = none  # every way to fill the URL; each is checked
    data: Data = empty  # the POST body: valid, so a missing guard would change data
    query: Data = empty  # GET parameters (for both methods)

    def expected(self, method: str) -> dict[str, str]:
        codes = (self.get if method == "GET" else self.post).split()
        assert len(codes) == len(ROLES), codes
        return dict(zip(ROLES, codes, strict=True))


def iso(day: datetime.date) -> str:
    return day.isoformat()


def participant(w: World) -> list[dict[str, Any]]:
    return [{"pk": w.participant.pk}]


def all_placements(w: World) -> list[dict[str, Any]]:
    return [{"pk": p.pk} for p in w.placements]


def participant_form(w: World) -> dict[str, Any]:
    """The participant's own values, with a changed note (a valid edit)."""
    p = w.participant
    return {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "sex": p.sex,
        "email": p.email,
        "phone": p.phone,
        "address": p.address,
        "start_date": iso(p.start_date),
        "home_municipality": p.home_municipality_id,
        "referring_authority": p.referring_authority,
        "education": p.education,
        "time_in_support": p.time_in_support,
        "wanted_extent": p.wanted_extent,
        "support_needs": p.support_needs,
        "workplace_adaptations": p.workplace_adaptations,
        "notes": "changed by the matrix",
        "coordinators": [w.users["coordinator"].pk],
    }


def new_participant_form(w: World) -> dict[str, Any]:
    data = participant_form(w)
    data.update(
        personal_number="19900101-0017",
        first_name="Ny",
        last_name="Person",
        email="ny.person@example.se",
        consent_purposes=["registration"],
        consent_given_on=iso(w.today),
    )
    return data


def enterprise_form(w: World) -> dict[str, Any]:
    data = {k: v for k, v in model_to_dict(w.enterprise).items() if v is not None}
    data["business_areas"] = [a.pk for a in w.enterprise.business_areas.all()]
    data["description"] = "changed by the matrix"
    return data


def offer_form(w: World) -> dict[str, Any]:
    data = {k: v for k, v in model_to_dict(w.offer).items() if v is not None}
    data["title"] = "changed by the matrix"
    return data


def new_offer_form(w: World) -> dict[str, Any]:
    return {**offer_form(w), "title": "Ny plats", "capacity": 2, "free_from": iso(w.today)}


def figure_form(year: int) -> Data:
    return lambda w: {
        "year": year,
        "turnover_sek": "1000",
        "employees": 3,
        "employees_target_group": 1,
    }


MATRIX: dict[str, Row] = {
    # fmt: off
    # columns:             anon coord coord2 manager manager2 funder admin
    # --- accounts, home, language -------------------------------------------------
    "home": Row(
        get="L    200   200    200     200      200    200",
        post="L    405   405    405     405      405    405",
    ),
    "login": Row(
        get="200  302   302    302     302      302    302",
        post="200  302   302    302     302      302    302",
        data=lambda w: {"username": "nobody", "password": "wrong"},
    ),
    "logout": Row(
        get="L    405   405    405     405      405    405",
        post="L    OUT   OUT    OUT     OUT      OUT    OUT",
    ),
    "twofactor-verify": Row(
        # REQUIRE_2FA=0 in tests; nobody has a device yet, so: to the setup page.
        get="L    302   302    302     302      302    302",
        post="L    302   302    302     302      302    302",
        data=lambda w: {"token": "123456"},
    ),
    "twofactor-setup": Row(
        get="L    200   200    200     200      200    200",
        post="L    200   200    200     200      200    200",
        data=lambda w: {"token": "123456"},  # wrong code: the form again
    ),
    "twofactor-recovery-codes": Row(
        # Only after a verified second factor: the others go to verify first.
        get="L    302   302    302     302      302    302",
        post="L    302   302    302     302      302    302",
    ),
    "favicon": Row(
        get="301  301   301    301     301      301    301",
        post="405  405   405    405     405      405    405",
    ),
    "set_language": Row(
        # Open before login too (the login page offers the switch). GET changes
        # nothing and goes back; POST sets the language cookie.
        get="302  302   302    302     302      302    302",
        post="302  302   302    302     302      302    302",
        data=lambda w: {"language": "sv", "next": "/"},
    ),
    # --- own settings: mail and the calendar address; the token-opened feed ----------
    "my-settings": Row(
        get="L    200   200    200     200      200    200",
        post="L    302   302    302     302      302    302",
        data=lambda w: {"kinds": ["digest"]},
    ),
    "calendar-feed-new": Row(
        get="L    405   405    405     405      403    403",
        post="L    302   302    302     302      403    403",
    ),
    "calendar-feed-revoke": Row(
        get="L    405   405    405     405      403    403",
        post="L    302   302    302     302      403    403",
    ),
    "calendar-feed": Row(
        # No login: the token is the key. No feed has this token: not found, for anyone.
        get="404  404   404    404     404      404    404",
        post="404  404   404    404     404      404    404",
        kwargs=lambda w: [{"token": "no-such-token"}],
    ),
    # --- data protection (admin / coordinator) ----------------------------------------
    "audit-review": Row(
        get="L    403   403    403     403      403    200",
        post="L    403   403    403     403      403    405",
    ),
    "participant-data-export": Row(
        get="L    200   404    403     403      403    200",
        post="L    405   404    403     403      403    405",
        kwargs=lambda w: [{"pk": w.participant.pk, "fmt": fmt} for fmt in ("json", "html")],
    ),
    # --- participants (coordinator pages) ---------------------------------------------
    "participants:participant-list": Row(
        get="L    200   200    403     403      403    200",
        post="L    405   405    403     403      403    405",
    ),
    "participants:participant-create": Row(
        get="L    200   200    403     403      403    200",
        post="L    302   302    403     403      403    302",
        data=new_participant_form,
    ),
    "participants:participant-detail": Row(
        get="L    200   404    403     403      403    200",
        post="L    405   404    403     403      403    405",
        kwargs=participant,
    ),
    "participants:participant-update": Row(
        get="L    200   404    403     403      403    200",
        post="L    302   404    403     403      403    302",
        kwargs=participant,
        data=participant_form,
    ),
    "participants:participant-reveal": Row(
        get="L    405   404    403     403      403    405",
        post="L    200   404    403     403      403    200",
        kwargs=participant,
    ),
    "participants:consent-create": Row(
        get="L    200   404    403     403      403    200",
        post="L    302   404    403     403      403    302",
        kwargs=participant,
        data=lambda w: {"purpose": "follow_up", "given_on": iso(w.today), "note": "ja"},
    ),
    "participants:consent-withdraw": Row(
        get="L    200   404    403     403      403    200",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.participant.pk, "consent_pk": w.consent_other.pk}],
        data=lambda w: {"withdrawn_on": iso(w.today)},
    ),
    "participants:consent-withdraw other participant's consent": Row(
        # participant2's consent under participant's URL: not found, even for an admin.
        get="L    404   404    403     403      403    404",
        post="L    404   404    403     403      403    404",
        kwargs=lambda w: [{"pk": w.participant.pk, "consent_pk": w.consent2.pk}],
        data=lambda w: {"withdrawn_on": iso(w.today)},
    ),
    "participants:enrolment-create": Row(
        get="L    200   404    403     403      403    200",
        post="L    302   404    403     403      403    302",
        kwargs=participant,
        data=lambda w: {"insats": w.insats_new.pk, "start_date": iso(w.today)},
    ),
    "participants:enrolment-end": Row(
        # The active placement must end first: the form comes back with the service's message.
        get="L    200   404    403     403      403    200",
        post="L    200   404    403     403      403    200",
        kwargs=lambda w: [{"pk": w.participant.pk, "enrolment_pk": w.enrolment.pk}],
        data=lambda w: {"end_date": iso(w.today), "end_reason": "planned", "outcome": "work"},
    ),
    "participants:enrolment-end other participant's enrolment": Row(
        get="L    404   404    403     403      403    404",
        post="L    404   404    403     403      403    404",
        kwargs=lambda w: [{"pk": w.participant.pk, "enrolment_pk": w.enrolment2.pk}],
        data=lambda w: {"end_date": iso(w.today), "end_reason": "planned", "outcome": "work"},
    ),
    # --- ESF+ answers of an enrolment in an ESF-financed insats (GDPR art. 9) ---------
    "participants:esf-entry": Row(
        get="L    200   404    403     403      403    200",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.participant.pk, "enrolment_pk": w.enrolment_esf.pk}],
        data=lambda w: {"employment_situation": "inactive", "education": "refused"},
    ),
    "participants:esf-entry enrolment not in an ESF insats": Row(
        get="L    404   404    403     403      403    404",
        post="L    404   404    403     403      403    404",
        kwargs=lambda w: [{"pk": w.participant.pk, "enrolment_pk": w.enrolment.pk}],
        data=lambda w: {"employment_situation": "inactive"},
    ),
    "participants:esf-results": Row(
        get="L    200   404    403     403      403    200",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.participant.pk, "enrolment_pk": w.enrolment_esf.pk}],
        data=lambda w: {"exit_job_searching": "yes", "six_months_situation": "employed"},
    ),
    # --- enterprises and offers ----------------------------------------------------------
    "enterprises:enterprise-list": Row(
        get="L    200   200    200     200      403    200",
        post="L    405   405    405     405      403    405",
    ),
    "enterprises:enterprise-detail": Row(
        get="L    200   200    200     404      403    200",
        post="L    405   405    405     404      403    405",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
    ),
    "enterprises:enterprise-update": Row(
        get="L    403   403    200     404      403    200",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
        data=enterprise_form,
    ),
    "enterprises:annual-figure-create": Row(
        get="L    403   403    200     404      403    200",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
        data=figure_form(2023),
    ),
    "enterprises:annual-figure-update": Row(
        get="L    403   403    200     404      403    200",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk, "figure_pk": w.figure.pk}],
        data=figure_form(2024),
    ),
    "enterprises:annual-figure-update other enterprise's figure": Row(
        # A figure of enterprise2 under enterprise's URL: not found, even for an admin.
        get="L    403   403    404     404      403    404",
        post="L    403   403    404     404      403    404",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk, "figure_pk": w.figure2.pk}],
        data=figure_form(2024),
    ),
    # --- enterprise development (issue #16): read in the enterprise's scope, written by
    # the association's staff (coordinators and admins), commented by whoever reads it.
    "enterprises:development": Row(
        get="L    200   200    200     404      403    200",
        post="L    405   405    405     404      403    405",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
    ),
    "enterprises:development-goal-create": Row(
        get="L    200   200    403     403      403    200",
        post="L    302   302    403     403      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
        data=lambda w: {
            "goal_text": "Ramavtal med kommunen",
            "target_date": iso(w.today),
            "status": "ongoing",
        },
    ),
    "enterprises:development-goal-update": Row(
        get="L    200   200    403     403      403    200",
        post="L    302   302    403     403      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk, "goal_pk": w.goal.pk}],
        data=lambda w: {
            "goal_text": "Bli godkänd leverantör",
            "target_date": iso(w.today),
            "status": "achieved",
        },
    ),
    "enterprises:development-goal-update other enterprise's goal": Row(
        get="L    404   404    403     403      403    404",
        post="L    404   404    403     403      403    404",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk, "goal_pk": w.goal2.pk}],
        data=lambda w: {"goal_text": "x", "target_date": iso(w.today), "status": "ongoing"},
    ),
    "enterprises:support-activity-create": Row(
        get="L    200   200    403     403      403    200",
        post="L    302   302    403     403      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
        data=lambda w: {"kind": "training", "date": iso(w.today), "hours": "3.5"},
    ),
    "enterprises:milestone-create": Row(
        get="L    200   200    403     403      403    200",
        post="L    302   302    403     403      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
        data=lambda w: {"kind": "approved_supplier", "date": iso(w.today)},
    ),
    "enterprises:development-comment-create": Row(
        get="L    405   405    405     404      403    405",
        post="L    302   302    302     404      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
        data=lambda w: {"text": "Bra möte!"},
    ),
    "enterprises:offer-create": Row(
        get="L    403   403    200     404      403    200",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"enterprise_pk": w.enterprise.pk}],
        data=new_offer_form,
    ),
    "enterprises:offer-list": Row(
        get="L    200   200    200     200      403    200",
        post="L    405   405    405     405      403    405",
    ),
    "enterprises:offer-detail": Row(
        get="L    200   200    200     404      403    200",
        post="L    405   405    405     404      403    405",
        kwargs=lambda w: [{"offer_pk": w.offer.pk}],
    ),
    "enterprises:offer-update": Row(
        get="L    403   403    200     404      403    200",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"offer_pk": w.offer.pk}],
        data=offer_form,
    ),
    "enterprises:offer-pause": Row(
        get="L    403   403    405     404      403    405",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"offer_pk": w.offer.pk}],
    ),
    "enterprises:offer-reopen": Row(
        get="L    403   403    405     404      403    405",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"offer_pk": w.offer.pk}],
    ),
    "enterprises:offer-confirm-capacity": Row(
        get="L    403   403    405     404      403    405",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"offer_pk": w.offer.pk}],
    ),
    # --- placements: coordinator side ---------------------------------------------------
    "placements:offer-free-list": Row(
        get="L    200   200    403     403      403    200",
        post="L    405   405    403     403      403    405",
    ),
    "participants:parking-create": Row(
        get="L    200   404    403     403      403    200",
        post="L    302   404    403     403      403    302",
        kwargs=participant,
        data=lambda w: {"reason": "health", "until": iso(w.today + datetime.timedelta(days=20))},
    ),
    "participants:parking-end": Row(
        get="L    405   404    403     403      403    405",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.participant3.pk, "parking_pk": w.parking.pk}],
    ),
    "participants:handover": Row(
        # Admins only; the POST moves participant3 from coordinator to coordinator2.
        get="L    403   403    403     403      403    200",
        post="L    403   403    403     403      403    302",
        data=lambda w: {
            "from_user": w.users["coordinator"].pk,
            "to_user": w.users["coordinator2"].pk,
            "participants": [w.participant3.pk],
            "note": "Semester",
        },
    ),
    "placements:waiting-create": Row(
        # offer has free places: the service refuses and the form comes back (200).
        get="L    200   404    403     403      403    200",
        post="L    200   404    403     403      403    200",
        kwargs=participant,
        data=lambda w: {
            "offer": w.offer.pk,
            "wanted_start": iso(w.today + datetime.timedelta(days=20)),
            "extent": 25,
        },
    ),
    "placements:waiting-list": Row(
        get="L    200   200    403     403      403    200",
        post="L    405   405    403     403      403    405",
    ),
    "placements:waiting-list ?freed=1": Row(
        get="L    200   200    403     403      403    200",
        post="L    405   405    403     403      403    405",
        query=lambda w: {"freed": "1"},
    ),
    "placements:waiting-remove": Row(
        get="L    405   404    403     403      403    405",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.waiting_entry.pk}],
    ),
    "placements:attention": Row(
        get="L    200   200    200     200      403    200",
        post="L    405   405    405     405      403    405",
    ),
    "placements:attention-list": Row(
        # A coordinator's kind: managers have no such item (404).
        get="L    200   200    404     404      403    200",
        post="L    405   405    404     404      403    405",
        kwargs=lambda w: [{"kind": "ending-soon"}, {"kind": "queue-freed"}],
    ),
    "placements:attention-list manager kind": Row(
        get="L    404   404    200     200      403    200",
        post="L    404   404    405     405      403    405",
        kwargs=lambda w: [{"kind": "capacity-stale"}],
    ),
    "placements:attention-list listed elsewhere": Row(
        # Proposals to answer have their own page; never listed here, so no names.
        get="L    404   404    404     404      403    404",
        post="L    404   404    404     404      403    404",
        kwargs=lambda w: [{"kind": "proposals-waiting"}, {"kind": "no-such-kind"}],
    ),
    "placements:participant-matches": Row(
        get="L    200   404    403     403      403    200",
        post="L    405   404    403     403      403    405",
        kwargs=participant,
    ),
    "placements:placement-propose": Row(
        get="L    200   404    403     403      403    200",
        post="L    302   404    403     403      403    302",
        kwargs=participant,
        data=lambda w: {
            "offer": w.offer.pk,
            "placement_type": "training",
            "extent": 25,
            "planned_start": iso(w.today + datetime.timedelta(days=20)),
            "planned_end": iso(w.today + datetime.timedelta(days=110)),
            "enrolment": w.enrolment.pk,
        },
    ),
    "placements:placement-detail": Row(
        get="L    200   404    403     403      403    200",
        post="L    405   404    403     403      403    405",
        kwargs=all_placements,
    ),
    "placements:placement-withdraw": Row(
        get="L    405   404    403     403      403    405",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.proposed.pk}],
    ),
    "placements:placement-start": Row(
        get="L    405   404    403     403      403    405",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.accepted.pk}],
        data=lambda w: {
            "start-start_date": iso(w.accepted.planned_start),
            "start-supervisor_name": "Handledare Hanna",
            "start-agreement_date": iso(w.today),
            "start-agreement_tasks": "Disk",
            "start-agreement_hours": "9-13",
            "start-agreement_support": "Stöd",
        },
    ),
    "placements:placement-end": Row(
        get="L    405   404    403     403      403    405",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.active.pk}],
        data=lambda w: {
            "end-end_date": iso(w.today),
            "end-end_reason": "planned",
            "end-outcome": "work",
        },
    ),
    "placements:placement-change-plan": Row(
        get="L    405   404    403     403      403    405",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.accepted.pk}],
        data=lambda w: {
            "plan-planned_start": iso(w.accepted.planned_start),
            "plan-planned_end": iso(w.accepted.planned_end + datetime.timedelta(days=7)),
            "plan-extent": 25,
        },
    ),
    "placements:follow-up-create": Row(
        get="L    405   404    403     403      403    405",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.active.pk}],
        data=lambda w: {"followup-date": iso(w.today), "followup-notes": "Bra"},
    ),
    "placements:placement-share-update": Row(
        # Only the participant's coordinators (and admins) share an update.
        get="L    405   404    403     403      403    405",
        post="L    302   404    403     403      403    302",
        kwargs=lambda w: [{"pk": w.active.pk}],
        data=lambda w: {"share-shared_support_needs": ""},
    ),
    "placements:placement-share-update without sharing consent": Row(
        # participant3 withdrew the consent: the form comes back with the refusal.
        get="L    405   404    403     403      403    405",
        post="L    200   404    403     403      403    200",
        kwargs=lambda w: [{"pk": w.active3.pk}],
        data=lambda w: {"share-shared_support_needs": ""},
    ),
    "placements:follow-up-list": Row(
        get="L    200   200    403     403      403    200",
        post="L    405   405    403     403      403    405",
    ),
    "placements:follow-up-list ?contact=no": Row(
        get="L    200   200    403     403      403    200",
        post="L    405   405    403     403      403    405",
        query=lambda w: {"contact": "no"},
    ),
    # --- placements: enterprise side ---------------------------------------------------
    "placements:enterprise-proposal-list": Row(
        get="L    403   403    200     200      403    200",
        post="L    403   403    405     405      403    405",
    ),
    "placements:enterprise-proposal-accept": Row(
        get="L    403   403    405     404      403    405",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"placement_pk": w.proposed.pk}],
    ),
    "placements:enterprise-proposal-decline": Row(
        get="L    403   403    405     404      403    405",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"placement_pk": w.proposed.pk}],
        data=lambda w: {
            f"d{w.proposed.pk}-decline_reason": "other",
            f"d{w.proposed.pk}-decline_note": "Nej tack",
        },
    ),
    "placements:enterprise-placement-list": Row(
        get="L    403   403    200     200      403    200",
        post="L    403   403    405     405      403    405",
    ),
    "placements:enterprise-placement-detail": Row(
        get="L    403   403    200     404      403    200",
        post="L    403   403    405     404      403    405",
        kwargs=lambda w: [{"placement_pk": p.pk} for p in w.placements],
    ),
    "placements:attendance-grid": Row(
        # The POST names the active placement: another enterprise's manager gets 404.
        get="L    403   403    200     200      403    200",
        post="L    403   403    302     404      403    302",
        data=lambda w: {"shown": [w.active.pk], f"p{w.active.pk}": [iso(w.today)]},
    ),
    "placements:attendance-grid ?enterprise=": Row(
        get="L    403   403    200     404      403    200",
        post="L    403   403    302     404      403    302",
        data=lambda w: {"shown": [w.active.pk], f"p{w.active.pk}": [iso(w.today)]},
        query=lambda w: {"enterprise": w.enterprise.pk},
    ),
    "placements:offer-capacity": Row(
        get="L    403   403    200     404      403    200",
        post="L    403   403    302     404      403    302",
        kwargs=lambda w: [{"offer_pk": w.offer.pk}],
        data=lambda w: {"capacity": 9, "free_from": iso(w.today)},
    ),
    "placements:invoice-basis": Row(
        get="L    200   200    200     200      403    200",
        post="L    405   405    405     405      403    405",
    ),
    "placements:invoice-basis ?enterprise=": Row(
        get="L    200   200    200     404      403    200",
        post="L    405   405    405     405      403    405",
        query=lambda w: {"enterprise": w.enterprise.pk},
    ),
    "placements:invoice-export": Row(
        get="L    200   200    200     200      403    200",
        post="L    405   405    405     405      403    405",
        kwargs=lambda w: [{"fmt": "csv"}, {"fmt": "xlsx"}],
    ),
    "placements:invoice-export ?enterprise=": Row(
        get="L    200   200    200     404      403    200",
        post="L    405   405    405     405      403    405",
        kwargs=lambda w: [{"fmt": "csv"}, {"fmt": "xlsx"}],
        query=lambda w: {"enterprise": w.enterprise.pk},
    ),
    "placements:invoice-export unknown format": Row(
        get="L    404   404    404     404      403    404",
        post="L    405   405    405     405      403    405",
        kwargs=lambda w: [{"fmt": "pdf"}],
    ),
    # --- spreadsheets: imports (upload/preview, confirm, template) and exports ----------
    # An empty upload shows the form again (200); a confirmation without this session's
    # file goes back to the upload page (302) and writes nothing.
    "participants:participant-import": Row(
        get="L    403   403    403     403      403    200",
        post="L    403   403    403     403      403    200",
    ),
    "participants:participant-import-confirm": Row(
        get="L    403   403    403     403      403    405",
        post="L    403   403    403     403      403    302",
        data=lambda w: {"token": "not-this-sessions"},
    ),
    "participants:participant-import-template": Row(
        get="L    403   403    403     403      403    200",
        post="L    403   403    403     403      403    405",
    ),
    "participants:caseload-export": Row(
        get="L    200   200    403     403      403    200",
        post="L    405   405    403     403      403    405",
        kwargs=lambda w: [{"fmt": "csv"}, {"fmt": "xlsx"}],
    ),
    "enterprises:enterprise-import": Row(
        get="L    403   403    403     403      403    200",
        post="L    403   403    403     403      403    200",
    ),
    "enterprises:enterprise-import-confirm": Row(
        get="L    403   403    403     403      403    405",
        post="L    403   403    403     403      403    302",
        data=lambda w: {"token": "not-this-sessions"},
    ),
    "enterprises:enterprise-import-template": Row(
        get="L    403   403    403     403      403    200",
        post="L    403   403    403     403      403    405",
    ),
    "enterprises:enterprise-register-export": Row(
        get="L    403   403    403     403      403    200",
        post="L    403   403    403     403      403    405",
        kwargs=lambda w: [{"fmt": "csv"}, {"fmt": "xlsx"}],
    ),
    "enterprises:annual-figure-import": Row(
        get="L    403   403    200     200      403    200",
        post="L    403   403    200     200      403    200",
    ),
    "enterprises:annual-figure-import-confirm": Row(
        get="L    403   403    405     405      403    405",
        post="L    403   403    302     302      403    302",
        data=lambda w: {"token": "not-this-sessions"},
    ),
    "enterprises:annual-figure-import-template": Row(
        get="L    403   403    200     200      403    200",
        post="L    403   403    405     405      403    405",
    ),
    "placements:offer-import": Row(
        get="L    403   403    200     200      403    200",
        post="L    403   403    200     200      403    200",
    ),
    "placements:offer-import-confirm": Row(
        get="L    403   403    405     405      403    405",
        post="L    403   403    302     302      403    302",
        data=lambda w: {"token": "not-this-sessions"},
    ),
    "placements:offer-import-template": Row(
        get="L    403   403    200     200      403    200",
        post="L    403   403    405     405      403    405",
    ),
    "placements:offer-export": Row(
        get="L    403   403    200     200      403    200",
        post="L    403   403    405     405      403    405",
        kwargs=lambda w: [{"fmt": "csv"}, {"fmt": "xlsx"}],
    ),
    # fmt: on
}

# --- funder statistics (namespace "reports", /statistik/) ---------------------------
# Funders, coordinators and admins may read statistics (Perm.STATISTICS_VIEW); managers
# get 403. There are no objects to scope: aggregates only. The pages only read, so a
# POST is 405 for whoever may read them.
STATISTICS = "L    200   200    403     403      200    200"
STATISTICS_POST = "L    405   405    403     403      405    405"
EXACT_STATISTICS = "L    403   403    403     403      403    200"
EXACT_STATISTICS_POST = "L    403   403    403     403      403    405"
REPORT_ROWS: dict[str, Row] = {
    "reports:overview": Row(get=STATISTICS, post=STATISTICS_POST, query=lambda w: {"year": "2025"}),
    "reports:table-export": Row(
        get=STATISTICS,
        post=STATISTICS_POST,
        kwargs=lambda w: [
            {"slug": slug, "fmt": fmt}
            for slug in ("foretag", "deltagare-kon", "resultat")
            for fmt in ("csv", "xlsx")
        ],
    ),
    "reports:insats-detail": Row(
        get=STATISTICS, post=STATISTICS_POST, kwargs=lambda w: [{"pk": w.insats.pk}]
    ),
    "reports:insats-table-export": Row(
        get=STATISTICS,
        post=STATISTICS_POST,
        kwargs=lambda w: [
            {"pk": w.insats.pk, "slug": "insats-kon", "fmt": fmt} for fmt in ("csv", "xlsx")
        ],
    ),
    "reports:development": Row(
        get=STATISTICS, post=STATISTICS_POST, query=lambda w: {"year": "2025"}
    ),
    "reports:esf": Row(
        get=STATISTICS, post=STATISTICS_POST, kwargs=lambda w: [{"pk": w.insats_esf.pk}]
    ),
    "reports:esf not an ESF insats": Row(
        # Insatser are not scoped (every reader sees them all): the method is checked first.
        get="L    404   404    403     403      404    404",
        post=STATISTICS_POST,
        kwargs=lambda w: [{"pk": w.insats.pk}],
    ),
    "reports:esf-export": Row(
        get=STATISTICS, post=STATISTICS_POST, kwargs=lambda w: [{"pk": w.insats_esf.pk}]
    ),
    "reports:esf-exact": Row(
        get=EXACT_STATISTICS,
        post=EXACT_STATISTICS_POST,
        kwargs=lambda w: [{"pk": w.insats_esf.pk}],
    ),
    "reports:esf-exact-export": Row(
        get=EXACT_STATISTICS,
        post=EXACT_STATISTICS_POST,
        kwargs=lambda w: [{"pk": w.insats_esf.pk}],
    ),
    # Exact counts for the national follow-up (Perm.STATISTICS_EXACT): admins only.
    "reports:finsam-followup": Row(get=EXACT_STATISTICS, post=EXACT_STATISTICS_POST),
    "reports:finsam-export": Row(
        get=EXACT_STATISTICS,
        post=EXACT_STATISTICS_POST,
        kwargs=lambda w: [{"fmt": fmt} for fmt in ("csv", "xlsx")],
    ),
}
MATRIX.update(REPORT_ROWS)


# --- the walk -----------------------------------------------------------------------


def url_patterns(
    patterns: list[Any] | None = None, namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    """(namespace, qualified name, pattern) of every URL pattern, through every include."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_patterns(entry.url_patterns, inner)
        else:
            qualified = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield namespace, qualified or f"<unnamed {entry.pattern}>", entry


def project_url_names() -> set[str]:
    """Every URL name outside the admin (which is checked as one group)."""
    return {name for namespace, name, _pattern in url_patterns() if namespace != "admin"}


def missing_and_stale() -> tuple[list[str], list[str]]:
    names = project_url_names()
    in_table = {key.split(" ")[0] for key in MATRIX}
    return sorted(names - in_table), sorted(in_table - names)


def test_every_url_pattern_is_in_the_matrix():
    missing, stale = missing_and_stale()
    assert missing == [], "URL patterns missing from MATRIX: add a row"
    assert stale == [], "MATRIX rows for URLs that no longer exist"


def _new_view(request: Any) -> Any:  # pragma: no cover - never called
    raise NotImplementedError


# The project's URLs plus one new page in an include, for the test below.
urlpatterns = [
    *root_urls.urlpatterns,
    path("ny-sida/", include(([path("", _new_view, name="new-page")], "newapp"))),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_url_without_a_row_fails_the_walk():
    missing, _stale = missing_and_stale()
    assert missing == ["newapp:new-page"]


def test_the_walk_reaches_every_include():
    namespaces = {namespace for namespace, _name, _pattern in url_patterns()}
    assert {"", "participants", "enterprises", "placements", "admin"} <= namespaces
    # The reports include is walked too (it may have no patterns on this branch).
    assert "reports" in get_resolver().namespace_dict
    assert len(project_url_names()) >= 45


# --- the database fingerprint and one cell ------------------------------------------


def fingerprint() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every project model (auto-created M2M tables included) and auth groups."""
    models = [Group, Group.permissions.through]
    for label in PROJECT_APPS:
        models += list(apps.get_app_config(label).get_models(include_auto_created=True))
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in models
    }


@dataclass
class Cell:
    role: str
    method: str
    url: str
    expected: str
    status: int
    location: str

    def ok(self) -> bool:
        if self.expected in ("L", "OUT"):
            return self.status == 302 and self.location.startswith(LOGIN_URL)
        if self.expected == "AL":
            return self.status == 302 and self.location.startswith(ADMIN_LOGIN_URL)
        if self.expected == "302":
            return self.status == 302 and not self.location.startswith((LOGIN_URL, ADMIN_LOGIN_URL))
        return self.status == int(self.expected)

    def __str__(self) -> str:
        where = f" -> {self.location}" if self.location else ""
        return (
            f"{self.role} {self.method} {self.url}: {self.status}{where}, expected {self.expected}"
        )


def run_cell(
    client: Client, role: str, method: str, url: str, data: dict[str, Any], expected: str
) -> tuple[Cell, bool]:
    """One request in a savepoint that is rolled back; says whether the database changed.

    The client's cookies are put back too, so a logout (or a login that cycles the
    session key) does not log the role out for the following cells."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        before = fingerprint() if method == "POST" and expected in REFUSED else None
        response = client.get(url) if method == "GET" else client.post(url, data)
        changed = before is not None and fingerprint() != before
        transaction.set_rollback(True)
    client.cookies = cookies
    cell = Cell(role, method, url, expected, response.status_code, response.get("Location", ""))
    return cell, changed


def row_urls(row: Row, name: str, world: World) -> list[str]:
    urls = []
    query = row.query(world)
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    for kwargs in row.kwargs(world):
        urls.append(reverse(name.split(" ")[0], kwargs=kwargs) + suffix)
    return urls


def check_row(setup: Setup, name: str) -> list[str]:
    """Every cell of one row; returns what went wrong."""
    row = MATRIX[name]
    problems = []
    for url in row_urls(row, name, setup.world):
        for method in ("GET", "POST"):
            for role, expected in row.expected(method).items():
                data = row.data(setup.world) if method == "POST" else {}
                cell, changed = run_cell(setup.clients[role], role, method, url, data, expected)
                if not cell.ok():
                    problems.append(str(cell))
                if changed:
                    problems.append(f"{cell}: the refused POST changed the database")
    return problems


@pytest.mark.parametrize("name", list(MATRIX))
def test_matrix_row(access: Setup, db: None, name: str) -> None:
    problems = check_row(access, name)
    assert not problems, "\n".join(problems)


class WritesOnEveryPost:
    """A middleware with a bug: it writes a row on every POST, refused or not."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.method == "POST":
            Municipality.objects.get_or_create(code="9999", defaults={"name": "Läcka"})
        return self.get_response(request)


def test_a_refused_post_that_writes_is_caught(access: Setup, db: None) -> None:
    """A write before a refusal fails the row, though every status code is right."""
    leaky = [*settings.MIDDLEWARE, f"{__name__}.WritesOnEveryPost"]
    with override_settings(MIDDLEWARE=leaky):
        clients = {role: Client(raise_request_exception=False) for role in ROLES}
        for role, client in clients.items():
            if role != "anonymous":
                client.force_login(access.world.users[role])
        problems = check_row(Setup(access.world, clients), "participants:consent-create")
    assert problems
    assert all("changed the database" in problem for problem in problems)
    assert any(problem.startswith("funder POST") for problem in problems)


# --- the admin, as one group ------------------------------------------------------------


def admin_urls(world: World) -> list[tuple[str, str, Any]]:
    """(kind, url, model admin) for the admin index, each app's index, and each
    registered model's changelist, add page and, on its first row, the change,
    history and delete pages."""
    urls: list[tuple[str, str, Any]] = [("index", reverse("admin:index"), None)]
    for label in sorted({model._meta.app_label for model in admin.site._registry}):
        urls.append(("app", reverse("admin:app_list", kwargs={"app_label": label}), None))
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(("changelist", reverse(f"{info}_changelist"), model_admin))
        urls.append(("add", reverse(f"{info}_add"), model_admin))
        obj = model._base_manager.order_by("pk").first()
        if obj is not None:
            for kind in ("change", "history", "delete"):
                urls.append((kind, reverse(f"{info}_{kind}", args=[obj.pk]), model_admin))
    return urls


def admin_expected(role: str, kind: str, model_admin: Any, request: Any) -> str:
    if role == "anonymous":
        # LoginRequiredMiddleware answers first, except on the admin's site-level
        # pages (index, app index), which Django lets through to the admin's login.
        return "AL" if kind in ("index", "app") else "L"
    if role != "admin":
        # Staff only: everyone else is sent to the admin's own login page.
        return "AL"
    # Some models refuse adding or deleting even to an admin (the append-only audit
    # log, axes' records): that is a 403.
    if kind == "add" and not model_admin.has_add_permission(request):
        return "403"
    if kind == "delete" and not model_admin.has_delete_permission(request):
        return "403"
    return "200"


def test_admin_group(access: Setup, db: None, rf: Any) -> None:
    """Non-staff users are sent to the admin login, anonymous to the login page; a
    refused POST (a delete confirmation included) changes nothing; the admin gets
    every page. The admin's own POSTs are tested in tests/samordning/test_admin.py."""
    urls = admin_urls(access.world)
    assert len(urls) >= 80
    admin_request = rf.get("/admin/")
    admin_request.user = access.world.users["admin"]
    problems = []
    for kind, url, model_admin in urls:
        for role in ROLES:
            expected = admin_expected(role, kind, model_admin, admin_request)
            methods = ("GET",) if role == "admin" else ("GET", "POST")
            for method in methods:
                data = {"post": "yes"} if kind == "delete" else {}
                cell, changed = run_cell(access.clients[role], role, method, url, data, expected)
                if not cell.ok():
                    problems.append(f"{kind}: {cell}")
                if changed:
                    problems.append(f"{kind}: {cell}: the refused POST changed the database")
    assert not problems, "\n".join(problems)
