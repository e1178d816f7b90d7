from __future__ import annotations

import redis

from ocr_inference.tasks.idempotency import IdempotencyClaim, IdempotencyKeys


def keys(url: str) -> IdempotencyKeys:
    return IdempotencyKeys(redis.Redis.from_url(url), ttl_s=60)


def test_a_key_is_scoped_to_its_api_key_and_not_stored_as_sent() -> None:
    name = IdempotencyKeys.name("owner-a", "invoice-4711")
    assert name.startswith("ocr:idem:owner-a:") and "invoice-4711" not in name
    assert name != IdempotencyKeys.name("owner-b", "invoice-4711")
    assert IdempotencyKeys.name(None, "k").startswith("ocr:idem:-:")


def test_the_first_claim_wins_and_later_ones_read_it(redis_url: str) -> None:
    claims = keys(redis_url)
    name = claims.name(None, "k")
    assert claims.find(name) is None
    first = claims.claim(name, task_id="t1", sha256="aa")
    later = claims.claim(name, task_id="t2", sha256="bb")
    assert first.new and (first.task_id, first.sha256) == ("t1", "aa")
    assert not later.new and (later.task_id, later.sha256) == ("t1", "aa")
    assert claims.find(name) == later
    assert 0 < claims.client.ttl(name) <= 60


def test_a_claim_is_released_only_while_it_stands_for_its_task(redis_url: str) -> None:
    claims = keys(redis_url)
    name = claims.name(None, "k")
    stale = claims.claim(name, task_id="t1", sha256="aa")
    claims.release(stale.key, stale.task_id)
    assert claims.find(name) is None
    current = claims.claim(name, task_id="t2", sha256="bb")
    claims.release(
        stale.key, stale.task_id
    )  # a late release of the old claim leaves the new one alone
    assert claims.find(name) == IdempotencyClaim(name, "t2", "bb", new=False)
    assert current.new
