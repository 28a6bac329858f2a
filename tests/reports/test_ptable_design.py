"""The project's ptable: made by the maximum-entropy design, and what it promises."""

from __future__ import annotations

import csv
import runpy
from pathlib import Path

import pytest

import samordning.settings
from reports import ptable_design
from reports.perturbation import Tally, load_ptable, ptable_path, publish
from reports.ptable_design import KEY_RANGE, PROJECT, probabilities, project_ptable_path

D = PROJECT.max_noise
JS = PROJECT.forbidden_up_to


@pytest.fixture
def project(settings):
    settings.STATISTICS_PERTURBATION = True
    settings.STATISTICS_PTABLE = str(project_ptable_path())
    settings.STATISTICS_THRESHOLD = JS + 1


def test_production_settings_use_the_projects_ptable(monkeypatch):
    monkeypatch.delenv("STATISTICS_PTABLE", raising=False)
    monkeypatch.delenv("STATISTICS_THRESHOLD", raising=False)
    production = runpy.run_path(str(Path(samordning.settings.__file__)))
    assert production["STATISTICS_PTABLE"] == str(project_ptable_path())
    assert production["STATISTICS_THRESHOLD"] == JS + 1


def test_the_committed_file_is_what_the_design_gives(tmp_path):
    fresh = tmp_path / "ptable.csv"
    ptable_design.write(PROJECT, fresh)
    assert fresh.read_bytes() == project_ptable_path().read_bytes()
    with open(fresh, encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["pcv", "ckey", "pvalue"]  # the ONS format


@pytest.mark.parametrize("count", [1, 2, 4, 5, 6, 7, 8, 20, 333, 750])
def test_the_noise_is_unbiased_with_the_chosen_variance(count):
    probs = probabilities(PROJECT, count)
    assert sum(probs.values()) == pytest.approx(1)
    mean = sum((j - count) * p for j, p in probs.items())
    assert mean == pytest.approx(0, abs=1e-6)
    if count > JS + 1:
        variance = sum((j - count) ** 2 * p for j, p in probs.items())
        assert variance == pytest.approx(PROJECT.variance, abs=1e-6)


def test_small_counts_are_never_published_and_the_noise_is_bounded(project):
    table = load_ptable(str(ptable_path()))
    assert (table.max_pcv, table.key_range) == (750, KEY_RANGE)
    seen_noise = set()
    for count in range(0, 800):
        for key in range(KEY_RANGE):
            value = publish(Tally(count, key))
            assert value is None or value > JS, (count, key)
            if value is None:
                assert count <= JS + 1
                continue
            if count > JS:
                assert abs(value - count) <= D, (count, key)
            seen_noise.add(value - count)
    # The cell key decides: a large count gets every noise value from -D to D.
    assert {value - 500 for key in range(KEY_RANGE) if (value := publish(Tally(500, key)))} == set(
        range(-D, D + 1)
    )
    assert seen_noise >= set(range(-D, D + 1))


def test_the_same_people_publish_the_same_value_and_one_more_person_moves_it(project):
    assert publish(Tally(25, 77)) == publish(Tally(25, 77))
    values = {publish(Tally(26, (77 + key) % KEY_RANGE)) for key in range(KEY_RANGE)}
    assert len(values) > 3  # a newcomer's record key makes the noise unpredictable
    assert publish(Tally(0, 0)) is None
