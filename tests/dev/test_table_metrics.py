from __future__ import annotations

import pytest

from ocr_dev.table_metrics import parse_table, teds

TRUTH = (
    '<html><body><table><thead><tr><td>Name</td><td colspan="2">Score</td></tr></thead>'
    "<tbody><tr><td>Ann</td><td>1</td><td>2</td></tr></tbody></table></body></html>"
)


def test_identical_tables_score_one() -> None:
    assert teds(TRUTH, TRUTH) == 1.0
    assert teds(TRUTH, TRUTH, structure_only=True) == 1.0


def test_header_sections_and_th_do_not_count() -> None:
    flat = (
        '<table><tr><th>Name</th><td colspan="2">Score</td></tr>'
        "<tr><td>Ann</td><td>1</td><td>2</td></tr></table>"
    )
    assert teds(flat, TRUTH) == 1.0


def test_wrong_text_costs_its_normalized_edit_distance() -> None:
    wrong = TRUTH.replace("<td>Ann</td>", "<td>Anna</td>")
    nodes = parse_table(TRUTH).size()  # table, 2 tr, 5 td = 8
    assert nodes == 8
    assert teds(wrong, TRUTH) == pytest.approx(1 - 0.25 / nodes)
    assert teds(wrong, TRUTH, structure_only=True) == 1.0


def test_a_missing_span_and_cell_cost_structure() -> None:
    unspanned = TRUTH.replace('<td colspan="2">Score</td>', "<td>Score</td>")
    assert teds(unspanned, TRUTH, structure_only=True) == pytest.approx(1 - 1 / 8)
    assert teds("<p>no table</p>", TRUTH) == pytest.approx(1 - 7 / 8)
