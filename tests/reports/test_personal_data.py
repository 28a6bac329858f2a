"""No page or download a funder can reach shows anything about a person.

Every personal field gets a marker string; then every URL of the reports
namespace (with several periods and each municipality) and every download is
fetched as the funder, and no marker may appear. The walk covers each URL
name in the namespace, so a new funder page fails here until it is added.
"""

import datetime
import io

import pytest
from django.urls import get_resolver, reverse
from openpyxl import load_workbook

from enterprises.models import DevelopmentComment, SupportActivity
from participants.identity import format_full
from participants.models import Insats, Participant
from placements.models import Placement
from reports.catalogue import INSATS_TABLES, OVERVIEW_TABLES
from samordning.models import User
from tests.factories import ConsentFactory, FollowUpMeetingFactory
from tests.worlds.statistics import build_small

pytestmark = pytest.mark.django_db

MARK = "mrkx"  # lower case: every check is case-insensitive
SHOWN = "shownx"  # a control: a field the pages do show


def _seed_markers(data) -> list[str]:
    """Put a marker in every personal field; return the identity numbers' written forms."""
    numbers = []
    for n, person in enumerate(Participant.objects.all()):
        person.support_needs = f"MRKX support needs {n}"
        person.workplace_adaptations = f"MRKX adaptations {n}"
        person.notes = f"MRKX notes {n}"
        if not person.is_anonymous:
            person.first_name = f"MRKX-first-{n}"
            person.last_name = f"MRKX-last-{n}"
            person.email = f"mrkx{n}@example.se"
            person.phone = f"MRKX-070-{n}"
            person.address = f"MRKX-gatan {n}"
            digits = person.personal_number
            numbers += [digits, digits[2:], format_full(digits), f"{digits[2:8]}-{digits[8:]}"]
            numbers.append(person.birth_date.isoformat())
        person.save()
        ConsentFactory(participant=person, note=f"MRKX consent {n}")
    for n, placement in enumerate(Placement.objects.all()):
        placement.decline_note = f"MRKX decline {n}"
        placement.agreement_tasks = f"MRKX tasks {n}"
        placement.agreement_hours = f"MRKX hours {n}"
        placement.agreement_support = f"MRKX support {n}"
        placement.proposal_note = f"MRKX proposal {n}"
        placement.schedule = f"MRKX schedule {n}"
        placement.supervisor_name = f"MRKX supervisor {n}"
        placement.save()
        FollowUpMeetingFactory(
            placement=placement,
            date=datetime.date(2024, 6, 1),
            notes=f"MRKX follow-up notes {n}",
            attendees=f"MRKX attendees {n}",
        )
    for n, enterprise in enumerate(data.enterprises):
        enterprise.contact_name = f"MRKX contact {n}"
        enterprise.contact_email = f"mrkx-contact{n}@example.se"
        enterprise.contact_phone = f"MRKX-08-{n}"
        enterprise.address = f"MRKX-vägen {n}"
        enterprise.save()
    for n, offer in enumerate(data.offers):
        offer.supervisor_name = f"MRKX handledare {n}"
        offer.supervisor_contact = f"MRKX handledare-kontakt {n}"
        offer.save()
    # The association's support log has free text about the enterprises' people.
    for n, enterprise in enumerate(data.enterprises):
        SupportActivity.objects.create(
            enterprise=enterprise,
            kind="business_advice",
            date=datetime.date(2024, 3, 1),
            hours=2,
            taking_part=f"MRKX taking part {n}",
            note=f"MRKX support note {n}",
        )
        DevelopmentComment.objects.create(
            enterprise=enterprise, author=User.objects.first(), text=f"MRKX comment {n}"
        )
    # The control: insats names are shown (the insats pages and tables) by design.
    # (Enterprise names are not a control: an enterprise whose present days are few
    # is folded into "Övriga företag".)
    data.mia.name = "SHOWNX MIA"
    data.mia.save()
    return numbers


def _funder_urls(data) -> tuple[list[str], set[str]]:
    queries = ["", "?year=2024", "?year=2024&quarter=1", "?date_from=2023-01-01&date_to=2025-12-31"]
    queries += [
        f"?year=2024&municipality={m.pk}" for m in (data.haninge, data.tyreso, data.nynashamn)
    ]
    urls = [reverse("home")]
    covered = set()
    for q in queries:
        urls.append(reverse("reports:overview") + q)
        covered.add("overview")
        for slug in OVERVIEW_TABLES:
            for fmt in ("csv", "xlsx"):
                urls.append(reverse("reports:table-export", args=[slug, fmt]) + q)
                covered.add("table-export")
        for insats in (data.mia, data.asf):
            urls.append(reverse("reports:insats-detail", args=[insats.pk]) + q)
            covered.add("insats-detail")
            for slug in INSATS_TABLES:
                for fmt in ("csv", "xlsx"):
                    urls.append(
                        reverse("reports:insats-table-export", args=[insats.pk, slug, fmt]) + q
                    )
                    covered.add("insats-table-export")
        urls.append(reverse("reports:development") + q)
        covered.add("development")
        urls.append(reverse("reports:esf", args=[data.mia.pk]) + q)
        urls.append(reverse("reports:esf-export", args=[data.mia.pk]) + q)
        covered |= {"esf", "esf-export"}
    return urls, covered


def _admin_only_urls(data) -> tuple[list[str], set[str]]:
    """The exact reports (Uppföljning Finsam, ESF+): a funder gets 403, an admin the page."""
    urls = []
    for q in ("", "?year=2024"):
        urls.append(reverse("reports:finsam-followup") + q)
        urls += [reverse("reports:finsam-export", args=[fmt]) + q for fmt in ("csv", "xlsx")]
        urls.append(reverse("reports:esf-exact", args=[data.mia.pk]) + q)
        urls.append(reverse("reports:esf-exact-export", args=[data.mia.pk]) + q)
    return urls, {"finsam-followup", "finsam-export", "esf-exact", "esf-exact-export"}


def _content(response) -> str:
    if "spreadsheetml" in response.get("Content-Type", ""):
        workbook = load_workbook(io.BytesIO(response.getvalue()))
        return "\n".join(
            str(v)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for v in row
        )
    return response.getvalue().decode("utf-8")


def test_no_personal_data_on_any_funder_page_or_download(client, funder, admin_user):
    data = build_small()
    numbers = _seed_markers(data)
    assert numbers and Participant.objects.filter(notes__startswith="MRKX").count() == 14

    urls, covered = _funder_urls(data)
    Insats.objects.filter(pk=data.mia.pk).update(esf_funded=True)
    admin_urls, admin_covered = _admin_only_urls(data)
    _prefix, resolver = get_resolver().namespace_dict["reports"]
    assert covered | admin_covered == {pattern.name for pattern in resolver.url_patterns}

    client.force_login(funder)
    seen_control = False
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _content(response).lower()
        assert MARK not in text, url
        for number in numbers:
            assert number not in text, (url, number)
        seen_control = seen_control or SHOWN in text
    # The scan reads what the pages and files really contain.
    assert seen_control
    for url in admin_urls:
        assert client.get(url).status_code == 403, url
    client.force_login(admin_user)
    for url in admin_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _content(response).lower()
        assert MARK not in text, url
        assert not any(number in text for number in numbers), url
