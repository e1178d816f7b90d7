"""The viewer's script (``app.js``) run by node against a stand-in DOM and a scripted fetch
(``harness.js``): what it requests and shows when answers arrive in an awkward order."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ocr_inference.api.routes.web import STATIC_DIR

NODE = shutil.which("node")
SCRIPTS = ("api.js", "viewer.js", "app.js")  # as index.html loads them
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def scenario(name: str) -> dict[str, Any]:
    assert NODE is not None
    harness = Path(__file__).with_name("harness.js")
    done = subprocess.run(
        [NODE, str(harness), name, *(str(STATIC_DIR / script) for script in SCRIPTS)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


def test_an_upload_answered_late_does_not_replace_the_one_after_it() -> None:
    outcome = scenario("uploads-answered-out-of-order")
    assert not any("/results/A" in request for request in outcome["requests"])
    assert outcome["taskId"] == "B"


def test_a_poll_answered_after_a_new_upload_shows_nothing() -> None:
    outcome = scenario("poll-answered-after-a-new-upload")
    assert (outcome["result"], outcome["shown"]) == (None, False)
    assert not any("/pages/" in request for request in outcome["requests"])


def test_a_failed_download_says_so() -> None:
    outcome = scenario("failed-json-download")
    assert outcome["status"] == "Download failed: Unknown or expired task id. (not_found)"


def test_pages_are_drawn_as_their_events_come_and_a_broken_stream_resumes() -> None:
    outcome = scenario("pages-streamed-before-the-end")
    before = outcome["before"]
    assert before["pages"] == [1, 2] and before["lines"] == ["line 2", "line 1"]
    assert before["shown"] and before["status"] == "Reading page 1 of 2 (0 done)"
    assert outcome["lastEventIds"] == [None, "2"]
    assert (outcome["result"], outcome["ended"]) == ("A", True)


def test_the_scripts_are_those_the_page_loads() -> None:
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    assert [f'<script src="/static/{name}" defer>' in page for name in SCRIPTS] == [True] * 3
