"""LangChain tools: one per media type, plus upload and task status, and a toolkit.

Each media tool's argument schema and description come from the catalog, restricted to its
`allowed_models`. A wrong call comes back to the model as a message naming the field and the
allowed values (nothing is sent); a right one returns short text for the model and the whole
result as the artifact. Creates are idempotent across re-execution: the key derives from the
tool call id and the arguments.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar, Literal

from langchain_core.callbacks import (
    adispatch_custom_event,
    dispatch_custom_event,
)
from langchain_core.tools import BaseTool, BaseToolkit, ToolException
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, create_model

from langchain_monet import catalog
from langchain_monet.client import AsyncMonetClient, MonetClient
from langchain_monet.errors import (
    MonetError,
    MonetTaskFailedError,
    MonetTimeoutError,
    MonetValidationError,
)
from langchain_monet.models import Task
from langchain_monet.uploads import DEFAULT_MAX_UPLOAD_BYTES, check_upload_path, is_url

__all__ = [
    "MonetImageTool",
    "MonetMusicTool",
    "MonetTaskStatusTool",
    "MonetToolkit",
    "MonetUploadTool",
    "MonetVideoTool",
    "tool_key",
]

PROGRESS_EVENT = "monet_progress"
_KEY_NAMESPACE = uuid.UUID("0b7e4c0e-4a65-4c7b-9e0a-6c616e67636d")
_PY_TYPES: dict[str, Any] = {
    "string": str, "integer": int, "number": float, "boolean": bool, "url_list": list[str],
}
_REF_KINDS = {"images": "image", "videos": "video"}


def tool_key(tool_call_id: str | None, name: str, args: dict[str, Any]) -> str | None:
    """Idempotency key of a tool call: the same call re-executed gets the same task back."""
    if not tool_call_id:
        return None
    canonical = json.dumps([name, args], sort_keys=True, default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"lcm-{uuid.uuid5(_KEY_NAMESPACE, f'{tool_call_id}:{digest}')}"


# ------------------------------------------------------------------------------------------------
# Schemas and descriptions from the catalog
# ------------------------------------------------------------------------------------------------


@cache
def args_schema_for(media_type: str, models: tuple[str, ...], default: str) -> type[BaseModel]:
    """A pydantic model: `model` (limited to `models`), `prompt`, and every parameter they take."""
    specs = [catalog.get_model(media_type, m) for m in models]
    fields: dict[str, Any] = {
        "model": (Literal[models], Field(default, description="Which model to use.")),  # type: ignore[valid-type]
    }
    seen: dict[str, list[tuple[catalog.ModelSpec, catalog.ParamSpec]]] = {}
    for spec in specs:
        for p in spec.params:
            seen.setdefault(p.name, []).append((spec, p))
    for name, uses in seen.items():
        param = uses[0][1]
        description = param.description
        if name in _REF_KINDS:
            description += " Public URLs, or local file paths (uploaded for you)."
        variants = {p.summary().removeprefix(name).lstrip("=") for _, p in uses}
        if len(variants) == 1 and (param.choices or param.minimum is not None):
            description += f" Allowed: {next(iter(variants))}."
        elif len(variants) > 1:
            description += " Allowed values depend on the model (see the model list)."
        if len(uses) < len(specs) and len(uses) <= 3:
            description += " Only for: " + ", ".join(s.id for s, _ in uses) + "."
        elif len(uses) < len(specs):
            description += " Not every model takes it (see the model list)."
        fields[name] = (_PY_TYPES[param.kind] | None, Field(None, description=description))
    title = f"Monet{media_type.capitalize()}Args"
    return create_model(title, __doc__=f"Generate {media_type} with Monet.", **fields)


def describe_models(media_type: str, models: Sequence[str]) -> str:
    """One line per allowed model: id, strength and key parameters (compact on purpose)."""
    lines = []
    for model_id in models:
        spec = catalog.get_model(media_type, model_id)
        params = []
        for p in spec.params:
            if p.name == "prompt" or (p.name == "images" and not p.required and not p.max_items):
                continue  # every model takes these; said once below
            params.append(p.summary().replace(" REQUIRED", "!"))
        if not spec.takes_prompt:
            params.append("no prompt")
        lines.append(f"- {spec.id}: {spec.tagline}" + (f" [{', '.join(params)}]" if params
                                                         else ""))
    legend = "Models take prompt and optional images (reference URLs) unless noted; ! = required."
    if media_type == "video":
        legend += " Reference videos: 3-30 s."
    return legend + "\n" + "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Shared plumbing
# ------------------------------------------------------------------------------------------------


class _MonetToolBase(BaseTool):
    """Client handling shared by every Monet tool."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    base_url: str | None = None
    client: MonetClient | None = Field(default=None, exclude=True, repr=False)
    async_client: AsyncMonetClient | None = Field(default=None, exclude=True, repr=False)
    timeout: float | None = None
    """Seconds to wait for a result before answering with the task id instead."""
    handle_tool_error: bool | str | Any = True
    handle_validation_error: bool | str | Any = Field(
        default_factory=lambda: _explain_schema_error)

    _sync: MonetClient | None = PrivateAttr(default=None)
    _async: AsyncMonetClient | None = PrivateAttr(default=None)

    def _client(self) -> MonetClient:
        if self._sync is None:
            if self.client is not None:
                self._sync = self.client
            elif self.async_client is not None:
                self._sync = MonetClient.from_config(self.async_client.config)
            else:
                self._sync = MonetClient(self.api_key, base_url=self.base_url)
        return self._sync

    def _aclient(self) -> AsyncMonetClient:
        if self._async is None:
            if self.async_client is not None:
                self._async = self.async_client
            else:
                self._async = AsyncMonetClient.from_config(self._client().config)
        return self._async

    def _to_args_and_kwargs(
        self, tool_input: str | dict[str, Any], tool_call_id: str | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        # LangChain passes the tool call id only to InjectedToolCallId arguments, which fail
        # when a tool is invoked with plain args; we take it here and keep it optional.
        args, kwargs = super()._to_args_and_kwargs(tool_input, tool_call_id)
        kwargs["tool_call_id"] = tool_call_id
        return args, kwargs


def _progress(task: Task, tool: str) -> dict[str, Any]:
    return {"tool": tool, "task_id": task.id, "type": task.type, "model": task.model,
            "status": task.status, "progress": task.progress}


def _stream_write(event: dict[str, Any]) -> None:
    try:
        from langgraph.config import get_stream_writer

        get_stream_writer()(event)
    except (ImportError, RuntimeError, KeyError):
        pass  # not inside a LangGraph run


def _report(event: dict[str, Any]) -> None:
    """Progress to LangChain callbacks (custom event) and, inside LangGraph, the stream."""
    with contextlib.suppress(RuntimeError):  # outside a run there is nobody to tell
        dispatch_custom_event(PROGRESS_EVENT, event)
    _stream_write(event)


async def _areport(event: dict[str, Any]) -> None:
    with contextlib.suppress(RuntimeError):
        await adispatch_custom_event(PROGRESS_EVENT, event)
    _stream_write(event)


def _result(
    task: Task, input: dict[str, Any], started: float, *, waited: bool
) -> tuple[str, dict[str, Any]]:
    artifact = {
        "task_id": task.id,
        "media_type": task.type,
        "model": task.model or input.get("model"),
        "status": task.status,
        "progress": task.progress,
        "input": input,
        "urls": task.urls,
        "created_at": task.created_at,
        "elapsed_seconds": round(time.monotonic() - started, 3),
    }
    model = artifact["model"]
    if task.succeeded:
        urls = "\n".join(task.urls)
        content = f"{task.type} ready (model {model}, task {task.id}):\n{urls}"
    elif waited:
        content = (f"{task.type} task {task.id} is still {task.status} ({task.progress:.0f}%). "
                   "Check it later with monet_task_status.")
    else:
        content = (f"{task.type} task {task.id} submitted (model {model}, status {task.status})."
                   " Check it later with monet_task_status.")
    return content, artifact


def _explain_schema_error(error: Any) -> str:
    """A pydantic error on the tool's arguments, said so that a model can fix its call."""
    try:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
            for e in error.errors()[:5])
    except (AttributeError, TypeError):
        problems = str(error)
    return f"Invalid arguments: {problems}. Correct the call and try again."


def _guide(exc: MonetValidationError) -> ToolException:
    return ToolException(f"Invalid arguments: {exc}. Correct the call and try again.")


# ------------------------------------------------------------------------------------------------
# Media tools
# ------------------------------------------------------------------------------------------------


class _MonetMediaTool(_MonetToolBase):
    media_type: ClassVar[str]
    verb: ClassVar[str]

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    allowed_models: list[str] | None = None
    """Restrict the menu (e.g. for cost). Default: every model of this media type."""
    default_model: str | None = None
    wait: bool = True
    """True: return the finished asset. False: return the task id at once (long jobs)."""
    root_dir: str | None = None
    """Local files in images/videos must be under this folder (default: working directory)."""
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES

    def __init__(self, **kwargs: Any) -> None:
        media = self.media_type
        all_ids = [m.id for m in catalog.list_models(media)]
        allowed = kwargs.get("allowed_models") or all_ids
        for model_id in [*allowed, *([kwargs["default_model"]] if kwargs.get("default_model")
                                      else [])]:
            catalog.get_model(media, model_id)  # a clear error for a misspelt model
        default = kwargs.get("default_model") or allowed[0]
        if default not in allowed:
            raise MonetValidationError(
                f"default_model: {default!r} is not among allowed_models; allowed values: "
                f"{', '.join(allowed)}", field="default_model", allowed=allowed)
        kwargs.setdefault("name", f"monet_generate_{media}")
        kwargs.setdefault("description", (
            f"{self.verb} with Monet AI. Returns the {media} URL(s) when done"
            + (" (or a task id to check later with monet_task_status)."
               if kwargs.get("wait", True) is False or media == "video" else ".")
            + f" Default model: {default}. Models:\n{describe_models(media, allowed)}"
        ))
        kwargs["args_schema"] = args_schema_for(media, tuple(allowed), default)
        kwargs["allowed_models"] = list(allowed)
        kwargs["default_model"] = default
        super().__init__(**kwargs)

    def _input(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The validated input. Local paths pass as strings here; `_local_files` checks them."""
        data = {k: v for k, v in arguments.items() if v is not None}
        data["model"] = data.get("model") or self.default_model
        if data["model"] not in (self.allowed_models or []):
            raise MonetValidationError(
                f"model: {data['model']!r} is not available here; allowed values: "
                f"{', '.join(self.allowed_models or [])}",
                field="model", allowed=self.allowed_models)
        return catalog.validate_input(self.media_type, data)

    def _local_files(self, input: dict[str, Any]) -> list[tuple[str, int, str]]:
        """Sandbox check of every local path before anything is uploaded."""
        found = []
        for field, kind in _REF_KINDS.items():
            for i, value in enumerate(input.get(field, [])):
                if not is_url(value):
                    real, _ = check_upload_path(value, self.root_dir,
                                                max_bytes=self.max_upload_bytes, kinds=(kind,))
                    found.append((field, i, str(real)))
        return found

    def _prepare(self, kwargs: dict[str, Any]) -> tuple[dict[str, Any], list[Any], str | None]:
        tool_call_id = kwargs.pop("tool_call_id", None)
        input = self._input(kwargs)
        return input, self._local_files(input), tool_key(tool_call_id, self.name, input)

    def _run(self, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        try:
            input, local, key = self._prepare(kwargs)
            client = self._client()
            for field, i, path in local:
                input[field][i] = client.upload_file(path).url
            if not self.wait:
                return _result(client.create_task(self.media_type, input, key), input, started,
                               waited=False)
            task = client.generate(self.media_type, input, idempotency_key=key,
                                   timeout=self.timeout,
                                   on_progress=lambda t: _report(_progress(t, self.name)))
            return _result(task, input, started, waited=True)
        except MonetError as exc:
            return self._on_error(exc, kwargs, started)

    async def _arun(self, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        try:
            input, local, key = self._prepare(kwargs)
            client = self._aclient()
            for field, i, path in local:
                input[field][i] = (await client.upload_file(path)).url
            if not self.wait:
                task = await client.create_task(self.media_type, input, key)
                return _result(task, input, started, waited=False)

            async def report(t: Task) -> None:
                await _areport(_progress(t, self.name))

            task = await client.generate(self.media_type, input, idempotency_key=key,
                                         timeout=self.timeout, on_progress=report)
            return _result(task, input, started, waited=True)
        except MonetError as exc:
            return self._on_error(exc, kwargs, started)

    def _on_error(
        self, exc: MonetError, kwargs: dict[str, Any], started: float
    ) -> tuple[str, dict[str, Any]]:
        if isinstance(exc, MonetValidationError):
            raise _guide(exc) from None
        if isinstance(exc, MonetTimeoutError) and exc.task_id:
            task = Task(id=exc.task_id, type=self.media_type, status="processing")
            return _result(task, kwargs, started, waited=True)
        if isinstance(exc, MonetTaskFailedError):
            raise ToolException(f"Generation failed for task {exc.task.id}: "
                                f"{exc.task.error_message or 'no reason given'}") from None
        raise ToolException(f"Monet error: {exc}") from None


class MonetVideoTool(_MonetMediaTool):
    """Generate videos with Monet AI (Sora 2, Veo 3/3.1, Wan, Kling, Hailuo, Seedance, ...).

    Setup:
        `pip install langchain-monet` and set `MONET_API_KEY`.

    Instantiation:
        ```python
        from langchain_monet import MonetVideoTool

        tool = MonetVideoTool(allowed_models=["veo-3-1-fast", "kling-2-6"], wait=False)
        ```

    Invocation:
        ```python
        tool.invoke({"model": "kling-2-6", "prompt": "a paper boat in rain", "duration": 5})
        ```
    """

    media_type: ClassVar[str] = "video"
    verb: ClassVar[str] = "Generate a video from a text prompt and optional reference images/videos"


class MonetImageTool(_MonetMediaTool):
    """Generate images with Monet AI (GPT Image, Nano Banana, Seedream, Flux, Imagen, ...).

    Setup:
        `pip install langchain-monet` and set `MONET_API_KEY`.

    Instantiation:
        ```python
        from langchain_monet import MonetImageTool

        tool = MonetImageTool(default_model="flux-1-schnell")
        ```

    Invocation:
        ```python
        tool.invoke({"prompt": "a red fox, watercolor"})
        ```
    """

    media_type: ClassVar[str] = "image"
    verb: ClassVar[str] = "Generate an image from a text prompt and optional reference images"


class MonetMusicTool(_MonetMediaTool):
    """Generate music with Monet AI (MiniMax Music; prompt <= 300, lyrics <= 3000 characters).

    Setup:
        `pip install langchain-monet` and set `MONET_API_KEY`.

    Instantiation:
        ```python
        from langchain_monet import MonetMusicTool

        tool = MonetMusicTool(timeout=300)
        ```

    Invocation:
        ```python
        tool.invoke({"prompt": "lo-fi beat", "lyrics": "la la la"})
        ```
    """

    media_type: ClassVar[str] = "music"
    verb: ClassVar[str] = "Generate music from a description and optional lyrics"


# ------------------------------------------------------------------------------------------------
# Upload and status
# ------------------------------------------------------------------------------------------------


class _UploadArgs(BaseModel):
    path: str = Field(description="Path of a local image, video or audio file.")


class MonetUploadTool(_MonetToolBase):
    """Upload a local media file to Monet and get a URL (kept 24 h) for `images`/`videos`.

    Only regular files under `root_dir` (default: the working directory; symlinks and `..` are
    resolved first), up to `max_bytes`, whose bytes are image, video or audio.

    Setup:
        `pip install langchain-monet` and set `MONET_API_KEY`.

    Instantiation:
        ```python
        from langchain_monet import MonetUploadTool

        tool = MonetUploadTool(root_dir="./assets", max_bytes=20_000_000)
        ```

    Invocation:
        ```python
        url = tool.invoke({"path": "frame.png"})   # a path under root_dir
        ```
    """

    name: str = "monet_upload_file"
    description: str = (
        "Upload a local image, video or audio file to Monet and return its URL (valid 24 hours)"
        ", to use as a reference in images/videos. Only files in the allowed folder."
    )
    args_schema: type[BaseModel] = _UploadArgs
    root_dir: str | None = None
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES

    def _check(self, path: str) -> str:
        try:
            real, _ = check_upload_path(path, self.root_dir, max_bytes=self.max_bytes)
        except MonetValidationError as exc:
            raise ToolException(f"Upload refused: {exc}") from None
        return str(real)

    def _run(self, path: str, **kwargs: Any) -> str:
        real = self._check(path)
        try:
            return self._client().upload_file(real).url
        except MonetError as exc:
            raise ToolException(f"Upload failed: {exc}") from None

    async def _arun(self, path: str, **kwargs: Any) -> str:
        real = self._check(path)
        try:
            return (await self._aclient().upload_file(real)).url
        except MonetError as exc:
            raise ToolException(f"Upload failed: {exc}") from None


class _StatusArgs(BaseModel):
    task_id: str = Field(description="The task id returned when the job was submitted.")
    wait: bool = Field(False, description="Wait (up to the tool's timeout) for it to finish.")


class MonetTaskStatusTool(_MonetToolBase):
    """Status and result of a Monet task, so an agent can come back to a long video job.

    Setup:
        `pip install langchain-monet` and set `MONET_API_KEY`.

    Invocation:
        ```python
        from langchain_monet import MonetTaskStatusTool

        MonetTaskStatusTool().invoke({"task_id": "task_abc123"})
        ```
    """

    name: str = "monet_task_status"
    description: str = (
        "Get the status of a Monet generation task by id; returns the output URL(s) once it "
        "has succeeded. Set wait=true to wait for it to finish."
    )
    args_schema: type[BaseModel] = _StatusArgs
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    timeout: float | None = 300.0

    def _run(self, task_id: str, wait: bool = False, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        client = self._client()
        try:
            task = (client.wait(task_id, timeout=self.timeout,
                                on_progress=lambda t: _report(_progress(t, self.name)))
                    if wait else client.get_task(task_id))
        except MonetError as exc:
            return self._on_error(exc, task_id, started)
        return self._status(task, started)

    async def _arun(
        self, task_id: str, wait: bool = False, **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        client = self._aclient()

        async def report(t: Task) -> None:
            await _areport(_progress(t, self.name))

        try:
            task = (await client.wait(task_id, timeout=self.timeout, on_progress=report)
                    if wait else await client.get_task(task_id))
        except MonetError as exc:
            return self._on_error(exc, task_id, started)
        return self._status(task, started)

    @staticmethod
    def _status(task: Task, started: float) -> tuple[str, dict[str, Any]]:
        content, artifact = _result(task, task.input or {}, started, waited=True)
        if not task.succeeded and not task.is_terminal:
            content = f"Task {task.id} is {task.status} ({task.progress:.0f}%)."
        return content, artifact

    def _on_error(
        self, exc: MonetError, task_id: str, started: float
    ) -> tuple[str, dict[str, Any]]:
        if isinstance(exc, MonetTaskFailedError):
            _, artifact = _result(exc.task, exc.task.input or {}, started, waited=True)
            return (f"Task {task_id} failed: {exc.task.error_message or 'no reason given'}",
                    artifact)
        if isinstance(exc, MonetTimeoutError):
            return (f"Task {task_id} is still running; check again later.",
                    {"task_id": task_id, "status": "processing"})
        raise ToolException(f"Could not get task {task_id!r}: {exc}") from None


# ------------------------------------------------------------------------------------------------
# Toolkit
# ------------------------------------------------------------------------------------------------

_MEDIA_TOOLS: dict[str, type[_MonetMediaTool]] = {
    "video": MonetVideoTool, "image": MonetImageTool, "music": MonetMusicTool,
}


class MonetToolkit(BaseToolkit):
    """All Monet tools for an agent: video, image, music, upload and task status.

    Setup:
        `pip install langchain-monet` and set `MONET_API_KEY` (or pass `client=`).

    Instantiation:
        ```python
        from langchain_monet import MonetToolkit

        toolkit = MonetToolkit(
            media_types=["image", "video"],
            allowed_models={"video": ["veo-3-1-fast"]},
            wait=False,   # long jobs return a task id; the agent checks back with the status tool
        )
        ```

    Invocation:
        ```python
        tools = toolkit.get_tools()   # give them to any tool-calling model / ToolNode
        ```
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    base_url: str | None = None
    client: MonetClient | None = Field(default=None, exclude=True)
    async_client: AsyncMonetClient | None = Field(default=None, exclude=True)
    media_types: list[Literal["video", "image", "music"]] = Field(
        default_factory=lambda: ["video", "image", "music"])  # type: ignore[arg-type]
    allowed_models: dict[str, list[str]] = Field(default_factory=dict)
    default_models: dict[str, str] = Field(default_factory=dict)
    wait: bool | dict[str, bool] = True
    timeout: float | None = None
    root_dir: str | None = None
    include_upload: bool = True
    include_status: bool = True

    def get_tools(self) -> list[BaseTool]:  # type: ignore[override]
        if self.client is None and self.async_client is None:
            self.client = MonetClient(self.api_key, base_url=self.base_url)
        shared: dict[str, Any] = {"client": self.client, "async_client": self.async_client,
                                  "timeout": self.timeout}
        tools: list[BaseTool] = []
        for media in self.media_types:
            wait = self.wait.get(media, True) if isinstance(self.wait, dict) else self.wait
            tools.append(_MEDIA_TOOLS[media](
                **shared, allowed_models=self.allowed_models.get(media),
                default_model=self.default_models.get(media), wait=wait,
                root_dir=self.root_dir))
        if self.include_upload:
            tools.append(MonetUploadTool(**shared, root_dir=self.root_dir))
        if self.include_status:
            tools.append(MonetTaskStatusTool(client=self.client, async_client=self.async_client))
        return tools
