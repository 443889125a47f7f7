"""The subgraph served by LangGraph's own server (`langgraph dev`, in-memory), driven over HTTP
with langgraph-sdk, generating against the emulator."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from langchain_monet.emulator import MonetEmulator
from tests.conftest import free_port, stop_process
from tests.graph_worker import JOBS

ROOT = Path(__file__).resolve().parent.parent



@pytest.fixture
def server(emu: MonetEmulator, tmp_path: Path) -> Iterator[str]:
    cli = shutil.which("langgraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "langgraph")
    if cli is None:
        pytest.skip("langgraph-cli[inmem] is not installed")
    port = free_port()
    env = {**os.environ, "MONET_API_KEY": emu.api_key, "MONET_BASE_URL": emu.base_url,
           "LANGSMITH_TRACING": "false", "LANGGRAPH_CLI_NO_ANALYTICS": "1"}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [cli, "dev", "--no-browser", "--no-reload", "--port", str(port), "--host", "127.0.0.1",
         "--config", str(ROOT / "langgraph.json")],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "langgraph dev did not start"
            time.sleep(0.25)
        yield url
    finally:
        stop_process(proc, 15)
        log.close()


async def test_served_graph_runs_over_http_with_progress(server: str, emu: MonetEmulator) -> None:
    from langgraph_sdk import get_client

    client = get_client(url=server)
    thread = await client.threads.create()
    custom: list[dict[str, object]] = []
    async for part in client.runs.stream(thread["thread_id"], "monet", input={"jobs": JOBS},
                                         stream_mode=["custom", "values"]):
        if part.event == "custom":
            custom.append(part.data)
    state = await client.threads.get_state(thread["thread_id"])
    assets = state["values"]["assets"]
    assert set(assets) == {"frame", "shot", "score"} and state["values"]["errors"] == {}
    video = emu.state.tasks[assets["shot"]["task_id"]]
    assert video.input["images"] == assets["frame"]["urls"][:1]
    assert {e["job"] for e in custom if e["status"] == "success"} == {"frame", "shot", "score"}
    assert emu.counters["tasks_created"] == 3
