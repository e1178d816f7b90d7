from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocr_dev.webhook_receiver import Receiver, receiving
from ocr_inference.tasks.webhooks import (
    SIGNATURE_HEADER,
    Resolver,
    WebhookRefused,
    check_url,
    deliver,
    resolve_checked,
    sign,
)


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


def answering(*answers: list[str]) -> tuple[Resolver, list[tuple[str, int]]]:
    """A resolver giving each answer in turn (a rebinding DNS server), and its calls."""
    calls: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return answers[min(len(calls), len(answers)) - 1]

    return resolve, calls


def recording() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    return httpx.MockTransport(handler), seen


def test_a_name_with_a_private_address_after_a_public_one_is_not_called() -> None:
    resolve, calls = answering(["93.184.215.14", "10.0.0.5"])
    transport, seen = recording()
    with pytest.raises(WebhookRefused, match=r"10\.0\.0\.5 is a private address"):
        deliver(
            "https://hooks.example/x",
            {},
            secret=None,
            allow_private=False,
            transport=transport,
            resolve=resolve,
        )
    assert calls == [("hooks.example", 443)] and seen == []


def test_ipv6_addresses_are_checked_too() -> None:
    resolve, _ = answering(["93.184.215.14", "2606:4700::1", "::1"])
    with pytest.raises(WebhookRefused, match="::1 is a loopback address"):
        resolve_checked("http://hooks.example/", allow_private=False, resolve=resolve)


def test_the_name_is_resolved_once_and_the_checked_address_is_connected_to() -> None:
    # a rebinding server: public when checked, loopback if it were asked again
    resolve, calls = answering(["93.184.215.14", "2606:4700::1"], ["127.0.0.1"])
    transport, seen = recording()
    deliver(
        "http://Hooks.Example:8080/x?y=1",
        {"a": 1},
        secret=None,
        allow_private=False,
        transport=transport,
        resolve=resolve,
    )
    assert calls == [("hooks.example", 8080)]
    (request,) = seen
    assert str(request.url) == "http://93.184.215.14:8080/x?y=1"
    assert request.headers["host"] == "hooks.example:8080"
    assert "sni_hostname" not in request.extensions


def test_https_keeps_the_host_name_for_sni_and_certificate_verification() -> None:
    resolve, _ = answering(["2606:4700::1"])
    transport, seen = recording()
    deliver(
        "https://hooks.example/x",
        {},
        secret=None,
        allow_private=False,
        transport=transport,
        resolve=resolve,
    )
    (request,) = seen
    assert str(request.url) == "https://[2606:4700::1]/x"
    assert request.headers["host"] == "hooks.example"
    assert request.extensions["sni_hostname"] == "hooks.example"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as recorder:
        yield recorder


def fake_host(receiver: Receiver, host: str = "hooks.example") -> str:
    """The receiver's URL with ``host`` for 127.0.0.1."""
    return receiver.url.replace("127.0.0.1", host)


def to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def test_a_fake_name_is_delivered_to_its_pinned_address_with_its_host(
    receiver: Receiver,
) -> None:
    url = fake_host(receiver)  # no DNS knows hooks.example: only the pinned address works
    deliver(url, {"a": 1}, secret="k", allow_private=True, resolve=to_loopback)
    (delivery,) = receiver.wait(1, timeout_s=5)
    assert delivery.json() == {"a": 1}
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert headers["host"] == url.split("/")[2]
    assert headers[SIGNATURE_HEADER.lower()] == sign(delivery.body, "k")


def test_the_next_checked_address_is_tried_when_one_refuses_connections(
    receiver: Receiver,
) -> None:
    resolve, calls = answering(["127.0.0.2", "127.0.0.1"])  # the receiver is on 127.0.0.1
    deliver(fake_host(receiver), {"a": 1}, secret=None, allow_private=True, resolve=resolve)
    assert len(receiver.wait(1, timeout_s=5)) == 1 and len(calls) == 1
    resolve, _ = answering(["127.0.0.2"])
    with pytest.raises(httpx.ConnectError):
        deliver(fake_host(receiver), {}, secret=None, allow_private=True, resolve=resolve)


def test_a_proxy_in_the_environment_is_not_used(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    with receiving() as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            for spelling in (name, name.lower()):
                monkeypatch.setenv(spelling, proxy.url.removesuffix("/hook"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        deliver(fake_host(receiver), {"a": 1}, secret=None, allow_private=True, resolve=to_loopback)
        assert len(receiver.wait(1, timeout_s=5)) == 1
        assert proxy.deliveries == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate (and its key) for hooks.example only."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=hooks.example", "-addext", "subjectAltName=DNS:hooks.example"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class TlsSeen:
    port: int = 0
    server_names: list[str | None] = field(default_factory=list)  # SNI of each handshake
    hosts: list[str] = field(default_factory=list)  # Host header of each POST


@contextmanager
def tls_receiver(cert: Path, key: Path) -> Iterator[TlsSeen]:
    """An https server on 127.0.0.1 with ``cert``, and what its clients sent."""
    seen = TlsSeen()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    def on_server_name(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        seen.server_names.append(name)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = on_server_name
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    seen.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_https_to_a_pinned_address_verifies_the_certificate_of_the_host_name(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    trusted = ssl.create_default_context(cafile=cert)  # hostname checked, as by default
    with tls_receiver(cert, key) as seen:
        url = f"https://hooks.example:{seen.port}/hook"
        transport = httpx.HTTPTransport(verify=trusted)
        deliver(url, {}, secret=None, allow_private=True, transport=transport, resolve=to_loopback)
        assert seen.server_names == ["hooks.example"]
        assert seen.hosts == [f"hooks.example:{seen.port}"]
        # the same address under another name: its certificate does not match
        other = url.replace("hooks.example", "other.example")
        transport = httpx.HTTPTransport(verify=trusted)
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            deliver(
                other, {}, secret=None, allow_private=True, transport=transport, resolve=to_loopback
            )
        assert len(seen.hosts) == 1
