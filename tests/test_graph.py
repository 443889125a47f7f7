"""The subgraph against the emulator with real checkpointers (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from langchain_monet import MonetClient, MonetValidationError
from langchain_monet.emulator import MonetEmulator
from langchain_monet.graph import create_monet_graph, job_key, validate_plan
from langchain_monet.testing import ScriptedChatModel
from tests.conftest import client_settings
from tests.graph_worker import JOBS
from tests.pg import postgres_server

ROOT = Path(__file__).resolve().parent.parent


def cfg(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


@pytest.fixture
def client(emu: MonetEmulator) -> MonetClient:
    return MonetClient(**client_settings(emu))


def emulator_task(emu: MonetEmulator, task_id: str) -> Any:
    return emu.state.tasks[task_id]


def test_three_job_plan_chains_the_image_into_the_video(
    emu: MonetEmulator, client: MonetClient
) -> None:
    graph = create_monet_graph(client=client, checkpointer=InMemorySaver())
    events: list[dict[str, Any]] = []
    result: dict[str, Any] = {}
    for mode, chunk in graph.stream({"jobs": JOBS}, cfg("t1"), stream_mode=["custom", "values"]):
        if mode == "custom":
            events.append(chunk)
        else:
            result = chunk
    assert result["status"] == "done" and result["errors"] == {}
    assets = result["assets"]
    assert set(assets) == {"frame", "shot", "score"}
    for job_id, kind, ext in (("frame", "image", ".png"), ("shot", "video", ".mp4"),
                              ("score", "music", ".wav")):
        assert assets[job_id]["type"] == kind and assets[job_id]["urls"][0].endswith(ext)
    video = emulator_task(emu, assets["shot"]["task_id"])
    assert video.input["images"] == [assets["frame"]["urls"][0]]  # the reference was resolved
    # the video was only submitted after the image had finished
    frame_done = next(i for i, e in enumerate(events)
                      if e["job"] == "frame" and e["status"] == "success")
    shot_first = next(i for i, e in enumerate(events) if e["job"] == "shot")
    assert frame_done < shot_first
    # progress streamed for every job, rising to 100
    for job_id in assets:
        progress = [e["progress"] for e in events if e["job"] == job_id]
        assert progress[-1] == 100 and progress == sorted(progress)
    assert emu.counters["tasks_created"] == 3 and emu.counters["duplicate_inputs"] == 0


async def test_async_run_gives_the_same_result(emu: MonetEmulator, client: MonetClient) -> None:
    graph = create_monet_graph(client=client)
    result = await graph.ainvoke({"jobs": JOBS})
    assert set(result["assets"]) == {"frame", "shot", "score"} and result["errors"] == {}
    assert emu.counters["tasks_created"] == 3


@pytest.mark.parametrize(
    "jobs,message",
    [
        ([], "jobs: need a non-empty list"),
        ([{"id": "a", "type": "image", "input": {"model": "flux-2", "prompt": "x"}}],
         "job 'a': model: unknown image model 'flux-2'; did you mean 'flux-2-dev'"),
        ([{"id": "a", "type": "video",
           "input": {"model": "sora-2", "prompt": "x", "images": ["@nope"]}}],
         "refers to unknown job '@nope'"),
        ([{"id": "a", "type": "image", "input": {"model": "gpt-4o", "prompt": "x",
                                                  "images": ["@b"]}},
          {"id": "b", "type": "image", "input": {"model": "gpt-4o", "prompt": "x",
                                                  "images": ["@a"]}}],
         "circular reference"),
        ([{"id": "m", "type": "music", "input": {"model": "minimax-music", "prompt": "x"}},
          {"id": "v", "type": "video", "input": {"model": "sora-2", "prompt": "x",
                                                  "images": ["@m"]}}],
         "images needs a image job, but '@m' makes music"),
        ([{"id": "a", "type": "image", "input": {"model": "gpt-4o", "prompt": "x"}},
          {"id": "a", "type": "image", "input": {"model": "gpt-4o", "prompt": "y"}}],
         "'a' is used twice"),
    ],
)
def test_bad_plans_are_refused_before_anything_is_sent(
    emu: MonetEmulator, client: MonetClient, jobs: list[Any], message: str
) -> None:
    graph = create_monet_graph(client=client)
    with pytest.raises(MonetValidationError, match=message.replace("(", r"\(")):
        graph.invoke({"jobs": jobs})
    assert emu.counters["requests"] == {}


def test_a_failed_job_leaves_the_others_and_skips_its_dependents(
    emu: MonetEmulator, client: MonetClient
) -> None:
    jobs = [
        {"id": "frame", "type": "image", "input": {"model": "gpt-4o", "prompt": "[fail] x"}},
        {"id": "shot", "type": "video",
         "input": {"model": "sora-2", "prompt": "y", "images": ["@frame"]}},
        {"id": "score", "type": "music", "input": {"model": "minimax-music", "prompt": "z"}},
    ]
    result = create_monet_graph(client=client).invoke({"jobs": jobs})
    assert set(result["assets"]) == {"score"}
    assert "could not generate" in result["errors"]["frame"]
    assert result["errors"]["shot"] == "not submitted: dependency 'frame' failed"
    assert emu.counters["tasks_created"] == 2


def test_bounded_retry_makes_a_new_task_per_attempt(
    emu: MonetEmulator, client: MonetClient
) -> None:
    jobs = [{"id": "frame", "type": "image", "input": {"model": "gpt-4o", "prompt": "[fail] x"}}]
    result = create_monet_graph(client=client, max_attempts=3).invoke({"jobs": jobs})
    assert "frame" in result["errors"]
    assert emu.counters["tasks_created"] == 3  # three attempts, three keys, and no more


def test_transient_submit_errors_are_retried_with_the_same_key(
    emu: MonetEmulator, client: MonetClient
) -> None:
    emu.inject("create", "drop_after_create", "503")
    jobs = JOBS[2:]
    result = create_monet_graph(client=MonetClient(**client_settings(emu, max_retries=0))).invoke(
        {"jobs": jobs})
    assert set(result["assets"]) == {"score"}
    assert emu.counters["tasks_created"] == 1 and emu.counters["idempotent_replays"] == 1


def test_keys_are_deterministic_per_thread_job_and_attempt() -> None:
    job = validate_plan(JOBS)[0]
    assert job_key("thread:a", job, 1) == job_key("thread:a", job, 1)
    assert len({job_key("thread:a", job, 1), job_key("thread:b", job, 1),
                job_key("thread:a", job, 2)}) == 3


def test_rerunning_a_finished_thread_pays_nothing(emu: MonetEmulator, client: MonetClient) -> None:
    graph = create_monet_graph(client=client, checkpointer=InMemorySaver())
    first = graph.invoke({"jobs": JOBS}, cfg("same"))
    second = graph.invoke({"jobs": JOBS}, cfg("same"))
    assert first["assets"] == second["assets"]
    assert emu.counters["tasks_created"] == 3 and emu.counters["idempotent_replays"] == 3


def test_approval_interrupts_with_the_plan_then_resumes(
    emu: MonetEmulator, client: MonetClient
) -> None:
    graph = create_monet_graph(client=client, checkpointer=InMemorySaver(), approve=True)
    paused = graph.invoke({"jobs": JOBS}, cfg("ok"))
    question = paused["__interrupt__"][0].value
    assert [j["id"] for j in question["jobs"]] == ["frame", "shot", "score"]
    assert emu.counters["requests"] == {}  # nothing spent while waiting for a human
    done = graph.invoke(Command(resume=True), cfg("ok"))
    assert set(done["assets"]) == {"frame", "shot", "score"}

    emu.reset()
    graph.invoke({"jobs": JOBS}, cfg("no"))
    refused = graph.invoke(Command(resume={"approved": False}), cfg("no"))
    assert refused["status"] == "rejected" and refused["assets"] == {}
    assert emu.counters["requests"] == {}


def test_planner_turns_a_request_into_jobs(emu: MonetEmulator, client: MonetClient) -> None:
    plan = {"jobs": [
        {"id": "poster", "type": "image", "input": {"model": "ideogram-v3", "prompt": "Poster"}},
        {"id": "teaser", "type": "video",
         "input": {"model": "kling-2-6", "prompt": "Teaser", "images": ["@poster"]}},
    ]}
    planner = ScriptedChatModel(replies=[AIMessage(content="", tool_calls=[
        {"name": "Plan", "args": plan, "id": "call_1"}])])
    result = create_monet_graph(client=client, planner=planner).invoke(
        {"request": "A poster and a teaser video from it"})
    assert set(result["assets"]) == {"poster", "teaser"}
    system = planner.seen[0][0].content
    assert "kling-2-6" in system and "minimax-music" in system  # the catalog is in the prompt


def test_request_without_planner_is_a_clear_error(client: MonetClient) -> None:
    with pytest.raises(MonetValidationError, match="planner"):
        create_monet_graph(client=client).invoke({"request": "a video"})


class Parent(TypedDict, total=False):
    jobs: list[dict[str, Any]]
    assets: dict[str, Any]
    errors: dict[str, str]
    summary: str


def test_embedded_as_a_node_and_inside_a_function_node(
    emu: MonetEmulator, client: MonetClient
) -> None:
    monet = create_monet_graph(client=client)

    def summarise(state: Parent) -> dict[str, Any]:
        return {"summary": ", ".join(sorted(state["assets"]))}

    builder = StateGraph(Parent)
    builder.add_node("monet", monet)
    builder.add_node("summarise", summarise)
    builder.add_edge(START, "monet")
    builder.add_edge("monet", "summarise")
    builder.add_edge("summarise", END)
    parent = builder.compile(checkpointer=InMemorySaver())
    events = [c for ns, mode, c in parent.stream({"jobs": JOBS}, cfg("p"),
                                                 stream_mode=["custom"], subgraphs=True)]
    assert parent.get_state(cfg("p")).values["summary"] == "frame, score, shot"
    assert any(e["status"] == "success" for e in events)

    def produce(state: Parent) -> dict[str, Any]:
        out = monet.invoke({"jobs": state["jobs"][:1]})
        return {"assets": out["assets"], "summary": out["status"]}

    inner = StateGraph(Parent)
    inner.add_node("produce", produce)
    inner.add_edge(START, "produce")
    result = inner.compile().invoke({"jobs": JOBS})
    assert result["summary"] == "done" and list(result["assets"]) == ["frame"]


# ---- crash safety ---------------------------------------------------------------------------


def _worker(emu: MonetEmulator, store: str, thread: str, resume: bool) -> subprocess.Popen[str]:
    env = {**os.environ, "MONET_API_KEY": emu.api_key, "MONET_BASE_URL": emu.base_url}
    cmd = [sys.executable, "-m", "tests.graph_worker", "--store", store, "--thread", thread]
    return subprocess.Popen([*cmd, "--resume"] if resume else cmd, cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def crash_and_resume(emu: MonetEmulator, store: str, kill_after_tasks: int) -> dict[str, Any]:
    """Run the graph in a child, SIGKILL it once `kill_after_tasks` tasks exist, resume it."""
    emu.settings.task_seconds.update(image=1.5, video=1.5, music=2.5)
    thread = f"crash-{kill_after_tasks}"
    child = _worker(emu, store, thread, resume=False)
    deadline = time.monotonic() + 60
    while emu.counters["tasks_created"] < kill_after_tasks:
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        assert time.monotonic() < deadline, "the worker never submitted"
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL
    killed_at = emu.counters["tasks_created"]
    resumed = _worker(emu, store, thread, resume=True)
    out, err = resumed.communicate(timeout=90)
    assert resumed.returncode == 0, err
    result = json.loads(next(line for line in out.splitlines()
                             if line.startswith("RESULT "))[len("RESULT "):])
    return {"result": result, "killed_at": killed_at, "counters": emu.counters}


@pytest.fixture(scope="module")
def pg_dsn() -> Any:
    with postgres_server() as dsn:
        yield dsn


@pytest.mark.parametrize("kill_after_tasks", [1, 3])
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sigkill_mid_run_then_resume_pays_once(
    emu: MonetEmulator, tmp_path: Path, request: pytest.FixtureRequest, backend: str,
    kill_after_tasks: int,
) -> None:
    store = (f"sqlite:{tmp_path / 'jobs.sqlite'}" if backend == "sqlite"
             else f"postgres:{request.getfixturevalue('pg_dsn')}")
    run = crash_and_resume(emu, store, kill_after_tasks)
    assert set(run["result"]["assets"]) == {"frame", "shot", "score"}
    assert run["counters"]["tasks_created"] == 3
    assert run["counters"]["duplicate_inputs"] == 0


def test_sqlite_checkpoint_survives_a_new_graph_object(
    emu: MonetEmulator, client: MonetClient, tmp_path: Path
) -> None:
    db = str(tmp_path / "jobs.sqlite")
    with SqliteSaver.from_conn_string(db) as saver:
        create_monet_graph(client=client, checkpointer=saver).invoke({"jobs": JOBS}, cfg("s"))
    with SqliteSaver.from_conn_string(db) as saver:
        state = create_monet_graph(client=client, checkpointer=saver).get_state(cfg("s"))
    assert set(state.values["assets"]) == {"frame", "shot", "score"}
