from __future__ import annotations

import pytest

from ocr_dev.factories import encode, multipage, text_image
from ocr_inference.documents import DocumentType, detect_type, sniff_type
from ocr_inference.errors import EmptyFile, UnsupportedType


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("PNG", DocumentType.PNG),
        ("JPEG", DocumentType.JPEG),
        ("TIFF", DocumentType.TIFF),
        ("BMP", DocumentType.BMP),
        ("WEBP", DocumentType.WEBP),
        ("PDF", DocumentType.PDF),
    ],
)
def test_every_supported_format_is_recognized_from_its_bytes(
    fmt: str, expected: DocumentType
) -> None:
    data = encode(text_image(["x"], size=(64, 64)), fmt)
    assert sniff_type(data) is expected


def test_multipage_tiff_is_tiff() -> None:
    pages = [text_image(["a"], size=(64, 64)), text_image(["b"], size=(64, 64))]
    assert sniff_type(multipage(pages, "TIFF")) is DocumentType.TIFF


def test_big_endian_tiff_header() -> None:
    assert sniff_type(b"MM\x00*\x00\x00\x00\x08") is DocumentType.TIFF


def test_pdf_header_after_leading_junk_within_first_kib() -> None:
    assert sniff_type(b"\xef\xbb\xbf" + b" " * 500 + b"%PDF-1.7\n") is DocumentType.PDF
    assert sniff_type(b" " * 1100 + b"%PDF-1.7\n") is None


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00",
        b"PK\x03\x04zip archive",
        b"hello, plain text",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"BM",
    ],
)
def test_unsupported_content_is_refused(data: bytes) -> None:
    assert sniff_type(data) is None
    with pytest.raises(UnsupportedType):
        detect_type(data)


def test_name_and_declared_type_play_no_part() -> None:
    png = encode(text_image(["x"], size=(32, 32)), "PNG")
    assert detect_type(png) is DocumentType.PNG  # whatever a client calls it


def test_empty_file() -> None:
    with pytest.raises(EmptyFile):
        detect_type(b"")
