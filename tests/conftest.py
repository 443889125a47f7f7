"""Shared fixtures: a real emulator on loopback, and clients of both kinds talking to it."""

from __future__ import annotations

import inspect
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from langchain_monet import AsyncMonetClient, MonetClient
from langchain_monet.emulator import MonetEmulator


def free_port() -> int:
    """A loopback port nobody is listening on (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[Any], grace: float = 10) -> None:
    """Terminate a server the tests started; kill it if it will not go."""
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()


FAST = {"image": 0.3, "video": 0.5, "music": 0.4}


@pytest.fixture(scope="session")
def emulator() -> Iterator[MonetEmulator]:
    with MonetEmulator(task_seconds=FAST) as emu:
        yield emu


@pytest.fixture
def emu(emulator: MonetEmulator) -> Iterator[MonetEmulator]:
    """The session's emulator, reset before each test (tasks, counters, faults)."""
    emulator.reset()
    emulator.settings.faults.__init__()  # type: ignore[misc]
    emulator.settings.task_seconds.update(FAST)
    emulator.settings.list_key = "tasks"
    yield emulator
    emulator.reset()


def client_settings(emu: MonetEmulator, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "api_key": emu.api_key,
        "base_url": emu.base_url,
        "poll_interval": 0.05,
        "max_retry_wait": 0.05,
        "timeout": 10.0,
        "wait_timeout": 20.0,
    }
    settings.update(overrides)
    return settings


class Either:
    """Calls a sync or an async client the same way, so each test covers both."""

    def __init__(self, client: MonetClient | AsyncMonetClient) -> None:
        self.client = client
        self.is_async = isinstance(client, AsyncMonetClient)

    async def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.client, method)(*args, **kwargs)
        if inspect.isawaitable(result):
            return await result
        return result

    async def collect(self, method: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Drain an iterator method (`stream`, `iter_tasks`) into a list."""
        it = getattr(self.client, method)(*args, **kwargs)
        if hasattr(it, "__aiter__"):
            return [x async for x in it]
        return list(it)


@pytest.fixture(params=["sync", "async"])
async def either(request: pytest.FixtureRequest, emu: MonetEmulator) -> AsyncIterator[Either]:
    cls = MonetClient if request.param == "sync" else AsyncMonetClient
    client = cls(**client_settings(emu))
    yield Either(client)
    closing = client.close()
    if inspect.isawaitable(closing):
        await closing


def make_either(kind: str, emu: MonetEmulator, **overrides: Any) -> Either:
    cls = MonetClient if kind == "sync" else AsyncMonetClient
    return Either(cls(**client_settings(emu, **overrides)))
