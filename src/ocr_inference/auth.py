"""API keys: where they come from, and which one a request presents.

A key is never stored or logged as such: it is kept as its SHA-256 digest, and a task's
owner is recorded as the hex form of that digest.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

from ocr_inference.errors import ConfigurationError


def split_keys(value: str) -> list[str]:
    """Keys of a comma-separated list (``OCR_API_KEYS``), blanks dropped."""
    return [key.strip() for key in value.split(",") if key.strip()]


def parse_keys_file(text: str) -> list[str]:
    """Keys of a keys file: one a line; blank lines and lines starting with ``#`` ignored."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_keys_file(path: Path) -> list[str]:
    """The keys in ``path``.

    Raises:
        ConfigurationError: the file cannot be read as UTF-8 text; the message names it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the API keys file {path} (OCR_API_KEYS_FILE): {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigurationError(
            f"the API keys file {path} (OCR_API_KEYS_FILE) is not UTF-8 text"
        ) from None
    return parse_keys_file(text)


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
