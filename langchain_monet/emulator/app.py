"""The emulated Monet API as an ASGI (Starlette) app, with fault injection and counters."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from langchain_monet import catalog
from langchain_monet.emulator import media
from langchain_monet.errors import MonetValidationError

FAULTS = ("429", "500", "502", "503", "drop", "drop_after_create", "credits", "malformed",
          "html_500", "slow")
FILE_TTL = 24 * 3600.0
MAX_UPLOAD = 50 * 1024 * 1024


class ManualClock:
    """A clock tests move by hand: `clock.advance(5)`."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Faults:
    """Random faults, each a probability per request (seeded: runs repeat exactly)."""

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_drop: float = 0.0
    rate_sse_drop: float = 0.0
    rate_task_failure: float = 0.0
    latency: float = 0.0
    retry_after: float = 1.0


@dataclass
class EmulatorSettings:
    api_key: str = "monet_emulator_key"
    task_seconds: dict[str, float] = field(
        default_factory=lambda: {"image": 1.5, "video": 4.0, "music": 3.0}
    )
    pending_fraction: float = 0.1
    progress_step: int = 10
    outputs_per_task: int = 1
    list_key: str = "tasks"
    keepalive_seconds: float = 10.0
    seed: int = 0
    faults: Faults = field(default_factory=Faults)


@dataclass
class _Task:
    id: str
    type: str
    input: dict[str, Any]
    key: str
    created: float
    duration: float
    fails: bool


@dataclass
class _File:
    id: str
    filename: str
    content_type: str
    data: bytes
    created: float


class EmulatorState:
    """Everything the emulator knows; safe to read from the test thread."""

    def __init__(self, settings: EmulatorSettings, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        self.rng = random.Random(self.settings.seed)
        self.tasks: dict[str, _Task] = {}
        self.by_key: dict[str, str] = {}
        self.files: dict[str, _File] = {}
        self.requests: Counter[str] = Counter()
        self.faults_injected: Counter[str] = Counter()
        self.inputs: Counter[str] = Counter()
        self.replays = 0
        self.script: dict[str, deque[str]] = {}
        self.stream_drops: deque[tuple[int, bool]] = deque()
        self.raw_replies: dict[str, deque[tuple[int, str, bytes]]] = {}

    # -- fault plumbing ---------------------------------------------------------------------
    def inject(self, route: str, *faults: str) -> None:
        for f in faults:
            if f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}; known: {', '.join(FAULTS)}")
        self.script.setdefault(route, deque()).extend(faults)

    def next_fault(self, route: str) -> str | None:
        queue = self.script.get(route)
        if queue:
            fault = queue.popleft()
        else:
            f = self.settings.faults
            roll = self.rng.random()
            if roll < f.rate_429:
                fault = "429"
            elif roll < f.rate_429 + f.rate_5xx:
                fault = self.rng.choice(("500", "502", "503"))
            elif roll < f.rate_429 + f.rate_5xx + f.rate_drop:
                fault = "drop_after_create" if route == "create" else "drop"
            else:
                return None
        self.faults_injected[fault] += 1
        return fault

    # -- tasks ------------------------------------------------------------------------------
    def create(self, type_: str, input_: dict[str, Any], key: str) -> tuple[_Task, bool]:
        existing = self.by_key.get(key)
        if existing is not None:
            self.replays += 1
            return self.tasks[existing], False
        n = len(self.tasks) + 1
        digest = hashlib.sha256(f"{self.settings.seed}:{n}".encode()).hexdigest()[:12]
        prompt = str(input_.get("prompt", ""))
        fails = "[fail]" in prompt or self.rng.random() < self.settings.faults.rate_task_failure
        task = _Task(f"task_{digest}", type_, input_, key, self.clock(),
                     self.settings.task_seconds.get(type_, 2.0), fails)
        self.tasks[task.id] = task
        self.by_key[key] = task.id
        self.inputs[json.dumps([type_, input_], sort_keys=True)] += 1
        return task, True

    def view(self, task: _Task, base_url: str, *, short: bool = False) -> dict[str, Any]:
        now = self.clock()
        elapsed = now - task.created
        s = self.settings
        if elapsed >= task.duration:
            status = "failed" if task.fails else "success"
            progress = 100
            updated = task.created + task.duration
        elif elapsed < task.duration * s.pending_fraction:
            status, progress, updated = "pending", 0, task.created
        else:
            status = "processing"
            progress = int(100 * elapsed / task.duration) // s.progress_step * s.progress_step
            updated = task.created + task.duration * progress / 100
        body: dict[str, Any] = {"id": task.id, "status": status, "type": task.type,
                                "created_at": _iso(task.created)}
        if short:
            return body
        ext = media.EXTENSIONS[task.type][0]
        outputs = []
        for i in range(s.outputs_per_task):
            out: dict[str, Any] = {"model": task.input.get("model"),
                                   "status": status, "progress": progress}
            if status == "success":
                out["url"] = f"{base_url}files/outputs/{task.id}/{i}.{ext}"
            outputs.append(out)
        body.update(idempotency_key=task.key, input=task.input, outputs=outputs,
                    updated_at=_iso(updated))
        if status == "failed":
            body["error"] = {"code": "GENERATION_FAILED",
                             "message": "The model could not generate this content (emulated)."}
        return body

    def seconds_to_next_change(self, task: _Task) -> float:
        if self.clock is time.time:
            elapsed = self.clock() - task.created
            step = task.duration * self.settings.progress_step / 100
            steps = [task.duration * self.settings.pending_fraction, task.duration]
            steps += [step * k for k in range(1, int(100 / self.settings.progress_step))]
            upcoming = [t - elapsed for t in steps if t > elapsed]
            return max(0.001, min(upcoming)) if upcoming else 0.001
        return 0.01  # a hand-moved clock: look often

    @property
    def duplicate_inputs(self) -> int:
        return sum(c - 1 for c in self.inputs.values())

    def counters(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "tasks_created": len(self.tasks),
            "idempotent_replays": self.replays,
            "duplicate_inputs": self.duplicate_inputs,
            "faults_injected": dict(self.faults_injected),
            "files": len(self.files),
        }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


class _DroppedResponse(Response):
    """Promise a body, send half of it, then cut the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", b"200")]})
        await send({"type": "http.response.body", "body": b'{"id": "trunc', "more_body": True})
        raise ConnectionAbortedError("emulated dropped connection")


def create_app(state: EmulatorState) -> Starlette:
    s = state.settings

    async def guard(request: Request, route: str) -> Response | None:
        """Count, authenticate, then apply a scripted or random fault."""
        state.requests[route] += 1
        if s.faults.latency:
            await asyncio.sleep(s.faults.latency)
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {s.api_key}":
            return _error(401, "unauthorized", "Invalid or missing API key")
        raw = state.raw_replies.get(route)
        if raw:
            status, content_type, body = raw.popleft()
            return Response(body, status, media_type=content_type)
        fault = state.next_fault(route)
        if fault is None or fault == "drop_after_create":
            request.state.fault = fault
            return None
        if fault == "slow":
            await asyncio.sleep(2.0)
            return None
        if fault == "429":
            return _error(429, "rate_limited", "Too many requests",
                          **{"Retry-After": f"{s.faults.retry_after:g}"})
        if fault == "credits":
            return _error(429, "insufficient_credits", "Your credit balance is too low")
        if fault == "html_500":
            return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", 502,
                            media_type="text/html")
        if fault == "malformed":
            return Response("{not json", 200, media_type="application/json")
        if fault == "drop":
            return _DroppedResponse()
        return _error(int(fault), "server_error", f"Emulated HTTP {fault}")

    async def read_create(request: Request) -> tuple[str, dict[str, Any], str] | Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "VALIDATION_ERROR", "Body must be JSON")
        if not isinstance(body, dict):
            return _error(400, "VALIDATION_ERROR", "Body must be a JSON object")
        key = body.get("idempotency_key")
        if not isinstance(key, str) or not key:
            return _error(400, "VALIDATION_ERROR", "idempotency_key is required")
        type_ = body.get("type")
        try:
            checked = catalog.validate_input(str(type_), body.get("input") or {},
                                             allow_unknown=True)
        except MonetValidationError as exc:
            return _error(400, "VALIDATION_ERROR", exc.message)
        return str(type_), checked, key

    async def create_async(request: Request) -> Response:
        if (blocked := await guard(request, "create")) is not None:
            return blocked
        parsed = await read_create(request)
        if isinstance(parsed, Response):
            return parsed
        task, _ = state.create(*parsed)
        if getattr(request.state, "fault", None) == "drop_after_create":
            return _DroppedResponse()  # the task exists, but the client never hears of it
        return JSONResponse(state.view(task, str(request.base_url), short=True))

    async def create_sync(request: Request) -> Response:
        if (blocked := await guard(request, "sync")) is not None:
            return blocked
        parsed = await read_create(request)
        if isinstance(parsed, Response):
            return parsed
        task, _ = state.create(*parsed)
        base = str(request.base_url)
        drop_after, abort = None, False
        if state.stream_drops:
            drop_after, abort = state.stream_drops.popleft()
        elif s.faults.rate_sse_drop and state.rng.random() < s.faults.rate_sse_drop:
            drop_after, abort = state.rng.randint(0, 3), state.rng.random() < 0.5
        if drop_after is not None:
            state.faults_injected["sse_drop"] += 1

        async def events() -> AsyncIterator[str]:
            last = None
            sent = 0
            quiet = 0.0
            while True:
                if drop_after is not None and sent >= drop_after:
                    if abort:
                        raise ConnectionAbortedError("emulated stream drop")
                    return  # a clean end before the task finished
                view = state.view(task, base)
                marker = (view["status"], view["outputs"][0]["progress"] if view["outputs"]
                          else None)
                if marker != last:
                    last, quiet = marker, 0.0
                    sent += 1
                    yield f"data: {json.dumps(view)}\n\n"
                    if view["status"] in ("success", "failed"):
                        return
                elif quiet >= s.keepalive_seconds:
                    quiet = 0.0
                    yield ": keep-alive\n\n"
                pause = min(state.seconds_to_next_change(task), s.keepalive_seconds)
                await asyncio.sleep(pause)
                quiet += pause

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    async def get_task(request: Request) -> Response:
        if (blocked := await guard(request, "get")) is not None:
            return blocked
        task = state.tasks.get(request.path_params["task_id"])
        if task is None:
            return _error(404, "not_found", "Task not found")
        return JSONResponse(state.view(task, str(request.base_url)))

    async def list_tasks(request: Request) -> Response:
        if (blocked := await guard(request, "list")) is not None:
            return blocked
        try:
            page = int(request.query_params.get("page", "1"))
            size = int(request.query_params.get("pageSize", "20"))
        except ValueError:
            return _error(400, "VALIDATION_ERROR", "page and pageSize must be integers")
        if page < 1 or not 1 <= size <= 100:
            return _error(400, "VALIDATION_ERROR", "page >= 1 and 1 <= pageSize <= 100")
        ordered = list(reversed(state.tasks.values()))
        chunk = ordered[(page - 1) * size: page * size]
        base = str(request.base_url)
        return JSONResponse({s.list_key: [state.view(t, base) for t in chunk], "page": page,
                             "pageSize": size, "total": len(ordered)})

    async def upload(request: Request) -> Response:
        if (blocked := await guard(request, "upload")) is not None:
            return blocked
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            return _error(400, "VALIDATION_ERROR", "Send the file as multipart field 'file'")
        raw = await request.body()
        if len(raw) > MAX_UPLOAD:
            return _error(413, "file_too_large", f"Files are limited to {MAX_UPLOAD} bytes")
        message = BytesParser(policy=policy.HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + raw)
        part = next((p for p in message.iter_parts()
                     if p.get_param("name", header="content-disposition") == "file"), None)
        if part is None:
            return _error(400, "VALIDATION_ERROR", "Multipart field 'file' is missing")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename() or "upload.bin"
        file_id = "file_" + hashlib.sha256(f"{len(state.files)}:{filename}".encode()).hexdigest()[
            :12]
        f = _File(file_id, filename, part.get_content_type(), data, state.clock())
        state.files[file_id] = f
        return JSONResponse({"id": f.id, "url": f"{request.base_url}files/uploads/{f.id}/"
                             f"{filename}", "filename": filename, "size": len(data),
                             "content_type": f.content_type, "created_at": _iso(f.created)})

    async def output_file(request: Request) -> Response:
        state.requests["files"] += 1
        task = state.tasks.get(request.path_params["task_id"])
        if task is None or state.view(task, "")["status"] != "success":
            return _error(404, "not_found", "No such output")
        content_type = media.EXTENSIONS[task.type][1]
        seed = f"{task.id}:{task.input.get('prompt', '')}:{request.path_params['name']}"
        return Response(media.render(task.type, seed), media_type=content_type)

    async def uploaded_file(request: Request) -> Response:
        state.requests["files"] += 1
        f = state.files.get(request.path_params["file_id"])
        if f is None or state.clock() - f.created > FILE_TTL:
            return _error(404, "not_found", "File not found or expired (files are kept 24 h)")
        return Response(f.data, media_type=f.content_type)

    async def counters(request: Request) -> Response:
        if request.headers.get("authorization", "") != f"Bearer {s.api_key}":
            return _error(401, "unauthorized", "Invalid or missing API key")
        finish = {t.id: t.created + t.duration for t in state.tasks.values()}
        return JSONResponse({**state.counters(), "finish_times": finish})

    return Starlette(routes=[
        Route("/_emulator/counters", counters, methods=["GET"]),
        Route("/api/v1/tasks/async", create_async, methods=["POST"]),
        Route("/api/v1/tasks/sync", create_sync, methods=["POST"]),
        Route("/api/v1/tasks/list", list_tasks, methods=["GET"]),
        Route("/api/v1/tasks/{task_id}", get_task, methods=["GET"]),
        Route("/api/v1/files", upload, methods=["POST"]),
        Route("/files/outputs/{task_id}/{name}", output_file, methods=["GET"]),
        Route("/files/uploads/{file_id}/{filename}", uploaded_file, methods=["GET"]),
    ])
