"""Page images for download: a page with its boxes drawn, encoded as PNG."""

from __future__ import annotations

import io

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from ocr_inference.schemas import DocumentResult

_LINE_COLOUR = (220, 30, 30)  # RGB: text lines in red
_BLOCK_COLOUR = (30, 90, 220)  # layout blocks in blue


def draw_overlay(
    image: npt.NDArray[np.uint8], result: DocumentResult, page_number: int
) -> npt.NDArray[np.uint8]:
    """A copy of the RGB page ``image`` with the layout blocks and the text lines of page
    ``page_number`` drawn as closed polylines."""
    drawn = np.ascontiguousarray(image.copy())
    thickness = max(1, round(max(image.shape[:2]) / 800))
    shapes = [(b.box, _BLOCK_COLOUR) for b in result.layout if b.page_number == page_number]
    shapes += [(d.box, _LINE_COLOUR) for d in result.detections if d.page_number == page_number]
    for box, colour in shapes:
        points = np.array(box, dtype=np.int32).reshape(-1, 1, 2)
        cv2.polylines(drawn, [points], isClosed=True, color=colour, thickness=thickness)
    return drawn


def to_png(image: npt.NDArray[np.uint8]) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()
