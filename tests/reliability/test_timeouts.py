"""Fault 4: a task over its time limit ends FAILURE ``timeout``, frees its worker process
for the next task and is not run again. Both limits are shown: the soft one, which a task
notices between two model calls, and the hard one, which kills a process stuck where the
soft one cannot reach (``ocr_dev.faulty_worker``'s hang)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ocr_dev.cluster import Cluster
from ocr_dev.factories import document_page, multipage
from ocr_dev.faulty_worker import HANG_MARKER
from ocr_dev.webhook_receiver import receiving
from ocr_dev.workload import document, marked_document, result_problems

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

LIMIT_S = 10  # hard limit; the soft one is 5 s and the visibility timeout 70 s
SETTINGS = {
    "OCR_TASK_TIME_LIMIT_S": str(LIMIT_S),
    "OCR_PAGES_PER_TASK": "8",
    "OCR_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver listens on 127.0.0.1
}


def unacked(cluster: Cluster) -> int:
    """Messages Redis holds for redelivery: delivered to a worker and not acknowledged."""
    return int(cluster.service.redis().hlen("unacked"))


@pytest.mark.parametrize(
    ("limit", "data"),
    [
        ("soft", lambda: multipage([document_page(seed) for seed in range(8)], "TIFF")),
        ("hard", lambda: marked_document(HANG_MARKER)),
    ],
)
def test_task_over_the_time_limit_fails_once_and_frees_its_worker(
    tmp_path: Path, limit: str, data: object
) -> None:
    assert callable(data)
    with Cluster(tmp_path, SETTINGS) as cluster, receiving() as receiver:
        service = cluster.service
        slow = service.submit(data(), callback_url=receiver.url)
        after = service.submit(document(2))
        started = service.wait_for(slow, {"STARTED"}, timeout_s=60)
        assert started["status"] == "STARTED"
        began = time.monotonic()
        body = service.wait(slow, timeout_s=LIMIT_S + 60)
        assert body["status"] == "FAILURE" and body["result"]["code"] == "timeout", body
        assert time.monotonic() - began < LIMIT_S + 5  # ended by the limit, not later
        assert not result_problems(service.wait(after, timeout_s=120), 2, 0)
        assert service.redis().get(f"ocr:attempts:{slow}") == "1"  # delivered once
        assert unacked(cluster) == 0  # nothing left for Redis to deliver again
        assert service.status(slow)["result"]["code"] == "timeout"
        # the hard limit's failure is Celery's, in the worker's main process; it is
        # still notified
        (delivery,) = receiver.wait(1)
        assert delivery.json() == {"task_id": slow, "status": "FAILURE", "code": "timeout"}
