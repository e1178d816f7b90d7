from __future__ import annotations

import pytest
from pydantic import ValidationError

from ocr_inference.schemas import Detection, TaskAccepted, TaskStatus


def test_task_accepted_serializes_exactly_as_the_seed_shows() -> None:
    assert TaskAccepted(task_id="abc").model_dump() == {
        "task_id": "abc",
        "status": "pending",
        "message": "OCR task queued successfully.",
    }


def test_detection_needs_four_points_and_a_probability() -> None:
    box = [[0, 0], [10, 0], [10, 5], [0, 5]]
    assert Detection(text="a", box=box, confidence=0.5, page_number=1).box == box
    with pytest.raises(ValidationError):
        Detection(text="a", box=box[:3], confidence=0.5, page_number=1)
    with pytest.raises(ValidationError):
        Detection(text="a", box=box, confidence=1.5, page_number=1)
    with pytest.raises(ValidationError):
        Detection(text="a", box=box, confidence=0.5, page_number=0)


def test_only_the_four_public_statuses_exist() -> None:
    with pytest.raises(ValidationError):
        TaskStatus(task_id="a", status="RETRY", pending_tasks=0)  # type: ignore[arg-type]
