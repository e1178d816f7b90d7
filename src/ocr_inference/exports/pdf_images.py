"""A searchable PDF of an image upload that embeds the file's own frames.

A JPEG goes in with its own bytes (``DCTDecode``), never decoded; a bilevel frame as
CCITT Group 4; any other frame losslessly with Flate (PNG "Up" prediction), in grey or RGB
as stored, or in the RGB the pipeline saw (transparency on white, 16-bit scaled) where
PDF has no direct equivalent. A page is sized from the frame's DPI (``DEFAULT_DPI`` when
it has none), and its EXIF orientation is applied by where the image is placed, not by
re-encoding it: the page shows the frame as the pipeline read it, so the result's boxes
lie over their words.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image, TiffImagePlugin

from ocr_inference.documents import Limits
from ocr_inference.documents.images import Frame, iter_frames, to_rgb
from ocr_inference.exports.pdf import DEFAULT_DPI, DrawnPage, EncodedImage, iter_drawn
from ocr_inference.exports.pdf_text import upright
from ocr_inference.schemas import DocumentResult, PageInfo

_POINTS_PER_INCH = 72.0
_JPEG_COLOURS = {"L": "/DeviceGray", "RGB": "/DeviceRGB", "CMYK": "/DeviceCMYK"}
_FLATE_COLOURS = {"L": ("/DeviceGray", 1), "RGB": ("/DeviceRGB", 3)}
_PNG_UP = 2  # the PNG filter type that predicts each byte from the one above it
_TIFF_PHOTOMETRIC, _TIFF_STRIP_OFFSETS, _TIFF_STRIP_BYTES = 262, 273, 279
_SWAPPED = {5, 6, 7, 8}  # EXIF orientations that turn a frame a quarter


def iter_image_pdf(data: bytes, result: DocumentResult, limits: Limits) -> Iterator[bytes]:
    """The PDF of the image file ``data`` with the result's pages, in pieces, a frame at a
    time. The file is checked now, so that its errors come before the first piece.

    Raises:
        InputError: the file cannot be opened under ``limits``.
    """
    frames = iter_frames(data, limits, select=[page.page_number - 1 for page in result.pages])
    drawn = (_drawn(data, frame, page) for frame, page in zip(frames, result.pages, strict=False))
    return iter_drawn(result, drawn)


def _drawn(data: bytes, frame: Frame, page: PageInfo) -> DrawnPage:
    width, height = frame.image.size
    shown = (height, width) if frame.orientation in _SWAPPED else (width, height)
    scale = _POINTS_PER_INCH / (page.dpi or frame.dpi or DEFAULT_DPI)
    w_pt, h_pt = shown[0] * scale, shown[1] * scale
    return DrawnPage(
        frame.number,
        _encode(data, frame),
        w_pt,
        h_pt,
        _matrix(frame.orientation, width, height, shown[1], scale),
        upright(h_pt, scale),
    )


def _encode(data: bytes, frame: Frame) -> EncodedImage:
    """The frame as an image XObject: the file's own bytes for a JPEG, else lossless."""
    image = frame.image
    width, height = image.size
    if frame.format == "JPEG" and image.mode in _JPEG_COLOURS:
        decode = (
            " /Decode [1 0 1 0 1 0 1 0]" if image.mode == "CMYK" and "adobe" in image.info else ""
        )
        entries = f"/ColorSpace {_JPEG_COLOURS[image.mode]} /BitsPerComponent 8 /Filter /DCTDecode"
        return EncodedImage(width, height, entries + decode, data)
    if image.mode == "1":
        return _group4(image)
    if image.mode not in _FLATE_COLOURS:
        image = to_rgb(image)
    space, colours = _FLATE_COLOURS[image.mode]
    rows = np.asarray(image, dtype=np.uint8).reshape(height, width * colours)
    predicted = rows.copy()
    predicted[1:] -= rows[:-1]  # wraps modulo 256, as the PNG filter does
    tagged = np.hstack([np.full((height, 1), _PNG_UP, dtype=np.uint8), predicted])
    entries = (
        f"/ColorSpace {space} /BitsPerComponent 8 /Filter /FlateDecode /DecodeParms "
        f"<< /Predictor 12 /Colors {colours} /Columns {width} >>"
    )
    return EncodedImage(width, height, entries, zlib.compress(tagged.tobytes()))


def _group4(image: Image.Image) -> EncodedImage:
    """A bilevel frame as one CCITT Group 4 strip (libtiff's encoder, through Pillow)."""
    width, height = image.size
    buffer = io.BytesIO()
    image.save(buffer, "TIFF", compression="group4", strip_size=(width + 7) // 8 * height + 1)
    with TiffImagePlugin.TiffImageFile(io.BytesIO(buffer.getvalue())) as tiff:
        offset = int(tiff.tag_v2[_TIFF_STRIP_OFFSETS][0])
        length = int(tiff.tag_v2[_TIFF_STRIP_BYTES][0])
        # libtiff codes 0 bits as white: where 0 is black (BlackIsZero), 1 is black
        black_is_1 = "true" if tiff.tag_v2.get(_TIFF_PHOTOMETRIC) == 1 else "false"
    entries = (
        f"/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms "
        f"<< /K -1 /Columns {width} /Rows {height} /BlackIs1 {black_is_1} >>"
    )
    return EncodedImage(width, height, entries, buffer.getvalue()[offset : offset + length])


def _matrix(
    orientation: int, width: int, height: int, shown_height: int, scale: float
) -> tuple[float, float, float, float, float, float]:
    """The ``cm`` that draws a stored ``width`` by ``height`` frame (the image's unit
    square) as its EXIF ``orientation`` shows it, ``scale`` points per pixel."""

    def shown(column: float, row: float) -> tuple[float, float]:
        x, y = _oriented(orientation, column, row, width, height)
        return x * scale, (shown_height - y) * scale

    top_left, top_right, bottom_left = shown(0, 0), shown(width, 0), shown(0, height)
    return (
        top_right[0] - top_left[0],
        top_right[1] - top_left[1],
        top_left[0] - bottom_left[0],
        top_left[1] - bottom_left[1],
        bottom_left[0],
        bottom_left[1],
    )


def _oriented(orientation: int, c: float, r: float, w: int, h: int) -> tuple[float, float]:
    """Where a stored pixel position lands once EXIF ``orientation`` is applied."""
    return {
        1: (c, r),
        2: (w - c, r),
        3: (w - c, h - r),
        4: (c, h - r),
        5: (r, c),
        6: (h - r, c),
        7: (h - r, w - c),
        8: (r, w - c),
    }[orientation]
