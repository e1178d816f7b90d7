"""Fault 1: workers killed with ``kill -9`` at random points while 24 multi-page documents
run. Every document ends SUCCESS with each of its pages once, in order; a killed pool
process's page range is delivered again at once, and a killed worker's (main process and
its pool) after the broker's visibility timeout, once a new worker runs."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from ocr_dev.cluster import Cluster, wait_all
from ocr_dev.service import pool_children
from ocr_dev.workload import document, result_problems, workload
from ocr_inference.tasks.broker import queue_lists
from ocr_inference.tasks.queue import PAGES_QUEUE, QUEUE

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

DOCUMENTS = 24
SETTINGS = {
    "OCR_PAGES_PER_TASK": "2",  # documents of 3 to 6 pages are split into page ranges
    "OCR_TASK_TIME_LIMIT_S": "20",  # so the visibility timeout is 80 s
    "OCR_MAX_ATTEMPTS": "5",  # more than the kills, so no document can run out of attempts
}
VISIBILITY_S = 80


def submit_all(cluster: Cluster, seed: int) -> dict[str, tuple[int, int]]:
    return {
        cluster.service.submit(document(pages, first)): (pages, first)
        for pages, first in workload(DOCUMENTS, max_pages=6, seed=seed)
    }


def assert_all_whole(cluster: Cluster, tasks: dict[str, tuple[int, int]], timeout_s: float) -> None:
    ended = wait_all(cluster.service, tasks, timeout_s)
    problems = {t: p for t, body in ended.items() if (p := result_problems(body, *tasks[t]))}
    assert not problems, f"{problems}\n{cluster.logs()}"


def test_documents_survive_killed_pool_processes(tmp_path: Path) -> None:
    rng = random.Random(1)
    with Cluster(tmp_path, SETTINGS, concurrency=2) as cluster:
        tasks = submit_all(cluster, seed=1)
        worker = cluster.workers[-1]
        for _ in range(4):
            time.sleep(rng.uniform(2, 6))
            children = pool_children(worker)
            assert children, "the worker has no pool process"
            os.kill(rng.choice(children), signal.SIGKILL)
        assert_all_whole(cluster, tasks, timeout_s=600)
        assert worker.poll() is None  # the main process replaced its pool processes


def test_documents_survive_killed_workers(tmp_path: Path) -> None:
    rng = random.Random(2)
    with Cluster(tmp_path, SETTINGS, concurrency=2) as cluster:
        tasks = submit_all(cluster, seed=2)
        for _ in range(2):
            time.sleep(rng.uniform(4, 10))
            cluster.kill(cluster.workers[-1])  # its pool processes die with it
            cluster.start_worker()
        assert_all_whole(cluster, tasks, timeout_s=2 * VISIBILITY_S + 300)


def test_a_message_lost_between_taking_and_recording_is_queued_again(tmp_path: Path) -> None:
    """A worker main process killed between kombu's two steps (take the message off the
    queue, then record it as unacknowledged) leaves a message in neither place: lost by
    hand here, while no worker runs. The workers' sweep queues it again once it is older
    than the visibility timeout and two sweeps missed it."""
    # a visibility timeout of 90 s; a time limit that a busy machine keeps to
    settings = {"OCR_TASK_TIME_LIMIT_S": "30", "OCR_PIPELINE_CONFIG": "text-fast"}
    with Cluster(tmp_path, settings) as cluster:
        cluster.kill(cluster.workers[-1])
        pages, first = 2, 0
        task_id = cluster.service.submit(document(pages, first))
        client = cluster.service.redis()
        assert client.delete(*queue_lists(QUEUE)) == 1  # its message, lost
        cluster.start_worker()
        ended = wait_all(cluster.service, {task_id: (pages, first)}, timeout_s=90 + 3 * 30 + 60)
        assert not result_problems(ended[task_id], pages, first), cluster.logs()
        assert client.hget(f"ocr:task:{task_id}", "resends") == "1"
        assert client.get(f"ocr:attempts:{task_id}") == "1"


def test_a_lost_page_range_message_has_its_document_queued_again(tmp_path: Path) -> None:
    """The same loss for a page range of a split document (lost by hand: the ranges not
    yet taken are dropped from their queue). Its document does no page for a visibility
    timeout and no message names it, so the sweep queues the document again; it is split
    again and ends SUCCESS with every page once."""
    settings = {
        "OCR_TASK_TIME_LIMIT_S": "30",  # a visibility timeout of 90 s
        "OCR_PIPELINE_CONFIG": "text-fast",
        "OCR_PAGES_PER_TASK": "1",
    }
    with Cluster(tmp_path, settings) as cluster:
        pages, first = 6, 0
        task_id = cluster.service.submit(document(pages, first))
        client = cluster.service.redis()
        deadline = time.monotonic() + 120
        while int(client.hget(f"ocr:progress:{task_id}", "done") or 0) < 1:
            assert time.monotonic() < deadline, "no page was done"
            time.sleep(0.02)
        assert client.delete(*queue_lists(PAGES_QUEUE)) == 1  # the ranges waiting, lost
        timeout_s = 2 * 90 + 3 * 30 + 120
        ended = wait_all(cluster.service, {task_id: (pages, first)}, timeout_s=timeout_s)
        assert not result_problems(ended[task_id], pages, first), cluster.logs()
        assert client.hget(f"ocr:task:{task_id}", "resends") == "1"
