"""Tools against the emulator: schemas, results, guidance on bad calls, progress, sandboxing,
idempotency across re-execution, the toolkit, and an agent loop with a scripted chat model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from langchain_monet import (
    MonetClient,
    MonetImageTool,
    MonetMusicTool,
    MonetTaskStatusTool,
    MonetToolkit,
    MonetUploadTool,
    MonetValidationError,
    MonetVideoTool,
)
from langchain_monet.emulator import MonetEmulator
from langchain_monet.emulator.media import png, wav
from langchain_monet.testing import ScriptedChatModel
from tests.conftest import client_settings


def call(tool: Any, args: dict[str, Any], call_id: str = "call_1") -> ToolMessage:
    return tool.invoke({"name": tool.name, "args": args, "id": call_id, "type": "tool_call"})


async def acall(tool: Any, args: dict[str, Any], call_id: str = "call_1") -> ToolMessage:
    return await tool.ainvoke({"name": tool.name, "args": args, "id": call_id,
                               "type": "tool_call"})


@pytest.fixture
def client(emu: MonetEmulator) -> MonetClient:
    return MonetClient(**client_settings(emu))


def test_schema_and_description_follow_allowed_models(client: MonetClient) -> None:
    tool = MonetVideoTool(client=client, allowed_models=["veo-3-1-fast", "kling-2-6"])
    schema = tool.tool_call_schema.model_json_schema()
    assert schema["properties"]["model"]["enum"] == ["veo-3-1-fast", "kling-2-6"]
    assert set(schema["properties"]) == {"model", "prompt", "images", "aspect_ratio",
                                         "duration", "generate_audio"}
    assert all(p.get("description") for p in schema["properties"].values())
    assert "kling-2-6" in tool.description and "sora-2" not in tool.description
    assert "Only for: kling-2-6" in schema["properties"]["duration"]["description"]
    with pytest.raises(MonetValidationError, match="did you mean 'kling-2-6'"):
        MonetVideoTool(client=client, allowed_models=["kling-26"])
    with pytest.raises(MonetValidationError, match="default_model"):
        MonetVideoTool(client=client, allowed_models=["kling-2-6"], default_model="sora-2")


@pytest.mark.parametrize("tool_cls,args,ext", [
    (MonetImageTool, {"model": "flux-1-schnell", "prompt": "a fox"}, ".png"),
    (MonetVideoTool, {"model": "kling-2-6", "prompt": "a fox runs", "duration": 5}, ".mp4"),
    (MonetMusicTool, {"prompt": "calm piano"}, ".wav"),
])
async def test_content_for_the_model_and_artifact_for_the_program(
    emu: MonetEmulator, client: MonetClient, tool_cls: Any, args: dict[str, Any], ext: str
) -> None:
    tool = tool_cls(client=client)
    for message in (call(tool, args), await acall(tool, args, "call_2")):
        art = message.artifact
        assert message.status == "success" and art["status"] == "success"
        assert art["urls"][0].endswith(ext) and art["urls"][0] in message.content
        assert art["input"]["prompt"] == args["prompt"] and art["task_id"] in message.content
        assert len(message.content) < 200 and art["elapsed_seconds"] >= 0
    assert emu.counters["requests"] == {"sync": 2}


async def test_a_wrong_argument_guides_the_model_and_sends_nothing(
    emu: MonetEmulator, client: MonetClient
) -> None:
    tool = MonetVideoTool(client=client)
    for message in (call(tool, {"model": "sora-2", "prompt": "x", "duration": 5}),
                    await acall(tool, {"model": "sora-2", "prompt": "x", "duration": 5})):
        assert message.status == "error"
        assert message.content == (
            "Invalid arguments: duration: 5 is not allowed for video model 'sora-2'; "
            "allowed values: 10, 15. Correct the call and try again.")
    bad_type = call(tool, {"model": "sora-2", "prompt": "x", "duration": "ten"})
    assert bad_type.status == "error" and "duration" in bad_type.content
    not_allowed = call(MonetVideoTool(client=client, allowed_models=["veo-3-1-fast"]),
                       {"model": "sora-2", "prompt": "x"})
    assert not_allowed.status == "error" and "veo-3-1-fast" in not_allowed.content
    assert emu.counters["requests"] == {}


def test_plain_invoke_without_a_tool_call(client: MonetClient) -> None:
    content = MonetImageTool(client=client).invoke({"prompt": "a fox"})
    assert "image ready" in content and ".png" in content


async def test_re_executed_tool_call_gets_the_same_task(
    emu: MonetEmulator, client: MonetClient
) -> None:
    tool = MonetImageTool(client=client)
    args = {"model": "flux-1-schnell", "prompt": "a fox"}
    first = call(tool, args, "call_same")
    again = await acall(tool, args, "call_same")
    other = call(tool, args, "call_other")
    assert first.artifact["task_id"] == again.artifact["task_id"]
    assert other.artifact["task_id"] != first.artifact["task_id"]
    assert emu.counters["tasks_created"] == 2 and emu.counters["idempotent_replays"] == 1


async def test_submit_now_check_later(emu: MonetEmulator, client: MonetClient) -> None:
    emu.settings.task_seconds["video"] = 0.6
    video = MonetVideoTool(client=client, wait=False)
    status = MonetTaskStatusTool(client=client)
    submitted = call(video, {"model": "veo-3-1", "prompt": "surf"})
    task_id = submitted.artifact["task_id"]
    assert "submitted" in submitted.content and "monet_task_status" in submitted.content
    early = call(status, {"task_id": task_id})
    assert early.artifact["status"] in ("pending", "processing") and task_id in early.content
    done = await acall(status, {"task_id": task_id, "wait": True})
    assert done.artifact["status"] == "success" and ".mp4" in done.content
    missing = call(status, {"task_id": "task_nope"})
    assert missing.status == "error" and "task_nope" in missing.content


def test_failed_generation_is_reported_to_the_model(client: MonetClient) -> None:
    message = call(MonetImageTool(client=client), {"prompt": "[fail] a fox"})
    assert message.status == "error" and "Generation failed" in message.content


def test_timeout_answers_with_the_task_id(emu: MonetEmulator, client: MonetClient) -> None:
    emu.settings.task_seconds["video"] = 30
    message = call(MonetVideoTool(client=client, timeout=0.3), {"prompt": "slow"})
    assert message.status == "success" and "still" in message.content
    assert message.artifact["task_id"].startswith("task_")


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        assert name == "monet_progress"
        self.events.append(data)


async def test_progress_reaches_callbacks_sync_and_async(client: MonetClient) -> None:
    tool = MonetMusicTool(client=client)
    for runner in ("sync", "async"):
        recorder = Recorder()
        config = {"callbacks": [recorder]}
        if runner == "sync":
            tool.invoke({"prompt": "jazz"}, config=config)
        else:
            await tool.ainvoke({"prompt": "jazz"}, config=config)
        statuses = [e["status"] for e in recorder.events]
        assert statuses[0] == "pending" and statuses[-1] == "success" and "processing" in statuses
        assert all(e["tool"] == "monet_generate_music" for e in recorder.events)


def agent(tools: list[Any], model: ScriptedChatModel) -> Any:
    """The usual LangGraph agent loop: model -> ToolNode -> model, until no tool calls."""
    def think(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.bind_tools(tools).invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", think)
    builder.add_node("tools", ToolNode(tools))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    return builder.compile()


def test_agent_corrects_a_wrong_call_and_gets_the_asset(
    emu: MonetEmulator, client: MonetClient
) -> None:
    tools = MonetToolkit(client=client, media_types=["video"]).get_tools()

    def answer(messages: list[Any]) -> AIMessage:
        url = messages[-1].artifact["urls"][0]
        return AIMessage(content=f"Here is your video: {url}")

    model = ScriptedChatModel(replies=[
        AIMessage(content="", tool_calls=[{"name": "monet_generate_video", "id": "c1",
                  "args": {"model": "sora-2", "prompt": "a cat", "duration": 5}}]),
        AIMessage(content="", tool_calls=[{"name": "monet_generate_video", "id": "c2",
                  "args": {"model": "sora-2", "prompt": "a cat", "duration": 10}}]),
        answer,
    ])
    graph = agent(tools, model)
    progress = [c for c in graph.stream({"messages": [HumanMessage("A 10 s cat video")]},
                                        stream_mode="custom")]
    final = model.seen[-1]
    tool_messages = [m for m in final if isinstance(m, ToolMessage)]
    assert tool_messages[0].status == "error"
    assert "allowed values: 10, 15" in tool_messages[0].content
    assert tool_messages[1].status == "success"
    url = tool_messages[1].artifact["urls"][0]
    assert url.endswith(".mp4")
    assert emu.counters["tasks_created"] == 1  # the wrong call cost nothing
    assert progress and progress[-1]["status"] == "success"  # stream_mode="custom" saw it


# ---- uploads -----------------------------------------------------------------------------------


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "assets"
    root.mkdir()
    (root / "ref.png").write_bytes(png("ref", 16, 16))
    (root / "song.wav").write_bytes(wav("s", seconds=0.1))
    (root / "notes.txt").write_text("not media")
    (tmp_path / "secret.png").write_bytes(png("secret"))
    os.symlink(tmp_path / "secret.png", root / "link.png")
    os.symlink("/dev/zero", root / "device.png")
    os.mkfifo(root / "pipe.png")
    return root


def test_upload_tool_sends_only_media_under_its_root(
    emu: MonetEmulator, client: MonetClient, media_root: Path
) -> None:
    tool = MonetUploadTool(client=client, root_dir=str(media_root), max_bytes=10_000)
    ok = call(tool, {"path": "ref.png"})
    assert ok.status == "success" and ok.content.endswith("/ref.png")
    assert call(tool, {"path": "song.wav"}).status == "success"
    refused = {
        "../secret.png": "outside the allowed folder",
        str(media_root.parent / "secret.png"): "outside the allowed folder",
        "link.png": "outside the allowed folder",
        "/dev/null": "outside the allowed folder",
        "missing.png": "does not exist",
        "notes.txt": "not a recognised",
        ".": "not a regular file",
        "pipe.png": "not a regular file",
        "device.png": "outside the allowed folder",
    }
    for path, reason in refused.items():
        message = call(tool, {"path": path})
        assert message.status == "error" and reason in message.content, (path, message.content)
    big = MonetUploadTool(client=client, root_dir=str(media_root), max_bytes=100)
    assert "limit is 100" in call(big, {"path": "ref.png"}).content
    assert emu.counters["requests"] == {"upload": 2}


async def test_local_reference_images_are_uploaded_through_the_sandbox(
    emu: MonetEmulator, client: MonetClient, media_root: Path
) -> None:
    tool = MonetVideoTool(client=client, root_dir=str(media_root))
    message = await acall(tool, {"model": "kling-2-6", "prompt": "animate it",
                                 "images": ["ref.png"]})
    assert message.status == "success"
    sent = emu.state.tasks[message.artifact["task_id"]].input["images"]
    assert sent[0].startswith(emu.base_url) and sent[0].endswith("/ref.png")
    escaped = call(tool, {"model": "kling-2-6", "prompt": "x", "images": ["../secret.png"]})
    assert escaped.status == "error" and "outside the allowed folder" in escaped.content
    wrong_kind = call(tool, {"model": "kling-2-6", "prompt": "x", "images": ["song.wav"]})
    assert wrong_kind.status == "error" and "not a recognised image" in wrong_kind.content
    assert emu.counters["requests"] == {"upload": 1, "sync": 1}


def test_toolkit_options(client: MonetClient) -> None:
    tools = MonetToolkit(client=client).get_tools()
    assert [t.name for t in tools] == ["monet_generate_video", "monet_generate_image",
                                       "monet_generate_music", "monet_upload_file",
                                       "monet_task_status"]
    picked = MonetToolkit(client=client, media_types=["image"], include_upload=False,
                          allowed_models={"image": ["flux-1-schnell"]}, wait=False).get_tools()
    assert [t.name for t in picked] == ["monet_generate_image", "monet_task_status"]
    assert picked[0].allowed_models == ["flux-1-schnell"] and picked[0].wait is False


def test_the_key_never_reaches_tool_output_or_repr(emu: MonetEmulator) -> None:
    tool = MonetImageTool(api_key=emu.api_key, base_url=emu.base_url)
    message = call(tool, {"prompt": "a fox"})
    for text in (repr(tool), str(tool), message.content, str(message.artifact),
                 str(tool.model_dump(exclude={"args_schema"})),
                 repr(MonetToolkit(api_key=emu.api_key))):
        assert emu.api_key not in text


def test_tool_definitions_stay_compact(client: MonetClient) -> None:
    """What a model reads for the tools (OpenAI function format) stays within a budget."""
    import json

    from langchain_core.utils.function_calling import convert_to_openai_tool

    sizes = {t.name: len(json.dumps(convert_to_openai_tool(t)))
             for t in MonetToolkit(client=client).get_tools()}
    assert sizes["monet_generate_video"] < 7_000 and sizes["monet_generate_image"] < 5_000
    assert sum(sizes.values()) < 14_000  # about 3,100 tokens for all 50 models and 5 tools
    narrow = MonetVideoTool(client=client, allowed_models=["veo-3-1-fast", "kling-2-6"])
    assert len(json.dumps(convert_to_openai_tool(narrow))) < 2_000
