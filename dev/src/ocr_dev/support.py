"""Small helpers shared by the tests: where the evaluation documents are, and a parser of
the Prometheus text exposition."""

from __future__ import annotations

import re
from pathlib import Path

# dev/src/ocr_dev/support.py: ocr_dev is always installed editable (make install-dev)
REPO = Path(__file__).resolve().parents[3]
EVAL_DIR = (REPO.parent / "shared" / "eval").resolve()


_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_HELP = re.compile(rf"# HELP ({_NAME}) (?:[^\\\n]|\\[\\n])*")
_TYPE = re.compile(rf"# TYPE ({_NAME}) (counter|gauge|histogram|summary|untyped)")
_SAMPLE = re.compile(rf"({_NAME})(?:\{{({_LABEL}(?:,{_LABEL})*)\}})? (\S+)")
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

Labels = tuple[tuple[str, str], ...]


def parse_metrics(text: str) -> dict[str, dict[Labels, float]]:
    """Samples of a Prometheus text exposition (0.0.4) by name, then by sorted labels.

    Fails on any line outside the format, and on a sample whose ``# TYPE`` did not come
    before it. A histogram's samples are under ``{name}_bucket``, ``_sum`` and ``_count``.
    """
    assert text.endswith("\n"), "the exposition must end with a newline"
    samples: dict[str, dict[Labels, float]] = {}
    for line in text.splitlines():
        if _HELP.fullmatch(line):
            continue
        if typed := _TYPE.fullmatch(line):
            assert typed[1] not in samples, f"second # TYPE for {typed[1]}"
            samples[typed[1]] = {}
            if typed[2] == "histogram":  # its samples are name_bucket, name_sum, name_count
                samples.update({f"{typed[1]}{suffix}": {} for suffix in _HISTOGRAM_SUFFIXES})
            continue
        sample = _SAMPLE.fullmatch(line)
        assert sample, f"not in the exposition format: {line!r}"
        name, labels, value = sample[1], sample[2] or "", sample[3]
        assert name in samples, f"{name} has no # TYPE line before its samples"
        pairs = tuple(
            sorted(
                (label, re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], raw))
                for label, raw in _LABEL_PAIR.findall(labels)
            )
        )
        samples[name][pairs] = float(value)
    return samples
