from __future__ import annotations

from pathlib import Path

import pytest

from ocr_inference import errors


def all_error_classes() -> list[type[errors.OCRError]]:
    return errors.error_classes()


def test_every_code_is_documented() -> None:
    """Each code a client can meet has a line in docs/api.md; configuration codes stop
    start-up and never reach a client."""
    api_doc = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    codes = {cls.code for cls in all_error_classes()} - {"configuration", "model_error"}
    assert not {code for code in codes if f"`{code}`" not in api_doc}


def test_leaf_codes_are_unique() -> None:
    leaves = [cls for cls in all_error_classes() if not cls.__subclasses__()]
    codes = [cls.code for cls in leaves]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("cls", all_error_classes())
def test_errors_rebuild_from_their_args_as_celery_does(cls: type[errors.OCRError]) -> None:
    original = cls("reason given")
    rebuilt = cls(*original.args)
    assert (rebuilt.message, rebuilt.code, rebuilt.http_status) == (
        "reason given",
        original.code,
        original.http_status,
    )


@pytest.mark.parametrize("cls", [c for c in all_error_classes() if not c.__subclasses__()])
def test_an_error_is_rebuilt_from_its_code(cls: type[errors.OCRError]) -> None:
    rebuilt = errors.error_from_code(cls.code, "why")
    assert type(rebuilt) is cls and rebuilt.message == "why"


def test_an_unknown_code_is_a_plain_ocr_error() -> None:
    rebuilt = errors.error_from_code("no_such_code", "why")
    assert type(rebuilt) is errors.OCRError and rebuilt.code == "internal_error"
