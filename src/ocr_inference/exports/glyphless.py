"""The font of a searchable PDF's invisible text: any Unicode text, no visible glyph.

A composite (Type0) font, Identity-H encoded: each character of the text is written as its
UTF-16 code unit, a two-byte CID. Every CID draws the one glyph of ``glyphless.ttf`` (644
bytes, embedded; made by ``tests/unit/exports/test_glyphless.py``), a box half an em wide
and one em high that text render mode 3 never paints (a glyph without an outline would
do, but pdfium drops a one-character word whose glyph has no extent), and a ToUnicode
CMap maps each CID back to its code unit, so extractors (pdftotext, pdfium, browsers'
viewers) read the text whatever its script. Characters beyond the Basic Multilingual
Plane (and lone surrogates) are written as U+FFFD. This is how Tesseract and OCRmyPDF
build their text layers too.
"""

from __future__ import annotations

import zlib
from functools import cache
from importlib import resources

GLYPH_WIDTH = 0.5  # of the font size: each character's advance
_SURROGATES = range(0xD8, 0xE0)  # high bytes of UTF-16 code units that never stand alone
_RANGES_PER_BLOCK = 100  # the most a CMap allows between beginbfrange and endbfrange


@cache
def font_file() -> bytes:
    """The embedded TrueType font: ``.notdef`` (empty) and a 500 by 1000 box, both 500
    units wide, 1000 units to the em, ascent 1000 and descent 0 (so a line's text spans
    its box from the baseline up)."""
    return resources.files(__package__).joinpath("glyphless.ttf").read_bytes()


@cache
def cid_to_gid_map() -> bytes:
    """Every CID drawn with glyph 1 (the box), flate-compressed."""
    return zlib.compress(b"\x00\x01" * 0x10000)


@cache
def to_unicode_cmap() -> bytes:
    """Each two-byte CID read as the UTF-16 code unit it is (surrogates excepted)."""
    ranges = [
        f"<{high:02X}00> <{high:02X}FF> <{high:02X}00>"
        for high in range(0x100)
        if high not in _SURROGATES
    ]
    blocks = [ranges[i : i + _RANGES_PER_BLOCK] for i in range(0, len(ranges), _RANGES_PER_BLOCK)]
    body = "\n".join(
        f"{len(block)} beginbfrange\n" + "\n".join(block) + "\nendbfrange" for block in blocks
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()


def encode(text: str) -> bytes:
    """``text`` as the font's two-byte CIDs."""
    return "".join(c if _single_unit(c) else "\ufffd" for c in text).encode("utf-16-be")


def _single_unit(character: str) -> bool:
    code = ord(character)
    return code <= 0xFFFF and not 0xD800 <= code <= 0xDFFF
