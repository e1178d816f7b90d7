"""API keys: which configured key, if any, a request presents (the keys themselves are
read by ``ocr_inference.config``).

A key is never stored or logged as such: it is kept as its SHA-256 digest, and a task's
owner is recorded as the hex form of that digest.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class ApiKeys:
    """The configured keys; empty means the API is open."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = tuple(dict.fromkeys(_digest(key) for key in keys if key))

    def __bool__(self) -> bool:
        return bool(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def __repr__(self) -> str:
        return f"ApiKeys({len(self)} keys)"

    def owner_of(self, presented: str | None) -> str | None:
        """The owner id (SHA-256 hex) of ``presented`` if it is a configured key, else None.

        Digests of equal length are compared with every configured key, without stopping
        at a match, so the time taken tells neither which key matched nor how long it is.
        """
        if presented is None:
            return None
        candidate = _digest(presented)
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(candidate, digest)
        return candidate.hex() if matched else None
