"""The project applies cell-key perturbation exactly as the ONS package does.

Microdata are built in the database; the ONS package's `create_perturbed_table`
runs on the same people (their record keys, the same ptable and threshold), and
its table is compared cell for cell with the project's published figures.

Twice: with the project's ptable (reports/ptable_design.py), whose noise
depends on the cell key, so that a wrong cell key (summed over the wrong people,
or reduced modulo the wrong range) would show; and with the ptable the ONS
package ships (ptable_10_5_rule.csv, where the noise does not depend on it).
"""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from cell_key_perturbation.create_perturbed_table import create_perturbed_table

from participants.models import RECORD_KEY_RANGE, Participant
from reports.catalogue import AGE_LABELS, Report
from reports.perturbation import ptable_path
from reports.ptable_design import project_ptable_path
from reports.queries import Period
from tests.worlds.statistics import build_scaled

pytestmark = pytest.mark.django_db

D = datetime.date
PERIOD = Period(D(2024, 1, 1), D(2024, 12, 31), "2024")
SEX = {"female": "Kvinna", "male": "Man", "other": "Annat/ej angivet"}


def _microdata() -> pd.DataFrame:
    """One row per participant active in 2024: the variables the tables cross."""
    people = Participant.objects.counted().values(
        "pk", "sex", "home_municipality__name", "birth_year", "start_date", "record_key"
    )
    rows = []
    for person in people:
        age = person["start_date"].year - person["birth_year"]
        band = next(
            label
            for (code, label), upper in zip(AGE_LABELS["age_band"], [25, 30, 55, 1000], strict=True)
            if age < upper
        )
        rows.append(
            {
                "sex": SEX[person["sex"]],
                "municipality": person["home_municipality__name"],
                "age": str(band),
                "record_key": person["record_key"],
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("which", ["project", "ons"])
def test_the_project_publishes_what_the_ons_package_publishes(settings, which):
    build_scaled(12)
    # Fixed record keys (the factories draw them at random), so that whether a cell
    # moves is the same every run.
    for i, pk in enumerate(Participant.objects.order_by("pk").values_list("pk", flat=True)):
        Participant.objects.filter(pk=pk).update(record_key=(i * 37 + 11) % RECORD_KEY_RANGE)
    if which == "project":
        settings.STATISTICS_PTABLE = str(project_ptable_path())
        threshold = 5
    else:
        settings.STATISTICS_PTABLE = ""
        threshold = 10
    settings.STATISTICS_PERTURBATION = True
    settings.STATISTICS_THRESHOLD = threshold
    ons_ptable = pd.read_csv(ptable_path())
    micro = _microdata()
    assert len(micro) == 144

    report = Report(PERIOD)
    cases = [
        (["sex"], report.participants_by_sex()),
        (["municipality"], report.participants_by_municipality()),
        (["age"], report.participants_by_age()),
    ]
    compared = 0
    for tab_vars, table in cases:
        ons = create_perturbed_table(
            data=micro,
            ptable=ons_ptable,
            geog=[],
            tab_vars=tab_vars,
            record_key="record_key",
            threshold=threshold,
        )
        expected = {
            row[tab_vars[0]]: (".." if pd.isna(row["count"]) else int(row["count"]))
            for _i, row in ons.iterrows()
        }
        # "Aktiva" (everyone active in 2024: the whole microdata) is the ONS table's count.
        ours = {row[0]: row[2] for row in table.export_rows() if row[0] != "Totalt"}
        for label, value in expected.items():
            assert ours[label] == value, (tab_vars, label)
            compared += 1
        # The total is a one-cell ONS table of everyone.
        everyone = micro.assign(all="Totalt")
        total = create_perturbed_table(
            data=everyone,
            ptable=ons_ptable,
            geog=[],
            tab_vars=["all"],
            record_key="record_key",
            threshold=threshold,
        )["count"].iloc[0]
        assert table.export_rows()[-1][2] == (".." if pd.isna(total) else int(total))
    assert compared >= 10
    if which == "project":
        # The project's ptable did move some cells: the comparison saw the cell keys at work.
        def published() -> list[object]:
            report = Report(PERIOD)
            tables = [report.participants_by_sex(), report.participants_by_age()]
            return [row[2] for table in tables for row in table.export_rows()]

        raw = published()
        settings.STATISTICS_PERTURBATION = False
        assert raw != published()
