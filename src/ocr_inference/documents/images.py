"""Raster images (PNG, JPEG, TIFF with any number of pages, BMP, WebP) through Pillow.

Frame count and every frame's size are read from headers and checked before any pixel
is decoded, so decompression bombs are refused cheaply.
"""

from __future__ import annotations

import io
import numbers
import re
import struct
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, TiffImagePlugin, UnidentifiedImageError

from ocr_inference.documents.page import Limits, Page, check_page_size, selected
from ocr_inference.errors import CorruptDocument, TooManyPages, TooManyPixels

# What Pillow raises for a file it cannot parse: on open it takes SyntaxError, IndexError,
# TypeError and struct.error to mean just that, and seeking to a later frame of a damaged
# TIFF raises them too, or KeyError for a header value its tables lack (a compression).
_DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    UnidentifiedImageError,
    EOFError,
)
_ORIENTATION = 0x0112  # the EXIF tag, as ImageOps.exif_transpose reads it


@contextmanager
def _quiet() -> Iterator[None]:
    """Pillow's warnings give way to our own answers: its bomb warning to our pixel limit
    (its hard error still applies), its warnings about damaged metadata to the outcome,
    decoded or refused as corrupt. Where warnings are errors they would escape as neither."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        yield


def _open_checked(data: bytes, limits: Limits) -> tuple[Image.Image, int]:
    """The image, open, and its frame count once every frame passed ``check_image``
    (closed again if one did not)."""
    image = _open(data, limits)
    try:
        return image, check_image(image, limits)
    except Exception:
        image.close()
        raise


def _open(data: bytes, limits: Limits) -> Image.Image:
    try:
        with _quiet():
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # Pillow's own hard limit fires on open, before our check can read the size
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{found.group(1)} pixels" if found else "too many pixels"
        raise TooManyPixels(
            f"The image has {size}; the limit is {limits.max_pixels} pixels."
        ) from exc
    except _DECODE_ERRORS as exc:
        raise CorruptDocument(f"The image cannot be read: {exc}") from exc


def check_image(image: Image.Image, limits: Limits) -> int:
    """Validate frame count and frame sizes from headers; return the frame count."""
    try:
        with _quiet():
            count = int(getattr(image, "n_frames", 1) or 1)
    except _DECODE_ERRORS as exc:
        raise CorruptDocument(f"The pages of the image cannot be counted: {exc}") from exc
    if count > limits.max_pages:
        raise TooManyPages(f"The image has {count} pages; the limit is {limits.max_pages}.")
    for index in range(count):
        try:
            with _quiet():
                image.seek(index)
        except _DECODE_ERRORS as exc:
            raise CorruptDocument(f"Page {index + 1} of the image cannot be read.") from exc
        check_page_size(limits, index + 1, *image.size)
    return count


def iter_image_pages(
    data: bytes, limits: Limits, *, select: Sequence[int] | None = None
) -> tuple[int, Iterator[Page]]:
    """Check every frame, then return the frame count and a lazy decoder of the frames
    whose 0-based index is in ``select`` (all by default)."""
    image, count = _open_checked(data, limits)

    def decode() -> Iterator[Page]:
        with image:
            for index in selected(select, count):
                yield _decode_frame(image, index)

    return count, decode()


def image_subsets(data: bytes, groups: Sequence[Sequence[int]]) -> Iterator[bytes | None]:
    """For each group of 0-based frame indexes, a multi-page TIFF of those frames in that
    order, or None where a frame cannot be decoded or its DPI would not read back the same.
    Each frame is stored as the worker decodes it (turned by its EXIF orientation, in the
    colours ``_to_rgb`` gives unless it is bilevel, grey or RGB already), losslessly
    (Deflate) and with its DPI, so that its page reads back as the original's."""
    with _quiet():
        image = Image.open(io.BytesIO(data))
    with image:
        for indexes in groups:
            with _quiet():
                subset = _frames_subset(image, indexes)
            yield subset


def _frames_subset(image: Image.Image, indexes: Sequence[int]) -> bytes | None:
    buffer = io.BytesIO()
    dpis = []
    try:
        with TiffImagePlugin.AppendingTiffWriter(buffer, new=True) as tiff:
            for index in indexes:
                image.seek(index)
                frame = ImageOps.exif_transpose(image) or image
                dpis.append(_dpi(frame))
                frame = frame if frame.mode in ("1", "L", "RGB") else _to_rgb(frame)
                extra = {"dpi": (dpis[-1],) * 2} if dpis[-1] is not None else {}
                frame.save(tiff, "TIFF", compression="tiff_adobe_deflate", **extra)
                tiff.newFrame()
        with Image.open(buffer) as written:  # headers only: no pixel is decoded again
            for number in range(len(dpis)):
                written.seek(number)
                if _dpi(written) != dpis[number]:
                    return None
    except (*_DECODE_ERRORS, Image.DecompressionBombError):
        return None
    return buffer.getvalue()


def _decode_frame(image: Image.Image, index: int) -> Page:
    try:
        with _quiet():
            image.seek(index)
            frame = ImageOps.exif_transpose(image) or image
            dpi = _dpi(frame)
            rgb = np.asarray(_to_rgb(frame), dtype=np.uint8)
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(f"Page {index + 1} is too large to decode safely.") from exc
    except _DECODE_ERRORS as exc:
        raise CorruptDocument(f"Page {index + 1} of the image cannot be decoded: {exc}") from exc
    return Page(index + 1, np.ascontiguousarray(rgb), dpi)


def _to_rgb(frame: Image.Image) -> Image.Image:
    if frame.mode == "RGB":
        return frame
    if frame.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit greyscale: scale into 8 bits rather than clipping to white
        array = np.asarray(frame, dtype=np.float64)
        peak = float(array.max()) or 1.0
        return Image.fromarray((array * (255.0 / peak)).astype(np.uint8)).convert("RGB")
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        # transparent areas become white paper, not black
        rgba = frame.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return frame.convert("RGB")


def _dpi(frame: Image.Image) -> float | None:
    """The frame's horizontal resolution, if it says one; Pillow gives a TIFF's as an
    ``IFDRational``, which is a ``numbers.Real`` but neither an int nor a float."""
    dpi = frame.info.get("dpi")
    if isinstance(dpi, tuple) and dpi and isinstance(dpi[0], numbers.Real):
        value = float(dpi[0])
        if value > 1:  # NaN (a TIFF's 0/0) is not
            return round(value, 2)
    return None


@dataclass(frozen=True)
class Frame:
    """A frame of an image file as it is stored, before its EXIF orientation is applied:
    what a searchable PDF embeds without decoding where it can. ``orientation`` is the
    EXIF tag's value (1 to 8; 1 is upright), ``dpi`` the resolution the page reports."""

    number: int
    image: Image.Image
    format: str
    orientation: int
    dpi: float | None


def iter_frames(
    data: bytes, limits: Limits, *, select: Sequence[int] | None = None
) -> Iterator[Frame]:
    """Check every frame as ``iter_image_pages`` does, then lazily give the frames whose
    0-based index is in ``select`` (all by default), as stored. A frame is valid only
    until the next is taken."""
    image, count = _open_checked(data, limits)

    def frames() -> Iterator[Frame]:
        with image:
            for index in selected(select, count):
                try:
                    with _quiet():
                        image.seek(index)
                        orientation = image.getexif().get(_ORIENTATION, 1)
                        if image.format != "JPEG":  # a JPEG is embedded undecoded
                            image.load()
                except _DECODE_ERRORS as exc:
                    raise CorruptDocument(
                        f"Page {index + 1} of the image cannot be decoded."
                    ) from exc
                upright = orientation if orientation in range(1, 9) else 1
                yield Frame(index + 1, image, image.format or "", upright, _dpi(image))

    return frames()


def to_rgb(frame: Image.Image) -> Image.Image:
    """The frame in RGB as the pipeline sees it (transparent areas on white)."""
    return _to_rgb(frame)
