"""A PDF written by hand, object by object, as it is made: only the offsets wait for the
cross-reference table at the end, so a long document never sits whole in memory. The
glyphless font's objects are written here, once, for every PDF the exports make."""

from __future__ import annotations

from collections.abc import Generator

from ocr_inference.exports import glyphless

FONT_NAME = "F1"
"""The font's resource name in the pages this module's writer makes."""


class Writer:
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


def font_objects(writer: Writer) -> Generator[bytes, None, int]:
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


def font_pdf() -> bytes:
    """A one-page PDF whose page has only the glyphless font in its resources (as
    ``FONT_NAME``): where a PDF library copies the font from into another document."""
    writer = Writer()
    parts = [writer.header()]
    fonts = font_objects(writer)
    while True:
        try:
            parts.append(next(fonts))
        except StopIteration as done:
            font = int(done.value)
            break
    pages, page, catalog = writer.reserve(), writer.reserve(), writer.reserve()
    parts.append(writer.write(pages, f"<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>".encode()))
    parts.append(
        writer.write(
            page,
            f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 1 1] "
            f"/Resources << /Font << /{FONT_NAME} {font} 0 R >> >> >>".encode(),
        )
    )
    parts.append(writer.write(catalog, f"<< /Type /Catalog /Pages {pages} 0 R >>".encode()))
    parts.append(writer.trailer(catalog))
    return b"".join(parts)
