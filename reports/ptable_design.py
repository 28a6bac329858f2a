"""How the project's ptable is made: maximum-entropy transition probabilities.

The ONS package `cell-key-perturbation` ships one ptable, the "10-5 rule", whose
value for a cell does not depend on the cell key: it hides counts under 10 and
rounds the rest to 5. Rounding is not noise: nested date ranges and
municipalities still pin small differences (docs/statistics.md, the attack
test). A ptable with noise that depends on the cell key is made the way the
statistical offices make theirs (Destatis and the other ESSnet partners with
the `ptable` R package of sdcTools; ABS TableBuilder uses the same design):

    Giessing, S. (2016). Computational issues in the design of transition
    probabilities and disclosure risk estimation for additive noise. In:
    Privacy in Statistical Databases (PSD 2016), LNCS 9867, 237-251.

For every true count i the noise d = j - i goes to a published value j with
probability p_i(j), where
- |d| <= D (`max_noise`), and j >= 0;
- published values 1..js are not allowed (`forbidden_up_to`), so a published
  small count never appears; a true count of 0 stays 0; a true count of 1..js+1
  may become 0, and one of 1..js may become js+1..js+D (so that small counts
  have noise on both sides);
- the noise is unbiased (mean 0) with variance V (`variance`) wherever the
  allowed values make that possible, and otherwise as close to it as they allow;
- among all such distributions, the one of maximum entropy:
  p_i(j) proportional to exp(a*d + b*d*d) (Giessing 2016, section 2).

The lookup from (count, cell key) to noise is the one the R package and the ONS
format use: the 256 cell keys are spread evenly over [0, 1), and a key picks
the published value whose cumulative probability interval holds it. The
resulting file has the ONS columns `pcv, ckey, pvalue` (rows 1..750; the ONS
code reuses rows 501-750 for larger cells, which here are all alike), so the ONS
package's `create_perturbed_table` applies it unchanged.

`python -m reports.ptable_design` writes the file that `settings.py` names by
default; a test checks that the committed file is exactly what this gives.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

MAX_PCV = 750
KEY_RANGE = 256


@dataclass(frozen=True)
class Design:
    max_noise: int  # D
    variance: float  # V
    forbidden_up_to: int  # js: published values 1..js never appear

    @property
    def filename(self) -> str:
        v = f"{self.variance:g}".replace(".", "_")
        return f"ptable_D{self.max_noise}_V{v}_js{self.forbidden_up_to}.csv"


# The project's choice (docs/statistics.md): noise up to 3 either way with
# variance 2, and no published value of 1-4 (the threshold of 5).
PROJECT = Design(max_noise=3, variance=2.0, forbidden_up_to=4)
PTABLE_DIR = Path(__file__).resolve().parent / "ptables"


def allowed(design: Design, i: int) -> list[int]:
    """The published values a true count i may become.

    Within D of i, never 1..js. A count of 1..js+1 may also become 0 (be hidden),
    and a count of 1..js may become js+1..js+D: without these two the small
    counts would have only one side to go to, and their noise could not be
    unbiased (a true 5 would always publish 5, a true 1 always be hidden).
    """
    if i == 0:
        return [0]
    js, d = design.forbidden_up_to, design.max_noise
    values = {j for j in range(max(0, i - d), i + d + 1) if j == 0 or j > js}
    if i <= js + 1:
        values.add(0)
    if i <= js:
        values.update(range(js + 1, js + d + 1))
    return sorted(values)


def _distribution(ds: tuple[int, ...], a: float, b: float) -> list[float]:
    exps = [a * d + b * d * d for d in ds]  # ds: a list or tuple
    top = max(exps)
    weights = [math.exp(e - top) for e in exps]
    total = sum(weights)
    return [w / total for w in weights]


def _mean(ds: tuple[int, ...], ps: list[float]) -> float:
    return sum(d * p for d, p in zip(ds, ps, strict=True))


def _second_moment(ds: tuple[int, ...], ps: list[float]) -> float:
    return sum(d * d * p for d, p in zip(ds, ps, strict=True))


def _bisect(f, low: float, high: float, steps: int = 200) -> float:
    """The root of an increasing f on [low, high] (or the nearer end)."""
    if f(low) >= 0:
        return low
    if f(high) <= 0:
        return high
    for _ in range(steps):
        mid = (low + high) / 2
        if f(mid) < 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def probabilities(design: Design, i: int) -> dict[int, float]:
    """Maximum-entropy p_i(j): mean noise 0 and variance V where the support allows."""
    js = allowed(design, i)
    noise = _noise(tuple(j - i for j in js), design.variance)
    return {i + d: p for d, p in noise.items()}


@functools.cache
def _noise(ds: tuple[int, ...], variance: float) -> dict[int, float]:
    """The maximum-entropy distribution over the noise values ds (counts far
    from 0 all have the same ds, so this is solved a handful of times)."""
    if len(ds) == 1:
        return {ds[0]: 1.0}
    if min(ds) >= 0 or max(ds) <= 0:
        # All allowed values lie on one side: no unbiased choice; take the nearest.
        return {min(ds, key=lambda d: (abs(d), d)): 1.0}
    below = max(d for d in ds if d <= 0)
    above = min(d for d in ds if d >= 0)
    least_variance = -below * above  # 0 when 0 is allowed
    if variance <= least_variance + 1e-12:
        # Only the two values next to i give unbiased noise this small: take them.
        weight_above = -below / (above - below)
        return {below: 1 - weight_above, above: weight_above}
    span = 200.0

    def a_for(b: float) -> float:
        # The mean grows with a: find the a that makes it 0.
        return _bisect(lambda a: _mean(ds, _distribution(ds, a, b)), -span, span)

    def variance_gap(b: float) -> float:
        ps = _distribution(ds, a_for(b), b)
        return _second_moment(ds, ps) - variance

    b = _bisect(variance_gap, -span, span)
    return dict(zip(ds, _distribution(ds, a_for(b), b), strict=True))


def lookup(design: Design, i: int) -> list[int]:
    """Noise for each of the 256 cell keys: key k picks the value whose
    cumulative probability interval holds (k + 0.5) / 256."""
    probs = probabilities(design, i)
    values = sorted(probs)
    noise = []
    for key in range(KEY_RANGE):
        u = (key + 0.5) / KEY_RANGE
        cumulative = 0.0
        chosen = values[-1]
        for j in values:
            cumulative += probs[j]
            if u < cumulative:
                chosen = j
                break
        noise.append(chosen - i)
    return noise


def rows(design: Design) -> list[tuple[int, int, int]]:
    return [
        (pcv, key, pvalue)
        for pcv in range(1, MAX_PCV + 1)
        for key, pvalue in enumerate(lookup(design, pcv))
    ]


def write(design: Design, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["pcv", "ckey", "pvalue"])
        writer.writerows(rows(design))


def project_ptable_path() -> Path:
    return PTABLE_DIR / PROJECT.filename


if __name__ == "__main__":
    PTABLE_DIR.mkdir(exist_ok=True)
    write(PROJECT, project_ptable_path())
    print(project_ptable_path())
