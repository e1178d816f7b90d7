"""The parts of a split document stored for its page ranges: each reads as the pages it
was made of, in order, with their text layer (PDF) or their pixels and DPI (images)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ocr_dev.factories import PdfPage, multipage, pdf_document, text_image
from ocr_inference.documents import Limits, Page, open_document
from ocr_inference.documents.subset import page_subsets

DPI = 100


def pages_of(data: bytes, *, text_layer: bool = False) -> list[Page]:
    return list(open_document(data, Limits(dpi=DPI), text_layer=text_layer).pages)


def layer_text(page: Page) -> list[str]:
    assert page.text_layer is not None and page.text_layer.usable
    return [line.text for line in page.text_layer.lines]


def test_a_pdf_part_has_its_pages_in_order_with_their_text_layer() -> None:
    original = pdf_document(
        [
            PdfPage(
                [(72.0, 500.0, f"Invoice number 4711 on page {n}"), (72.0, 450.0, "Total 1234")],
                media_box=(0, 0, 612 + 10 * n, 792),
                rotate=n % 2 * 90,
            )
            for n in range(6)
        ]
    )
    whole = pages_of(original, text_layer=True)
    groups = [[0, 1, 2], [5, 3], [4]]
    parts = list(page_subsets(original, groups))
    for group, part in zip(groups, parts, strict=True):
        assert part is not None and part.startswith(b"%PDF")
        pages = pages_of(part, text_layer=True)
        assert [p.number for p in pages] == list(range(1, len(group) + 1))
        for page, index in zip(pages, group, strict=True):
            assert page.dpi == whole[index].dpi == DPI
            assert np.array_equal(page.image, whole[index].image)
            assert page.text_layer == whole[index].text_layer
            assert layer_text(page)[0] == f"Invoice number 4711 on page {index}"


def test_a_tiff_part_has_the_original_frames_and_dpi() -> None:
    images: list[Image.Image] = [text_image([f"frame {n}"]) for n in range(5)]
    images[1] = images[1].convert("L")
    images[2] = images[2].convert("1")
    images[3] = images[3].convert("RGBA")
    images[4] = images[4].convert("P")
    original = multipage(images, "TIFF", dpi=(200, 200))
    assert {page.dpi for page in pages_of(original)} == {200.0}  # the TIFF says its own
    whole = pages_of(original)
    groups = [[0, 1], [2, 3, 4], [4, 0]]
    for group, part in zip(groups, page_subsets(original, groups), strict=True):
        assert part is not None
        with Image.open(io.BytesIO(part)) as tiff:
            assert tiff.format == "TIFF" and tiff.n_frames == len(group)
        pages = pages_of(part)
        for page, index in zip(pages, group, strict=True):
            assert page.dpi == whole[index].dpi
            assert np.array_equal(page.image, whole[index].image)


def test_a_frame_without_dpi_stays_without_and_exif_turns_are_applied_once() -> None:
    frame = text_image(["turned"])
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    frame.save(buffer, "TIFF", exif=exif)
    original = buffer.getvalue()
    (part,) = page_subsets(original, [[0]])
    assert part is not None
    (before,), (after,) = pages_of(original), pages_of(part)
    assert before.dpi is None and after.dpi is None
    assert np.array_equal(after.image, before.image)
    assert before.image.shape[:2] == (frame.width, frame.height)  # turned


def test_the_frames_of_an_animated_png_become_tiff_parts_that_keep_their_dpi() -> None:
    frames = [text_image([f"frame {n}"], size=(600 + n, 200)) for n in range(3)]
    animated = multipage(frames, "PNG", dpi=(200, 200))  # an APNG, its DPI read as 200.0
    assert [page.dpi for page in pages_of(animated)] == [200.0] * 3
    # a TIFF's resolution (a rational) reads back as the same 200.0
    parts = list(page_subsets(animated, [[0, 1], [2]]))
    assert all(part is not None for part in parts)
    assert [page.dpi for part in parts if part for page in pages_of(part)] == [200.0] * 3
