"""The client over real loopback HTTP against the emulator, sync and async alike."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_monet import (
    AsyncMonetClient,
    MonetAPIError,
    MonetAuthenticationError,
    MonetClient,
    MonetConnectionError,
    MonetInsufficientCreditsError,
    MonetNotFoundError,
    MonetRateLimitError,
    MonetServerError,
    MonetTaskFailedError,
    MonetTimeoutError,
    MonetValidationError,
    Task,
)
from langchain_monet.emulator import MonetEmulator
from tests.conftest import Either, client_settings, make_either

IMAGE = {"model": "flux-1-schnell", "prompt": "a red fox"}
VIDEO = {"model": "sora-2", "prompt": "a cat running", "duration": 10}
MUSIC = {"model": "minimax-music", "prompt": "lo-fi beat", "lyrics": "la la"}


@pytest.mark.parametrize("kind,input", [("image", IMAGE), ("video", VIDEO), ("music", MUSIC)])
async def test_generate_returns_a_playable_asset_in_one_request(
    either: Either, emu: MonetEmulator, kind: str, input: dict[str, Any]
) -> None:
    seen: list[Task] = []
    task = await either("generate", kind, input, on_progress=seen.append)
    assert task.succeeded and task.type == kind and task.model == input["model"]
    assert emu.counters["requests"] == {"sync": 1}
    assert [s.status for s in seen][-1] == "success"
    assert any(s.status == "processing" and 0 < s.progress < 100 for s in seen)
    body = httpx.get(task.url).content  # the asset really is media
    magic = {"image": b"\x89PNG", "video": b"ftyp", "music": b"RIFF"}[kind]
    assert magic in body[:12]


async def test_async_progress_callback_may_be_a_coroutine(emu: MonetEmulator) -> None:
    seen: list[float] = []

    async def report(task: Task) -> None:
        await asyncio.sleep(0)
        seen.append(task.progress)

    async with AsyncMonetClient(**client_settings(emu)) as client:
        await client.generate("image", IMAGE, on_progress=report)
    assert seen[-1] == 100.0 and len(seen) >= 3


async def test_create_get_wait_list(either: Either, emu: MonetEmulator) -> None:
    created = await either("create_task", "video", VIDEO, idempotency_key="key-1")
    assert created.id.startswith("task_") and created.status == "pending"
    assert created.idempotency_key == "key-1" and created.input == VIDEO
    fetched = await either("get_task", created.id)
    assert fetched.id == created.id and fetched.status in ("pending", "processing")
    done = await either("wait", created.id)
    assert done.succeeded and done.url and done.url.endswith(".mp4")
    page = await either("list_tasks", page=1, page_size=5)
    assert page.total == 1 and page.tasks[0].id == created.id


async def test_the_same_key_never_makes_a_second_task(either: Either, emu: MonetEmulator) -> None:
    first = await either("create_task", "image", IMAGE, idempotency_key="same")
    again = await either("create_task", "image", IMAGE, idempotency_key="same")
    assert first.id == again.id
    assert emu.counters["tasks_created"] == 1 and emu.counters["idempotent_replays"] == 1


async def test_iterating_every_page_with_either_list_key(
    either: Either, emu: MonetEmulator
) -> None:
    for i in range(5):
        await either("create_task", "image", {**IMAGE, "prompt": f"fox {i}"})
    for key in ("tasks", "items"):
        emu.settings.list_key = key
        tasks = await either.collect("iter_tasks", page_size=2)
        assert len(tasks) == 5 and len({t.id for t in tasks}) == 5
    assert emu.counters["requests"]["list"] == 6


@pytest.mark.parametrize(
    "faults",
    [["429"], ["500"], ["502", "503"], ["drop"], ["html_500"], ["429", "500", "drop"]],
)
async def test_transient_faults_are_retried(
    either: Either, emu: MonetEmulator, faults: list[str]
) -> None:
    emu.inject("get", *faults)
    created = await either("create_task", "image", IMAGE)
    task = await either("get_task", created.id)
    assert task.id == created.id
    assert emu.counters["requests"]["get"] == len(faults) + 1


@pytest.mark.parametrize("fault", ["500", "429", "drop", "drop_after_create"])
async def test_a_retried_create_reuses_its_key_and_makes_one_task(
    either: Either, emu: MonetEmulator, fault: str
) -> None:
    emu.inject("create", fault, fault)
    task = await either("create_task", "video", VIDEO)
    assert emu.counters["requests"]["create"] == 3
    assert emu.counters["tasks_created"] == 1 and emu.counters["duplicate_inputs"] == 0
    assert (await either("wait", task.id)).succeeded


async def test_retry_after_is_honoured_and_capped(emu: MonetEmulator) -> None:
    emu.settings.faults.retry_after = 0.3
    emu.inject("list", "429")
    with MonetClient(**client_settings(emu, max_retry_wait=5)) as client:
        started = time.monotonic()
        client.list_tasks()
        assert time.monotonic() - started >= 0.3
    emu.settings.faults.retry_after = 30
    emu.inject("list", "429")
    with MonetClient(**client_settings(emu, max_retry_wait=0.2)) as client:
        started = time.monotonic()
        client.list_tasks()
        assert time.monotonic() - started < 2


async def test_retries_run_out_into_typed_errors(emu: MonetEmulator) -> None:
    cases: list[tuple[str, type[Exception]]] = [
        ("429", MonetRateLimitError), ("503", MonetServerError), ("drop", MonetConnectionError),
    ]
    for fault, error in cases:
        emu.inject("get", fault, fault, fault)
        either = make_either("async", emu, max_retries=2)
        with pytest.raises(error) as info:
            await either("get_task", "task_x")
        assert emu.state.script["get"] == type(emu.state.script["get"])()  # all 3 consumed
        if fault == "429":
            assert info.value.retry_after == 1.0  # type: ignore[attr-defined]
        await either.client.close()  # type: ignore[misc]


async def test_out_of_credits_is_not_retried(either: Either, emu: MonetEmulator) -> None:
    emu.inject("create", "credits")
    with pytest.raises(MonetInsufficientCreditsError, match="credit balance"):
        await either("create_task", "image", IMAGE)
    assert emu.counters["requests"]["create"] == 1 and emu.counters["tasks_created"] == 0


async def test_client_errors_are_not_retried(either: Either, emu: MonetEmulator) -> None:
    with pytest.raises(MonetNotFoundError) as info:
        await either("get_task", "task_missing")
    assert info.value.status == 404 and info.value.code == "not_found"
    assert emu.counters["requests"]["get"] == 1


async def test_server_validation_error_when_local_validation_is_off(
    either: Either, emu: MonetEmulator
) -> None:
    with pytest.raises(MonetValidationError) as info:
        await either("create_task", "video", {"model": "sora-2", "prompt": "x", "duration": 5},
                     validate=False)
    assert info.value.status == 400 and info.value.code == "VALIDATION_ERROR"
    assert "allowed values: 10, 15" in str(info.value)


async def test_bad_input_sends_nothing(either: Either, emu: MonetEmulator) -> None:
    for bad in ({"model": "sora-2", "prompt": "x", "duration": 5}, {"model": "sora3"}):
        with pytest.raises(MonetValidationError):
            await either("create_task", "video", bad)
        with pytest.raises(MonetValidationError):
            await either("generate", "video", bad)
    with pytest.raises(MonetValidationError):
        await either("get_task", "../tasks/list")
    with pytest.raises(MonetValidationError):
        await either("list_tasks", page=0)
    assert emu.counters["requests"] == {}


async def test_wrong_key_is_an_authentication_error(emu: MonetEmulator) -> None:
    for kind in ("sync", "async"):
        either = make_either(kind, emu, api_key="monet_wrong_secret_123")
        with pytest.raises(MonetAuthenticationError) as info:
            await either("get_task", "task_x")
        assert info.value.status == 401 and "monet_wrong_secret_123" not in str(info.value)
    with pytest.raises(MonetAuthenticationError, match="MONET_API_KEY"):
        MonetClient(api_key="")


async def test_malformed_bodies_become_api_errors(either: Either, emu: MonetEmulator) -> None:
    emu.inject("get", "malformed")
    with pytest.raises(MonetAPIError, match="Unreadable response"):
        await either("get_task", "task_x")


async def test_failed_task_raises_with_the_servers_reason(
    either: Either, emu: MonetEmulator
) -> None:
    with pytest.raises(MonetTaskFailedError) as info:
        await either("generate", "image", {**IMAGE, "prompt": "[fail] a fox"})
    assert info.value.task.failed and "could not generate" in str(info.value)
    created = await either("create_task", "image", {**IMAGE, "prompt": "[fail] again"})
    with pytest.raises(MonetTaskFailedError):
        await either("wait", created.id)


async def test_wait_deadline_raises_with_the_task_id(either: Either, emu: MonetEmulator) -> None:
    emu.settings.task_seconds["video"] = 30
    created = await either("create_task", "video", VIDEO)
    started = time.monotonic()
    with pytest.raises(MonetTimeoutError) as info:
        await either("wait", created.id, timeout=0.3)
    assert info.value.task_id == created.id and time.monotonic() - started < 2
    with pytest.raises(MonetTimeoutError):
        await either("generate", "video", {**VIDEO, "prompt": "slow"}, timeout=0.3)


async def test_request_timeout_is_retried_then_typed(emu: MonetEmulator) -> None:
    emu.inject("get", "slow", "slow")
    either = make_either("sync", emu, timeout=0.2, max_retries=1)
    with pytest.raises(MonetTimeoutError):
        await either("get_task", "task_x")


@pytest.mark.parametrize("after,abort", [(0, True), (1, True), (2, False), (0, False)])
async def test_generate_survives_a_dropped_stream_on_the_same_task(
    either: Either, emu: MonetEmulator, after: int, abort: bool
) -> None:
    emu.drop_next_stream(after, abort=abort)
    task = await either("generate", "video", VIDEO)
    assert task.succeeded and task.url
    counters = emu.counters
    assert counters["tasks_created"] == 1 and counters["duplicate_inputs"] == 0
    assert counters["requests"]["sync"] == 1 and counters["requests"]["get"] >= 1
    # Before the id was known, the create is repeated with the same key (a replay, not a task).
    assert counters["idempotent_replays"] == (1 if after == 0 else 0)


async def test_stream_yields_snapshots_to_the_end(either: Either, emu: MonetEmulator) -> None:
    snapshots = await either.collect("stream", "music", MUSIC)
    assert snapshots[0].status == "pending" and snapshots[-1].succeeded
    progress = [s.progress for s in snapshots]
    assert progress == sorted(progress) and len(snapshots) >= 5


async def test_stopping_a_stream_early_closes_it(emu: MonetEmulator) -> None:
    with MonetClient(**client_settings(emu)) as client:
        for snapshot in client.stream("video", VIDEO):
            assert snapshot.status == "pending"
            break
    async with AsyncMonetClient(**client_settings(emu)) as aclient:
        async for snapshot in aclient.stream("video", VIDEO):
            assert snapshot.id
            break
    assert emu.counters["tasks_created"] == 2


async def test_upload_then_use_the_url(either: Either, emu: MonetEmulator, tmp_path: Path) -> None:
    from langchain_monet.emulator.media import png

    path = tmp_path / "ref.png"
    path.write_bytes(png("ref"))
    uploaded = await either("upload_file", path)
    assert uploaded.filename == "ref.png" and uploaded.content_type == "image/png"
    assert uploaded.size == path.stat().st_size
    assert httpx.get(uploaded.url).content == path.read_bytes()
    raw = await either("upload_file", b"RIFFxxxxWAVE", filename="a.wav")
    assert raw.content_type in ("audio/wav", "audio/x-wav")
    task = await either("generate", "video", {**VIDEO, "images": [uploaded.url]})
    assert task.input["images"] == [uploaded.url]  # type: ignore[index]
    with pytest.raises(MonetValidationError, match="not a readable file"):
        await either("upload_file", tmp_path / "missing.png")


def test_uploads_expire_after_24_hours() -> None:
    from langchain_monet.emulator import ManualClock

    clock = ManualClock()
    with MonetEmulator(clock=clock) as emu, MonetClient(**client_settings(emu)) as client:
        uploaded = client.upload_file(b"data", filename="a.txt")
        assert httpx.get(uploaded.url).status_code == 200
        clock.advance(24 * 3600 + 1)
        assert httpx.get(uploaded.url).status_code == 404


def test_manual_clock_drives_task_progress() -> None:
    from langchain_monet.emulator import ManualClock

    clock = ManualClock()
    with MonetEmulator(clock=clock, task_seconds=10) as emu, MonetClient(
        **client_settings(emu)
    ) as client:
        task = client.create_task("image", IMAGE)
        assert client.get_task(task.id).status == "pending"
        clock.advance(5)
        mid = client.get_task(task.id)
        assert mid.status == "processing" and mid.progress == 50
        clock.advance(5)
        assert client.get_task(task.id).succeeded


def test_shared_http_client_is_not_closed(emu: MonetEmulator) -> None:
    with httpx.Client() as http:
        with MonetClient(**client_settings(emu), http_client=http) as client:
            client.create_task("image", IMAGE)
        assert not http.is_closed


def test_key_never_in_repr_logs_or_errors(
    emu: MonetEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    secret = emu.api_key
    caplog.set_level(logging.DEBUG, logger="langchain_monet")
    emu.inject("get", "500")
    with MonetClient(**client_settings(emu)) as client:
        assert secret not in repr(client) and secret not in str(client._config)
        task = client.generate("image", IMAGE)
        client.get_task(task.id)
        with pytest.raises(MonetNotFoundError) as info:
            client.get_task("task_nope")
    assert any("GET /api/v1/tasks/" in r.getMessage() for r in caplog.records)
    assert all(secret not in r.getMessage() for r in caplog.records)
    assert secret not in str(info.value) and secret not in repr(info.value)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(MonetClient(api_key=secret))


def test_user_agent_and_bearer_sent(emu: MonetEmulator) -> None:
    seen: dict[str, str] = {}

    def hook(request: httpx.Request) -> None:
        seen.update(request.headers)

    with httpx.Client(event_hooks={"request": [hook]}) as http:
        MonetClient(**client_settings(emu), http_client=http).list_tasks()
    assert seen["user-agent"].startswith("langchain-monet/")
    assert seen["authorization"] == f"Bearer {emu.api_key}"


def test_environment_configuration(emu: MonetEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONET_API_KEY", emu.api_key)
    monkeypatch.setenv("MONET_BASE_URL", emu.base_url)
    with MonetClient(poll_interval=0.05) as client:
        assert client.base_url == emu.base_url
        assert client.generate("image", IMAGE).succeeded


def test_async_client_survives_several_event_loops(emu: MonetEmulator) -> None:
    client = AsyncMonetClient(**client_settings(emu))
    first = asyncio.run(client.generate("image", IMAGE))
    second = asyncio.run(client.generate("image", {**IMAGE, "prompt": "again"}))

    async def streamed() -> list[Task]:
        return [t async for t in client.stream("music", MUSIC)]

    third = asyncio.run(streamed())
    assert first.succeeded and second.succeeded and third[-1].succeeded


async def test_generate_without_an_event_stream_endpoint_polls(
    either: Either, emu: MonetEmulator
) -> None:
    emu.reply_raw("sync", b'{"error": {"code": "not_found", "message": "No such route"}}',
                  status=404)
    task = await either("generate", "image", IMAGE)
    assert task.succeeded and task.url
    assert emu.counters["requests"]["create"] == 1 and emu.counters["tasks_created"] == 1
