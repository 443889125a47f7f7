"""Property tests (hypothesis): any input either validates or raises our typed validation error
with no request sent; any server body gives a result or a MonetError, never anything else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_monet import (
    MonetClient,
    MonetError,
    MonetImageTool,
    MonetValidationError,
    MonetVideoTool,
    Task,
    TaskPage,
    list_models,
    validate_input,
)
from langchain_monet.emulator import MonetEmulator
from tests.conftest import client_settings

MODEL_IDS = [m.id for m in list_models()]
PARAM_NAMES = [*sorted({p.name for m in list_models() for p in m.params}), "modle", "x"]
values = st.recursive(
    st.none() | st.booleans() | st.integers(-100, 100) | st.floats(allow_nan=True)
    | st.text(max_size=40) | st.sampled_from(["16:9", "10", "720p", "true", "https://x/a.png"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)
inputs = st.dictionaries(st.sampled_from(PARAM_NAMES) | st.text(max_size=8), values,
                         max_size=6).flatmap(
    lambda d: st.sampled_from([*MODEL_IDS, "nope", ""]).map(lambda m: {**d, "model": m}))
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(media=st.sampled_from(["video", "image", "music", "audio"]), data=inputs)
def test_validate_input_accepts_or_names_the_field(media: str, data: dict[str, Any]) -> None:
    try:
        out = validate_input(media, data)
    except MonetValidationError as exc:
        assert exc.field and str(exc).startswith(exc.field.split("[")[0])
    else:
        assert out["model"] == data["model"]
        assert validate_input(media, out) == out  # normalizing twice changes nothing


@FUZZ
@given(data=inputs)
def test_create_task_sends_nothing_unless_valid(emu: MonetEmulator, data: dict[str, Any]) -> None:
    emu.reset()
    with MonetClient(**client_settings(emu)) as client:
        try:
            task = client.create_task("image", data)
        except MonetValidationError:
            assert emu.counters["requests"] == {}
        else:
            assert emu.counters["tasks_created"] == 1 and task.id


@FUZZ
@given(args=st.dictionaries(st.sampled_from(PARAM_NAMES), values, max_size=6))
def test_tool_arguments_never_crash_and_bad_ones_send_nothing(
    emu: MonetEmulator, args: dict[str, Any]
) -> None:
    emu.reset()
    client = MonetClient(**client_settings(emu))
    for tool in (MonetImageTool(client=client, wait=False), MonetVideoTool(client=client,
                                                                           wait=False)):
        message = tool.invoke({"name": tool.name, "args": args, "id": "c", "type": "tool_call"})
        if message.status == "error":
            assert message.content.startswith(("Invalid arguments", "Upload refused"))
        else:
            assert message.artifact["task_id"]
    assert emu.counters["tasks_created"] <= 2


json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "status", "outputs", "tasks", "items", "error", "url", "page",
                         "pageSize", "total", "progress", "code", "message", "type"]),
        inner, max_size=6),
    max_leaves=12,
)
bodies = st.one_of(
    json_bodies.map(lambda b: json.dumps(b).encode()),
    st.binary(max_size=200),
    st.sampled_from([b"", b"<html>502</html>", b"{", b"null", b'{"id": 5}',
                     b'{"id": "t", "status": "weird-new-status", "outputs": "nope"}',
                     b'{"error": "plain string"}', b'{"error": {"code": 7}}']),
)


@FUZZ
@given(status=st.sampled_from([200, 201, 400, 401, 402, 404, 409, 422, 429, 500, 502]),
       body=bodies, route=st.sampled_from(["get", "list", "create", "sync"]),
       content_type=st.sampled_from(["application/json", "text/html", "text/event-stream"]))
def test_any_server_body_is_a_result_or_a_monet_error(
    emu: MonetEmulator, status: int, body: bytes, route: str, content_type: str
) -> None:
    emu.reset()
    emu.reply_raw(route, body, status=status, content_type=content_type)
    with MonetClient(**client_settings(emu, max_retries=0, wait_timeout=2)) as client:
        calls = {
            "get": lambda: client.get_task("task_x"),
            "list": lambda: client.list_tasks(),
            "create": lambda: client.create_task("image", {"model": "gpt-4o", "prompt": "x"}),
            "sync": lambda: client.generate("image", {"model": "gpt-4o", "prompt": "x"}),
        }
        try:
            result = calls[route]()
        except MonetError:
            return
        assert isinstance(result, Task | TaskPage)


def test_a_huge_body_is_a_short_error(emu: MonetEmulator) -> None:
    emu.reply_raw("get", b"<html>" + b"x" * 5_000_000 + b"</html>", status=500,
                  content_type="text/html")
    with MonetClient(**client_settings(emu, max_retries=0)) as client, pytest.raises(
        MonetError
    ) as info:
        client.get_task("task_x")
    assert len(str(info.value)) < 400
