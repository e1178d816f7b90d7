from __future__ import annotations

from typing import Any

import pytest
from redis.sentinel import SentinelConnectionPool

from ocr_inference.config import Settings
from ocr_inference.tasks.connection import (
    Sentinels,
    celery_transport_options,
    parse_sentinels,
    redis_connection,
    replicated,
)
from ocr_inference.tasks.queue import create_celery_app

URL = "sentinel://:s3cret@a:26379/2;sentinel://b:26380/2;sentinel://c"


def test_a_sentinel_url_names_every_sentinel_the_database_and_the_primarys_password() -> None:
    assert parse_sentinels(URL) == Sentinels(
        (("a", 26379), ("b", 26380), ("c", 26379)), db=2, password="s3cret"
    )
    assert parse_sentinels("sentinel://u:p%40ss@h:1;").username == "u"
    assert parse_sentinels("sentinel://u:p%40ss@h:1;").password == "p@ss"


@pytest.mark.parametrize(
    "url",
    ["", ";", "redis://a:6379", "sentinel://a:26379;redis://b", "sentinel://a:x", "sentinel:///0"],
)
def test_a_malformed_sentinel_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_sentinels(url)


def test_the_refusal_hides_the_password() -> None:
    with pytest.raises(ValueError) as caught:
        parse_sentinels("sentinel://:hidden@a:26379;sentinel://:hidden@b:bad")
    assert "hidden" not in str(caught.value)


def test_the_store_asks_the_sentinels_for_the_primary_by_name() -> None:
    settings = Settings(redis_url=URL, sentinel_master="ocr", sentinel_password="sp")
    client = redis_connection(settings, timeout_s=1.5)
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "ocr"
    assert pool.connection_kwargs["password"] == "s3cret"
    assert pool.connection_kwargs["db"] == 2
    sentinels = pool.sentinel_manager.sentinels
    assert [s.connection_pool.connection_kwargs["port"] for s in sentinels] == [26379, 26380, 26379]
    assert sentinels[0].connection_pool.connection_kwargs["password"] == "sp"
    assert sentinels[0].connection_pool.connection_kwargs["socket_timeout"] == 1.5


def test_a_plain_url_needs_no_transport_options() -> None:
    assert celery_transport_options(Settings(redis_url="redis://r:6379/0")) == {}
    client = redis_connection(Settings(redis_url="redis://r:6379/0"))
    assert not isinstance(client.connection_pool, SentinelConnectionPool)


def test_broker_and_result_backend_follow_the_sentinels() -> None:
    settings = Settings(redis_url=URL, sentinel_master="ocr", sentinel_tls=True)
    conf = create_celery_app(settings).conf
    for options in (conf.broker_transport_options, conf.result_backend_transport_options):
        assert options["master_name"] == "ocr"
        assert options["sentinel_kwargs"] == {"ssl": True}
        assert options["visibility_timeout"] == settings.visibility_timeout_s
    assert conf.broker_use_ssl and conf.redis_backend_use_ssl
    assert create_celery_app(settings).backend.__class__.__name__ == "SentinelBackend"


class _Pipe:
    def __init__(self, acked: int) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.acked = acked

    def publish(self, *args: Any) -> None:
        self.calls.append(("publish", *args))

    def wait(self, *args: Any) -> None:
        self.calls.append(("wait", *args))

    def execute(self) -> list[int]:
        return [0, self.acked]


class _Client:
    def __init__(self, acked: int) -> None:
        self.pipe = _Pipe(acked)

    def pipeline(self, transaction: bool) -> _Pipe:
        assert transaction is False
        return self.pipe


def test_replication_is_awaited_only_under_sentinel() -> None:
    client = _Client(acked=0)
    assert replicated(client, Settings(redis_url="redis://r:6379/0"))  # type: ignore[arg-type]
    assert replicated(client, Settings(redis_url=URL, sentinel_wait_ms=0))  # type: ignore[arg-type]
    assert client.pipe.calls == []
    assert not replicated(client, Settings(redis_url=URL, sentinel_wait_ms=250))  # type: ignore[arg-type]
    assert client.pipe.calls[-1] == ("wait", 1, 250)
    assert client.pipe.calls[0][0] == "publish"  # on the same connection, before WAIT
    assert replicated(_Client(acked=1), Settings(redis_url=URL))  # type: ignore[arg-type]
