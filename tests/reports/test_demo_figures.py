"""Funder figures on the real demo installation: the seed's growth shows, and
anonymising people changes no figure."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from participants.models import Insats, Participant
from placements.privacy import participant_anonymise
from reports.catalogue import INSATS_TABLES, OVERVIEW_TABLES, Report, esf_tables
from reports.queries import Period
from samordning.models import Municipality

pytestmark = pytest.mark.django_db


def _figures(today: datetime.date) -> dict[str, Any]:
    """Every cell of every funder table, for several periods and filters."""
    periods = [
        Period(datetime.date(2010, 1, 1), datetime.date(2014, 12, 31), "2010–2014"),
        Period(
            datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31), "förra året"
        ),
        Period(datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31), "i år"),
        # The ESF-financed MIA ran 2017-2020: its ESF+ tables are part of the figures.
        Period(datetime.date(2018, 1, 1), datetime.date(2018, 12, 31), "2018"),
    ]
    figures: dict[str, Any] = {}
    municipalities = [None, *Municipality.objects.order_by("code")]
    for period in periods:
        for municipality in municipalities:
            report = Report(period, municipality=municipality, today=today)
            for slug, build in OVERVIEW_TABLES.items():
                figures[f"{period.label}/{municipality}/{slug}"] = build(report).export_rows()
        for insats in Insats.objects.all():
            report = Report(period, insats=insats, today=today)
            for slug, build in INSATS_TABLES.items():
                figures[f"{period.label}/{insats}/{slug}"] = build(report).export_rows()
        for insats in Insats.objects.filter(esf_funded=True):
            for exact in (False, True):
                for table in esf_tables(insats, period, exact=exact):
                    figures[f"{period.label}/{insats}/{table.slug}"] = table.export_rows()
    return figures


def test_enterprises_and_turnover_grow_as_in_the_seed(seeded_demo, db):
    report = Report(Period(datetime.date(2014, 1, 1), datetime.date(2014, 12, 31), "2014"))
    enterprises = {row[0]: row[1] for row in OVERVIEW_TABLES["foretag"](report).export_rows()}
    turnover = {row[0]: row[1] for row in OVERVIEW_TABLES["omsattning"](report).export_rows()}
    assert enterprises["2010"] == 3 and enterprises["2014"] == 9
    # Turnover is shown in MSEK.
    assert turnover["2010"] == 3.8 and turnover["2014"] == 18.6


def test_development_table_shows_the_seed_growth_beside_the_support(seeded_demo, db):
    report = Report(Period(datetime.date(2014, 1, 1), datetime.date(2014, 12, 31), "2014"))
    growth = {row[0]: row[1:] for row in OVERVIEW_TABLES["foretag-tillvaxt"](report).export_rows()}
    assert list(growth)[0] == "2010" and list(growth)[-1] == "2014"
    assert growth["2010"][:2] == [3, 3.8] and growth["2014"][:2] == [9, 18.6]
    assert growth["2014"][2] > growth["2010"][2]  # places grew too
    support = {row[0]: row[1:] for row in OVERVIEW_TABLES["foretag-stod"](report).export_rows()}
    assert all(support[str(year)][0] > 0 for year in range(2010, 2015))
    milestones = OVERVIEW_TABLES["foretag-milstolpar"](report).export_rows()
    assert sum(sum(row[1:]) for row in milestones) > 0


def test_demo_has_esf_answers_for_mia(seeded_demo, db):
    from participants.models import EsfParticipantData

    answers = EsfParticipantData.objects.select_related("enrolment__insats")
    assert answers.exists()
    assert all(row.enrolment.insats.esf_funded for row in answers)
    assert answers.exclude(exit_recorded_on=None).exists()
    assert answers.exclude(six_months_recorded_on=None).exists()


def test_overview_page_shows_the_seed_growth(seeded_demo, db, client):
    from samordning.models import User

    client.force_login(User.objects.get(username="funder"))
    response = client.get(reverse("reports:overview"), {"year": 2014})
    assert response.status_code == 200
    # Swedish number format: decimal comma.
    assert "18,6" in response.text and "3,8" in response.text


def test_anonymising_changes_no_funder_figure(seeded_demo, db):
    today = datetime.date.today()
    before = _figures(today)
    identified = Participant.objects.filter(is_anonymous=False).order_by("pk")
    assert identified.count() > 100
    for participant in identified:
        participant_anonymise(participant=participant)
    assert not Participant.objects.filter(is_anonymous=False).exists()
    after = _figures(today)
    assert after.keys() == before.keys()
    changed = [key for key in before if before[key] != after[key]]
    assert changed == []
