"""Sans-I/O core of the client: how requests are built, retried and read.

Every client operation is written once, as a generator that yields *effects* (send this request,
sleep this long, read the next event of that stream, report this snapshot) and receives their
results. `_drivers` runs the same generator with blocking httpx or with asyncio; only the I/O
differs, so the sync and async clients cannot drift apart.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
import uuid
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr, ValidationError

from langchain_monet import catalog
from langchain_monet._version import __version__
from langchain_monet.errors import (
    MonetAPIError,
    MonetAuthenticationError,
    MonetConnectionError,
    MonetError,
    MonetInsufficientCreditsError,
    MonetNotFoundError,
    MonetRateLimitError,
    MonetServerError,
    MonetTaskFailedError,
    MonetTimeoutError,
    MonetValidationError,
)
from langchain_monet.models import Task, TaskPage, UploadedFile

logger = logging.getLogger("langchain_monet")

T = TypeVar("T")
API_PREFIX = "/api/v1"
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_CREDIT_WORDS = ("credit", "quota", "balance", "insufficient", "billing")
MAX_ERROR_BODY = 2_000


# ---------------------------------------------------------------------------------------------
# Effects
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """Send `request`; with `stream` the body is left unread. Result: `httpx.Response`."""

    request: httpx.Request
    stream: bool = False


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class OpenEvents:
    """Start reading server-sent events from a streamed response. Result: an event iterator."""

    response: httpx.Response


@dataclass(frozen=True)
class NextEvent:
    """Result: the next `httpx_sse.ServerSentEvent`, or None when the stream ended."""

    events: Any


@dataclass(frozen=True)
class Read:
    """Read (and close) a streamed response's whole body. Result: the same response."""

    response: httpx.Response


@dataclass(frozen=True)
class Close:
    response: httpx.Response


@dataclass(frozen=True)
class Emit:
    """A task snapshot for the caller (progress callback or `stream()` consumer)."""

    task: Task


Effect = Send | Sleep | OpenEvents | NextEvent | Read | Close | Emit
Operation = Generator[Effect, Any, T]


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Settings shared by `MonetClient` and `AsyncMonetClient`."""

    api_key: SecretStr = field(repr=False)
    base_url: str = "https://monet.vision"
    timeout: float = 60.0
    max_retries: int = 4
    poll_interval: float = 5.0
    wait_timeout: float = 900.0
    max_retry_wait: float = 60.0
    stream_idle_timeout: float = 60.0

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{API_PREFIX}{path}"

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.api_key.get_secret_value()}",
            "User-Agent": f"langchain-monet/{__version__}",
            "Accept": "application/json",
        }


def new_idempotency_key() -> str:
    return f"lcm-{uuid.uuid4()}"


# ---------------------------------------------------------------------------------------------
# Reading responses
# ---------------------------------------------------------------------------------------------


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def error_from_response(response: httpx.Response) -> MonetAPIError:
    """Turn an error response (JSON envelope, other JSON, HTML, empty) into a typed error."""
    status = response.status_code
    text = response.text[:MAX_ERROR_BODY] if response.content else ""
    body = _json_body(response)
    code: str | None = None
    message: str | None = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            code = _str_or_none(err.get("code"))
            message = _str_or_none(err.get("message"))
        elif isinstance(err, str):
            message = err
        message = message or _str_or_none(body.get("message"))
        code = code or _str_or_none(body.get("code"))
    if not message:
        snippet = " ".join(text.split())[:200]
        message = f"HTTP {status} {response.reason_phrase}".strip() + (
            f": {snippet}" if snippet else ""
        )
    kw: dict[str, Any] = {"status": status, "code": code, "body": text}
    lowered = f"{code or ''} {message}".lower()
    if status == 402 or (status == 429 and any(w in lowered for w in _CREDIT_WORDS)):
        return MonetInsufficientCreditsError(message, **kw)
    if status in (401, 403):
        return MonetAuthenticationError(message, **kw)
    if status == 404:
        return MonetNotFoundError(message, **kw)
    if status in (400, 422):
        return MonetValidationError(message, **kw)
    if status == 429:
        return MonetRateLimitError(message, retry_after=retry_after(response), **kw)
    if status >= 500:
        return MonetServerError(message, **kw)
    return MonetAPIError(message, **kw)


def _str_or_none(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a `Retry-After` header (delta or HTTP date), if readable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def parse_model(model: type[T], response: httpx.Response, *, unwrap: str | None = None) -> T:
    """Validate a JSON body into `model`; anything unreadable becomes a `MonetAPIError`."""
    body = _json_body(response)
    if isinstance(body, dict) and unwrap and isinstance(body.get(unwrap), dict):
        body = body[unwrap]
    return parse_data(model, body, status=response.status_code, raw=response.text)


def parse_data(model: type[T], body: Any, *, status: int | None = None, raw: str = "") -> T:
    if not isinstance(body, dict):
        snippet = " ".join(raw.split())[:200]
        raise MonetAPIError(
            f"Unreadable response from Monet: expected a JSON object, got {snippet!r}",
            status=status,
            body=raw[:MAX_ERROR_BODY],
        )
    try:
        return model.model_validate(body)  # type: ignore[attr-defined, no-any-return]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:3]
        )
        raise MonetAPIError(
            f"Malformed {model.__name__} in Monet's response ({problems})",
            status=status,
            body=raw[:MAX_ERROR_BODY],
        ) from None


# ---------------------------------------------------------------------------------------------
# Sending, with retries
# ---------------------------------------------------------------------------------------------


def backoff(attempt: int, *, base: float = 0.5, cap: float = 8.0) -> float:
    """Exponential backoff with full jitter: attempt 1 -> [0, 0.5] s, 2 -> [0, 1] s, ..."""
    return float(random.uniform(0, min(cap, base * 2 ** (attempt - 1))))


def build_request(
    cfg: Config,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    params: Mapping[str, Any] | None = None,
    files: Any = None,
    timeout: float | None = None,
    accept: str | None = None,
) -> httpx.Request:
    headers = cfg.headers()
    if accept:
        headers["Accept"] = accept
    request = httpx.Request(
        method, cfg.url(path), json=json_body, params=params, files=files, headers=headers
    )
    request.read()  # materialize the body, so each retry sends the very same bytes
    t = cfg.timeout if timeout is None else timeout
    request.extensions["timeout"] = httpx.Timeout(t, connect=min(t, 10.0)).as_dict()
    return request


def send(
    cfg: Config,
    request: httpx.Request,
    *,
    stream: bool = False,
    deadline: float | None = None,
    task_id: str | None = None,
) -> Operation[httpx.Response]:
    """Send with retries on connection errors, timeouts, 408/429/5xx; raise typed errors.

    The same request (same idempotency key in its body) is re-sent on every attempt, so a retried
    create can never make a second task. Returns a successful (2xx) response.
    """
    attempt = 0
    while True:
        attempt += 1
        started = time.monotonic()
        error: MonetError
        delay: float | None = None
        try:
            response: httpx.Response = yield Send(request, stream=stream)
        except httpx.TimeoutException as exc:
            error = MonetTimeoutError(
                f"{request.method} {request.url.path} timed out ({type(exc).__name__})",
                task_id=task_id,
            )
        except httpx.TransportError as exc:
            error = MonetConnectionError(
                f"{request.method} {request.url.path} failed: {type(exc).__name__}: {exc}"
            )
        else:
            _log(request, response.status_code, started, attempt)
            if response.is_success:
                return response
            if stream:
                yield Read(response)
            api_error = error_from_response(response)
            if response.status_code not in RETRY_STATUSES or isinstance(
                api_error, MonetInsufficientCreditsError
            ):
                raise api_error
            error = api_error
            delay = retry_after(response)
        if attempt > cfg.max_retries:
            raise error
        wait = backoff(attempt) if delay is None else delay
        wait = min(wait, cfg.max_retry_wait)
        if deadline is not None and time.monotonic() + wait >= deadline:
            raise error
        logger.debug("retrying %s %s in %.2fs after %s", request.method, request.url.path, wait,
                     type(error).__name__)
        if wait > 0:
            yield Sleep(wait)


def _log(request: httpx.Request, status: int, started: float, attempt: int) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d)",
            request.method,
            request.url.path,
            status,
            (time.monotonic() - started) * 1000,
            attempt,
        )


# ---------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------


def task_body(
    type: str, input: Mapping[str, Any], idempotency_key: str | None, *, validate: bool
) -> dict[str, Any]:
    checked = catalog.validate_input(type, input) if validate else dict(input)
    return {
        "type": type,
        "input": checked,
        "idempotency_key": idempotency_key or new_idempotency_key(),
    }


def create_task(cfg: Config, body: dict[str, Any]) -> Operation[Task]:
    request = build_request(cfg, "POST", "/tasks/async", json_body=body)
    response = yield from send(cfg, request)
    task = parse_model(Task, response, unwrap="task")
    return _with_request_fields(task, body)


def _with_request_fields(task: Task, body: Mapping[str, Any]) -> Task:
    """The create answer is short ({id, status, type, created_at}); fill in what we sent."""
    missing = {
        k: body[k]
        for k in ("type", "input", "idempotency_key")
        if getattr(task, k, None) is None and k in body
    }
    return task.model_copy(update=missing) if missing else task


def get_task(cfg: Config, task_id: str, *, deadline: float | None = None) -> Operation[Task]:
    if not isinstance(task_id, str) or not task_id.strip() or "/" in task_id:
        raise MonetValidationError(f"task_id: must be a task id string, got {task_id!r}",
                                   field="task_id")
    request = build_request(cfg, "GET", f"/tasks/{task_id}")
    response = yield from send(cfg, request, deadline=deadline, task_id=task_id)
    return parse_model(Task, response, unwrap="task")


def list_tasks(cfg: Config, page: int, page_size: int) -> Operation[TaskPage]:
    if page < 1 or not 1 <= page_size <= 100:
        raise MonetValidationError(
            f"page/page_size: need page >= 1 and 1 <= page_size <= 100, got {page}/{page_size}",
            field="page_size" if page >= 1 else "page",
        )
    request = build_request(cfg, "GET", "/tasks/list",
                            params={"page": page, "pageSize": page_size})
    response = yield from send(cfg, request)
    return parse_model(TaskPage, response)


def upload_file(cfg: Config, name: str, data: bytes, content_type: str) -> Operation[UploadedFile]:
    request = build_request(cfg, "POST", "/files", files={"file": (name, data, content_type)})
    response = yield from send(cfg, request)
    return parse_model(UploadedFile, response, unwrap="file")


def deadline_for(cfg: Config, timeout: float | None) -> float:
    return time.monotonic() + (cfg.wait_timeout if timeout is None else timeout)


def wait(cfg: Config, task_id: str, deadline: float) -> Operation[Task]:
    """Poll one task until it ends; emit each new snapshot; raise on failure or deadline."""
    last: tuple[str, float] | None = None
    while True:
        task = yield from get_task(cfg, task_id, deadline=deadline)
        if (task.status, task.progress) != last:
            last = (task.status, task.progress)
            yield Emit(task)
        if task.is_terminal:
            return finish(task)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MonetTimeoutError(
                f"Task {task_id} still {task.status} at the deadline; it keeps running on the "
                f"server: wait for it again with its id",
                task_id=task_id,
            )
        yield Sleep(min(cfg.poll_interval, remaining))


def finish(task: Task) -> Task:
    if task.failed:
        raise MonetTaskFailedError(task)
    return task


def stream(cfg: Config, body: dict[str, Any], deadline: float) -> Operation[Task]:
    """Create-and-follow over SSE; on a dropped stream, continue on the same task by polling.

    Never creates a second task: if the stream drops before the task id is known, the create is
    repeated with the same idempotency key, which returns the existing task.
    """
    snapshot: dict[str, Any] = {}
    task: Task | None = None
    idle = min(cfg.stream_idle_timeout, max(deadline - time.monotonic(), 0.001))
    request = build_request(
        cfg, "POST", "/tasks/sync", json_body=body, accept="text/event-stream", timeout=idle
    )
    try:
        response = yield from send(cfg, request, stream=True, deadline=deadline)
    except (MonetConnectionError, MonetTimeoutError, MonetServerError, MonetRateLimitError):
        response = None
    except MonetAPIError as exc:
        if exc.status not in (404, 405, 501):
            raise
        response = None  # no event stream here: create (same key) and poll instead
    if response is not None:
        task = yield from _follow(response, snapshot, deadline)
        yield Close(response)
        if task is not None and task.is_terminal:
            return finish(task)
    if task is None:  # never learnt the id: the same key returns the task that exists
        task = yield from create_task(cfg, body)
    logger.debug("event stream for task %s ended early; polling it", task.id)
    # Poll at once: a create's short answer has no outputs even when the task is done.
    return (yield from wait(cfg, task.id, deadline))


def _follow(
    response: httpx.Response, snapshot: dict[str, Any], deadline: float
) -> Operation[Task | None]:
    """Read events until a terminal snapshot, the end of the stream, or a transport error."""
    task: Task | None = None
    if "text/event-stream" not in response.headers.get("content-type", ""):
        # A server may answer with plain JSON instead of a stream: one snapshot.
        try:
            yield Read(response)
        except httpx.HTTPError:
            return None
        return _merge(snapshot, _json_body(response))
    try:
        events = yield OpenEvents(response)
        while time.monotonic() < deadline:
            event = yield NextEvent(events)
            if event is None:
                break
            if not event.data:
                continue
            try:
                data = json.loads(event.data)
            except ValueError:
                logger.debug("ignoring non-JSON event %r", event.data[:100])
                continue
            if isinstance(data, dict) and isinstance(data.get("error"), dict) and "id" not in data:
                raise parse_sse_error(data, response)
            new = _merge(snapshot, data)
            if new is None:
                continue
            task = new
            yield Emit(task)
            if task.is_terminal:
                break
    except httpx.HTTPError as exc:
        logger.debug("event stream dropped: %s", type(exc).__name__)
    return task


def parse_sse_error(data: dict[str, Any], response: httpx.Response) -> MonetAPIError:
    fake = httpx.Response(
        400 if data["error"].get("code") == "VALIDATION_ERROR" else 500,
        json=data,
        request=response.request,
    )
    return error_from_response(fake)


def _merge(snapshot: dict[str, Any], data: Any) -> Task | None:
    """Fold a full or partial task from an event into the running snapshot."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("task"), dict):
        data = data["task"]
    snapshot.update(data)
    if not snapshot.get("id"):
        return None
    try:
        return parse_data(Task, snapshot)
    except MonetAPIError:
        return None
