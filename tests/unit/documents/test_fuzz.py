"""A fuzz harness over the document loader: valid generated documents of every supported
type, mutated (bytes flipped or overwritten with boundary values, truncated, spliced, PDF
numbers replaced, a valid header over random bytes), fed to ``detect_type``,
``open_document`` and page decoding under small limits.

The property: pages come back, or an ``OCRError`` with a code is raised. Any other
exception is a bug; so is a hang (pytest-timeout ends the run). `make test` runs the
default Hypothesis profile (100 examples a test); `make reliability` runs the fuzz profile
(``HYPOTHESIS_PROFILE=fuzz``, 5000). Inputs that once failed are replayed from
``fuzz_corpus/`` (see its README).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from ocr_dev.factories import PdfPage, encode, multipage, pdf_document, text_image
from ocr_inference.documents import Limits, detect_type, open_document
from ocr_inference.errors import EmptyFile, OCRError, UnsupportedType

CORPUS = Path(__file__).parent / "fuzz_corpus"
# small enough that any page that passes the checks decodes in milliseconds
LIMITS = Limits(max_pixels=1_000_000, max_pages=4, dpi=72)
_BOUNDARY_VALUES = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)


def _seeds() -> list[bytes]:
    """Small valid documents of every supported type, with the features the loader handles
    (several pages or frames, EXIF orientation, transparency, 16 bits, a text layer)."""
    page = text_image(["Fuzz 123"], size=(96, 40), font_size=16)
    exif = Image.Exif()
    exif[0x0112] = 6
    grey16 = Image.fromarray(np.arange(64 * 16, dtype=np.uint16).reshape(16, 64) * 60)
    palette = page.convert("P")
    palette.info["transparency"] = 0
    layered = PdfPage(
        texts=[(10, 60, "Invoice 4711")],
        font_size=12,
        media_box=(0, 0, 200, 100),
        image=page,
    )
    return [
        encode(page, "PNG", dpi=(150, 150)),
        encode(page.convert("RGBA"), "PNG"),
        encode(palette, "PNG"),
        encode(grey16, "PNG"),
        encode(page, "JPEG", quality=70, exif=exif),
        encode(page.convert("L"), "JPEG", progressive=True),
        multipage([page, page.rotate(90, expand=True)], "TIFF"),
        encode(page, "TIFF", compression="tiff_lzw"),
        encode(page.convert("1"), "TIFF", compression="group4"),
        encode(page, "BMP"),
        encode(page, "WEBP", quality=50),
        encode(page, "WEBP", lossless=True),
        multipage([page, page.convert("L")], "PDF", resolution=72.0),
        pdf_document([layered, PdfPage(texts=[(5, 5, "two")], media_box=(0, 0, 90, 60))]),
    ]


SEEDS = _seeds()
_PDF_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")


@st.composite
def _mutation(draw: st.DrawFn, data: bytearray) -> bytearray:
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    kind = draw(
        st.sampled_from(["flip", "boundary", "truncate", "insert", "delete", "splice", "number"])
    )
    if kind == "flip" and data:
        data[at] = draw(st.integers(0, 255))
    elif kind == "boundary":
        width = draw(st.sampled_from([1, 2, 4]))
        value = draw(st.sampled_from(_BOUNDARY_VALUES)) & ((1 << (8 * width)) - 1)
        data[at : at + width] = value.to_bytes(width, draw(st.sampled_from(["big", "little"])))
    elif kind == "truncate":
        del data[at:]
    elif kind == "insert":
        data[at:at] = draw(st.binary(min_size=1, max_size=64))
    elif kind == "delete":
        del data[at : at + draw(st.integers(1, 64))]
    elif kind == "splice":
        other = draw(st.sampled_from(SEEDS))
        start = draw(st.integers(0, len(other) - 1))
        data[at:] = other[start : start + draw(st.integers(1, 4096))]
    elif kind == "number":
        numbers = list(_PDF_NUMBER.finditer(data))
        if numbers:
            found = numbers[draw(st.integers(0, len(numbers) - 1))]
            value = draw(st.sampled_from([b"0", b"-1", b"99999999", b"1e308", b"3.5", b"-0"]))
            data[found.start() : found.end()] = value
    return data


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """A seed document with one to four mutations."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        data = draw(_mutation(data))
    return bytes(data)


@st.composite
def valid_header_random_body(draw: st.DrawFn) -> bytes:
    """The first bytes of a seed (its magic and some header), then random bytes."""
    seed = draw(st.sampled_from(SEEDS))
    head = seed[: draw(st.integers(4, 64))]
    return head + draw(st.binary(max_size=2048))


def load_fully(data: bytes) -> None:
    """Detect, validate and decode every page; an ``OCRError`` is an answer, not a bug.

    With ``OCR_FUZZ_SAVE_TO`` set to a folder, an input that breaks the property is written
    there (the smallest is the one Hypothesis shrank to).
    """
    try:
        document = open_document(data, LIMITS, text_layer=True)
        for page in document.pages:
            assert page.image.dtype == np.uint8 and page.image.ndim == 3
            assert page.image.shape[2] == 3 and page.width * page.height <= LIMITS.max_pixels
        assert document.page_count <= LIMITS.max_pages
    except OCRError as exc:
        assert exc.code != OCRError.code, f"an error without its own code: {exc!r}"
    except BaseException:
        if folder := os.environ.get("OCR_FUZZ_SAVE_TO"):
            path = Path(folder, f"{hashlib.sha256(data).hexdigest()[:16]}.bin")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        raise


@pytest.mark.fuzz
@given(st.binary(max_size=64))
def test_detect_type_names_a_type_or_refuses(data: bytes) -> None:
    with contextlib.suppress(EmptyFile, UnsupportedType):
        detect_type(data)


@pytest.mark.fuzz
@given(mutated_documents())
def test_mutated_documents_decode_or_fail_with_a_code(data: bytes) -> None:
    load_fully(data)


@pytest.mark.fuzz
@given(valid_header_random_body())
def test_valid_headers_over_random_bytes_decode_or_fail_with_a_code(data: bytes) -> None:
    load_fully(data)


def test_every_seed_decodes() -> None:
    for seed in SEEDS:
        document = open_document(seed, LIMITS, text_layer=True)
        assert len(list(document.pages)) == document.page_count >= 1


@pytest.mark.parametrize(
    "path", sorted(CORPUS.glob("*.bin")), ids=lambda path: path.name.removesuffix(".bin")
)
def test_inputs_that_once_failed(path: Path) -> None:
    load_fully(path.read_bytes())
