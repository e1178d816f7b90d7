from __future__ import annotations

import time

import redis

from ocr_inference.tasks.store import PageProgress, TaskStore


def store(url: str, ttl: int = 100) -> TaskStore:
    return TaskStore(redis.Redis.from_url(url), result_ttl_s=ttl, blob_ttl_s=ttl * 2)


def test_submission_is_recorded_with_its_blob_and_expiry(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.create("t1", b"%PDF-data", filename="a.pdf", doc_type="pdf")
    assert tasks.exists("t1") and not tasks.exists("t2")
    assert tasks.load_blob("t1") == b"%PDF-data"
    assert 100 < tasks.client.ttl("ocr:blob:t1") <= 200
    tasks.finish("t1", error_code=None)
    assert 0 < tasks.client.ttl("ocr:blob:t1") <= 100
    assert 0 < tasks.client.ttl("ocr:task:t1") <= 100
    tasks.forget("t1")
    assert not tasks.exists("t1") and tasks.load_blob("t1") is None


def test_attempts_count_up(redis_url: str) -> None:
    tasks = store(redis_url)
    assert [tasks.count_attempt("t") for _ in range(3)] == [1, 2, 3]
    assert tasks.attempts("t") == 3 and tasks.attempts("other") == 0


def test_pending_counts_queued_and_running_documents(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.client.rpush("ocr", "a", "b")
    tasks.client.rpush("ocr\x06\x166", "c")
    tasks.client.rpush("ocr.pages", "page range of a running document")
    tasks.start_document("d", 8, stale_after_s=60)
    tasks.start_document("stale", 8, stale_after_s=-1)
    assert tasks.pending("ocr") == 4
    tasks.finish("d", error_code=None)
    assert tasks.pending("ocr") == 3


def test_progress_counts_pages_from_every_worker(redis_url: str) -> None:
    tasks = store(redis_url)
    assert tasks.progress("d") is None
    tasks.start_document("d", 3, stale_after_s=60)
    assert tasks.progress("d") == PageProgress(0, 3)
    assert [tasks.page_done("d", stale_after_s=60).done for _ in range(3)] == [1, 2, 3]
    assert tasks.progress("d") == PageProgress(3, 3)
    tasks.finish("d", error_code=None)
    assert tasks.progress("d") is None and tasks.pending("ocr") == 0


def test_worker_heartbeats_expire(redis_url: str) -> None:
    tasks = store(redis_url)
    assert (tasks.workers().alive, tasks.workers().models_loaded) == (0, False)
    tasks.heartbeat("w1", models_loaded=False, ttl_s=30)
    tasks.heartbeat("w2", models_loaded=True, ttl_s=30)
    assert (tasks.workers().alive, tasks.workers().models_loaded) == (2, True)
    tasks.forget_worker("w2")
    assert (tasks.workers().alive, tasks.workers().models_loaded) == (1, False)


def test_held_bytes_count_uploads_until_their_task_ends_once(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.create("a", b"x" * 100, filename="a.pdf", doc_type="pdf")
    tasks.create("b", b"x" * 30, filename="b.pdf", doc_type="pdf")
    assert tasks.held_bytes() == 130
    tasks.finish("a", error_code=None)
    tasks.finish("a", error_code=None)  # a split document's merge and its errback may both end it
    assert tasks.held_bytes() == 30
    tasks.forget("b")
    assert tasks.held_bytes() == 0


def test_an_upload_whose_task_never_ends_stops_counting_when_it_expires(redis_url: str) -> None:
    # what an API process that died before queueing, or a worker that could not reach
    # Redis to end the task, leaves behind
    brief = TaskStore(redis.Redis.from_url(redis_url), result_ttl_s=1, blob_ttl_s=1)
    brief.create("orphan", b"x" * 40, filename="a.pdf", doc_type="pdf")
    store(redis_url).create("kept", b"x" * 7, filename="b.pdf", doc_type="pdf")
    assert brief.held_bytes() == 47 and brief.stats(["ocr"]).held_bytes == 47
    time.sleep(1.2)
    assert brief.held_bytes() == 7 and brief.stats(["ocr"]).held_bytes == 7


def test_a_cancelled_task_keeps_its_record_but_not_its_upload(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.create("c", b"x" * 50, filename="c.pdf", doc_type="pdf")
    tasks.start_document("c", 4, stale_after_s=60)
    tasks.cancel("c")
    assert tasks.cancelled("c") and tasks.exists("c")
    assert tasks.load_blob("c") is None and tasks.progress("c") is None
    assert tasks.held_bytes() == 0 and tasks.pending("ocr") == 0
    assert not tasks.cancelled("other")
    tasks.forget("c")
    assert not tasks.exists("c") and not tasks.cancelled("c")


def test_a_task_is_visible_only_to_its_owner_and_the_owner_goes_with_it(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.create("mine", b"x", filename="a.pdf", doc_type="pdf", owner="a" * 64)
    tasks.create("open", b"x", filename="b.pdf", doc_type="pdf")
    assert tasks.visible("mine", "a" * 64) and not tasks.visible("mine", "b" * 64)
    assert tasks.visible("mine", None)  # keys off: every task is visible, as before
    assert tasks.visible("open", None) and not tasks.visible("open", "a" * 64)
    assert not tasks.visible("unknown", "a" * 64) and not tasks.visible("unknown", None)
    assert tasks.client.hget("ocr:task:mine", "owner") == b"a" * 64
    tasks.finish("mine", error_code=None)
    assert 0 < tasks.client.ttl("ocr:task:mine") <= 100  # the owner expires with the record
    tasks.forget("mine")
    assert not tasks.visible("mine", "a" * 64) and not tasks.client.keys("ocr:task:*mine*")


def test_stats_read_queues_running_documents_and_held_bytes(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.client.rpush("ocr", "a", "b")
    tasks.client.rpush("ocr\x06\x163", "c")
    tasks.client.rpush("ocr.pages", "range")
    tasks.create("d", b"x" * 70, filename="d.pdf", doc_type="pdf")
    tasks.queued("d")
    tasks.start_document("d", 8, stale_after_s=60)
    tasks.start_document("stale", 8, stale_after_s=-1)
    stats = tasks.stats(["ocr", "ocr.pages", "empty"])
    assert stats.queued == {"ocr": 3, "ocr.pages": 1, "empty": 0}
    assert (stats.running, stats.held_bytes, stats.submitted) == (1, 70, 1)
    assert (stats.succeeded, stats.failed) == (0, {})


def test_a_task_is_sending_until_queued_and_a_stalled_one_is_taken_once(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.create("s", b"x", filename="s.pdf", doc_type="pdf")
    assert not tasks.take_stalled("s", older_than_s=30)  # just stored: still being sent
    assert tasks.take_stalled("s", older_than_s=-1)
    assert not tasks.take_stalled("s", older_than_s=-1)  # one caller sends it
    tasks.unqueued("s")  # that send failed
    assert tasks.take_stalled("s", older_than_s=-1)
    tasks.create("q", b"x", filename="q.pdf", doc_type="pdf")
    tasks.queued("q")
    assert not tasks.take_stalled("q", older_than_s=-1)
    assert not tasks.take_stalled("unknown", older_than_s=-1)
    assert tasks.stats(["ocr"]).submitted == 1  # counted when queued


def test_a_task_a_worker_received_or_that_ended_is_never_taken_as_stalled(
    redis_url: str,
) -> None:
    """Its record may still say sending (the API process died after queueing it, or could
    not record that it had): the task was queued all the same."""
    tasks = store(redis_url)
    for task_id in ("received", "ended"):
        tasks.create(task_id, b"x", filename="a.pdf", doc_type="pdf")
    tasks.count_attempt("received")
    tasks.finish("ended", error_code=None)
    assert not tasks.take_stalled("received", older_than_s=-1)
    assert not tasks.take_stalled("ended", older_than_s=-1)


def test_a_failed_resend_does_not_bring_back_a_forgotten_task(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.create("gone", b"x", filename="a.pdf", doc_type="pdf")
    assert tasks.take_stalled("gone", older_than_s=-1)
    tasks.forget("gone")  # deleted by its client while the resend was failing
    tasks.unqueued("gone")
    assert not tasks.exists("gone")


def test_forgetting_a_task_leaves_its_key_to_the_task_it_now_stands_for(redis_url: str) -> None:
    tasks = store(redis_url)
    name = tasks.idempotency.name(None, "order-1")
    tasks.create("old", b"x", filename="a.pdf", doc_type="pdf", idempotency=name)
    tasks.idempotency.claim(name, task_id="new", sha256="bb")  # the key went to a new task
    tasks.forget_idempotency("old")
    found = tasks.idempotency.find(name)
    assert found is not None and found.task_id == "new"
    tasks.create("mine", b"x", filename="a.pdf", doc_type="pdf", idempotency="ocr:idem:-:m")
    tasks.idempotency.claim("ocr:idem:-:m", task_id="mine", sha256="cc")
    tasks.forget_idempotency("mine")
    assert tasks.idempotency.find("ocr:idem:-:m") is None


def test_an_idempotency_key_lasts_as_long_as_its_task(redis_url: str) -> None:
    tasks = store(redis_url, ttl=60)  # results live 60 s, uploads 120 s
    for task_id in ("done", "cancelled"):
        name = tasks.idempotency.name(None, task_id)
        tasks.create(task_id, b"x", filename="a.pdf", doc_type="pdf", idempotency=name)
        tasks.idempotency.claim(name, task_id=task_id, sha256="aa")
        assert tasks.client.ttl(name) > 60
    tasks.finish("done", error_code=None)
    tasks.cancel("cancelled")
    for task_id in ("done", "cancelled"):
        name = tasks.idempotency.name(None, task_id)
        assert 0 < tasks.client.ttl(name) <= 60
        assert tasks.client.ttl(name) <= tasks.client.ttl(f"ocr:task:{task_id}") + 1
