"""The searchable PDF of an image upload: the file's own frames, untouched or lossless,
sized from their DPI and turned by their EXIF orientation through placement only."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageOps

from ocr_inference.documents import Limits, open_document
from ocr_inference.exports.searchable import searchable_pdf
from ocr_inference.schemas import Detection, DocumentResult, PageInfo, ResultMeta, Word

poppler = pytest.mark.skipif(
    shutil.which("pdfimages") is None or shutil.which("pdftotext") is None,
    reason="pdfimages and pdftotext (poppler-utils) are not installed",
)


def picture(mode: str = "RGB") -> Image.Image:
    """A wide picture with a dark bar where a word would be."""
    image = Image.new("RGB", (400, 200), (250, 245, 235))
    ImageDraw.Draw(image).rectangle((40, 60, 200, 90), fill=(20, 20, 20))
    image.putpixel((5, 5), (200, 30, 30))
    return image.convert(mode)


def saved(image: Image.Image, fmt: str, orientation: int = 1, **options: object) -> bytes:
    buffer = io.BytesIO()
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _dark_box(image: np.ndarray) -> list[list[int]]:
    ys, xs = np.nonzero(np.asarray(image).mean(axis=2) < 128)
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def exported(data: bytes) -> tuple[bytes, DocumentResult]:
    """The PDF of ``data`` with a result as the pipeline gives it: the pages as the worker
    decodes them, one word "Word" over the dark bar of each."""
    pages = list(open_document(data, Limits()).pages)
    infos = [
        PageInfo(page_number=p.number, width=p.width, height=p.height, dpi=p.dpi) for p in pages
    ]
    detections = []
    for page in pages:
        box = _dark_box(page.image)
        word = Word(text="Word", box=box, confidence=0.9)
        detections.append(
            Detection(text="Word", box=box, confidence=0.9, page_number=page.number, words=[word])
        )
    meta = ResultMeta(pipeline="test", models=[], seconds=0.0, device="cpu")
    result = DocumentResult(detections=detections, pages=infos, meta=meta)

    def not_rendered() -> list:
        raise AssertionError("an image upload is never rendered")

    pdf = searchable_pdf(data, result, Limits(), not_rendered)
    assert pdf.fallback is None
    return b"".join(pdf.chunks), result


def embedded(pdf: bytes) -> list[Image.Image]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [
            pikepdf.PdfImage(image).as_pil_image()
            for page in document.pages
            for image in page.get_images().values()
        ]


@poppler
def test_a_jpeg_is_embedded_byte_for_byte_and_its_words_are_found(tmp_path: Path) -> None:
    jpeg = saved(picture(), "JPEG", quality=80, dpi=(150, 150))
    pdf, _ = exported(jpeg)
    (tmp_path / "d.pdf").write_bytes(pdf)
    subprocess.run(["pdfimages", "-j", str(tmp_path / "d.pdf"), str(tmp_path / "img")], check=True)
    assert (tmp_path / "img-000.jpg").read_bytes() == jpeg
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, check=True
    )
    assert text.stdout.decode().split() == ["Word"]
    # 400 by 200 pixels at 150 dpi
    assert pdfium.PdfDocument(pdf)[0].get_size() == pytest.approx((192, 96), abs=0.01)


@pytest.mark.parametrize(
    ("mode", "fmt", "options", "bilevel"),
    [
        ("RGB", "PNG", {}, False),
        ("L", "PNG", {}, False),
        ("1", "PNG", {}, True),
        ("1", "TIFF", {"compression": "group4"}, True),
        ("RGB", "TIFF", {"compression": "tiff_lzw"}, False),
        ("RGB", "BMP", {}, False),
        ("RGB", "WEBP", {"lossless": True}, False),
    ],
)
def test_other_images_are_embedded_losslessly(
    mode: str, fmt: str, options: dict[str, object], bilevel: bool
) -> None:
    data = saved(picture(mode), fmt, dpi=(200, 200), **options)
    pdf, _ = exported(data)
    (image,) = embedded(pdf)
    with Image.open(io.BytesIO(data)) as original:
        assert np.array_equal(np.asarray(image.convert("RGB")), np.asarray(original.convert("RGB")))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        (xobject,) = document.pages[0].get_images().values()
        assert xobject.Filter == ("/CCITTFaxDecode" if bilevel else "/FlateDecode")
    if fmt != "WEBP":  # WebP has no resolution: 300 dpi is assumed
        assert pdfium.PdfDocument(pdf)[0].get_size() == pytest.approx((144, 72), abs=0.01)


@poppler
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_an_exif_turned_jpeg_is_placed_turned_and_its_words_lie_over_them(
    orientation: int, tmp_path: Path
) -> None:
    jpeg = saved(picture(), "JPEG", orientation, quality=95, dpi=(144, 144))
    pdf, result = exported(jpeg)
    assert embedded(pdf)[0].size == (400, 200)  # stored as it came, not turned
    shown = np.asarray(pdfium.PdfDocument(pdf)[0].render(scale=2, rev_byteorder=True).to_numpy())[
        :, :, :3
    ]
    with Image.open(io.BytesIO(jpeg)) as original:
        upright = np.asarray(ImageOps.exif_transpose(original).convert("RGB"))
    assert shown.shape == upright.shape
    assert np.abs(shown.astype(int) - upright.astype(int)).mean() < 3
    (tmp_path / "d.pdf").write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "d.pdf"), "-"], capture_output=True, check=True
    )
    word = next(line for line in out.stdout.decode().splitlines() if ">Word<" in line)
    values = {k: float(v) * 2 for k, v in re.findall(r'(\w+)="([-\d.]+)"', word)}
    (bx0, by0), _, (bx1, by1), _ = result.detections[0].box
    assert values["xMin"] == pytest.approx(bx0, abs=2) and values["xMax"] == pytest.approx(
        bx1, abs=2
    )
    assert by0 - 2 <= (values["yMin"] + values["yMax"]) / 2 <= by1 + 2


@poppler
def test_a_line_read_up_the_page_of_a_sideways_scan_lies_over_its_word(tmp_path: Path) -> None:
    """A page scanned a quarter turned (read upright by the pipeline): its boxes are on
    the page as submitted, so a line runs up the page, and so must its text."""
    image = Image.new("RGB", (200, 400), "white")
    ImageDraw.Draw(image).rectangle((80, 50, 109, 349), fill="black")
    png = saved(image, "PNG", dpi=(144, 144))
    # clockwise from the text's top-left: it starts at the bottom and reads upwards
    box = [[80, 350], [80, 50], [110, 50], [110, 350]]
    line = Detection(
        text="Sideways",
        box=box,
        confidence=0.9,
        page_number=1,
        words=[Word(text="Sideways", box=box, confidence=0.9)],
    )
    info = PageInfo(page_number=1, width=200, height=400, dpi=144.0, rotation=90)
    meta = ResultMeta(pipeline="test", models=[], seconds=0.0, device="cpu")
    result = DocumentResult(detections=[line], pages=[info], meta=meta)
    pdf = b"".join(searchable_pdf(png, result, Limits(), list).chunks)
    (tmp_path / "d.pdf").write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "d.pdf"), "-"], capture_output=True, check=True
    )
    word = next(line for line in out.stdout.decode().splitlines() if ">Sideways<" in line)
    values = {k: float(v) * 2 for k, v in re.findall(r'(\w+)="([-\d.]+)"', word)}
    assert values["yMin"] == pytest.approx(50, abs=2) and values["yMax"] == pytest.approx(
        350, abs=2
    )
    assert 80 - 2 <= (values["xMin"] + values["xMax"]) / 2 <= 110 + 2
