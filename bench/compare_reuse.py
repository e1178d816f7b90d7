"""``bench/compare.py --reuse``: runs taken from an earlier ``--json`` output.

A run of an earlier output is reused only when its tool is one of those asked for, its
set had the very same list of pages and the earlier machine record names the same CPU
model; any other run is made again. A reused result keeps where and when it was made
(``reused_from``), also across several reuses.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

Key = tuple[str, str]  # (set, tool)


def _earlier_pages(earlier: Mapping[str, Any]) -> dict[str, list[str]]:
    """The pages of each set of an earlier output (older ones: from the per-page scores)."""
    pages: dict[str, list[str]] = dict(earlier.get("pages") or {})
    for result in earlier.get("results", []):
        pages.setdefault(result["set"], [page["image"] for page in result.get("per_page", [])])
    return pages


def reusable_runs(
    path: Path, pages: Mapping[str, list[str]], cpu: str, tools: Collection[str]
) -> dict[Key, dict[str, Any]]:
    """The earlier results that may stand for this run's, by set and tool; says why not."""
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"--reuse: cannot read {path} ({exc}); running every tool", file=sys.stderr)
        return {}
    earlier_cpu = earlier.get("machine", {}).get("cpu")
    if earlier_cpu != cpu:
        print(
            f"--reuse: {path} was made on {earlier_cpu!r}, not this {cpu!r}; running every tool",
            file=sys.stderr,
        )
        return {}
    earlier_pages = _earlier_pages(earlier)
    found: dict[Key, dict[str, Any]] = {}
    for result in earlier.get("results", []):
        name, tool = result["set"], result["tool"]
        if tool not in tools or name not in pages:
            continue
        if earlier_pages.get(name) != pages[name]:
            print(f"--reuse: {name} had other pages in {path}; running {tool}", file=sys.stderr)
            continue
        reused = copy.deepcopy(result)
        reused.setdefault("reused_from", {"path": str(path), "date": earlier.get("date", "?")})
        found[(name, tool)] = reused
    return found


def reused_groups(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reused results grouped by origin: ``{"path", "date", "runs": ["set/tool"]}``."""
    groups: dict[tuple[str, str], list[str]] = {}
    for result in results:
        origin = result.get("reused_from")
        if origin:
            key = (origin["path"], origin["date"])
            groups.setdefault(key, []).append(f"{result['set']}/{result['tool']}")
    return [{"path": p, "date": d, "runs": runs} for (p, d), runs in groups.items()]


def earlier_machine(path: Path) -> dict[str, Any]:
    """The machine record of an earlier output, empty when unreadable."""
    try:
        machine: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["machine"]
    except (OSError, ValueError, KeyError):
        return {}
    return machine
