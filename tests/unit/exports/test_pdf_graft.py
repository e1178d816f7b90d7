"""The searchable PDF built on an uploaded PDF: its own pages, fonts, links, outline and
metadata kept; an invisible text layer only on its OCR pages, placed over their words."""

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

from ocr_inference.documents import Limits
from ocr_inference.exports.pdf import PdfPage
from ocr_inference.exports.pdf_graft import PRODUCER, GraftFailed, graft
from ocr_inference.exports.searchable import searchable_pdf
from ocr_inference.schemas import Detection, DocumentResult, PageInfo, ResultMeta, Word

DPI = 144.0
SHARED_PDF = Path(__file__).parents[3] / "../shared/eval/icdar2013_tables/pdf/us-001.pdf"
poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="pdftotext and pdffonts (poppler-utils) are not installed",
)


def born_digital(rotate: int = 90) -> bytes:
    """Page 1: vector text in Helvetica with a link; page 2: no text, only a dark bar
    where a word would be, turned by /Rotate ``rotate`` and with a CropBox off the
    origin."""
    pdf = pikepdf.new()
    helvetica = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    # the bar stands in the page's own space so that it lies down once the page is turned
    bar = b"0 g 60 40 20 80 re f" if rotate in (90, 270) else b"0 g 60 100 80 20 re f"
    for content in (b"BT /F1 24 Tf 20 150 Td (Alpha Beta) Tj ET", bar):
        page = pdf.add_blank_page(page_size=(300, 200))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=helvetica))
        page.obj.Contents = pdf.make_stream(content)
    pdf.pages[0].obj.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Link,
                    Rect=[20, 140, 150, 180],
                    A=pikepdf.Dictionary(
                        S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org")
                    ),
                )
            ]
        )
    )
    pdf.pages[1].obj.Rotate = rotate
    pdf.pages[1].obj.CropBox = [10, 20, 290, 180]
    with pdf.open_outline() as outline:
        outline.root.extend([pikepdf.OutlineItem("One", 0), pikepdf.OutlineItem("Two", 1)])
    pdf.docinfo[pikepdf.Name.Title] = "A report"
    pdf.docinfo[pikepdf.Name.Producer] = "a word processor"
    buffer = io.BytesIO()
    pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    return buffer.getvalue()


def _render(data: bytes, index: int) -> np.ndarray:
    page = pdfium.PdfDocument(data)[index]
    return np.asarray(page.render(scale=DPI / 72, rev_byteorder=True).to_numpy()[:, :, :3])


def _dark_box(image: np.ndarray) -> list[list[int]]:
    ys, xs = np.nonzero(image.mean(axis=2) < 128)
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def result_of(data: bytes, numbers: list[int] | None = None) -> DocumentResult:
    """What the pipeline makes of ``born_digital``: page 1 from its text layer, page 2 by
    OCR, its one word where the bar shows on the page rendered at ``DPI``."""
    pages, detections = [], []
    for number in numbers or [1, 2]:
        image = _render(data, number - 1)
        source = "text_layer" if number == 1 else "ocr"
        height, width = image.shape[:2]
        pages.append(
            PageInfo(page_number=number, width=width, height=height, dpi=DPI, source=source)
        )
        if number == 2:
            box = _dark_box(image)
            word = Word(text="Gamma", box=box, confidence=0.9)
            detections.append(
                Detection(text="Gamma", box=box, confidence=0.9, page_number=2, words=[word])
            )
    meta = ResultMeta(pipeline="test", models=[], seconds=0.0, device="cpu")
    return DocumentResult(detections=detections, pages=pages, meta=meta)


def _poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    out = ["-"] if tool == "pdftotext" else []
    return subprocess.run(
        [tool, *args, str(path), *out], capture_output=True, check=True
    ).stdout.decode()


def test_the_document_keeps_its_pages_outline_links_and_metadata() -> None:
    original = born_digital()
    with (
        pikepdf.open(io.BytesIO(graft(original, result_of(original)))) as out,
        pikepdf.open(io.BytesIO(original)) as before,
    ):
        assert len(out.pages) == len(before.pages) == 2
        assert [list(p.mediabox) for p in out.pages] == [list(p.mediabox) for p in before.pages]
        assert list(out.pages[1].cropbox) == [10, 20, 290, 180] and out.pages[1].rotation == 90
        with out.open_outline() as outline:
            titles = [item.title for item in outline.root]
        assert titles == ["One", "Two"]
        assert str(out.pages[0].obj.Annots[0].A.URI) == "https://example.org"
        assert str(out.docinfo.Title) == "A report"
        assert str(out.docinfo.Producer) == f"a word processor; {PRODUCER}"
        # the text-layer page is the original's, content stream and all
        assert out.pages[0].obj.Contents.read_bytes() == before.pages[0].obj.Contents.read_bytes()


@poppler
def test_fonts_are_kept_and_each_word_is_found_once(tmp_path: Path) -> None:
    original = born_digital()
    pdf = graft(original, result_of(original))
    fonts = _poppler("pdffonts", pdf, tmp_path).split("\n")
    assert any(line.startswith("Helvetica ") for line in fonts)
    text = _poppler("pdftotext", pdf, tmp_path)
    assert text.split() == ["Alpha", "Beta", "Gamma"]


@poppler
@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_the_text_layer_lies_over_the_word_on_a_rotated_page(rotate: int, tmp_path: Path) -> None:
    original = born_digital(rotate)
    result = result_of(original)
    bbox = _poppler(
        "pdftotext", graft(original, result), tmp_path, "-bbox", "-cropbox", "-f", "2", "-l", "2"
    )
    word = next(line for line in bbox.splitlines() if "Gamma" in line)
    values = dict(re.findall(r'(\w+)="([-\d.]+)"', word))
    x0, y0, x1, y1 = (
        float(values[k].strip('"')) * DPI / 72 for k in ("xMin", "yMin", "xMax", "yMax")
    )
    (bx0, by0), _, (bx1, by1), _ = result.detections[0].box
    assert bx1 - bx0 > by1 - by0  # the bar shows lying down, as a word does
    assert x0 == pytest.approx(bx0, abs=2) and x1 == pytest.approx(bx1, abs=2)
    assert by0 - 2 <= (y0 + y1) / 2 <= by1 + 2


def test_a_page_selection_exports_only_those_pages_as_they_were() -> None:
    original = born_digital()
    with pikepdf.open(io.BytesIO(graft(original, result_of(original, [2])))) as out:
        assert len(out.pages) == 1
        assert out.pages[0].rotation == 90 and list(out.pages[0].cropbox) == [10, 20, 290, 180]
    assert (
        "Gamma"
        in pdfium.PdfDocument(graft(original, result_of(original, [2])))[0]
        .get_textpage()
        .get_text_range()
    )


def test_a_pdf_qpdf_cannot_write_back_falls_back_to_rendered_pages() -> None:
    original = born_digital()
    result = result_of(original, [1])
    # the page tree lists itself among its kids: pdfium skips the loop, qpdf refuses it
    tree = re.search(rb"/Pages (\d+) 0 R", original)
    assert tree is not None
    broken = re.sub(rb"/Kids \[ ", b"/Kids [ " + tree.group(1) + b" 0 R ", original, count=1)
    assert len(pdfium.PdfDocument(broken)) == 2
    with pytest.raises(GraftFailed):
        graft(broken, result)
    asked: list[bool] = []

    def rendered() -> list[PdfPage]:
        asked.append(True)
        return [PdfPage(1, _render(broken, 0))]

    pdf = searchable_pdf(broken, result, Limits(), rendered)
    assert pdf.fallback is not None and asked == [True]
    assert len(pdfium.PdfDocument(b"".join(pdf.chunks))) == 1


@poppler
@pytest.mark.skipif(not SHARED_PDF.exists(), reason="../shared/eval (ICDAR-2013 PDFs) is absent")
def test_a_born_digital_report_stays_itself(tmp_path: Path) -> None:
    original = SHARED_PDF.read_bytes()
    document = pdfium.PdfDocument(original)
    pages = [
        PageInfo(page_number=i + 1, width=1, height=1, dpi=DPI, source="text_layer")
        for i in range(len(document))
    ]
    meta = ResultMeta(pipeline="test", models=[], seconds=0.0, device="cpu")
    pdf = graft(original, DocumentResult(detections=[], pages=pages, meta=meta))
    assert len(pdf) <= 1.1 * len(original)
    assert _poppler("pdftotext", pdf, tmp_path) == _poppler("pdftotext", original, tmp_path)
    fonts = sorted(_poppler("pdffonts", pdf, tmp_path).splitlines()[2:])
    assert [f.split()[0] for f in fonts] == [
        f.split()[0] for f in sorted(_poppler("pdffonts", original, tmp_path).splitlines()[2:])
    ]


def test_a_pdf_with_only_an_owner_password_keeps_its_encryption_and_restrictions() -> None:
    """Such a PDF opens without a password, so the service reads it; its export must not
    shed the restrictions its owner set."""
    with pikepdf.open(io.BytesIO(born_digital())) as plain:
        buffer = io.BytesIO()
        allow = pikepdf.Permissions(extract=False, modify_other=False)
        plain.save(buffer, encryption=pikepdf.Encryption(owner="secret", user="", allow=allow))
    original = buffer.getvalue()
    pdf = graft(original, result_of(original))
    with pikepdf.open(io.BytesIO(pdf)) as out:
        assert out.is_encrypted
        assert not out.allow.extract and not out.allow.modify_other
    assert "Gamma" in pdfium.PdfDocument(pdf)[1].get_textpage().get_text_range()
