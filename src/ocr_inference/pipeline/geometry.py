"""Quadrilateral helpers shared by the stages: ordering corners, cropping, rows, turning."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from ocr_inference.documents.rows import group_rows

Quad = npt.NDArray[np.float32]  # shape (4, 2): x, y
Image = npt.NDArray[np.uint8]


def order_clockwise(points: npt.ArrayLike) -> Quad:
    """Order four points clockwise starting from the top-left one (in image coordinates)."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    top_left, bottom_left = left[np.argsort(left[:, 1], kind="stable")]
    top_right, bottom_right = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([top_left, top_right, bottom_right, bottom_left], dtype=np.float32)


def crop_quad(image: Image, quad: Quad) -> Image:
    """Cut the region under ``quad`` out of ``image`` and straighten it.

    Lines much taller than wide (vertical text) are turned to read left to right.
    """
    width, height = _crop_size(quad)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    crop = cv2.warpPerspective(
        image,
        matrix,
        (width, height),
        borderMode=cv2.BORDER_REPLICATE,
        flags=cv2.INTER_CUBIC,
    )
    if turned_vertical(quad):
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


def turned_vertical(quad: Quad) -> bool:
    """Whether ``crop_quad`` turns this line a quarter turn counter-clockwise (vertical text)."""
    width, height = _crop_size(quad)
    return height / width >= 1.5


def _crop_size(quad: Quad) -> tuple[int, int]:
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    return max(width, 1), max(height, 1)


def row_order(quads: Sequence[Quad]) -> list[int]:
    """Indices of ``quads`` row by row, top to bottom and left to right within a row, by
    ``documents.rows.group_rows`` on their bounding rectangles."""
    return [i for row in group_rows([bounds(quad) for quad in quads]) for i in row]


def bounds(quad: Quad) -> tuple[float, float, float, float]:
    """Axis-aligned bounding rectangle of a quad: x0, y0, x1, y1."""
    return (
        float(quad[:, 0].min()),
        float(quad[:, 1].min()),
        float(quad[:, 0].max()),
        float(quad[:, 1].max()),
    )


def turn_upright(image: Image, rotation: int) -> Image:
    """Undo a clockwise ``rotation`` (a multiple of 90 degrees) of a page image."""
    return np.ascontiguousarray(np.rot90(image, (rotation // 90) % 4))


def to_submitted(quad: Quad, rotation: int, width: int, height: int) -> Quad:
    """Map a quad on the upright image (``width`` x ``height``) back onto the page as it
    was submitted, turned ``rotation`` degrees clockwise. Point order is kept, so the first
    point stays the top-left corner of the text as it reads."""
    points = quad.astype(np.float32).copy()
    for _ in range((rotation // 90) % 4):
        # undo one counter-clockwise quarter turn; the previous image is `height` wide
        x, y = points[:, 0].copy(), points[:, 1].copy()
        points[:, 0] = height - y
        points[:, 1] = x
        width, height = height, width
    return points
