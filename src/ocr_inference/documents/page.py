"""Pages as the pipeline sees them, and the limits applied before any page is decoded."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Limits:
    """Bounds checked from headers, before a page is rendered or decoded."""

    max_pixels: int = 100_000_000
    max_pages: int = 500
    dpi: int = 300


@dataclass(frozen=True)
class Page:
    """One page image, RGB uint8, in the orientation it was submitted in."""

    number: int
    image: npt.NDArray[np.uint8]
    dpi: float | None

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])
