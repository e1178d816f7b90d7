from __future__ import annotations

import numpy as np

from ocr_inference.pipeline.geometry import (
    crop_quad,
    order_clockwise,
    row_order,
    to_submitted,
    turn_upright,
)


def quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_order_clockwise_from_any_permutation() -> None:
    expected = quad(10, 20, 110, 60)
    for permutation in ([2, 0, 3, 1], [3, 2, 1, 0], [1, 3, 0, 2]):
        assert np.array_equal(order_clockwise(expected[permutation]), expected)


def test_order_clockwise_of_a_tilted_box() -> None:
    tilted = np.array([[0, 10], [100, 0], [104, 40], [4, 50]], dtype=np.float32)
    result = order_clockwise(tilted[[2, 3, 0, 1]])
    assert result[0].tolist() == [0, 10]  # top-left
    assert result[2].tolist() == [104, 40]  # bottom-right


def test_row_order_rows_then_columns() -> None:
    boxes = [
        quad(500, 105, 700, 135),  # row 2, right
        quad(50, 10, 300, 40),  # row 1, left
        quad(50, 100, 300, 140),  # row 2, left (taller, slightly higher)
        quad(400, 12, 600, 42),  # row 1, right
    ]
    assert row_order(boxes) == [1, 3, 2, 0]


def test_row_order_keeps_close_but_distinct_lines_apart() -> None:
    boxes = [quad(0, 30, 100, 50), quad(200, 0, 300, 20)]  # no vertical overlap
    assert row_order(boxes) == [1, 0]


def test_row_order_of_nothing() -> None:
    assert row_order([]) == []


def test_crop_quad_straightens_and_sizes_the_region() -> None:
    image = np.zeros((100, 200, 3), dtype=np.uint8)
    image[20:40, 50:150] = 255
    crop = crop_quad(image, quad(50, 20, 150, 40))
    assert crop.shape[:2] == (20, 100)
    assert crop.mean() > 250


def test_crop_quad_turns_vertical_text_to_horizontal() -> None:
    image = np.full((300, 100, 3), 255, dtype=np.uint8)
    crop = crop_quad(image, quad(10, 10, 40, 210))
    assert crop.shape[:2] == (30, 200)


def test_turn_upright_undoes_a_clockwise_turn() -> None:
    upright = np.arange(6 * 4 * 3, dtype=np.uint8).reshape(6, 4, 3)
    for rotation in (0, 90, 180, 270):
        turned = np.rot90(upright, -(rotation // 90))  # turned clockwise
        assert np.array_equal(turn_upright(turned, rotation), upright)


def test_points_on_the_upright_page_map_back_to_the_turned_page() -> None:
    upright = np.zeros((60, 40), dtype=np.uint8)  # 40 wide, 60 tall
    upright[10, 30] = 255  # a marker at x=30, y=10
    for rotation in (0, 90, 180, 270):
        turned = np.rot90(upright, -(rotation // 90))
        y, x = np.argwhere(turned == 255)[0]
        quad = np.array([[30.5, 10.5]] * 4, dtype=np.float32)  # the marker's pixel centre
        mapped = to_submitted(quad, rotation, width=40, height=60)
        assert mapped[0].tolist() == [x + 0.5, y + 0.5], rotation
