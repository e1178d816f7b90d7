from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ocr_dev.export_sample import page_images
from ocr_inference.exports import draw_overlay, to_png
from ocr_inference.schemas import DocumentResult


def test_overlay_draws_lines_and_blocks_in_two_colours(result: DocumentResult) -> None:
    image = page_images()[0]
    drawn = draw_overlay(image, result, 1)
    assert drawn.shape == image.shape and not np.array_equal(drawn, image)
    box = result.detections[0].box
    assert tuple(drawn[box[0][1], box[0][0] + 10]) == (220, 30, 30)
    block = result.layout[0].box
    assert tuple(drawn[block[0][1], block[0][0] + 10]) == (30, 90, 220)
    assert np.array_equal(image, page_images()[0])  # the input is left alone


def test_png_decodes_to_the_same_pixels() -> None:
    image = page_images()[0]
    decoded = np.asarray(Image.open(io.BytesIO(to_png(image))))
    assert np.array_equal(decoded, image)
