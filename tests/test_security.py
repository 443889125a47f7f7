"""Security: the API key never leaks (reprs, DEBUG logs, errors, tool output, trace metadata,
graph state, cassettes); downloads refuse what they should and stay inside their folder."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run

from langchain_monet import (
    AsyncMonetClient,
    MonetClient,
    MonetError,
    MonetToolkit,
    MonetValidationError,
)
from langchain_monet.assets import download, download_assets, safe_filename
from langchain_monet.emulator import MonetEmulator
from langchain_monet.graph import create_monet_graph
from tests.cassette_scenarios import CASSETTES
from tests.conftest import client_settings
from tests.graph_worker import JOBS

SECRET = "monet_s3cr3t_key_that_must_not_leak"


@pytest.fixture
def secret_emu(emulator: MonetEmulator) -> Any:
    """The session emulator, accepting SECRET as its key for this test."""
    emulator.reset()
    old = emulator.settings.api_key
    emulator.settings.api_key = SECRET
    yield emulator
    emulator.settings.api_key = old
    emulator.reset()


class Everything(BaseTracer):
    """Keeps every run LangChain traces: inputs, outputs, metadata, errors."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        pass

    def _on_run_update(self, run: Run) -> None:
        self.runs.append(run)


class Custom(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_custom_event(self, name: str, data: Any, **kw: Any) -> None:
        self.seen.append((name, data, kw))


def test_key_stays_out_of_everything(
    secret_emu: MonetEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_emu.inject("sync", "503")
    tracer, custom = Everything(), Custom()
    texts: list[str] = []
    tools = MonetToolkit(api_key=SECRET, base_url=secret_emu.base_url).get_tools()
    for tool in tools[:3]:
        texts += [repr(tool), str(tool.model_dump(exclude={"args_schema"}))]
    message = tools[1].invoke(
        {"name": tools[1].name, "args": {"prompt": "a fox"}, "id": "c1", "type": "tool_call"},
        config={"callbacks": [tracer, custom], "metadata": {"purpose": "test"}})
    texts += [message.content, str(message.artifact), message.model_dump_json()]
    texts += [str(vars(run)) for run in tracer.runs] + [str(custom.seen)]
    client = MonetClient(**client_settings(secret_emu, api_key=SECRET))
    texts += [repr(client), str(client.config), repr(AsyncMonetClient(SECRET))]
    result = create_monet_graph(client=client).invoke({"jobs": JOBS[:1]})
    texts.append(str(result))
    wrong = MonetClient(**client_settings(secret_emu, api_key=SECRET + "x"))
    with pytest.raises(MonetError) as info:
        wrong.get_task("task_x")
    texts += [str(info.value), repr(info.value), str(info.value.__dict__)]
    texts += [r.getMessage() for r in caplog.records]
    assert any("/api/v1/tasks" in t for t in texts)  # the logs really were captured
    assert tracer.runs and message.status == "success"
    leaks = [t for t in texts if SECRET in t]
    assert not leaks, leaks[:1]


def test_cassettes_hold_no_key() -> None:
    for path in CASSETTES.rglob("*.yaml"):
        text = path.read_text()
        assert "monet_" not in text.replace("monet_generate", "").replace(
            "monet_replay", "").replace("monet_task_status", "").replace(
            "monet_upload_file", ""), path
        assert "Bearer <redacted>" in text or "interactions: []" in text, path


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a.png",
                                 "javascript:alert(1)", "/etc/passwd", "http://"])
def test_downloads_refuse_non_http_urls(url: str, tmp_path: Path) -> None:
    with pytest.raises(MonetValidationError, match="only http"):
        download(url, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_downloads_stay_in_their_folder_and_under_the_limit(
    emu: MonetEmulator, tmp_path: Path
) -> None:
    with MonetClient(**client_settings(emu)) as client:
        task = client.generate("image", {"model": "flux-1-schnell", "prompt": "fox"})
    out = tmp_path / "out"
    for name in ("../../escape.png", "/etc/cron.d/x", "..", "a/../../b.png", "\x00evil.png"):
        saved = download(task.url or "", out, filename=name)
        assert saved.parent == out.resolve(), name
    assert not (tmp_path / "escape.png").exists()
    with pytest.raises(MonetValidationError, match="limit"):
        download(task.url or "", out, filename="big.png", max_bytes=100)
    assert not (out / "big.png").exists()  # the partial file was removed
    first = download(task.url or "", out, filename="same.png")
    second = download(task.url or "", out, filename="same.png")
    assert first != second and first.read_bytes() == second.read_bytes()  # never overwrites
    saved = download_assets({"frame": {"urls": [task.url]}}, out)
    assert saved["frame"][0].name == "frame.png"
    assert httpx.get(task.url or "").content == saved["frame"][0].read_bytes()


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("a b?c=d.png") == "a_b_c_d.png"
    assert safe_filename("..") == "asset" and safe_filename("") == "asset"
    assert len(safe_filename("x" * 500 + ".mp4")) <= 120
