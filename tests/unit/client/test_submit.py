"""``submit_files`` against a fake service (an httpx mock transport)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from ocr_inference.client import Client
from ocr_inference.client import http as client_module
from ocr_inference.client.submit import Failure, submit_files


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    return slept


class FakeService:
    """Accepts every upload as task ``t<n>`` and answers SUCCESS with the file's name."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.refuse: dict[str, list[httpx.Response | Exception]] = {}  # by file name

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            name = request.read().split(b'filename="')[1].split(b'"')[0].decode()
            answers = self.refuse.get(name)
            if answers:
                answer = answers.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer
            task_id = f"t{len(self.names) + 1}"
            self.names[task_id] = name
            return httpx.Response(202, json={"task_id": task_id})
        if request.url.path.endswith("/export"):
            return httpx.Response(200, content=f"{request.url.params['format']}\n".encode())
        if request.url.path.endswith("/events"):
            return self.events(request.url.path.rsplit("/", 2)[-2])
        task_id = request.url.path.rsplit("/", 1)[-1]
        result = {"name": self.names[task_id], "pages": []}
        return httpx.Response(200, json={"status": "SUCCESS", "result": result})

    def events(self, task_id: str) -> httpx.Response:
        """One page (the task's number), then the end."""
        page = {"page": {"page_number": int(task_id[1:])}, "detections": [{}, {}]}
        body = (
            f"id: 0\nevent: progress\ndata: {json.dumps({'pages_done': 0, 'pages_total': 1})}\n\n"
            f"id: 1\nevent: page\ndata: {json.dumps(page)}\n\n"
            'id: 1\nevent: end\ndata: {"status": "SUCCESS"}\n\n'
        )
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


def files(tmp_path: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"bytes of " + name.encode())
        paths.append(path)
    return paths


def run(
    service: FakeService, paths: list[Path], output: Path, formats: dict[str, str] | None = None
) -> list[Failure]:
    with Client("http://ocr.test", transport=httpx.MockTransport(service)) as client:
        return submit_files(client, paths, formats or {"json": "json"}, output, timeout_s=60)


def test_files_with_the_same_stem_each_get_their_own_output(tmp_path: Path) -> None:
    paths = files(tmp_path, "scan.pdf", "scan.png", "scan-2.tiff")
    (tmp_path / "in" / "sub").mkdir()
    paths.append(files(tmp_path, "sub/scan.pdf")[0])
    assert run(FakeService(), paths, tmp_path / "out") == []
    written = {
        path.name: json.loads(path.read_text())["name"] for path in (tmp_path / "out").iterdir()
    }
    assert written == {
        "scan.json": "scan.pdf",
        "scan-2.json": "scan.png",
        "scan-2-2.json": "scan-2.tiff",
        "scan-3.json": "scan.pdf",
    }


def test_each_format_is_written_with_the_extension_it_is_given(tmp_path: Path) -> None:
    paths = files(tmp_path, "scan.pdf")
    formats = {"json": "json", "text": "txt", "hocr": "hocr"}
    assert run(FakeService(), paths, tmp_path / "out", formats) == []
    written = {path.name: path.read_text() for path in (tmp_path / "out").iterdir()}
    assert written.keys() == {"scan.json", "scan.txt", "scan.hocr"}
    assert json.loads(written["scan.json"])["name"] == "scan.pdf"  # the result itself
    assert (written["scan.txt"], written["scan.hocr"]) == ("text\n", "hocr\n")  # exported


def test_an_unreachable_server_fails_that_file_and_the_others_go_on(tmp_path: Path) -> None:
    service = FakeService()
    service.refuse["a.png"] = [httpx.ConnectError("connection refused")]
    paths = files(tmp_path, "a.png", "b.png")
    failures = run(service, paths, tmp_path / "out")
    assert [(f.path.name, f.code) for f in failures] == [("a.png", "unreachable")]
    assert "connection refused" in failures[0].error
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b.json"]


def test_an_output_that_cannot_be_written_fails_that_file_and_the_others_go_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "out" / "a.json").mkdir(parents=True)  # a directory where a.json goes
    failures = run(FakeService(), files(tmp_path, "a.png", "b.png"), tmp_path / "out")
    assert [(f.path.name, f.code) for f in failures] == [("a.png", "unwritable")]
    assert "a.json" in failures[0].error
    assert json.loads((tmp_path / "out" / "b.json").read_text())["name"] == "b.png"


def test_an_output_directory_that_cannot_be_made_sends_nothing(tmp_path: Path) -> None:
    service = FakeService()
    (tmp_path / "taken").write_text("a file, not a directory")
    with pytest.raises(OSError):
        run(service, files(tmp_path, "a.png"), tmp_path / "taken")
    assert service.names == {}


def test_a_busy_service_is_waited_for(tmp_path: Path, no_sleep: list[float]) -> None:
    service = FakeService()
    busy = httpx.Response(
        503, json={"detail": "busy", "code": "busy"}, headers={"Retry-After": "30"}
    )
    service.refuse["a.png"] = [busy]
    assert run(service, files(tmp_path, "a.png"), tmp_path / "out") == []
    assert no_sleep == [30.0]
    assert (tmp_path / "out" / "a.json").exists()


def test_pages_are_shown_as_they_arrive_and_polling_stands_in_for_a_missing_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = FakeService()
    assert run(service, files(tmp_path, "scan.pdf"), tmp_path / "out") == []
    assert "scan.pdf: page 1: 2 lines" in capsys.readouterr().err

    class WithoutEvents(FakeService):  # a server from before the event stream
        def events(self, task_id: str) -> httpx.Response:
            return httpx.Response(404, json={"detail": "Not Found", "code": "not_found"})

    assert run(WithoutEvents(), files(tmp_path, "old.pdf"), tmp_path / "out") == []
    assert json.loads((tmp_path / "out" / "old.json").read_text())["name"] == "old.pdf"
    assert ": page " not in capsys.readouterr().err
