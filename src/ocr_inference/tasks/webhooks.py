"""Webhooks: which callback URLs may be called, the signature, and one delivery attempt.

No Celery and no FastAPI here: the API checks a ``callback_url`` when a document is
submitted, and the worker's ``send_webhook`` task checks it again and delivers, retrying
with backoff when ``deliver`` raises ``httpx.HTTPError``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

SIGNATURE_HEADER = "X-OCR-Signature"
TIMEOUT_S = 10.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class WebhookRefused(ValueError):
    """The callback URL may not be called; the message says why."""


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookRefused(f"the host {host} cannot be resolved") from exc
    return [str(info[4][0]) for info in infos]


def _refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not for webhooks, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for reason, flag in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved or address.is_unspecified),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    ):
        if flag:
            return reason
    return None


def _host_port(url: str) -> tuple[str, int]:
    """The host and port of a callback URL, or WebhookRefused when it is not http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise WebhookRefused("only http and https URLs are allowed")
    host = parts.hostname
    if not host:
        raise WebhookRefused("the URL has no host")
    try:
        return host, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookRefused("the URL has an invalid port") from exc


def _addresses(host: str, port: int, *, allow_private: bool, resolve: Resolver) -> list[str]:
    """Every address of ``host``, resolved once (an address literal is its own), each
    checked unless ``allow_private``; in the resolver's order, without repeats."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port)]
    if not addresses:
        raise WebhookRefused(f"the host {host} has no address")
    for address in addresses:
        reason = None if allow_private else _refusal(address)
        if reason is not None:
            via = "" if host == str(address) else f" ({host} resolves to it)"
            raise WebhookRefused(f"{address} is a {reason} address{via}")
    return list(dict.fromkeys(str(address) for address in addresses))


def check_url(url: str, *, allow_private: bool, resolve: Resolver = _resolve) -> None:
    """Refuse a callback URL that is not http(s) or whose host has any address that is
    private, loopback, link-local, multicast or reserved (unless ``allow_private``, when
    the host is not resolved).

    Raises:
        WebhookRefused: the reason, fit for a 422 answer.
    """
    host, port = _host_port(url)
    if not allow_private:
        _addresses(host, port, allow_private=False, resolve=resolve)


def resolve_checked(url: str, *, allow_private: bool, resolve: Resolver = _resolve) -> list[str]:
    """The addresses ``url``'s host resolves to, resolved once, every one of them checked
    as by ``check_url``: the only addresses a delivery may connect to.

    Raises:
        WebhookRefused: the URL may not be called, or its host cannot be resolved.
    """
    host, port = _host_port(url)
    return _addresses(host, port, allow_private=allow_private, resolve=resolve)


def sign(body: bytes, secret: str) -> str:
    """The ``X-OCR-Signature`` value of ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent, and signed: compact JSON."""
    return json.dumps(payload, separators=(",", ":")).encode()


def deliver(
    url: str,
    payload: Mapping[str, Any],
    *,
    secret: str | None,
    allow_private: bool,
    timeout_s: float = TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
    resolve: Resolver = _resolve,
) -> None:
    """POST ``payload`` as JSON to ``url``, signed when ``secret`` is given.

    The host is resolved once and every address checked again (it may resolve elsewhere
    than when the URL was submitted); the request then goes to a checked address, never
    to a second resolution (DNS rebinding), with the URL's ``Host`` header and, over
    https, its host as TLS server name, which the certificate is verified against. The
    addresses are tried in order while connecting fails. Redirects are not followed and
    proxy variables are ignored, so the checked address is the one connected to.

    Raises:
        WebhookRefused: the URL may no longer be called (not worth retrying).
        httpx.HTTPError: the receiver could not be reached, or answered other than 2xx.
    """
    addresses = resolve_checked(url, allow_private=allow_private, resolve=resolve)
    target = httpx.URL(url)
    body = encode(payload)
    headers = {
        "Host": target.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": "ocr-inference-webhook",
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    # httpcore hands sni_hostname to ssl as server_hostname: SNI and hostname verification
    extensions = (
        {"sni_hostname": target.raw_host.decode("ascii")} if target.scheme == "https" else {}
    )
    with httpx.Client(
        timeout=timeout_s, follow_redirects=False, trust_env=False, transport=transport
    ) as client:
        for address in addresses:
            pinned = target.copy_with(host=address)
            try:
                response = client.post(pinned, content=body, headers=headers, extensions=extensions)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if address == addresses[-1]:
                    raise
                continue  # nothing was sent: the next checked address
            response.raise_for_status()
            return
