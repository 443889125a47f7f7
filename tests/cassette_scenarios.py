"""The recorded scenarios: each is run once to record a cassette and again in tests to replay it.

Keeping both in one place means a replay always makes exactly the calls that were recorded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import vcr

from langchain_monet import (
    MonetAuthenticationError,
    MonetTaskFailedError,
    MonetValidationError,
    Task,
)
from langchain_monet.emulator import MonetEmulator
from tests.conftest import Either

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"


VCR_CONFIG: dict[str, Any] = {
    "match_on": ("method", "path", "query"),
    "filter_headers": [("authorization", "Bearer <redacted>")],
    "decode_compressed_response": True,
}


def use_cassette(name: str, record_mode: str = "none") -> Any:
    """Our cassette rules: no key on disk, matching blind to host, port and idempotency key."""
    return vcr.use_cassette(
        str(CASSETTES / f"{name}.yaml"),
        record_mode=record_mode,
        allow_playback_repeats=False,  # repeated polls replay in recorded order
        **VCR_CONFIG,
    )


@dataclass
class Scenario:
    name: str
    run: Callable[[Either], Awaitable[Any]]
    check: Callable[[Any], None]
    prepare: Callable[[MonetEmulator], None] | None = None
    live: bool = True  # recordable against the live API (no injected faults needed)
    client: dict[str, Any] = field(default_factory=dict)


async def _outcome(call: Awaitable[Any]) -> Any:
    try:
        return await call
    except Exception as exc:  # the scenario's check decides what was expected
        return exc


def _cycle(kind: str, input: dict[str, Any]) -> Callable[[Either], Awaitable[Any]]:
    async def run(c: Either) -> Any:
        created = await c("create_task", kind, input)
        return await _outcome(c("wait", created.id))

    return run


def _success(kind: str, ext: str) -> Callable[[Any], None]:
    def check(task: Any) -> None:
        assert isinstance(task, Task), task
        assert task.succeeded and task.type == kind and task.url
        assert task.url.split("?")[0].endswith(ext) or task.url.startswith("https://")

    return check


def _raises(error: type[Exception], text: str = "") -> Callable[[Any], None]:
    def check(outcome: Any) -> None:
        assert isinstance(outcome, error), outcome
        assert text in str(outcome)

    return check


async def _generate(c: Either) -> Any:
    return await _outcome(c("generate", "image", {"model": "gpt-4o", "prompt": "a lighthouse"}))


SCENARIOS: list[Scenario] = [
    Scenario("image_cycle", _cycle("image", {"model": "flux-1-schnell", "prompt": "a red fox"}),
             _success("image", ".png")),
    Scenario("video_cycle", _cycle("video", {"model": "sora-2", "prompt": "a cat running",
                                             "duration": 10}), _success("video", ".mp4")),
    Scenario("music_cycle", _cycle("music", {"model": "minimax-music", "prompt": "lo-fi beat"}),
             _success("music", ".wav")),
    Scenario("sse_generate", _generate, _success("image", ".png")),
    Scenario("failed_task",
             _cycle("image", {"model": "flux-1-schnell", "prompt": "[fail] a red fox"}),
             _raises(MonetTaskFailedError, "could not generate"), live=False),
    Scenario("unauthorized",
             lambda c: _outcome(c("list_tasks")),
             _raises(MonetAuthenticationError, "Invalid or missing API key"),
             client={"api_key": "monet_not_a_real_key"}),
    Scenario("validation_error",
             lambda c: _outcome(c("create_task", "video",
                                  {"model": "sora-2", "prompt": "x", "duration": 5},
                                  validate=False)),
             _raises(MonetValidationError, "duration")),
    Scenario("rate_limited_then_success",
             _cycle("image", {"model": "flux-1-schnell", "prompt": "a blue fox"}),
             _success("image", ".png"), prepare=lambda e: e.inject("create", "429"), live=False),
    Scenario("server_error_then_success",
             _cycle("music", {"model": "minimax-music", "prompt": "jazz"}),
             _success("music", ".wav"), prepare=lambda e: e.inject("get", "503", "500"),
             live=False),
]
