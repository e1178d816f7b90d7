"""Worker recycling (OCR_WORKER_MAX_MEMORY_MB): a pool process whose peak memory is over
the cap is replaced once its task ends, and the tasks queued behind it run in its
replacement. A cap of 1 MiB, which every process is over, recycles after every task."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from ocr_dev.factories import PAGE_LINES, encode, text_image
from ocr_dev.service import Service
from ocr_inference.local.launcher import free_port, local_service
from ocr_inference.local.redis_server import EmbeddedRedis

pytestmark = pytest.mark.integration

DOCUMENTS = 3


@pytest.fixture(scope="module")
def recycling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service of its own whose one pool process is over its memory cap after any task."""
    log_dir = tmp_path_factory.mktemp("recycling-logs")
    redis = EmbeddedRedis(tmp_path_factory.mktemp("recycling-redis"), port=free_port())
    env = {"OCR_DEVICE": "cpu", "OCR_WORKER_MAX_MEMORY_MB": "1"}
    with local_service(redis, port=free_port(), env=env, log_dir=log_dir, concurrency=1) as running:
        running.wait_ready()
        yield Service(running.base_url, redis.url, running.worker, log_dir)


def one_child(service: Service, deadline: float) -> int:
    while len(children := service.pool_children()) != 1:
        assert time.monotonic() < deadline, f"pool processes: {children}"
        time.sleep(0.02)
    return children[0]


def processes_that_ran(service: Service) -> dict[str, int]:
    """Task id -> the pid of the pool process that logged its processing."""
    ran_in: dict[str, int] = {}
    for line in (service.log_dir / "worker.log").read_text().splitlines():
        if line.startswith("{") and '"processing"' in line:
            record = json.loads(line)
            if record.get("message") == "processing":
                ran_in[record["task_id"]] = record["process"]
    return ran_in


def test_a_process_over_the_memory_cap_is_replaced_and_no_task_is_lost(
    recycling: Service,
) -> None:
    deadline = time.monotonic() + 90
    seen = [one_child(recycling, deadline)]
    ids = [
        recycling.submit(encode(text_image(PAGE_LINES[i]), "PNG"), f"page{i}.png")
        for i in range(DOCUMENTS)
    ]
    # all three queued at once: each runs in the process that replaced the one before
    while not all(recycling.status(task_id)["status"] == "SUCCESS" for task_id in ids):
        assert time.monotonic() < deadline, [recycling.status(t)["status"] for t in ids]
        children = recycling.pool_children()
        if children and children[-1] != seen[-1]:
            seen.append(children[-1])
        time.sleep(0.02)
    while (child := one_child(recycling, deadline)) == seen[-1] and len(seen) <= DOCUMENTS:
        assert time.monotonic() < deadline, f"{seen[-1]} was not replaced after the last task"
        time.sleep(0.02)
    if child != seen[-1]:
        seen.append(child)

    for i, task_id in enumerate(ids):
        body = recycling.wait(task_id)
        assert body["status"] == "SUCCESS", body
        assert [d["text"] for d in body["result"]["detections"]] == PAGE_LINES[i]
    # the first process and one replacement after each task, every one a new process
    assert len(seen) == DOCUMENTS + 1 and len(set(seen)) == len(seen), seen
    # the worker's log names the process that ran each task: a different one each time
    ran_in = processes_that_ran(recycling)
    assert sorted(ran_in) == sorted(ids) and len(set(ran_in.values())) == DOCUMENTS, ran_in
    assert set(ran_in.values()) <= set(seen)
    # each delivered once: none was lost with a process and run again
    attempts = recycling.redis().mget([f"ocr:attempts:{task_id}" for task_id in ids])
    assert attempts == ["1"] * DOCUMENTS
