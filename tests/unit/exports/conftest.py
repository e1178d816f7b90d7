from __future__ import annotations

import pytest

from ocr_dev.export_sample import sample_result
from ocr_inference.schemas import DocumentResult


@pytest.fixture
def result() -> DocumentResult:
    return sample_result()
