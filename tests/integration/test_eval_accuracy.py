"""Real scanned pages from ../shared/eval through the live service, scored against their
ground truth. Bounds sit above what `python -m bench.accuracy` measured on these sets
(docs/benchmarks.md)."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean

import pytest

from ocr_dev.evaluation import page_scores
from ocr_dev.service import Service

pytestmark = pytest.mark.integration

PAGES_PER_SET = 5
# mean CER on the first 5 pages of each set, measured: sroie 4.9 %, funsd 8.7 %
MAX_MEAN_CER = {"sroie": 0.08, "funsd": 0.13}


@pytest.mark.parametrize("dataset", sorted(MAX_MEAN_CER))
def test_character_error_rate_on_real_pages(eval_dir: Path, service: Service, dataset: str) -> None:
    # eval_dir comes first: without the documents the test skips before the service starts
    images = sorted(p for p in (eval_dir / dataset).iterdir() if p.suffix in (".jpg", ".png"))
    images = images[:PAGES_PER_SET]
    task_ids = [service.submit(image.read_bytes(), image.name) for image in images]
    scores = []
    for image, task_id in zip(images, task_ids, strict=True):
        body = service.wait(task_id, timeout_s=180)
        assert body["status"] == "SUCCESS", body
        truth = json.loads(image.with_suffix(".json").read_text())
        reference = [(line["text"], line["box"]) for line in truth["lines"]]
        predicted = [(d["text"], d["box"]) for d in body["result"]["detections"]]
        scores.append(page_scores(reference, predicted, dataset)["cer"])
    assert mean(scores) <= MAX_MEAN_CER[dataset], scores
