from __future__ import annotations

import numpy as np

from ocr_inference.pipeline.tables import GridCell, decode, fill, grid, to_html

SPANNED = [
    "<thead>", "<tr>", '<td', ' rowspan="2"', ">", "</td>", '<td', ' colspan="2"', ">", "</td>",
    "</tr>", "<tr>", "<td></td>", "<td></td>", "</tr>", "</thead>",
    "<tbody>", "<tr>", "<td></td>", "<td></td>", "<td></td>", "</tr>", "</tbody>",
]  # fmt: skip


def quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_grid_places_cells_around_row_and_column_spans() -> None:
    assert grid(SPANNED) == [
        GridCell(0, 0, 2, 1),
        GridCell(0, 1, 1, 2),
        GridCell(1, 1, 1, 1),  # column 0 is taken by the row span from above
        GridCell(1, 2, 1, 1),
        GridCell(2, 0, 1, 1),
        GridCell(2, 1, 1, 1),
        GridCell(2, 2, 1, 1),
    ]


def test_html_keeps_spans_and_escapes_text() -> None:
    texts = ["Name", "Scores", "a", "b", "<script>x</script>", "1 & 2", ""]
    assert to_html(SPANNED, texts) == (
        '<table><thead><tr><td rowspan="2">Name</td><td colspan="2">Scores</td></tr>'
        "<tr><td>a</td><td>b</td></tr></thead><tbody><tr>"
        "<td>&lt;script&gt;x&lt;/script&gt;</td><td>1 &amp; 2</td><td></td></tr></tbody></table>"
    )


def test_fill_puts_each_line_in_the_cell_around_it_in_reading_order() -> None:
    cells = [quad(0, 0, 100, 40), quad(100, 0, 200, 40)]
    lines = [
        (quad(110, 22, 190, 36), "second"),
        (quad(5, 5, 95, 18), "left"),
        (quad(110, 4, 190, 18), "first"),
        (quad(205, 5, 260, 18), "spill"),  # just outside: goes to the nearest cell
    ]
    assert fill(cells, lines) == ["left", "first spill second"]


def test_decode_stops_at_the_end_token_and_scales_cell_boxes() -> None:
    vocab = ["sos", "<tr>", "</tr>", "<td></td>", "eos"]
    steps = [1, 3, 3, 2, 4, 3]  # tokens after the end token are ignored
    probs = np.eye(len(vocab), dtype=np.float32)[steps]
    locs = np.zeros((len(steps), 8), dtype=np.float32)
    locs[1] = [0.1, 0.1, 0.2, 0.1, 0.2, 0.2, 0.1, 0.2]
    tokens, cells = decode(probs, locs, vocab, scale=100.0)
    assert tokens == ["<tr>", "<td></td>", "<td></td>", "</tr>"]
    assert len(cells) == 2
    assert cells[0].tolist() == [[10, 10], [20, 10], [20, 20], [10, 20]]
