"""A LangGraph subgraph that plans generation jobs, submits them, waits on them and returns URLs.

```
START -> plan -> [approve] -> schedule --Send--> submit_job -> wait -> schedule ... -> collect
```

- `plan` validates the jobs (or asks a planner chat model for them) through the catalog.
- `schedule` marks jobs whose dependencies are done as ready, resolves `"@<job id>"` references
  to the dependency's first URL, and fixes each job's idempotency key in the checkpointed state.
- `submit_job` (one per ready job, in parallel) creates the task with that key.
- `wait` polls every in-flight task and returns as soon as one ends (with progress events).
- `collect` builds `assets` and `errors`, keyed by job id.

Idempotency keys derive from the thread id, job id, attempt and input, so re-running any node
after a crash gets the same task back instead of paying for a new one. Run with
`durability="sync"` for the strongest guarantee (the default works too, thanks to the keys).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import RetryPolicy, Send, interrupt
from pydantic import BaseModel, Field

from langchain_monet import catalog
from langchain_monet.client import AsyncMonetClient, MonetClient
from langchain_monet.errors import (
    MonetAPIError,
    MonetConnectionError,
    MonetError,
    MonetRateLimitError,
    MonetServerError,
    MonetTimeoutError,
    MonetValidationError,
)
from langchain_monet.models import Task

__all__ = [
    "MonetGraphInput",
    "MonetGraphOutput",
    "MonetGraphState",
    "Plan",
    "PlannedJob",
    "build_monet_graph",
    "create_monet_graph",
    "job_key",
    "make_graph",
    "validate_plan",
]

_KEY_NAMESPACE = uuid.UUID("6f1f7b8e-4a63-4f0e-9b0a-6d6f6e65742d")
REF_FIELDS = {"images": "image", "videos": "video"}


# ------------------------------------------------------------------------------------------------
# State (JSON-like, so every checkpointer stores it as is)
# ------------------------------------------------------------------------------------------------


def merge_records(
    old: dict[str, dict[str, Any]] | None, new: dict[str, dict[str, Any]] | None
) -> dict[str, dict[str, Any]]:
    """Per-job records: parallel nodes each update their own job's fields."""
    merged = dict(old or {})
    for job_id, fields in (new or {}).items():
        merged[job_id] = {**merged.get(job_id, {}), **fields}
    return merged


class MonetGraphInput(TypedDict, total=False):
    jobs: list[dict[str, Any]]
    """`[{"id": "hero", "type": "image", "input": {"model": ..., "prompt": ...}}, ...]`"""
    request: str
    """Natural-language request turned into jobs by the `planner` chat model."""


class MonetGraphOutput(TypedDict, total=False):
    jobs: list[dict[str, Any]]
    assets: dict[str, dict[str, Any]]
    """Per job id: `{type, model, urls, task_id}`."""
    errors: dict[str, str]
    status: str
    """`done`, or `rejected` when the approval step said no."""


class MonetGraphState(MonetGraphInput, MonetGraphOutput, total=False):
    records: Annotated[dict[str, dict[str, Any]], merge_records]


# ------------------------------------------------------------------------------------------------
# Plans
# ------------------------------------------------------------------------------------------------


class PlannedJob(BaseModel):
    """One generation job, as a planner model writes it."""

    id: str = Field(description="Short unique id, e.g. 'storyboard'.")
    type: Literal["image", "video", "music"]
    input: dict[str, Any] = Field(
        description="Model input: 'model', 'prompt' and parameters. In 'images'/'videos', "
        "'@<job id>' uses another job's output."
    )


class Plan(BaseModel):
    """The jobs to run."""

    jobs: list[PlannedJob]


def validate_plan(jobs: Any) -> list[dict[str, Any]]:
    """Check a whole plan before anything is sent: models, parameters, references, cycles.

    Returns normalized jobs `{"id", "type", "input", "deps"}` in a dependency-respecting order.
    """
    if not isinstance(jobs, list) or not jobs:
        raise MonetValidationError("jobs: need a non-empty list of {id, type, input}",
                                   field="jobs")
    by_id: dict[str, dict[str, Any]] = {}
    for n, job in enumerate(jobs):
        if isinstance(job, BaseModel):
            job = job.model_dump()
        if not isinstance(job, Mapping):
            raise MonetValidationError(f"jobs[{n}]: must be an object with id, type and input",
                                       field=f"jobs[{n}]")
        job_id = job.get("id")
        if not isinstance(job_id, str) or not job_id.strip() or job_id.startswith("@"):
            raise MonetValidationError(f"jobs[{n}].id: need a non-empty id string",
                                       field=f"jobs[{n}].id")
        if job_id in by_id:
            raise MonetValidationError(f"jobs[{n}].id: {job_id!r} is used twice", field="id")
        try:
            checked = catalog.validate_input(str(job.get("type")), job.get("input") or {})
        except MonetValidationError as exc:
            raise MonetValidationError(
                f"job {job_id!r}: {exc.message}", field=exc.field, allowed=exc.allowed,
                suggestion=exc.suggestion) from None
        by_id[job_id] = {"id": job_id, "type": job["type"], "input": checked, "deps": []}
    for job in by_id.values():
        for field, media in REF_FIELDS.items():
            for ref in job["input"].get(field, []):
                if not ref.startswith("@"):
                    continue
                target = by_id.get(ref[1:])
                if target is None:
                    raise MonetValidationError(
                        f"job {job['id']!r}: {field} refers to unknown job {ref!r}; "
                        f"allowed values: {', '.join('@' + j for j in by_id)}",
                        field=field, allowed=[f"@{j}" for j in by_id])
                if target["type"] != media:
                    raise MonetValidationError(
                        f"job {job['id']!r}: {field} needs a {media} job, but {ref!r} makes "
                        f"{target['type']}", field=field)
                if target["id"] not in job["deps"]:
                    job["deps"].append(target["id"])
    return _topological(by_id)


def _topological(by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    ordered: list[dict[str, Any]] = []
    state: dict[str, int] = {}

    def visit(job_id: str, path: list[str]) -> None:
        if state.get(job_id) == 2:
            return
        if state.get(job_id) == 1:
            cycle = " -> ".join([*path[path.index(job_id):], job_id])
            raise MonetValidationError(f"jobs: circular reference {cycle}", field="jobs")
        state[job_id] = 1
        for dep in by_id[job_id]["deps"]:
            visit(dep, [*path, job_id])
        state[job_id] = 2
        ordered.append(by_id[job_id])

    for job_id in by_id:
        visit(job_id, [])
    return ordered


def job_key(scope: str, job: Mapping[str, Any], attempt: int) -> str:
    """The idempotency key of one attempt of one job: same scope, job and input -> same key."""
    canonical = json.dumps([job["id"], job["type"], job["input"], attempt], sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"lcm-{uuid.uuid5(_KEY_NAMESPACE, f'{scope}:{digest}')}"


# ------------------------------------------------------------------------------------------------
# The graph
# ------------------------------------------------------------------------------------------------


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, MonetConnectionError | MonetTimeoutError | MonetServerError
                      | MonetRateLimitError)


def _emit(event: dict[str, Any]) -> None:
    try:
        writer = get_stream_writer()
    except (RuntimeError, KeyError):
        return
    writer(event)


def _event(job_id: str, record: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {"job": job_id, "type": record.get("type"), "model": record.get("model"),
            "task_id": record.get("task_id"), **extra}


class _Nodes:
    """The graph's nodes; I/O goes through one `MonetClient` and its async twin."""

    def __init__(
        self,
        client: MonetClient,
        async_client: AsyncMonetClient,
        planner: Any,
        max_attempts: int,
        job_timeout: float,
        wait_step: float,
    ) -> None:
        self.client, self.aclient, self.planner = client, async_client, planner
        self.max_attempts, self.job_timeout, self.wait_step = max_attempts, job_timeout, wait_step

    # -- plan ------------------------------------------------------------------------------
    @staticmethod
    def _planned(config: RunnableConfig, jobs: Any) -> dict[str, Any]:
        plan = validate_plan(jobs)
        scope = _scope(config)
        records = {
            j["id"]: {"status": "pending", "attempt": 1, "type": j["type"],
                      "model": j["input"]["model"], "deps": j["deps"], "scope": scope,
                      "task_id": None, "urls": [], "error": None}
            for j in plan
        }
        return {"jobs": [{k: j[k] for k in ("id", "type", "input")} for j in plan],
                "records": records, "assets": {}, "errors": {}, "status": "planned"}

    def _planner_messages(self, state: MonetGraphState) -> list[tuple[str, str]]:
        return [("system", planner_prompt()), ("human", str(state.get("request", "")))]

    def plan(self, state: MonetGraphState, config: RunnableConfig) -> dict[str, Any]:
        jobs = state.get("jobs")
        if not jobs and state.get("request"):
            jobs = _plan_jobs(self._structured().invoke(self._planner_messages(state)))
        return self._planned(config, jobs)

    async def aplan(self, state: MonetGraphState, config: RunnableConfig) -> dict[str, Any]:
        jobs = state.get("jobs")
        if not jobs and state.get("request"):
            jobs = _plan_jobs(await self._structured().ainvoke(self._planner_messages(state)))
        return self._planned(config, jobs)

    def _structured(self) -> Any:
        if self.planner is None:
            raise MonetValidationError(
                "request: planning from a request needs create_monet_graph(planner=<chat model>);"
                " or pass `jobs`", field="request")
        if hasattr(self.planner, "with_structured_output"):
            return self.planner.with_structured_output(Plan)
        return self.planner

    # -- approve ---------------------------------------------------------------------------
    @staticmethod
    def approve(state: MonetGraphState) -> dict[str, Any]:
        decision = interrupt({"question": "Submit these generation jobs?",
                              "jobs": state.get("jobs", [])})
        if isinstance(decision, Mapping):
            decision = decision.get("approved", decision.get("approve"))
        if isinstance(decision, str):
            decision = decision.strip().lower() in ("y", "yes", "approve", "approved", "ok")
        return {"status": "approved" if decision is True else "rejected"}

    # -- schedule --------------------------------------------------------------------------
    def schedule(self, state: MonetGraphState) -> dict[str, Any]:
        records = state.get("records", {})
        updates: dict[str, dict[str, Any]] = {}
        for job in state.get("jobs", []):
            rec = records[job["id"]]
            if rec["status"] not in ("pending", "retry"):
                continue
            deps = [records[d] for d in rec["deps"]]
            failed = next((d for d, r in zip(rec["deps"], deps, strict=True)
                           if r["status"] == "failed"), None)
            if failed is not None:
                updates[job["id"]] = {"status": "failed",
                                      "error": f"not submitted: dependency {failed!r} failed"}
                _emit(_event(job["id"], rec, status="skipped", progress=0))
            elif all(r["status"] == "succeeded" for r in deps):
                updates[job["id"]] = {
                    "status": "ready",
                    "key": job_key(rec["scope"], job, rec["attempt"]),
                    "input": _resolve(job["input"], records),
                }
        return {"records": updates}

    @staticmethod
    def route(state: MonetGraphState) -> list[Send] | str:
        if state.get("status") == "rejected":
            return "collect"
        records = state.get("records", {})
        current = {j["id"] for j in state.get("jobs", [])}
        ready = [
            Send("submit_job", {"job": job_id, **rec})
            for job_id, rec in records.items()
            if rec["status"] == "ready" and job_id in current
        ]
        if ready:
            return ready
        if any(r["status"] == "submitted" for r in records.values()):
            return "wait"
        return "collect"

    # -- submit ----------------------------------------------------------------------------
    def submit_job(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            task = self.client.create_task(payload["type"], payload["input"], payload["key"])
        except MonetError as exc:
            return self._submit_failed(payload, exc)
        return self._submitted(payload, task)

    async def asubmit_job(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            task = await self.aclient.create_task(payload["type"], payload["input"],
                                                  payload["key"])
        except MonetError as exc:
            return self._submit_failed(payload, exc)
        return self._submitted(payload, task)

    @staticmethod
    def _submitted(payload: dict[str, Any], task: Task) -> dict[str, Any]:
        record = {"status": "submitted", "task_id": task.id, "submitted_at": time.time()}
        _emit(_event(payload["job"], {**payload, **record}, status=task.status, progress=0))
        return {"records": {payload["job"]: record}}

    @staticmethod
    def _submit_failed(payload: dict[str, Any], exc: MonetError) -> dict[str, Any]:
        if _is_transient(exc):
            raise exc  # the node's retry policy re-sends it, with the same key
        _emit(_event(payload["job"], payload, status="failed", progress=0, error=str(exc)))
        return {"records": {payload["job"]: {"status": "failed", "error": str(exc)}}}

    # -- wait ------------------------------------------------------------------------------
    def _inflight(self, state: MonetGraphState) -> dict[str, dict[str, Any]]:
        records = state.get("records", {})
        return {j["id"]: records[j["id"]] for j in state.get("jobs", [])
                if records[j["id"]]["status"] == "submitted"}

    def wait(self, state: MonetGraphState) -> dict[str, Any]:
        inflight = self._inflight(state)
        deadline = time.monotonic() + self.wait_step
        shown: dict[str, Any] = {}
        while True:
            seen = {j: _fetch(self.client.get_task, r["task_id"]) for j, r in inflight.items()}
            updates = self._digest(inflight, seen, shown)
            if updates or time.monotonic() >= deadline:
                return {"records": updates}
            time.sleep(self.client.poll_interval)

    async def await_(self, state: MonetGraphState) -> dict[str, Any]:
        inflight = self._inflight(state)
        deadline = time.monotonic() + self.wait_step
        shown: dict[str, Any] = {}
        while True:
            fetched = await asyncio.gather(
                *(_afetch(self.aclient.get_task, r["task_id"]) for r in inflight.values()))
            updates = self._digest(inflight, dict(zip(inflight, fetched, strict=True)), shown)
            if updates or time.monotonic() >= deadline:
                return {"records": updates}
            await asyncio.sleep(self.aclient.poll_interval)

    def _digest(
        self,
        inflight: dict[str, dict[str, Any]],
        seen: dict[str, Task | MonetError],
        shown: dict[str, Any],
    ) -> dict[str, dict[str, Any]]:
        """Emit progress; return record updates for jobs that ended (or will be retried)."""
        updates: dict[str, dict[str, Any]] = {}
        for job_id, outcome in seen.items():
            rec = inflight[job_id]
            if isinstance(outcome, MonetError):
                if isinstance(outcome, MonetAPIError) and outcome.status == 404:
                    updates[job_id] = {"status": "failed", "error": f"task vanished: {outcome}"}
                continue  # transient: keep waiting
            if shown.get(job_id) != (outcome.status, outcome.progress):
                shown[job_id] = (outcome.status, outcome.progress)
                _emit(_event(job_id, rec, status=outcome.status, progress=outcome.progress))
            if outcome.succeeded:
                updates[job_id] = {"status": "succeeded", "urls": outcome.urls}
            elif outcome.failed:
                reason = outcome.error_message or "generation failed"
                if rec["attempt"] < self.max_attempts:
                    updates[job_id] = {"status": "retry", "attempt": rec["attempt"] + 1,
                                       "error": reason, "task_id": None}
                else:
                    updates[job_id] = {"status": "failed", "error": reason}
            elif time.time() - rec.get("submitted_at", time.time()) > self.job_timeout:
                updates[job_id] = {
                    "status": "failed",
                    "error": f"timed out after {self.job_timeout:g}s; task {rec['task_id']} may "
                             "still finish on the server",
                }
        return updates

    # -- collect ---------------------------------------------------------------------------
    @staticmethod
    def collect(state: MonetGraphState) -> dict[str, Any]:
        records = state.get("records", {})
        assets: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        if state.get("status") == "rejected":
            return {"assets": {}, "errors": {}, "status": "rejected"}
        for job in state.get("jobs", []):
            rec = records[job["id"]]
            if rec["status"] == "succeeded":
                assets[job["id"]] = {"type": job["type"], "model": job["input"]["model"],
                                     "urls": rec["urls"], "task_id": rec["task_id"],
                                     "attempts": rec["attempt"]}
            else:
                errors[job["id"]] = rec.get("error") or rec["status"]
        return {"assets": assets, "errors": errors, "status": "done"}


@cache
def planner_prompt() -> str:
    """System prompt for the planner: the rules and the whole catalog, compactly."""
    models = "\n".join(
        f"- {m.media_type} {m.id}: {m.tagline}; params: "
        + ", ".join(p.summary() for p in m.params)
        for m in catalog.list_models()
    )
    return (
        "You plan media generation jobs for the Monet API. Return jobs with short ids. A job's "
        "'images' or 'videos' may reference another job's output as '@<job id>'. Use only these "
        f"models and parameters:\n{models}"
    )


def _plan_jobs(result: Any) -> Any:
    if isinstance(result, Plan):
        return result.jobs
    if isinstance(result, Mapping):
        return result.get("jobs")
    return result


def _scope(config: RunnableConfig) -> str:
    configurable = config.get("configurable") or {}
    thread = configurable.get("thread_id")
    if thread:
        # The namespace is "parent_node:<uuid>|...|plan:<uuid>"; the uuids change on every run,
        # the node names do not: keep the names so two embeddings of this graph differ.
        segments = str(configurable.get("checkpoint_ns", "")).split("|")[:-1]
        return f"thread:{thread}:" + "|".join(seg.split(":")[0] for seg in segments)
    return f"run:{uuid.uuid4()}"  # no checkpointer: nothing can resume, a fresh scope is right


def _resolve(input: Mapping[str, Any], records: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    out = dict(input)
    for field in REF_FIELDS:
        if field in out:
            out[field] = [records[r[1:]]["urls"][0] if r.startswith("@") else r
                          for r in out[field]]
    return out


def _fetch(get: Any, task_id: str) -> Task | MonetError:
    try:
        task: Task = get(task_id)
        return task
    except MonetError as exc:
        return exc


async def _afetch(get: Any, task_id: str) -> Task | MonetError:
    try:
        task: Task = await get(task_id)
        return task
    except MonetError as exc:
        return exc


def build_monet_graph(
    *,
    client: MonetClient | None = None,
    async_client: AsyncMonetClient | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    planner: Any = None,
    approve: bool = False,
    max_attempts: int = 1,
    job_timeout: float | None = None,
    wait_step: float = 30.0,
    submit_retry: RetryPolicy | None = None,
) -> StateGraph[MonetGraphState, Any, MonetGraphInput, MonetGraphOutput]:
    """The uncompiled graph, for customising before `compile()`. See `create_monet_graph`."""
    if client is None:
        client = (MonetClient.from_config(async_client.config) if async_client is not None
                  else MonetClient(api_key, base_url=base_url))
    if async_client is None:
        async_client = AsyncMonetClient.from_config(client.config)
    if max_attempts < 1:
        raise MonetValidationError("max_attempts: must be >= 1", field="max_attempts")
    nodes = _Nodes(client, async_client, planner, max_attempts,
                   job_timeout or client.config.wait_timeout, wait_step)
    builder = StateGraph(MonetGraphState, input_schema=MonetGraphInput,
                         output_schema=MonetGraphOutput)
    builder.add_node("plan", RunnableLambda(nodes.plan, afunc=nodes.aplan, name="plan"))
    builder.add_node("schedule", nodes.schedule)
    builder.add_node(
        "submit_job",
        RunnableLambda(nodes.submit_job, afunc=nodes.asubmit_job, name="submit_job"),
        retry_policy=submit_retry or RetryPolicy(max_attempts=5, retry_on=_is_transient),
    )  # type: ignore[type-var]
    builder.add_node("wait", RunnableLambda(nodes.wait, afunc=nodes.await_, name="wait"))
    builder.add_node("collect", nodes.collect)
    builder.add_edge(START, "plan")
    if approve:
        builder.add_node("approve", nodes.approve)
        builder.add_edge("plan", "approve")
        builder.add_edge("approve", "schedule")
    else:
        builder.add_edge("plan", "schedule")
    builder.add_conditional_edges("schedule", nodes.route, ["submit_job", "wait", "collect"])
    builder.add_edge("submit_job", "wait")
    builder.add_edge("wait", "schedule")
    builder.add_edge("collect", END)
    return builder


def create_monet_graph(
    *,
    client: MonetClient | None = None,
    async_client: AsyncMonetClient | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    checkpointer: Any = None,
    planner: Any = None,
    approve: bool = False,
    max_attempts: int = 1,
    job_timeout: float | None = None,
    wait_step: float = 30.0,
    name: str = "monet",
) -> CompiledStateGraph[MonetGraphState, Any, MonetGraphInput, MonetGraphOutput]:
    """Compile the Monet subgraph.

    Setup:
        `pip install "langchain-monet[sqlite]"`; set `MONET_API_KEY` (or pass a client).

    Instantiation:
        ```python
        from langgraph.checkpoint.sqlite import SqliteSaver
        from langchain_monet.graph import create_monet_graph

        graph = create_monet_graph(checkpointer=SqliteSaver.from_conn_string("jobs.db"))
        ```

    Invocation:
        ```python
        result = graph.invoke(
            {"jobs": [
                {"id": "frame", "type": "image",
                 "input": {"model": "flux-1-schnell", "prompt": "a lighthouse"}},
                {"id": "shot", "type": "video",
                 "input": {"model": "veo-3-1-fast", "prompt": "waves", "images": ["@frame"]}},
            ]},
            {"configurable": {"thread_id": "ad-42"}},
            durability="sync",
        )
        result["assets"]["shot"]["urls"]
        ```

    Args:
        client / async_client / api_key / base_url: how to reach Monet (one twin is derived from
            the other; else from api_key/base_url or the environment).
        checkpointer: any LangGraph checkpointer; SQLite for one machine, PostgreSQL for many.
        planner: a chat model (structured output) that turns `request` into jobs.
        approve: pause with the plan before submitting (`interrupt`); resume with
            `Command(resume=True)` to go on, anything else to stop.
        max_attempts: attempts per job when a task fails (a retry is a new task, new key).
        job_timeout: seconds a job may run before it is reported as an error.
        wait_step: at most this long in one `wait` step, so progress is checkpointed regularly.
    """
    builder = build_monet_graph(
        client=client, async_client=async_client, api_key=api_key, base_url=base_url,
        planner=planner, approve=approve, max_attempts=max_attempts, job_timeout=job_timeout,
        wait_step=wait_step,
    )
    return builder.compile(checkpointer=checkpointer, name=name)


def make_graph(config: RunnableConfig | None = None) -> Any:
    """Factory for `langgraph.json` / `langgraph dev`: compiled without a checkpointer (the
    server provides persistence); client settings from MONET_API_KEY / MONET_BASE_URL."""
    return create_monet_graph(approve=bool((config or {}).get("configurable", {})
                                           .get("approve", False)))

