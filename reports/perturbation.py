"""Cell-key perturbation of every count of people a funder sees.

The method national statistics offices use (ABS TableBuilder, ONS Census 2021,
Destatis), applied exactly as the ONS package `cell-key-perturbation` applies it
in `create_perturbed_table`:

1. every participant has a permanent random record key, 0..255
   (`Participant.record_key`);
2. a cell's key is the sum of its people's record keys modulo 256, computed in
   the database next to the count (`queries.tally`);
3. the perturbation table (ptable) gives, for (cell value, cell key), the value
   to add; cell values above the ptable's last row (750) reuse rows 501-750;
4. a perturbed value below the threshold is not published.

The same people always give the same published value, whatever query or
period produced the cell, so differencing two tables meets the same
perturbation instead of the truth.

The ptable is `settings.STATISTICS_PTABLE`: by default the project's
maximum-entropy ptable (`reports/ptables/`, made by `reports/ptable_design.py`),
whose noise depends on the cell key; empty names the one ONS ships with the
package (`ptable_10_5_rule.csv`, read from the installed package). See
docs/statistics.md for the choice and its effect.
`settings.STATISTICS_PERTURBATION = False` publishes exact counts: only for the
attack test's control run and for measuring the information loss.
"""

from __future__ import annotations

import csv
import functools
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from participants.models import RECORD_KEY_RANGE

ONS_DISTRIBUTION = "cell-key-perturbation"
ONS_PTABLE = "ptable_10_5_rule.csv"
# What the page, the chart and the download show instead of a count below the threshold.
HIDDEN_MARK = ".."


@dataclass(frozen=True)
class Tally:
    """A count of people (or of their enrolments or placements) and its cell key.

    `key` is the sum of the counted rows' record keys modulo the key range, so
    tallies of disjoint groups add up to the tally of their union.
    """

    n: int
    key: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.n + other.n, (self.key + other.key) % RECORD_KEY_RANGE)

    def __sub__(self, other: Tally) -> Tally:
        """The rest of a group once a subgroup is taken out (`other` must be inside `self`)."""
        if other.n > self.n:
            raise ValueError("a subgroup cannot be larger than its group")
        return Tally(self.n - other.n, (self.key - other.key) % RECORD_KEY_RANGE)


ZERO = Tally(0, 0)


def tally_sum(tallies: list[Tally]) -> Tally:
    total = ZERO
    for t in tallies:
        total = total + t
    return total


@dataclass(frozen=True)
class PTable:
    """pvalue[pcv][ckey]: what to add to a cell of value pcv and key ckey."""

    pvalues: tuple[tuple[int, ...], ...]  # index 0 is the unused pcv 0
    max_pcv: int
    key_range: int

    def pvalue(self, count: int, ckey: int) -> int:
        if count <= 0:
            return 0  # the ONS code finds no row for 0 and adds nothing
        pcv = count
        if count > self.max_pcv:
            # As `create_perturbed_table`: rows 501-750 are reused for larger cells.
            pcv = ((count - 1) % 250) + 501
        return self.pvalues[pcv][ckey % self.key_range]


def ptable_path() -> Path:
    """The configured ptable file, else the one the ONS package installs."""
    configured = getattr(settings, "STATISTICS_PTABLE", "")
    if configured:
        return Path(configured)
    try:
        files = importlib.metadata.distribution(ONS_DISTRIBUTION).files or []
    except importlib.metadata.PackageNotFoundError as error:
        raise ImproperlyConfigured(
            f"The funder statistics need the {ONS_DISTRIBUTION} package (its ptable)."
        ) from error
    for file in files:
        if file.name == ONS_PTABLE:
            return Path(str(file.locate()))
    raise ImproperlyConfigured(f"{ONS_DISTRIBUTION} is installed without {ONS_PTABLE}.")


@functools.cache
def load_ptable(path: str) -> PTable:
    """Read a ptable CSV (columns pcv, ckey, pvalue); every (pcv, ckey) must be there."""
    rows: dict[tuple[int, int], int] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[int(row["pcv"]), int(row["ckey"])] = int(row["pvalue"])
    if not rows:
        raise ImproperlyConfigured(f"The ptable {path} is empty.")
    max_pcv = max(pcv for pcv, _ckey in rows)
    key_range = max(ckey for _pcv, ckey in rows) + 1
    if key_range != RECORD_KEY_RANGE:
        raise ImproperlyConfigured(
            f"The ptable's cell keys run 0..{key_range - 1}, the record keys 0..255."
        )
    try:
        pvalues = tuple(
            tuple(rows[pcv, ckey] for ckey in range(key_range)) if pcv else ()
            for pcv in range(max_pcv + 1)
        )
    except KeyError as error:
        raise ImproperlyConfigured(f"The ptable {path} lacks the row {error}.") from error
    return PTable(pvalues, max_pcv, key_range)


def ptable() -> PTable:
    return load_ptable(_resolved_path(getattr(settings, "STATISTICS_PTABLE", "")))


@functools.cache
def _resolved_path(configured: str) -> str:
    """Finding the installed package's file reads its metadata: once per process."""
    return str(ptable_path())


def enabled() -> bool:
    return bool(getattr(settings, "STATISTICS_PERTURBATION", True))


def threshold() -> int:
    return int(settings.STATISTICS_THRESHOLD)


def perturb(tally: Tally) -> int:
    """The perturbed value before the threshold (the exact count when switched off)."""
    if not enabled():
        return tally.n
    return tally.n + ptable().pvalue(tally.n, tally.key)


def describes_a_group(published: int | None) -> bool:
    """May a figure about each member (an average, a median) stand beside this published count?

    A count of 1-4 can be published as 5 (that is the point of the noise), and the
    average beside it would then be one person's own value. Such figures are published
    only beside a count of at least `settings.STATISTICS_GROUP_MINIMUM`: decided on the
    published count, so hiding them says nothing the count does not already say.
    """
    if published is None:
        return False
    if not enabled():
        return True
    return published >= int(settings.STATISTICS_GROUP_MINIMUM)


def publish(tally: Tally) -> int | None:
    """The value a funder may see; None when it falls below the threshold."""
    if not enabled():
        return tally.n
    value = perturb(tally)
    return None if value < threshold() else value
