"""A searchable PDF: each page image with an invisible text layer over its words.

Written by hand: one JPEG image XObject per page, and the words in text render mode 3
(invisible), in the glyphless font of ``glyphless`` (embedded, any script), set on their
line's baseline at their line's height, each stretched horizontally (``Tz``) to its box.
Objects are written out as they are made (``iter_pdf``), so a long document never sits
whole in memory: only the offsets wait for the cross-reference table at the end.
"""

from __future__ import annotations

import io
import math
import statistics
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from ocr_inference.exports import glyphless
from ocr_inference.schemas import Box, DocumentResult

DEFAULT_DPI = 300.0  # for images that do not say theirs
_JPEG_QUALITY = 85
_SIZE_SPREAD = 1.25  # lines of a block this close in height share one font size


@dataclass(frozen=True)
class PdfPage:
    """A page image (RGB) for ``to_pdf``, with the number of the result's page it shows."""

    page_number: int
    image: npt.NDArray[np.uint8]


def to_pdf(result: DocumentResult, images: Iterable[PdfPage]) -> bytes:
    """The whole of ``iter_pdf``."""
    return b"".join(iter_pdf(result, images))


def iter_pdf(result: DocumentResult, images: Iterable[PdfPage]) -> Iterator[bytes]:
    """A PDF in pieces, with one page per image, sized from the image and the page's dpi
    (72 pt per inch), carrying the result's words of that page as invisible text.
    ``images`` is iterated once, and each page's pieces are handed out before the next image
    is taken, so a generator keeps one decoded page in memory at a time."""
    dpis = {p.page_number: p.dpi or DEFAULT_DPI for p in result.pages}
    writer = _Writer()
    yield writer.header()
    font = yield from _font(writer)
    pages_id = writer.reserve()
    page_ids = []
    for page in images:
        height, width = page.image.shape[:2]
        scale = 72.0 / dpis.get(page.page_number, DEFAULT_DPI)
        w_pt, h_pt = width * scale, height * scale
        jpeg = _jpeg(page.image)
        image_id = writer.reserve()
        yield writer.write(
            image_id,
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
            f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
            f"/Length {len(jpeg)} >>".encode(),
            jpeg,
        )
        content = _content(_lines(result, page.page_number), w_pt, h_pt, scale)
        content_id = writer.reserve()
        yield writer.write(content_id, f"<< /Length {len(content)} >>".encode(), content)
        page_ids.append(writer.reserve())
        yield writer.write(
            page_ids[-1],
            f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {w_pt:.2f} {h_pt:.2f}] "
            f"/Resources << /Font << /F1 {font} 0 R >> /XObject << /Im0 {image_id} 0 R >> "
            f">> /Contents {content_id} 0 R >>".encode(),
        )
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    yield writer.write(
        pages_id, f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    )
    catalog = writer.reserve()
    yield writer.write(catalog, f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    yield writer.trailer(catalog)


@dataclass(frozen=True)
class _Line:
    box: Box
    words: list[tuple[str, Box]]
    height: float  # pixels: the font size the line is set in


def _lines(result: DocumentResult, page_number: int) -> list[_Line]:
    """The page's lines in reading order, each with its words (a line without words is its
    own one word) and the height its text is set at: the median height of the lines of its
    layout block whose heights are close to its own.

    pdftotext, like most extractors, joins lines into a paragraph, and sees a column, only
    where their font sizes agree within a few percent; box heights vary more than that
    from line to line of one paragraph (ascenders, descenders, detector padding)."""
    lines = [line for line in result.detections if line.page_number == page_number]
    heights = [math.dist(line.box[0], line.box[3]) for line in lines]
    groups: dict[int | None, list[int]] = {}
    for index, line in enumerate(lines):
        groups.setdefault(line.block, []).append(index)
    common = list(heights)
    for members in groups.values():
        for cluster in _similar(sorted(members, key=heights.__getitem__), heights):
            median = statistics.median(heights[i] for i in cluster)
            for i in cluster:
                common[i] = median
    return [
        _Line(line.box, [(w.text, w.box) for w in line.words] or [(line.text, line.box)], height)
        for line, height in zip(lines, common, strict=True)
    ]


def _similar(ordered: list[int], heights: list[float]) -> Iterator[list[int]]:
    """Runs of ``ordered`` (indices sorted by height) within ``_SIZE_SPREAD`` of the run's
    smallest."""
    run: list[int] = []
    for index in ordered:
        if run and heights[index] > heights[run[0]] * _SIZE_SPREAD:
            yield run
            run = []
        run.append(index)
    if run:
        yield run


def _content(lines: list[_Line], w_pt: float, h_pt: float, scale: float) -> bytes:
    """Each line's words on one baseline at one font size, each word stretched (``Tz``)
    from where its box starts along the line to where it ends."""
    ops = [f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q", "BT 3 Tr"]
    for line in lines:
        # PDF space: points, y upwards; a box is clockwise from the text's top-left
        (x0, y0), (x1, y1), _, (x3, y3) = _points(line.box, h_pt, scale)
        length = math.hypot(x1 - x0, y1 - y0)
        size = line.height * scale
        if length <= 0 or size <= 0:
            continue
        cos, sin = (x1 - x0) / length, (y1 - y0) / length
        for text, box in line.words:
            encoded = glyphless.encode(text)
            along = [(x - x3) * cos + (y - y3) * sin for x, y in _points(box, h_pt, scale)]
            start, end = min(along[0], along[3]), max(along[1], along[2])
            advance = len(encoded) // 2 * glyphless.GLYPH_WIDTH * size
            if end <= start or advance <= 0:
                continue
            # the baseline is the box's bottom edge: the font's glyphs rise one em above it
            ops.append(
                f"/F1 {size:.2f} Tf {100 * (end - start) / advance:.2f} Tz "
                f"{cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f} "
                f"{x3 + cos * start:.2f} {y3 + sin * start:.2f} Tm <{encoded.hex()}> Tj"
            )
    ops.append("ET")
    return "\n".join(ops).encode()


def _points(box: Box, h_pt: float, scale: float) -> list[tuple[float, float]]:
    return [(x * scale, h_pt - y * scale) for x, y in box]


def _font(writer: _Writer) -> Generator[bytes, None, int]:
    """The objects of the glyphless font; the number of the Type0 font pages use."""
    font, cid_font, descriptor, font_file, gid_map, to_unicode = (
        writer.reserve() for _ in range(6)
    )
    yield writer.write(
        font,
        f"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H "
        f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode(),
    )
    yield writer.write(
        cid_font,
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
        f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /DW {round(1000 * glyphless.GLYPH_WIDTH)} "
        f"/CIDToGIDMap {gid_map} 0 R >>".encode(),
    )
    yield writer.write(
        descriptor,
        f"<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 "
        f"/FontBBox [0 0 {round(1000 * glyphless.GLYPH_WIDTH)} 1000] /ItalicAngle 0 "
        f"/Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 /FontFile2 {font_file} 0 R >>".encode(),
    )
    ttf = glyphless.font_file()
    yield writer.write(font_file, f"<< /Length {len(ttf)} /Length1 {len(ttf)} >>".encode(), ttf)
    gids = glyphless.cid_to_gid_map()
    yield writer.write(gid_map, f"<< /Length {len(gids)} /Filter /FlateDecode >>".encode(), gids)
    cmap = glyphless.to_unicode_cmap()
    yield writer.write(to_unicode, f"<< /Length {len(cmap)} >>".encode(), cmap)
    return font


def _jpeg(image: npt.NDArray[np.uint8]) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).convert("RGB").save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    return buffer.getvalue()


class _Writer:
    """Numbers objects and writes each out at once, keeping only its offset for the
    cross-reference table and trailer; an object may be numbered before it is written."""

    def __init__(self) -> None:
        self._offsets: dict[int, int] = {}
        self._count = 0
        self._position = 0

    def header(self) -> bytes:
        return self._emit(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def reserve(self) -> int:
        self._count += 1
        return self._count

    def write(self, number: int, body: bytes, stream: bytes | None = None) -> bytes:
        self._offsets[number] = self._position
        if stream is not None:
            body += b"\nstream\n" + stream + b"\nendstream"
        return self._emit(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")

    def trailer(self, root: int) -> bytes:
        size, xref = self._count + 1, self._position
        entries = "".join(f"{self._offsets[n]:010d} 00000 n \n" for n in range(1, size))
        return self._emit(
            (
                f"xref\n0 {size}\n0000000000 65535 f \n{entries}"
                f"trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            ).encode()
        )

    def _emit(self, data: bytes) -> bytes:
        self._position += len(data)
        return data
