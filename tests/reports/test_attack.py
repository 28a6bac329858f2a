"""The attack of issue 10, written as an attacker would run it.

The attacker is a funder. They download (CSV, through the site) every people
table for the year, each quarter, each cumulative month range (1 Jan to the end
of each month), each single month, for all municipalities and for each one;
then, after one more person has started, they download the tables that cover
that day again. They know how the figures are made (the ONS ptable is public,
and so is docs/statistics.md) and combine what they saw:

- sums within a table: the categories of a table add up to its total, and the
  tables of disjoint categories (sex, age, ESF age, municipality, referrer,
  education) share one total;
- overlapping age bands: Under 25 + 25-29 = Under 18 + 18-29, and the 30-54 and
  55+ bands are the same people in both tables;
- nested ranges: a quarter is its three months, the range to month m is the
  range to month m-1 plus month m (for "new" and "ended", which are additive
  here: every generated person has one enrolment);
- municipalities: the whole area is the sum of its municipalities;
- outcome tables: their rows add up, and ended enrolments are ended people;
- the second download: each cell can only have grown.

Each published cell becomes an interval of true values it can come from (for a
perturbed count: every count that some cell key maps to the published value;
off: the value itself). The relations are propagated over the intervals until
nothing changes. A count of 1-4 people is recovered when its interval shrinks
to that one value. The attack must be sound: the truth (the same downloads with
the perturbation off) lies in every interval, or a relation was wrong.

With the perturbation off it recovers many counts (the control run; the figure
is in docs/statistics.md); with it on, none. Interval propagation is weaker
than integer programming over the same relations; see docs/statistics.md.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import time
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from participants.models import Insats, Participant
from reports.perturbation import Tally, ptable, publish
from reports.ptable_design import PROJECT, project_ptable_path
from samordning.models import Municipality
from tests.factories import EnrolmentFactory, ParticipantFactory
from tests.worlds.statistics import build_scaled

pytestmark = pytest.mark.django_db

YEAR = 2024
INF = 10**9
D = datetime.date

# Tables of disjoint categories (they share one total), the support-source and
# outcome tables, and the per-insats tables, over the whole year.
DISJOINT = [
    "deltagare-kon",
    "deltagare-alder",
    "deltagare-alder-esf",
    "deltagare-kommun",
    "deltagare-remittent",
    "deltagare-utbildning",
]
TABLES = [*DISJOINT, "deltagare-forsorjning", "resultat", "arbete-studier"]
MONTHS = 12
# The municipality table's row for the municipalities whose counts are all hidden,
# together with the unknown: which municipalities it holds depends on what is published.
FOLDED_ROW = "Övriga kommuner eller okänd"
# The per-insats page's tables of people, and the overview table each one splits:
# every generated person has one enrolment, so the insatser add up to the overview.
INSATS_TABLES = {
    "insats-kon": "deltagare-kon",
    "insats-resultat": "resultat",
    "insats-arbete-studier": "arbete-studier",
}
WORK_OR_STUDIES_ROWS = [
    "Förvärvsarbete utan subvention",
    "Förvärvsarbete med subvention",
    "Studier",
]
COUNT_COLUMNS = {"Nya", "Aktiva", "Avslutade", "Antal", "Vid start", "Vid avslut"}
ADDITIVE = {"Nya", "Avslutade", "Antal", "Vid start", "Vid avslut"}
STATUS = ["Nya", "Aktiva", "Avslutade"]
# The new person of the second download starts here.
NEWCOMER_DAY = D(YEAR, 6, 17)


def month_end(month: int) -> D:
    return (D(YEAR, month + 1, 1) if month < 12 else D(YEAR + 1, 1, 1)) - datetime.timedelta(1)


def periods() -> dict[str, tuple[D, D]]:
    """Quarters, ranges from 1 January to the end of each month, and single months.

    The first quarter is the range to the end of March (C3), so only later
    quarters are downloads of their own.
    """
    found: dict[str, tuple[D, D]] = {}
    for q in range(2, MONTHS // 3 + 1):
        found[f"Q{q}"] = (D(YEAR, 3 * q - 2, 1), month_end(3 * q))
    for m in range(1, MONTHS + 1):
        found[f"C{m}"] = (D(YEAR, 1, 1), month_end(m))
        found[f"M{m}"] = (D(YEAR, m, 1), month_end(m))
    return found


Key = tuple[str, ...]


@dataclass
class Downloads:
    """Every count cell the attacker saw: (round, period, municipality, table, row, column)."""

    cells: dict[Key, str] = field(default_factory=dict)

    def get(self, *key: str) -> str | None:
        return self.cells.get(key)


def download(client: Client, rounds: str, scope: dict[str, tuple[D, D]], munis: list) -> Downloads:
    seen = Downloads()
    files = [(slug, reverse("reports:table-export", args=[slug, "csv"])) for slug in TABLES]
    files += [
        (
            f"{slug}@{insats.name}",
            reverse("reports:insats-table-export", args=[insats.pk, slug, "csv"]),
        )
        for insats in Insats.objects.order_by("name")
        for slug in INSATS_TABLES
    ]
    for (name, (start, end)), muni in itertools.product(scope.items(), munis):
        query = {"date_from": start.isoformat(), "date_to": end.isoformat()}
        if muni is not None:
            query["municipality"] = str(muni.pk)
        for slug, url in files:
            response = client.get(url, query)
            assert response.status_code == 200, slug
            text = response.getvalue().decode("utf-8-sig")
            header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
            for row in rows:
                for column, value in zip(header[1:], row[1:], strict=True):
                    if column in COUNT_COLUMNS:
                        muni_key = muni.name if muni else "*"
                        seen.cells[rounds, name, muni_key, slug, row[0], column] = value
    return seen


# --- the attacker's model of the publication ------------------------------------


def preimages(mode: str) -> dict[str, tuple[int, int]]:
    """Published text -> (lowest, highest) true count that can give it, for a perturbed run."""
    if mode != "perturbed":
        return {}
    table = ptable()
    found: dict[str, tuple[int, int]] = {}
    for n in range(0, 3000):
        for ckey in range(table.key_range):
            value = publish(Tally(n, ckey))
            text = ".." if value is None else str(value)
            low, high = found.get(text, (n, n))
            found[text] = (min(low, n), max(high, n))
    return found


@dataclass
class Attack:
    bounds: dict[Key, tuple[int, int]] = field(default_factory=dict)
    equations: list[list[tuple[int, Key]]] = field(default_factory=list)

    def var(self, key: Key, low: int = 0, high: int = INF) -> Key:
        old = self.bounds.get(key, (0, INF))
        self.bounds[key] = (max(old[0], low), min(old[1], high))
        return key

    def equal(self, left: list[Key], right: list[Key]) -> None:
        """sum(left) == sum(right)."""
        self.equations.append([(1, k) for k in left] + [(-1, k) for k in right])

    def propagate(self, passes: int = 60) -> None:
        """Narrow every interval by every relation until nothing changes.

        Stopping after `passes` rounds can only leave intervals wider: it weakens
        the attack, never makes it unsound (the test counts what it did find).
        """
        changed = True
        while changed and passes:
            passes -= 1
            changed = False
            for equation in self.equations:
                for i, (coef, key) in enumerate(equation):
                    low = high = 0
                    for j, (other_coef, other) in enumerate(equation):
                        if i == j:
                            continue
                        lo, hi = self.bounds[other]
                        sign = -other_coef * coef  # key = sum(sign * other)
                        low += sign * (lo if sign > 0 else hi)
                        high += sign * (hi if sign > 0 else lo)
                    old = self.bounds[key]
                    new = (max(old[0], low), min(old[1], high))
                    if new != old:
                        self.bounds[key] = new
                        changed = True


def build_attack(seen: Downloads, mode: str, munis: list[str]) -> Attack:
    """The attacker's variables (true counts) and what they know about them.

    mode "perturbed": the downloads are the published figures; "exact": they are
    exact; "suppressed": exact downloads with every 1-4 read as "<5", the rule
    of thumb the perturbation replaced (a second control).
    """
    attack = Attack()
    pre = preimages(mode)

    def bounds(text: str) -> tuple[int, int]:
        if mode == "perturbed":
            return pre[text]
        value = int(text)
        if mode == "suppressed" and 1 <= value <= 4:
            return 1, 4
        return value, value

    def cell(*key: str) -> Key | None:
        text = seen.get(*key)
        if text is None and key[0] == "after":
            # Not downloaded again: the range does not cover the newcomer's start.
            key = ("before", *key[1:])
            text = seen.get(*key)
        if text is None:
            return None
        low, high = bounds(text)
        # The disjoint tables' totals are one quantity: call them by one name.
        rounds, period, muni, slug, row, column = key
        if row == "Totalt" and slug in DISJOINT:
            key = (rounds, period, muni, "total", row, column)
        return attack.var(key, low, high)

    for key in list(seen.cells):
        cell(*key)

    def rows_of(rounds, period, muni, slug):
        return sorted(
            {k[4] for k in seen.cells if k[:4] == (rounds, period, muni, slug)},
        )

    scopes = {k[:3] for k in seen.cells}
    for rounds, period, muni in scopes:
        for slug in DISJOINT:
            labels = [r for r in rows_of(rounds, period, muni, slug) if r != "Totalt"]
            for column in STATUS:
                parts = [cell(rounds, period, muni, slug, r, column) for r in labels]
                total = cell(rounds, period, muni, slug, "Totalt", column)
                attack.equal([p for p in parts if p], [total] if total else [])
        # Overlapping age bands.
        for column in STATUS:
            age = {
                r: cell(rounds, period, muni, "deltagare-alder", r, column)
                for r in ("Under 25", "25–29", "30–54", "55+")
            }
            esf = {
                r: cell(rounds, period, muni, "deltagare-alder-esf", r, column)
                for r in ("Under 18", "18–29", "30–54", "55+")
            }
            attack.equal([age["Under 25"], age["25–29"]], [esf["Under 18"], esf["18–29"]])
            attack.equal([age["30–54"]], [esf["30–54"]])
            attack.equal([age["55+"]], [esf["55+"]])
        # Outcomes: rows add up, both tables have the same total, which is the people ended.
        outcome_rows = [
            r for r in rows_of(rounds, period, muni, "resultat") if r != "Totalt avslutade"
        ]
        total_ended = cell(rounds, period, muni, "resultat", "Totalt avslutade", "Antal")
        attack.equal(
            [cell(rounds, period, muni, "resultat", r, "Antal") for r in outcome_rows],
            [total_ended],
        )
        attack.equal(
            [cell(rounds, period, muni, "arbete-studier", "Totalt avslutade", "Antal")],
            [total_ended],
        )
        attack.equal(
            [
                cell(rounds, period, muni, "arbete-studier", r, "Antal")
                for r in ("I arbete eller studier", "Övriga")
            ],
            [total_ended],
        )
        attack.equal(
            [cell(rounds, period, muni, "arbete-studier", "I arbete eller studier", "Antal")],
            [cell(rounds, period, muni, "resultat", r, "Antal") for r in WORK_OR_STUDIES_ROWS],
        )
        attack.equal(
            [total_ended], [cell(rounds, period, muni, "deltagare-kon", "Totalt", "Avslutade")]
        )
        for column in ("Vid start", "Vid avslut"):
            attack.equal(
                [
                    cell(
                        rounds,
                        period,
                        muni,
                        "forsorjning-fore-efter",
                        "Antal avslutade deltagare",
                        column,
                    )
                ],
                [total_ended],
            )
        attack.equal(
            [cell(rounds, period, muni, "deltagare-forsorjning", "Totalt", c) for c in STATUS],
            [cell(rounds, period, muni, "deltagare-kon", "Totalt", c) for c in STATUS],
        )

    # The insatser add up to the overview, cell for cell.
    insatser = sorted({k[3].split("@")[1] for k in seen.cells if "@" in k[3]})
    for key in seen.cells:
        rounds, period, muni, slug, row, column = key
        if "@" in slug or slug not in INSATS_TABLES.values():
            continue
        split = [s for s, whole in INSATS_TABLES.items() if whole == slug][0]
        parts = [cell(rounds, period, muni, f"{split}@{name}", row, column) for name in insatser]
        if all(parts):
            attack.equal(parts, [cell(*key)])

    # Municipalities add up to the whole area; a municipality's row in the
    # municipality table is that municipality's total.
    by_scope: dict[tuple[str, str, str, str, str], list[Key]] = {}
    for key in seen.cells:
        rounds, period, muni, slug, row, column = key
        if muni != "*" and slug != "deltagare-kommun":
            by_scope.setdefault((rounds, period, slug, row, column), []).append(key)
    for (rounds, period, slug, row, column), keys in by_scope.items():
        whole = cell(rounds, period, "*", slug, row, column)
        if whole is not None and len(keys) == len(munis):
            attack.equal([cell(*k) for k in keys], [whole])
    for rounds, period, muni in scopes:
        if muni == "*":
            continue
        for column in STATUS:
            attack.equal(
                [cell(rounds, period, "*", "deltagare-kommun", muni, column)],
                [cell(rounds, period, muni, "deltagare-kon", "Totalt", column)],
            )

    # Nested ranges, for the additive columns.
    for key in seen.cells:
        rounds, period, muni, slug, row, column = key
        # The folded row holds other municipalities in each range: not additive.
        if column not in ADDITIVE or period[0] not in "QC" or row == FOLDED_ROW:
            continue
        n = int(period[1:])
        if period[0] == "Q":
            months = [
                cell(rounds, f"M{m}", muni, slug, row, column) for m in range(3 * n - 2, 3 * n + 1)
            ]
        elif n == 1:
            months = [cell(rounds, "M1", muni, slug, row, column)]
        else:
            months = [
                cell(rounds, f"C{n - 1}", muni, slug, row, column),
                cell(rounds, f"M{n}", muni, slug, row, column),
            ]
        if all(months):
            attack.equal(months, [cell(*key)])

    # The second download: what was there before is still there.
    for key in seen.cells:
        rounds, period, muni, slug, row, column = key
        if rounds != "after":
            continue
        before, after = cell("before", period, muni, slug, row, column), cell(*key)
        # The folded row can shrink: a municipality that got a row of its own leaves it.
        if before and after and column in ("Nya", "Aktiva") and row != FOLDED_ROW:
            high = attack.bounds[after][1]
            grown = attack.var(("growth", period, muni, slug, row, column), 0, high)
            attack.equal([after], [before, grown])
    attack.equations = [[(c, k) for c, k in eq if k is not None] for eq in attack.equations]
    attack.equations = [eq for eq in attack.equations if len(eq) > 1]
    return attack


def recovered(attack: Attack, truth: dict[Key, int]) -> list[tuple[Key, int]]:
    """Counts of 1-4 people the attacker now knows exactly."""
    found = []
    for key, (low, high) in attack.bounds.items():
        true = truth[key]
        assert low <= true <= high, f"unsound relation: {key} is {true}, not {low}..{high}"
        if low == high and 1 <= true <= 4:
            found.append((key, true))
    return found


def run(client: Client, settings, perturbed: bool) -> tuple[Downloads, list[str]]:
    """Download everything, add one person, download what covers their start again."""
    settings.STATISTICS_PERTURBATION = perturbed
    # The production ptable (tests/settings.py publishes with the ONS one by default).
    settings.STATISTICS_PTABLE = str(project_ptable_path())
    settings.STATISTICS_THRESHOLD = PROJECT.forbidden_up_to + 1
    munis = list(Municipality.objects.order_by("code"))
    scopes = periods()
    seen = download(client, "before", scopes, [None, *munis])
    newcomer = ParticipantFactory(sex="other", start_date=NEWCOMER_DAY, home_municipality=munis[0])
    enrolment = EnrolmentFactory(
        participant=newcomer, insats=Insats.objects.get(name="MIA"), start_date=NEWCOMER_DAY
    )
    covering = {k: v for k, v in scopes.items() if v[0] <= NEWCOMER_DAY <= v[1]}
    seen.cells.update(download(client, "after", covering, [None, *munis]).cells)
    # Undo, for the other run.
    enrolment.delete()
    newcomer.delete()
    return seen, [m.name for m in munis]


def folded_like(exact: Downloads, published: Downloads) -> Downloads:
    """The exact downloads with the municipality table's rows grouped as `published`
    grouped them: a municipality without a row of its own there is counted in
    FOLDED_ROW. The truth of the perturbed run's cells."""
    folded = Downloads(dict(exact.cells))
    for key, text in exact.cells.items():
        rounds, period, muni, slug, row, column = key
        if slug != "deltagare-kommun" or row in ("Totalt", FOLDED_ROW):
            continue
        if published.get(*key) is None:
            rest = (rounds, period, muni, slug, FOLDED_ROW, column)
            folded.cells[rest] = str(int(folded.cells[rest]) + int(text))
            del folded.cells[key]
    return folded


def truth_of(exact: Downloads, attack: Attack) -> dict[Key, int]:
    values: dict[Key, int] = {}
    for key, text in exact.cells.items():
        rounds, period, muni, slug, row, column = key
        if row == "Totalt" and slug in DISJOINT:
            key = (rounds, period, muni, "total", row, column)
        values[key] = int(text)
    for key in attack.bounds:
        if key[0] == "growth":
            _g, period, muni, slug, row, column = key
            values[key] = int(exact.cells["after", period, muni, slug, row, column]) - int(
                exact.cells["before", period, muni, slug, row, column]
            )
    return values


def test_the_differencing_attack_recovers_no_small_count(client, funder, settings):
    build_scaled(10, year=YEAR)
    assert Participant.objects.count() == 120
    client.force_login(funder)

    started = time.perf_counter()
    exact, munis = run(client, settings, perturbed=False)
    downloaded = time.perf_counter()
    control = build_attack(exact, "exact", munis)
    truth = truth_of(exact, control)
    # Every relation the attacker uses holds for the true counts.
    wrong = [eq for eq in control.equations if sum(c * truth[k] for c, k in eq) != 0]
    assert not wrong, wrong[:3]
    control.propagate()
    found_off = recovered(control, truth)
    small = sum(1 for value in truth.values() if 1 <= value <= 4)

    suppressed = build_attack(exact, "suppressed", munis)
    suppressed.propagate()
    found_suppressed = recovered(suppressed, truth)

    published, _munis = run(client, settings, perturbed=True)
    attack = build_attack(published, "perturbed", munis)
    attack.propagate()
    found_on = recovered(attack, truth_of(folded_like(exact, published), attack))

    # Outside knowledge is not part of the attack; for docs/statistics.md: the cells
    # the newcomer joined, and how many of them visibly changed when published.
    joined = [k for k, v in truth.items() if k[0] == "growth" and v > 0]
    moved = [
        k
        for k in joined
        if published.cells.get(("after", *k[1:])) != published.cells.get(("before", *k[1:]))
    ]
    print(f"newcomer: in {len(joined)} cells, {len(moved)} of them changed when published")
    print(
        f"attack: {len(exact.cells)} cells downloaded in {downloaded - started:.0f} s, "
        f"in all {time.perf_counter() - started:.0f} s; "
        f"{len(attack.bounds)} unknowns, {len(attack.equations)} relations, "
        f"{small} of them counts of 1-4; recovered exactly: {len(found_off)} with the "
        f"perturbation off, {len(found_suppressed)} behind '<5' suppression, "
        f"{len(found_on)} with the perturbation on"
    )
    # The control runs prove the attack finds what there is to find: everything when
    # the figures are exact, and by combining tables what "<5" was meant to hide.
    assert len(found_off) == small > 100
    assert len(found_suppressed) > 0
    assert found_on == []
