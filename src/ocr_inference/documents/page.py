"""Pages as the pipeline sees them, and the limits applied before any page is decoded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ocr_inference.documents.text_layer import TextLayer
from ocr_inference.errors import CorruptDocument, TooManyPixels


@dataclass(frozen=True)
class Limits:
    """Bounds checked from headers, before a page is rendered or decoded."""

    max_pixels: int = 100_000_000
    max_pages: int = 500
    dpi: int = 300


def selected(select: Sequence[int] | None, count: int) -> Sequence[int]:
    """The 0-based page indexes of ``select`` that a document of ``count`` pages has: a
    ``range`` is cut to the document, any other sequence is taken as it is (``open_document``
    has checked it)."""
    every = range(count)
    if select is None:
        return every
    if isinstance(select, range):
        return every[select.start : select.stop]
    return select


def check_page_size(
    limits: Limits, number: int, width: int, height: int, *, rendered_at: int | None = None
) -> None:
    """Refuse a page with no area or over the pixel limit, before it is decoded.

    Raises:
        CorruptDocument: the page has no area.
        TooManyPixels: the page is larger than ``limits.max_pixels``.
    """
    if width <= 0 or height <= 0:
        raise CorruptDocument(f"Page {number} has no area.")
    if width * height > limits.max_pixels:
        at = f" at {rendered_at} DPI" if rendered_at else ""
        raise TooManyPixels(
            f"Page {number} would be {width}x{height} pixels{at}; "
            f"the limit is {limits.max_pixels} pixels."
        )


@dataclass(frozen=True)
class Page:
    """One page image, RGB uint8, in the orientation it was submitted in; for a PDF page
    whose text layer was asked for, that layer, boxed on ``image``."""

    number: int
    image: npt.NDArray[np.uint8]
    dpi: float | None
    text_layer: TextLayer | None = None

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])
