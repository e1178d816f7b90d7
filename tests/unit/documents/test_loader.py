from __future__ import annotations

import io

import numpy as np
import pypdf
import pytest
from PIL import Image

from ocr_dev.factories import encode, multipage, png_with_header_size, text_image
from ocr_inference.documents import DocumentType, Limits, open_document
from ocr_inference.errors import (
    CorruptDocument,
    EncryptedDocument,
    InvalidPages,
    TooManyPages,
    TooManyPixels,
)


def test_multipage_tiff_yields_every_page_in_order() -> None:
    sizes = [(300, 200), (400, 250), (500, 300)]
    images = [text_image([f"page {i}"], size=s) for i, s in enumerate(sizes)]
    document = open_document(multipage(images, "TIFF"))
    assert document.type is DocumentType.TIFF
    assert document.page_count == 3
    pages = list(document.pages)
    assert [p.number for p in pages] == [1, 2, 3]
    assert [(p.width, p.height) for p in pages] == sizes
    assert all(p.image.dtype == np.uint8 and p.image.shape[2] == 3 for p in pages)


def test_pdf_pages_are_rendered_at_the_configured_dpi() -> None:
    # 600 x 300 px at 150 dpi = 4 x 2 inches; at 300 dpi that is 1200 x 600 px
    images = [text_image(["one"], size=(600, 300)), text_image(["two"], size=(600, 300))]
    document = open_document(multipage(images, "PDF", resolution=150.0), Limits(dpi=300))
    assert document.type is DocumentType.PDF
    pages = list(document.pages)
    assert [p.number for p in pages] == [1, 2]
    assert [(p.width, p.height, p.dpi) for p in pages] == [(1200, 600, 300.0)] * 2
    # the rendering shows the page: dark text on a white background
    assert pages[0].image.min() < 64 and np.median(pages[0].image) == 255


def test_image_dpi_is_reported_when_the_file_has_it() -> None:
    data = encode(text_image(["x"], size=(100, 100)), "PNG", dpi=(200, 200))
    (page,) = open_document(data).pages
    assert page.dpi == pytest.approx(200, abs=0.1)


def test_page_limit_is_checked_before_decoding() -> None:
    images = [text_image([str(i)], size=(50, 50)) for i in range(3)]
    with pytest.raises(TooManyPages, match="3 pages"):
        open_document(multipage(images, "TIFF"), Limits(max_pages=2))
    with pytest.raises(TooManyPages):
        open_document(multipage(images, "PDF"), Limits(max_pages=2))


def test_pixel_bomb_is_refused_from_the_header_alone() -> None:
    with pytest.raises(TooManyPixels, match="900000000 pixels"):
        open_document(png_with_header_size(30000, 30000), Limits(max_pixels=100_000_000))
    # below Pillow's own limit, ours applies, still from the header
    with pytest.raises(TooManyPixels, match="9000x9000"):
        open_document(png_with_header_size(9000, 9000), Limits(max_pixels=10_000_000))


def test_pdf_without_pages_is_corrupt_even_right_after_an_encrypted_one() -> None:
    encrypted = pypdf.PdfWriter()
    encrypted.add_blank_page(width=200, height=200)
    encrypted.encrypt(user_password="secret", owner_password="owner")
    empty = pypdf.PdfWriter()
    buffers = io.BytesIO(), io.BytesIO()
    encrypted.write(buffers[0])
    empty.write(buffers[1])
    with pytest.raises(EncryptedDocument):
        open_document(buffers[0].getvalue())
    # PDFium keeps its last error code; it must not leak into the next document
    with pytest.raises(CorruptDocument, match="no usable pages"):
        open_document(buffers[1].getvalue())


def test_transparent_areas_become_white() -> None:
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    (page,) = open_document(encode(image, "PNG")).pages
    assert (page.image == 255).all()


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    array = np.full((10, 10), 30000, dtype=np.uint16)
    array[0, 0] = 60000
    (page,) = open_document(encode(Image.fromarray(array), "PNG")).pages
    assert page.image[5, 5, 0] == 127 and page.image[0, 0, 0] == 255


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(buffer, "JPEG", exif=exif)
    (page,) = open_document(buffer.getvalue()).pages
    assert (page.width, page.height) == (100, 300)


@pytest.mark.parametrize("fmt", ["TIFF", "PDF"])
def test_a_range_of_pages_is_decoded_and_the_whole_document_counted(fmt: str) -> None:
    images = [text_image([f"page {i}"], size=(300 + 10 * i, 200)) for i in range(5)]
    document = open_document(multipage(images, fmt), select=range(1, 3))
    assert document.page_count == 5
    assert [p.number for p in document.pages] == [2, 3]


def test_a_range_past_the_end_yields_only_the_pages_there_are() -> None:
    images = [text_image(["page"], size=(300, 200))] * 3
    document = open_document(multipage(images, "TIFF"), select=range(2, 10))
    assert [p.number for p in document.pages] == [3]


def test_an_unread_document_can_be_closed() -> None:
    images = [text_image(["page"], size=(300, 200))] * 2
    document = open_document(multipage(images, "PDF"))
    document.close()
    assert list(document.pages) == []


@pytest.mark.parametrize("fmt", ["TIFF", "PDF"])
def test_any_pages_can_be_selected_and_keep_their_numbers(fmt: str) -> None:
    images = [text_image([f"page {i}"], size=(300 + 10 * i, 200)) for i in range(5)]
    document = open_document(multipage(images, fmt), select=(0, 3, 4))
    assert document.page_count == 5
    pages = list(document.pages)
    assert [p.number for p in pages] == [1, 4, 5]
    assert pages[0].width < pages[1].width < pages[2].width  # the pages asked for, in order


def test_selecting_a_page_past_the_end_is_invalid_pages() -> None:
    images = [text_image(["page"], size=(300, 200))] * 3
    with pytest.raises(InvalidPages, match="has 3 pages; there is no page 5"):
        open_document(multipage(images, "PDF"), select=(1, 4))


def test_a_tiff_page_reports_the_resolution_the_file_gives() -> None:
    """Pillow gives a TIFF's resolution as a rational (IFDRational), not a float."""
    buffer = io.BytesIO()
    Image.new("L", (40, 30), 255).save(buffer, "TIFF", dpi=(240, 240))
    document = open_document(buffer.getvalue(), Limits())
    assert [page.dpi for page in document.pages] == [240.0]
