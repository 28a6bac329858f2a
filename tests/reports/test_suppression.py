"""The one suppression function: primary "<5" and secondary ".." suppression."""

import itertools
import random

import pytest

from reports.suppression import SECONDARY_MARK, Cell, suppress


def shown(cells: list[list[Cell]]) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in cells]


def test_no_small_cells_hides_nothing():
    table = [[5, 12, 0], [7, 30, 9], [12, 42, 9]]
    cells = suppress(table, col_totals=True)
    assert shown(cells) == [["5", "12", "0"], ["7", "30", "9"], ["12", "42", "9"]]
    assert not any(cell.hidden for row in cells for cell in row)


def test_one_small_cell_without_totals_is_shown_as_under_five():
    cells = suppress([[12, 3, 0]])
    assert shown(cells) == [["12", "<5", "0"]]
    assert cells[0][1].value is None
    assert cells[0][1].primary


def test_small_cell_recoverable_from_the_row_total_hides_the_smallest_other_cell():
    # 25 - 10 - 12 = 3: with the total shown, hiding only the 3 would not protect it.
    cells = suppress([[3, 10, 12, 25]], row_totals=True)
    assert shown(cells) == [["<5", "..", "12", "25"]]
    assert cells[0][1].mark == SECONDARY_MARK
    assert not cells[0][1].primary


def test_small_cell_recoverable_from_the_column_total():
    cells = suppress([[9], [2], [6], [17]], col_totals=True)
    assert shown(cells) == [["9"], ["<5"], [".."], ["17"]]


def test_secondary_suppression_spreads_until_no_line_has_one_hidden_cell():
    table = [
        [3, 10, 13],
        [8, 9, 17],
        [11, 19, 30],
    ]
    cells = suppress(table, row_totals=True, col_totals=True)
    # Row 0 hides 10 (for the 3); column 0 hides 8 (for the 3); column 1 then has
    # only the 10 hidden, so hides 9. Row 1 has two hidden cells: done.
    assert shown(cells) == [["<5", "..", "13"], ["..", "..", "17"], ["11", "19", "30"]]


def test_a_small_total_is_itself_hidden():
    cells = suppress([[2], [1], [3]], col_totals=True)
    assert shown(cells) == [["<5"], ["<5"], ["<5"]]


def test_zero_is_not_small_and_a_non_zero_cell_is_preferred_for_secondary():
    cells = suppress([[3, 0, 7, 10]], row_totals=True)
    assert shown(cells) == [["<5", "0", "..", "10"]]


def test_lines_that_do_not_add_up_get_primary_suppression_only():
    # New, active and ended side by side do not sum to anything shown.
    cells = suppress([[2, 11, 6]])
    assert shown(cells) == [["<5", "11", "6"]]


def test_threshold_comes_from_settings(settings):
    settings.SMALL_COUNT_THRESHOLD = 3
    cells = suppress([[2, 3, 4]])
    assert shown(cells) == [["<3", "3", "4"]]


def test_explicit_threshold_wins():
    assert shown(suppress([[9, 10]], threshold=10)) == [["<10", "10"]]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        suppress([[1, -2]])
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]])


def test_empty_table():
    assert suppress([]) == []


@pytest.mark.parametrize("seed", range(40))
def test_no_published_line_ever_has_exactly_one_hidden_cell(seed):
    """Random tables with both totals: no hidden cell can be recovered by subtraction."""
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 5), rng.randint(1, 5)
    inner = [
        [rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 40]) for _ in range(cols)] for _ in range(rows)
    ]
    table = [row + [sum(row)] for row in inner]
    table.append([sum(col) for col in zip(*table, strict=True)])
    cells = suppress(table, row_totals=True, col_totals=True)
    lines = [list(row) for row in cells] + [list(col) for col in zip(*cells, strict=True)]
    for line in lines:
        assert sum(cell.hidden for cell in line) != 1
    for r, c in itertools.product(range(len(table)), range(len(table[0]))):
        value = table[r][c]
        if 0 < value < 5:
            assert cells[r][c].primary
        elif not cells[r][c].hidden:
            assert cells[r][c].value == value
