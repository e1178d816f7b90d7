"""Every case of the hostile corpus (ocr_dev.hostile) through ``open_document``: refused
with its own error class and code, or read as the type its first bytes name."""

from __future__ import annotations

import time

import pytest

from ocr_dev import hostile
from ocr_dev.hostile import CASES, Hostile
from ocr_inference.documents import Limits, open_document
from ocr_inference.documents import pdf as pdf_module
from ocr_inference.errors import InputError, OCRError, TooManyPages, TooManyPixels


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_hostile_document_is_refused_with_its_code_or_read_as_its_type(case: Hostile) -> None:
    data = case.build()
    if case.refused is None:
        document = open_document(data, Limits(), text_layer=True)
        assert document.type is case.read_as
        pages = list(document.pages)
        assert len(pages) == document.page_count >= 1
        return
    with pytest.raises(OCRError) as raised:
        document = open_document(data, Limits(), text_layer=True)
        list(document.pages)
    assert type(raised.value) is case.refused
    assert raised.value.code == case.refused.code
    assert raised.value.message


@pytest.mark.parametrize(
    ("build", "error"),
    [(hostile.pdf_ten_thousand_pages, TooManyPages), (hostile.pdf_huge_page, TooManyPixels)],
)
def test_pdf_limits_refuse_before_any_page_is_rendered(
    monkeypatch: pytest.MonkeyPatch, build: object, error: type[InputError]
) -> None:
    def no_rendering(*_: object) -> None:
        raise AssertionError("a page was rendered")

    monkeypatch.setattr(pdf_module, "_render", no_rendering)
    assert callable(build)
    started = time.perf_counter()
    with pytest.raises(error):
        open_document(build(), Limits(max_pages=500, max_pixels=100_000_000, dpi=300))
    # milliseconds in practice; rendering 60000 x 60000 pixels would take minutes and 10 GB
    assert time.perf_counter() - started < 1.0


def test_the_ten_thousand_page_pdf_is_tiny() -> None:
    assert len(hostile.pdf_ten_thousand_pages()) < 4096
