"""The glyphless font of the searchable PDF, and the recipe that made it:
``python tests/unit/exports/test_glyphless.py`` writes it again (fontTools)."""

from __future__ import annotations

import io
import sys
import zlib
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from ocr_inference.exports import glyphless

FONT = Path(glyphless.__file__).with_name("glyphless.ttf")


def build() -> bytes:
    """``.notdef`` (empty) and a 500 x 1000 box, both 500 wide, on a 1000-unit em with
    ascent 1000 and descent 0; fixed timestamps, so the same fontTools writes the same
    bytes."""
    builder = FontBuilder(1000, isTTF=True)
    names = [".notdef", "box"]
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({0x20: "box"})
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    for point in [(0, 1000), (500, 1000), (500, 0)]:
        pen.lineTo(point)
    pen.closePath()
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "box": pen.glyph()})
    builder.setupHorizontalMetrics(dict.fromkeys(names, (500, 0)))
    builder.setupHorizontalHeader(ascent=1000, descent=0)
    builder.setupNameTable({"familyName": "GlyphLessFont", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=1000, sTypoDescender=0, usWinAscent=1000, usWinDescent=0)
    builder.setupPost()
    builder.font["head"].created = builder.font["head"].modified = 0
    builder.font.recalcTimestamp = False
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def test_the_font_has_one_box_glyph_half_an_em_wide() -> None:
    font = TTFont(io.BytesIO(glyphless.font_file()))
    assert font["head"].unitsPerEm == 1000
    assert font.getGlyphOrder() == [".notdef", "box"]
    assert font["hmtx"]["box"] == (1000 * glyphless.GLYPH_WIDTH, 0)
    assert (font["hhea"].ascent, font["hhea"].descent) == (1000, 0)
    box = font["glyf"]["box"]
    assert (box.xMin, box.yMin, box.xMax, box.yMax) == (0, 0, 500, 1000)


def test_the_committed_font_is_what_the_recipe_builds() -> None:
    built, committed = TTFont(io.BytesIO(build())), TTFont(FONT)
    for table in ("head", "hhea", "hmtx", "glyf", "OS/2"):
        assert built[table].compile(built) == committed[table].compile(committed), table


def test_every_cid_maps_to_the_box() -> None:
    assert zlib.decompress(glyphless.cid_to_gid_map()) == b"\x00\x01" * 0x10000


def test_text_is_written_as_utf16_code_units() -> None:
    assert glyphless.encode("Aé发") == b"\x00A\x00\xe9\x53\xd1"
    assert glyphless.encode("𝔘\ud800") == b"\xff\xfd\xff\xfd"  # not one unit each


def test_the_cmap_reads_each_code_unit_back() -> None:
    cmap = glyphless.to_unicode_cmap().decode()
    assert "<0000> <00FF> <0000>" in cmap and "<FF00> <FFFF> <FF00>" in cmap
    assert "<D800>" not in cmap
    blocks = [int(line.split()[0]) for line in cmap.splitlines() if "beginbfrange" in line]
    assert sum(blocks) == 256 - 8 and max(blocks) <= 100


if __name__ == "__main__":
    FONT.write_bytes(build())
    sys.stdout.write(f"wrote {FONT}\n")
