"""Every `monet` command against the emulator; bad input exits 2 with one line, sends nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_monet.cli import main
from langchain_monet.emulator import MonetEmulator
from langchain_monet.emulator.media import png
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(emu: MonetEmulator, monkeypatch: pytest.MonkeyPatch) -> MonetEmulator:
    monkeypatch.setenv("MONET_API_KEY", emu.api_key)
    monkeypatch.setenv("MONET_BASE_URL", emu.base_url)
    return emu


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_models_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--type", "music")
    assert code == 0 and "minimax-music" in out and "lyrics(≤3000 chars)" in out
    code, out, _ = run(capsys, "models", "--json")
    models = json.loads(out)
    assert code == 0 and len(models) == 50 and {m["type"] for m in models} == {
        "video", "image", "music"}


def test_generate_waits_with_progress_and_saves(
    env: MonetEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "generate", "image", "--model", "gpt-4o", "--param",
                         "aspect_ratio=16:9", "--out", str(tmp_path), "--poll-interval", "0.05",
                         "a red fox")
    assert code == 0, err
    url, saved = out.strip().splitlines()
    assert url.startswith(env.base_url) and url.endswith(".png")
    path = Path(saved.removeprefix("saved to "))
    assert path.parent == tmp_path.resolve() and path.read_bytes()[:4] == b"\x89PNG"
    assert "success" in err and "%" in err  # the progress lines
    assert env.state.tasks[url.split("/")[-2]].input["aspect_ratio"] == "16:9"


def test_generate_uploads_local_images_and_json(
    env: MonetEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ref = tmp_path / "frame.png"
    ref.write_bytes(png("frame", 8, 8))
    code, out, err = run(capsys, "generate", "video", "--model", "sora-2", "--param",
                         "duration=10", "--image", str(ref), "--json", "the fox runs")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "success" and data["urls"][0].endswith(".mp4")
    assert data["input"]["images"][0].endswith("/frame.png")
    assert env.counters["requests"]["upload"] == 1


def test_no_wait_then_tasks_get_wait_list(
    env: MonetEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "generate", "music", "--model", "minimax-music", "--no-wait",
                       "lo-fi")
    task_id = out.split()[0]
    assert code == 0 and task_id.startswith("task_") and "monet tasks wait" in out
    code, out, _ = run(capsys, "tasks", "get", task_id, "--json")
    assert code == 0 and json.loads(out)["id"] == task_id
    code, out, _ = run(capsys, "tasks", "wait", task_id, "--poll-interval", "0.05")
    assert code == 0 and "success" in out and ".wav" in out
    code, out, _ = run(capsys, "tasks", "list")
    assert code == 0 and task_id in out and "1 of 1 tasks" in out


def test_upload(env: MonetEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ref = tmp_path / "a.png"
    ref.write_bytes(png("a", 8, 8))
    code, out, _ = run(capsys, "upload", str(ref))
    assert code == 0 and out.strip().endswith("/a.png")
    assert httpx.get(out.strip()).content == ref.read_bytes()


@pytest.mark.parametrize("argv,message", [
    (["generate", "video", "--model", "sora-2", "--param", "duration=5", "x"],
     "duration: 5 is not allowed for video model 'sora-2'; allowed values: 10, 15"),
    (["generate", "image", "--model", "flux", "x"], "model: unknown image model 'flux'"),
    (["generate", "image", "--model", "gpt-4o", "--param", "stlye=x", "x"],
     "did you mean 'style'"),
    (["generate", "image", "--model", "gpt-4o", "--param", "novalue", "x"],
     "--param: expected name=value"),
    (["generate", "video", "--model", "sora-2", "--image", "missing.png", "x"],
     "neither an http(s) URL nor a readable file"),
    (["generate", "music", "--model", "minimax-music", "p" * 301], "prompt: is 301 characters"),
    (["tasks", "get"], "task_id: `monet tasks get` needs a task id"),
    (["upload", "missing.png"], "file: 'missing.png' is not a readable file"),
])
def test_bad_input_exits_2_with_one_line_and_sends_nothing(
    env: MonetEmulator, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("monet: error: ") and message in err
    assert env.counters["requests"] == {}


def test_api_errors_exit_1_without_traceback(
    env: MonetEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "tasks", "get", "task_missing")
    assert code == 1 and "Task not found" in err and "Traceback" not in err


def _cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
    return subprocess.run([sys.executable, "-m", "langchain_monet", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_demo_runs_on_the_built_in_emulator(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MONET_API_KEY"}
    done = subprocess.run([sys.executable, "-m", "langchain_monet", "demo", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "built-in Monet emulator" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["score.wav", "shot.mp4",
                                                          "storyboard.png"]
    assert "100.0%  success" in done.stderr


def test_demo_with_a_key_asks_before_spending() -> None:
    done = _cli("demo", env={"MONET_API_KEY": "monet_real_key", "MONET_BASE_URL":
                             "http://127.0.0.1:9"})
    assert done.returncode == 2 and "--live" in done.stderr and "spend credits" in done.stderr


def test_emulator_command_serves(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "langchain_monet", "emulator", "--port",
                             str(port)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/tasks/list",
                                     headers={"Authorization": "Bearer monet_emulator_key"})
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert response.json()["total"] == 0
    finally:
        proc.terminate()
        proc.wait(10)
