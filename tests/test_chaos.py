"""Chaos: 300 concurrent generations through 20% injected faults and dropped event streams.
Every one must succeed, none may be created twice, none may be lost (emulator counters)."""

from __future__ import annotations

import asyncio

from langchain_monet import AsyncMonetClient
from langchain_monet.emulator import Faults, MonetEmulator

TASKS = 300


async def test_300_generations_through_faults_all_succeed_once() -> None:
    faults = Faults(rate_429=0.07, rate_5xx=0.07, rate_drop=0.06, rate_sse_drop=0.25,
                    retry_after=0.1)
    with MonetEmulator(task_seconds=0.6, faults=faults, seed=7) as emu:
        async with AsyncMonetClient(emu.api_key, base_url=emu.base_url, max_retries=10,
                                    max_retry_wait=0.3, poll_interval=0.1, timeout=10,
                                    wait_timeout=90) as client:
            results = await asyncio.gather(*(
                client.generate("image", {"model": "flux-1-schnell", "prompt": f"fox #{i}"})
                for i in range(TASKS)))
        counters = emu.counters
    assert all(t.succeeded and t.url for t in results)
    assert len({t.id for t in results}) == TASKS  # nothing lost, nothing shared
    assert sorted(t.input["prompt"] for t in results) == sorted(  # type: ignore[index]
        f"fox #{i}" for i in range(TASKS))
    assert counters["tasks_created"] == TASKS and counters["duplicate_inputs"] == 0
    injected = counters["faults_injected"]
    # the faults really happened, at about the configured rates
    assert injected.get("429", 0) > 10 and injected.get("sse_drop", 0) > 30
    assert sum(injected.get(k, 0) for k in ("500", "502", "503")) > 10
    assert injected.get("drop", 0) + injected.get("drop_after_create", 0) > 5
