"""The web page at / in a real browser (Debian's Chromium driven by Playwright) against the
live service: upload, progress, boxes over the page, tooltips, the API key prompt, and
recognized text that reads like markup shown as characters.

Chromium is installed with apt-get when it is missing and the tests run as root; Playwright
never downloads a browser. ``OCR_UPDATE_SCREENSHOT=1`` rewrites docs/viewer.png.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Dialog, Page, Request, Route, sync_playwright

from ocr_dev.factories import PAGE_LINES, encode, multipage, text_image
from ocr_dev.service import Service

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_TIMEOUT_S = 600
XSS = "<script>alert(1)</script>"
LINES = ["Invoice number 4711", XSS, "Total amount 1234.56 EUR"]
KEY = "browser-key-3c9a"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "viewer.png"
WAIT_MS = 60_000


def _install_chromium() -> str | None:
    """Install Debian's chromium package; the reason it cannot be, or None once it is."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "needs /usr/bin/chromium: run `apt-get install chromium` as root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            return f"`{' '.join(command)}` took over {INSTALL_TIMEOUT_S} s"
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}"
    return None


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = _install_chromium()
        if reason is not None or not CHROMIUM.exists():
            pytest.skip(f"Chromium cannot be installed: {reason or 'no /usr/bin/chromium'}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium))
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


def _demand_key(api_requests: list[Request]) -> object:
    """A route handler that plays a service with API keys: 401 without ``KEY``."""

    def handle(route: Route, request: Request) -> None:
        api_requests.append(request)
        if request.headers.get("x-api-key") != KEY:
            route.fulfill(
                status=401,
                json={"detail": "This endpoint needs an X-API-Key header.", "code": "unauthorized"},
            )
        else:
            route.continue_()

    return handle


def _save_screenshot(page: Page, path: Path) -> None:
    """A 1280x800 screenshot, quantized to keep the PNG small."""
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    shot.quantize(colors=96).save(path, "PNG", optimize=True)


def test_upload_shows_boxes_tooltips_and_text_as_characters(
    service: Service, page: Page, tmp_path: Path
) -> None:
    upload = tmp_path / "page.png"
    upload.write_bytes(encode(text_image(LINES, size=(1400, 420)), "PNG"))
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    api_requests: list[Request] = []
    page.route("**/api/v1/**", _demand_key(api_requests))  # type: ignore[arg-type]

    page.goto(f"{service.base_url}/")
    page.set_input_files("#file-input", upload)
    # the 401 brings up the key prompt; the upload goes on with the key once it is given
    page.wait_for_selector("#key-form:not([hidden])", timeout=WAIT_MS)
    page.fill("#key-input", KEY)
    with page.expect_response(lambda r: r.url.endswith("/process") and r.status == 202) as sent:
        page.click("#key-form button[type=submit]")
    task_id = sent.value.json()["task_id"]
    page.wait_for_selector('#viewer[data-ready="true"]', timeout=WAIT_MS)

    result = service.status(task_id)["result"]
    detections = result["detections"]
    texts = [d["text"] for d in detections]
    # the reading order is layout analysis's; the recognizer must keep the angle brackets
    assert sorted(texts) == sorted(LINES), f"OCR read {texts}"

    boxes = page.locator("#line-boxes polygon.det")
    assert boxes.count() == len(detections)
    for index, detection in enumerate(detections):
        boxes.nth(index).hover()
        assert page.locator("#tooltip").is_visible()
        assert page.text_content("#tooltip-text") == detection["text"]
        assert page.text_content("#tooltip-meta") == f"confidence {detection['confidence']:.3f}"

    # the markup-like line is shown as its characters, in the list and in the tooltip
    assert page.locator("#lines li").all_text_contents() == texts
    boxes.nth(texts.index(XSS)).hover()
    assert page.text_content("#tooltip-text") == XSS
    scripts = page.evaluate("[...document.scripts].map((s) => s.getAttribute('src'))")
    assert scripts == ["/static/api.js", "/static/viewer.js", "/static/app.js"]
    assert page.locator("#result script, #tooltip script").count() == 0
    assert dialogs == []

    # every API call after the prompt carried the key; the page image was fetched with it
    # (or, where the page image route is missing, the boxes stand on a blank page)
    keyed = [r for r in api_requests if r.headers.get("x-api-key") == KEY]
    assert len(keyed) == len(api_requests) - 1
    image_requests = [r for r in keyed if f"/results/{task_id}/pages/1.png" in r.url]
    assert image_requests and "overlay=false" in image_requests[0].url
    shown = page.evaluate("document.getElementById('page-image').naturalWidth > 0")
    assert shown or page.locator("#page-note").is_visible()

    boxes.nth(0).hover()
    _save_screenshot(page, tmp_path / "viewer.png")
    if os.environ.get("OCR_UPDATE_SCREENSHOT") == "1":
        _save_screenshot(page, SCREENSHOT)


def test_pages_are_drawn_as_they_arrive_before_the_task_ends(
    service: Service, page: Page, tmp_path: Path
) -> None:
    upload = tmp_path / "ten.pdf"
    images = [text_image([f"Page {n} of ten", *PAGE_LINES[n % 3]]) for n in range(1, 11)]
    upload.write_bytes(multipage(images, "PDF", resolution=150.0))
    page.goto(f"{service.base_url}/")
    with page.expect_response(lambda r: r.url.endswith("/process") and r.status == 202) as sent:
        page.set_input_files("#file-input", upload)
    task_id = sent.value.json()["task_id"]
    # a page drawn, with its boxes, while the page still waits for the task's end
    page.wait_for_function(
        "() => state.result && state.result.pages.length >= 1 && !state.ended"
        " && document.querySelectorAll('#line-boxes polygon.det').length > 0",
        timeout=WAIT_MS,
    )
    assert service.status(task_id)["status"] in ("PENDING", "STARTED")
    assert page.locator("#result").is_visible()
    page.wait_for_function("() => state.ended", timeout=WAIT_MS)
    page.wait_for_selector('#viewer[data-ready="true"]', timeout=WAIT_MS)
    assert page.locator("#pager button").count() == 10
    assert page.evaluate("state.result.pages.length") == 10
