from __future__ import annotations

from ocr_inference.exports import select_page
from ocr_inference.pipeline.markdown import to_markdown
from ocr_inference.schemas import DocumentResult


def test_a_page_keeps_its_own_parts_with_block_indexes_renumbered(
    result: DocumentResult,
) -> None:
    page = select_page(result, 2)
    assert page is not None
    assert [p.page_number for p in page.pages] == [2]
    assert {d.page_number for d in page.detections} == {2}
    assert [d.text for d in page.detections] == [
        d.text for d in result.detections if d.page_number == 2
    ]
    assert [b.page_number for b in page.layout] == [2]
    assert {d.block for d in page.detections} == {0}
    assert [(t.page_number, t.block) for t in page.tables] == [(2, 0)]
    assert page.meta == result.meta


def test_page_markdown_is_that_page_section_of_the_document(result: DocumentResult) -> None:
    whole = to_markdown(result.detections, result.layout, result.pages, result.tables)
    first, second = (select_page(result, n) for n in (1, 2))
    assert first is not None and second is not None
    assert first.markdown.startswith("<!-- page 1 -->")
    assert whole == first.markdown[:-1] + "\n\n" + second.markdown


def test_a_page_not_in_the_result_is_none(result: DocumentResult) -> None:
    assert select_page(result, 3) is None
