"""The hostile corpus (ocr_dev.hostile) through the live API and a real worker: each
document the API accepts ends as FAILURE with its code, and the worker goes on.

test_service.py has the first cases of this kind (a PDF of garbage, a PNG pixel bomb,
too many TIFF pages); they are not repeated here.
"""

from __future__ import annotations

import pytest

from ocr_dev.factories import encode, text_image
from ocr_dev.hostile import CASES, Hostile, pdf_header_over_text, png_pixel_bomb
from ocr_dev.service import Service

pytestmark = pytest.mark.integration

# what the API accepts and the worker must refuse, less the cases test_service.py has
WORKER_CASES = [
    case
    for case in CASES
    if case.refused is not None
    and not case.at_upload
    and case.build not in (png_pixel_bomb, pdf_header_over_text)
]


@pytest.mark.parametrize("case", WORKER_CASES, ids=lambda case: case.name)
def test_hostile_document_fails_with_its_code(service: Service, case: Hostile) -> None:
    assert case.refused is not None
    pool = service.pool_children()
    body = service.wait(service.submit(case.build(), "upload.pdf"), timeout_s=30)
    assert body["status"] == "FAILURE", body
    assert body["result"]["code"] == case.refused.code and body["result"]["error"]
    assert service.pool_children() == pool  # no pool process died on it


def test_the_worker_goes_on_after_the_whole_corpus(service: Service) -> None:
    ids = [service.submit(case.build()) for case in WORKER_CASES]
    lines = ["Still here"]
    healthy = service.wait(service.submit(encode(text_image(lines, size=(500, 160)), "PNG")))
    assert healthy["status"] == "SUCCESS", healthy
    assert [d["text"] for d in healthy["result"]["detections"]] == lines
    assert all(service.status(task_id)["status"] == "FAILURE" for task_id in ids)
