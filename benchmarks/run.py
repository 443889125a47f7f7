"""Benchmarks against the emulator on loopback, each beside a baseline measured in the same run.

    python -m benchmarks.run            # prints a table, writes benchmarks/RESULTS.md

The emulator runs in its own process, so client and server do not share a GIL; both read the
same machine clock, which is how time-to-detect is measured (server finish time -> client knows).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEY = "monet_emulator_key"
SPEC_POLL = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def emulator(task_seconds: float) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "langchain_monet.emulator", "--port",
                             str(port), "--task-seconds", str(task_seconds)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/_emulator/counters", headers=auth(), timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def counters(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/_emulator/counters", headers=auth()).json()  # type: ignore[no-any-return]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- 1. 200 concurrent generate() vs the spec's polling loop -----------------------------------

async def _ours(url: str, n: int) -> dict[str, float]:
    from langchain_monet import AsyncMonetClient

    known: dict[str, float] = {}
    async with AsyncMonetClient(KEY, base_url=url) as client:
        async def one(i: int) -> None:
            task = await client.generate("image", {"model": "flux-1-schnell", "prompt": f"#{i}"})
            known[task.id] = time.time()

        started = time.time()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.time() - started
    return _detect_stats(url, known, wall, n)


async def _spec_loop(url: str, n: int) -> dict[str, float]:
    """The spec's documented loop: create, then GET every 5 s until success or failed."""
    known: dict[str, float] = {}
    limits = httpx.Limits(max_connections=1000)
    async with httpx.AsyncClient(base_url=url, headers=auth(), limits=limits, timeout=60) as http:
        async def one(i: int) -> None:
            body = {"type": "image", "input": {"model": "flux-1-schnell", "prompt": f"#{i}"},
                    "idempotency_key": f"spec-{i}-{time.time()}"}
            task = (await http.post("/api/v1/tasks/async", json=body)).json()
            while True:
                data = (await http.get(f"/api/v1/tasks/{task['id']}")).json()
                if data["status"] in ("success", "failed"):
                    known[data["id"]] = time.time()
                    return
                await asyncio.sleep(SPEC_POLL)

        started = time.time()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.time() - started
    return _detect_stats(url, known, wall, n)


def _detect_stats(url: str, known: dict[str, float], wall: float, n: int) -> dict[str, float]:
    c = counters(url)
    finish = c["finish_times"]
    detect = [known[t] - finish[t] for t in known]
    api_requests = sum(v for k, v in c["requests"].items() if k != "files")
    return {"wall": wall, "requests_per_task": api_requests / n,
            "p50_ms": 1000 * pct(detect, 0.5), "p95_ms": 1000 * pct(detect, 0.95)}


def bench_generate(n: int = 200, task_seconds: float = 2.0) -> list[tuple[str, str, str, str]]:
    with emulator(task_seconds) as url:
        ours = asyncio.run(_ours(url, n))
    with emulator(task_seconds) as url:
        spec = asyncio.run(_spec_loop(url, n))
    return [
        (f"{n} concurrent generate(): wall (tasks {task_seconds:g} s)",
         f"{ours['wall']:.2f} s ({ours['wall'] / task_seconds:.2f}x task)",
         f"{spec['wall']:.2f} s", "<= 1.2x slowest task"),
        ("  HTTP requests per task", f"{ours['requests_per_task']:.2f}",
         f"{spec['requests_per_task']:.2f}", "<= 2"),
        ("  time to detect completion p50", f"{ours['p50_ms']:.0f} ms",
         f"{spec['p50_ms']:.0f} ms", "<= 100 ms"),
        ("  time to detect completion p95", f"{ours['p95_ms']:.0f} ms",
         f"{spec['p95_ms']:.0f} ms", "<= 300 ms"),
    ]


# ---- 2. per-request overhead ----------------------------------------------------------------

def bench_overhead(n: int = 2000) -> list[tuple[str, str, str, str]]:
    from langchain_monet import MonetClient

    with emulator(1.0) as url, MonetClient(KEY, base_url=url) as client:
        task_id = client.create_task("image", {"model": "flux-1-schnell", "prompt": "x"}).id
        raw = httpx.Client(headers=auth())
        for _ in range(200):  # warm both connection pools
            client.get_task(task_id)
            raw.get(f"{url}/api/v1/tasks/{task_id}").json()
        rounds_ours, rounds_raw = [], []
        for _ in range(5):  # interleave, so drift affects both alike
            t = time.perf_counter()
            for _ in range(n // 5):
                client.get_task(task_id)
            rounds_ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            for _ in range(n // 5):
                raw.get(f"{url}/api/v1/tasks/{task_id}").json()
            rounds_raw.append(time.perf_counter() - t)
        raw.close()
    ours = statistics.median(rounds_ours) / (n // 5) * 1e6
    base = statistics.median(rounds_raw) / (n // 5) * 1e6
    return [("get_task() per request vs raw httpx GET + .json()",
             f"{ours:.0f} µs ({ours / base:.2f}x)", f"{base:.0f} µs", "<= 1.2x")]


# ---- 3. import time ---------------------------------------------------------------------------

def _import_seconds(statement: str, runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", f"import time; t=time.perf_counter(); {statement}; "
             "print(time.perf_counter()-t)"], capture_output=True, text=True, check=True)
        times.append(float(out.stdout))
    return statistics.median(times)


def bench_import() -> list[tuple[str, str, str, str]]:
    deps = "import langchain_core.tools, langgraph.graph, httpx, httpx_sse, pydantic"
    base = _import_seconds(deps)
    lazy = _import_seconds("import langchain_monet")
    full = _import_seconds("from langchain_monet import MonetClient, MonetToolkit, "
                           "create_monet_graph")
    return [
        ("import langchain_monet", f"{lazy * 1000:.0f} ms ({lazy / base:.2f}x)",
         f"{base * 1000:.0f} ms (its dependencies)", "<= 1.15x"),
        ("  ... + client, toolkit and graph", f"{full * 1000:.0f} ms ({full / base:.2f}x)",
         f"{base * 1000:.0f} ms", "<= 1.15x"),
    ]


# ---- 4. memory ---------------------------------------------------------------------------------

_MEMORY_CHILD = """
import asyncio, json, resource, sys, time, httpx
url, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
from langchain_monet import AsyncMonetClient
import langchain_monet.client, langchain_monet._protocol  # both modes pay the same imports
H = {"Authorization": "Bearer monet_emulator_key"}
async def ours():
    async with AsyncMonetClient("monet_emulator_key", base_url=url, poll_interval=1) as c:
        await asyncio.gather(*(c.generate("image", {"model": "flux-1-schnell", "prompt": str(i)})
                               for i in range(n)))
async def raw():
    async with httpx.AsyncClient(base_url=url, headers=H, limits=httpx.Limits(max_connections=2000),
                                 timeout=60) as h:
        async def one(i):
            t = (await h.post("/api/v1/tasks/async", json={"type": "image", "idempotency_key": f"r{i}",
                 "input": {"model": "flux-1-schnell", "prompt": str(i)}})).json()
            while (await h.get(f"/api/v1/tasks/{t['id']}")).json()["status"] not in ("success", "failed"):
                await asyncio.sleep(1)
        await asyncio.gather(*(one(i) for i in range(n)))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
asyncio.run(ours() if mode == "ours" else raw())
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "after_kb": after}))
"""


def bench_memory(n: int = 1000) -> list[tuple[str, str, str, str]]:
    result = {}
    for mode in ("ours", "raw"):
        with emulator(3.0) as url:
            out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, url, mode, str(n)],
                                 capture_output=True, text=True, check=True)
        result[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    per = {m: (r["after_kb"] - r["before_kb"]) / n for m, r in result.items()}
    return [(f"peak RSS growth, {n} generate() in flight (per task)",
             f"{per['ours']:.1f} KB ({result['ours']['after_kb'] / 1024:.0f} MB peak)",
             f"{per['raw']:.1f} KB (raw httpx create+poll; "
             f"{result['raw']['after_kb'] / 1024:.0f} MB peak)", "report")]


# ---- 5. the subgraph ------------------------------------------------------------------------------

def bench_graph(chains: int = 50, task_seconds: float = 1.0) -> list[tuple[str, str, str, str]]:
    from langchain_monet import MonetClient
    from langchain_monet.graph import create_monet_graph

    jobs = []
    for i in range(chains):
        jobs.append({"id": f"img{i}", "type": "image",
                     "input": {"model": "flux-1-schnell", "prompt": f"frame {i}"}})
        jobs.append({"id": f"vid{i}", "type": "video",
                     "input": {"model": "veo-3-1-fast", "prompt": f"shot {i}",
                               "images": [f"@img{i}"]}})
    slowest_chain = 2 * task_seconds
    with emulator(task_seconds) as url:
        client = MonetClient(KEY, base_url=url, poll_interval=0.1)
        graph = create_monet_graph(client=client)
        started = time.perf_counter()
        result = asyncio.run(graph.ainvoke({"jobs": jobs}))
        wall = time.perf_counter() - started
        c = counters(url)
    assert len(result["assets"]) == 2 * chains, result["errors"]
    return [(f"subgraph: {2 * chains} jobs ({chains} image->video chains)",
             f"{wall:.2f} s (+{wall - slowest_chain:.2f} s, {wall / slowest_chain:.2f}x)",
             f"{slowest_chain:.2f} s (slowest chain)", "report"),
            ("  HTTP requests per job (poll 0.1 s)",
             f"{sum(c['requests'].values()) / (2 * chains):.1f}", "-", "report")]


def main() -> None:
    rows: list[tuple[str, str, str, str]] = []
    for bench in (bench_generate, bench_overhead, bench_import, bench_memory, bench_graph):
        print(f"running {bench.__name__} ...", file=sys.stderr, flush=True)
        rows += bench()
    header = ("benchmark", "langchain-monet", "baseline (same run)", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
             for r in [header, tuple("-" * w for w in widths), *rows]]
    table = "\n".join(lines)
    print(table)
    machine = f"{platform.python_implementation()} {platform.python_version()}, " \
              f"{os.cpu_count()} cores, {platform.machine()}"
    (ROOT / "benchmarks" / "RESULTS.md").write_text(
        f"# Benchmark results\n\n`python -m benchmarks.run` on {machine}, "
        f"{time.strftime('%Y-%m-%d')}.\n\n{table}\n")


if __name__ == "__main__":
    main()
