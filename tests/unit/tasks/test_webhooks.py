from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from ocr_inference.tasks.webhooks import SIGNATURE_HEADER, WebhookRefused, check_url, deliver, sign


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host}:{port} should not be resolved")


def test_the_signature_is_the_hex_hmac_sha256_of_the_body() -> None:
    body = b'{"task_id":"x","status":"SUCCESS"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign(body, "s3cret") == f"sha256={expected}"
    assert sign(body + b" ", "s3cret") != sign(body, "s3cret")
    assert sign(body, "other") != sign(body, "s3cret")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://127.8.9.10:8080/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://172.16.0.1/hook", "private"),
        ("http://192.168.1.1/hook", "private"),
        ("http://[fd00::1]/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://[ff02::1]/hook", "multicast"),
        ("http://0.0.0.0/hook", "reserved"),
        ("http://240.0.0.1/hook", "reserved"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://100.64.0.1/hook", "not globally routable"),
    ],
)
def test_internal_addresses_are_refused(url: str, reason: str) -> None:
    with pytest.raises(WebhookRefused, match=reason):
        check_url(url, allow_private=False, resolve=no_dns)


@pytest.mark.parametrize(
    "url", ["https://93.184.215.14/hook", "http://8.8.8.8:8080/x?y=1", "https://[2606:4700::1]/"]
)
def test_public_addresses_are_allowed(url: str) -> None:
    check_url(url, allow_private=False, resolve=no_dns)


def test_private_addresses_are_allowed_when_configured() -> None:
    check_url("http://127.0.0.1:9000/hook", allow_private=True, resolve=no_dns)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://8.8.8.8/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http:///nohost", "no host"),
        ("http://8.8.8.8:99999/", "invalid port"),
    ],
)
def test_malformed_urls_are_refused_even_with_private_allowed(url: str, reason: str) -> None:
    with pytest.raises(WebhookRefused, match=reason):
        check_url(url, allow_private=True, resolve=no_dns)


def test_a_name_is_refused_if_any_of_its_addresses_is_internal() -> None:
    def resolve(host: str, port: int) -> list[str]:
        assert (host, port) == ("hooks.example", 443)
        return ["93.184.215.14", "10.0.0.5"]

    with pytest.raises(
        WebhookRefused, match=r"10.0.0.5 is a private address \(hooks.example resolves"
    ):
        check_url("https://hooks.example/x", allow_private=False, resolve=resolve)


def test_delivery_posts_the_signed_json_and_fails_on_an_error_status() -> None:
    seen: list[httpx.Request] = []
    answers = iter([500, 204])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(next(answers))

    transport = httpx.MockTransport(handler)
    payload = {"task_id": "t1", "status": "FAILURE", "code": "corrupt_document"}
    for attempt in range(2):
        call = lambda: deliver(  # noqa: E731
            "http://127.0.0.1:1/hook",
            payload,
            secret="k",
            allow_private=True,
            transport=transport,
        )
        if attempt == 0:
            with pytest.raises(httpx.HTTPStatusError):
                call()
        else:
            call()
    request = seen[-1]
    assert request.method == "POST" and json.loads(request.content) == payload
    assert request.headers["content-type"] == "application/json"
    assert request.headers[SIGNATURE_HEADER] == sign(request.content, "k")


def test_delivery_is_unsigned_without_a_secret_and_checks_the_url_again() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))
    deliver("http://127.0.0.1/h", {"a": 1}, secret=None, allow_private=True, transport=transport)
    assert SIGNATURE_HEADER not in seen[0].headers
    with pytest.raises(WebhookRefused):
        deliver("http://127.0.0.1/h", {}, secret=None, allow_private=False, transport=transport)
    assert len(seen) == 1
