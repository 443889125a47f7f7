"""A local Monet: the whole published API on loopback, for tests, notebooks, demos and your own
offline tests. Needs the `emulator` extra (`pip install "langchain-monet[emulator]"`).

```python
from langchain_monet import MonetClient
from langchain_monet.emulator import MonetEmulator

with MonetEmulator() as emu, MonetClient(emu.api_key, base_url=emu.base_url) as client:
    task = client.generate("image", {"model": "flux-1-schnell", "prompt": "a red fox"})
```
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Self

from langchain_monet.emulator.app import (
    FAULTS,
    EmulatorSettings,
    EmulatorState,
    Faults,
    ManualClock,
    create_app,
)

__all__ = ["FAULTS", "EmulatorSettings", "Faults", "ManualClock", "MonetEmulator"]


class MonetEmulator:
    """Runs the emulator in a background thread on a free loopback port.

    Setup:
        `pip install "langchain-monet[emulator]"`.

    Instantiation:
        ```python
        emu = MonetEmulator(task_seconds=0.5, faults=Faults(rate_429=0.1), seed=1).start()
        ```

    Invocation:
        ```python
        client = MonetClient(emu.api_key, base_url=emu.base_url)
        emu.inject("create", "503")   # the next create fails once
        emu.counters                  # requests per route, tasks created, duplicates
        emu.stop()
        ```

    `task_seconds` sets how long tasks take (one number, or per media type); `faults` injects
    random errors (seeded by `seed`); `inject(route, *faults)` scripts the next ones exactly.
    Routes: create, sync, get, list, upload; `drop_next_stream` cuts an event stream.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = "monet_emulator_key",
        task_seconds: float | dict[str, float] | None = None,
        faults: Faults | None = None,
        seed: int = 0,
        clock: Callable[[], float] | None = None,
        **settings: Any,
    ) -> None:
        if isinstance(task_seconds, int | float):
            task_seconds = dict.fromkeys(("image", "video", "music"), float(task_seconds))
        cfg = EmulatorSettings(api_key=api_key, seed=seed, faults=faults or Faults(), **settings)
        if task_seconds:
            cfg.task_seconds.update(task_seconds)
        self.state = EmulatorState(cfg, clock or time.time)
        self.app = create_app(self.state)
        self._host, self._port = host, port
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self.base_url = ""

    @property
    def api_key(self) -> str:
        return self.state.settings.api_key

    @property
    def settings(self) -> EmulatorSettings:
        return self.state.settings

    @property
    def counters(self) -> dict[str, Any]:
        """Requests per route, tasks created, idempotent replays, duplicate inputs, faults."""
        return self.state.counters()

    def inject(self, route: str, *faults: str) -> None:
        """Make the next requests on `route` fail in the given ways, in order."""
        self.state.inject(route, *faults)

    def reply_raw(
        self, route: str, body: bytes, *, status: int = 200,
        content_type: str = "application/json",
    ) -> None:
        """Answer the next request on `route` with exactly this body (for robustness tests)."""
        self.state.raw_replies.setdefault(route, deque()).append((status, content_type, body))

    def drop_next_stream(self, after_events: int = 1, *, abort: bool = True) -> None:
        """Cut the next `/tasks/sync` stream after `after_events` events: abruptly (`abort`,
        an incomplete chunked body) or by ending it cleanly before the task finishes."""
        self.state.stream_drops.append((after_events, abort))

    def reset(self) -> None:
        """Forget all tasks, files, counters and scripted faults."""
        self.state.reset()

    def start(self) -> Self:
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls
        sock.bind((self._host, self._port))
        sock.listen(2048)
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="critical", lifespan="off",
                                timeout_graceful_shutdown=1, backlog=2048,
                                timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            task = loop.create_task(self._server.serve(sockets=[sock]))
            loop.call_soon(ready.set)
            loop.run_until_complete(task)
            loop.close()

        self._thread = threading.Thread(target=serve, name="monet-emulator", daemon=True)
        self._thread.start()
        ready.wait(10)
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.005)
        self.base_url = f"http://{self._host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)
        self._thread = self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"MonetEmulator(base_url={self.base_url!r})"


def serve(host: str = "127.0.0.1", port: int = 8765, **kwargs: Any) -> None:
    """Serve in the foreground until interrupted (used by `python -m` and `monet emulator`)."""
    emu = MonetEmulator(host=host, port=port, **kwargs).start()
    print(f"Monet emulator on {emu.base_url}\n  export MONET_BASE_URL={emu.base_url}\n"
          f"  export MONET_API_KEY={emu.api_key}\nCtrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
