from __future__ import annotations

import pytest

from ocr_inference.schemas import DocumentResult
from unit.exports.sample import sample_result


@pytest.fixture
def result() -> DocumentResult:
    return sample_result()
