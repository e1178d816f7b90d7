from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from ocr_inference import config
from ocr_inference.api import auth
from ocr_inference.errors import ConfigurationError

KEYS = ["alpha-key", "beta-key", "gamma-key"]


def test_each_configured_key_is_its_own_owner_and_other_strings_are_none() -> None:
    keys = auth.ApiKeys(KEYS)
    owners = [keys.owner_of(key) for key in KEYS]
    assert owners == [hashlib.sha256(key.encode()).hexdigest() for key in KEYS]
    for wrong in ("alpha", "alpha-key ", "ALPHA-KEY", "", "beta-keyx", "é", None):
        assert keys.owner_of(wrong) is None


def test_every_key_is_compared_whichever_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", counting)
    keys = auth.ApiKeys(KEYS)
    for presented in [*KEYS, "wrong", "a-much-longer-wrong-key" * 10]:
        compared.clear()
        keys.owner_of(presented)
        assert len(compared) == len(KEYS)  # no early exit on a match
        assert {len(a) for a, _ in compared} == {len(b) for _, b in compared} == {32}


def test_no_keys_means_open_and_duplicates_count_once() -> None:
    assert not auth.ApiKeys([]) and not auth.ApiKeys([""])
    keys = auth.ApiKeys(["s3cret", "s3cret", "other"])
    assert keys and len(keys) == 2
    assert "s3cret" not in repr(keys) and "other" not in repr(keys)


def test_comma_separated_keys_drop_blanks_and_spaces() -> None:
    assert config.split_keys(" a ,b,, c ,") == ["a", "b", "c"]
    assert config.split_keys("") == []


def test_keys_file_ignores_blank_lines_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(
        "# team A\nkey-one\n\n   key-two  \n  # indented comment\r\nkey#three\n", encoding="utf-8"
    )
    assert config.read_keys_file(path) == ["key-one", "key-two", "key#three"]
    assert config.parse_keys_file("") == []


def test_an_unreadable_keys_file_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    for path in (tmp_path / "missing", tmp_path):
        with pytest.raises(ConfigurationError, match=str(path)):
            config.read_keys_file(path)
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00key")
    with pytest.raises(ConfigurationError, match="binary"):
        config.read_keys_file(binary)
