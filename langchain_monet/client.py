"""`MonetClient` and `AsyncMonetClient`: one surface, one request logic (`_protocol`), two kinds
of I/O (`_drivers`)."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any, Self

import httpx
from pydantic import SecretStr

from langchain_monet import _protocol as p
from langchain_monet._drivers import (
    ProgressCallback,
    iterate_async,
    iterate_sync,
    run_async,
    run_sync,
)
from langchain_monet.errors import MonetAuthenticationError, MonetValidationError
from langchain_monet.models import Task, TaskPage, UploadedFile

__all__ = ["DEFAULT_BASE_URL", "AsyncMonetClient", "MonetClient"]

DEFAULT_BASE_URL = "https://monet.vision"
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class _ClientBase:
    """Configuration and argument checks shared by both clients."""

    _config: p.Config

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        poll_interval: float = 5.0,
        wait_timeout: float = 900.0,
        max_retry_wait: float = 60.0,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("MONET_API_KEY")
        secret = key if isinstance(key, SecretStr) else SecretStr(key or "")
        if not secret.get_secret_value().strip():
            raise MonetAuthenticationError(
                "No Monet API key: pass api_key=... or set MONET_API_KEY "
                "(or use the local emulator: `monet emulator`)."
            )
        if max_retries < 0 or timeout <= 0 or poll_interval < 0 or wait_timeout <= 0:
            raise MonetValidationError(
                "client settings: need timeout > 0, wait_timeout > 0, max_retries >= 0 and "
                "poll_interval >= 0"
            )
        self._config = p.Config(
            api_key=secret,
            base_url=(base_url or os.environ.get("MONET_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            timeout=timeout,
            max_retries=max_retries,
            poll_interval=poll_interval,
            wait_timeout=wait_timeout,
            max_retry_wait=max_retry_wait,
        )

    @classmethod
    def from_config(cls, config: p.Config, http_client: Any = None) -> Self:
        """A client with the same settings as another (e.g. the async twin of a sync client)."""
        client = cls.__new__(cls)
        client._config = config
        client._init_http(http_client)
        return client

    def _init_http(self, http_client: Any = None) -> None:
        raise NotImplementedError

    @property
    def config(self) -> p.Config:
        """The settings (the key inside is a `SecretStr`: it never prints)."""
        return self._config

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def poll_interval(self) -> float:
        return self._config.poll_interval

    def __repr__(self) -> str:
        c = self._config
        return (
            f"{type(self).__name__}(base_url={c.base_url!r}, api_key='**********', "
            f"timeout={c.timeout}, max_retries={c.max_retries}, poll_interval={c.poll_interval})"
        )

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} holds a secret and an open connection pool; "
                        "it cannot be pickled")

    @staticmethod
    def _file_payload(
        file: str | os.PathLike[str] | bytes, filename: str | None, content_type: str | None
    ) -> tuple[str, bytes, str]:
        if isinstance(file, bytes | bytearray):
            data, name = bytes(file), filename or "upload.bin"
        else:
            path = Path(file)
            if not path.is_file():
                raise MonetValidationError(f"file: {path.name!r} is not a readable file",
                                           field="file")
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                raise MonetValidationError(
                    f"file: {path.name!r} is larger than {MAX_UPLOAD_BYTES // 2**20} MiB",
                    field="file",
                )
            data, name = path.read_bytes(), filename or path.name
        if len(data) > MAX_UPLOAD_BYTES:
            raise MonetValidationError(
                f"file: larger than {MAX_UPLOAD_BYTES // 2**20} MiB", field="file"
            )
        ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return name, data, ctype


class MonetClient(_ClientBase):
    """Blocking Monet client.

    Setup:
        `pip install langchain-monet` and set `MONET_API_KEY` (or run `monet emulator`).

    Instantiation:
        ```python
        from langchain_monet import MonetClient

        client = MonetClient()  # reads MONET_API_KEY / MONET_BASE_URL
        ```

    Invocation:
        ```python
        task = client.generate("image", {"model": "flux-1-schnell", "prompt": "a red fox"})
        print(task.url)
        ```
    """

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        http_client: httpx.Client | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(api_key, **settings)
        self._init_http(http_client)

    def _init_http(self, http_client: httpx.Client | None = None) -> None:
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._owns_http:
            self._http.close()

    def _run(self, op: p.Operation[Any], on_progress: ProgressCallback | None = None) -> Any:
        return run_sync(op, self._http, on_progress)

    def create_task(
        self,
        type: str,
        input: Mapping[str, Any],
        idempotency_key: str | None = None,
        *,
        validate: bool = True,
    ) -> Task:
        """Create a task (validated first); returns at once. The key makes retries safe."""
        body = p.task_body(type, input, idempotency_key, validate=validate)
        task: Task = self._run(p.create_task(self._config, body))
        return task

    def get_task(self, task_id: str) -> Task:
        """The task's current state."""
        task: Task = self._run(p.get_task(self._config, task_id))
        return task

    def list_tasks(self, page: int = 1, page_size: int = 20) -> TaskPage:
        """One page of your tasks, newest first."""
        result: TaskPage = self._run(p.list_tasks(self._config, page, page_size))
        return result

    def iter_tasks(self, page_size: int = 20) -> Iterator[Task]:
        """Every task, page after page."""
        page = 1
        while True:
            result = self.list_tasks(page, page_size)
            yield from result.tasks
            if not result.tasks or not result.has_more:
                return
            page += 1

    def upload_file(
        self,
        file: str | os.PathLike[str] | bytes,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> UploadedFile:
        """Upload a local file (kept 24 h by Monet); use its `url` in `images`/`videos`."""
        name, data, ctype = self._file_payload(file, filename, content_type)
        uploaded: UploadedFile = self._run(p.upload_file(self._config, name, data, ctype))
        return uploaded

    def wait(
        self,
        task_id: str,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Task:
        """Poll a task until it succeeds (returned) or fails (`MonetTaskFailedError`).

        Raises `MonetTimeoutError` (with `task_id`) after `timeout` seconds (default
        `wait_timeout`); the task keeps running on the server.
        """
        op = p.wait(self._config, task_id, p.deadline_for(self._config, timeout))
        task: Task = self._run(op, on_progress)
        return task

    def stream(
        self,
        type: str,
        input: Mapping[str, Any],
        idempotency_key: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Iterator[Task]:
        """Create a task and yield its snapshots as the server reports them (SSE), to the end."""
        body = p.task_body(type, input, idempotency_key, validate=True)
        return iterate_sync(p.stream(self._config, body, p.deadline_for(self._config, timeout)),
                            self._http)

    def generate(
        self,
        type: str,
        input: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Task:
        """Create a task and wait for its result: the whole cycle in one call.

        Completion is learnt from the event stream the moment the server reports it; if the
        stream drops, the same task is polled — it is never created twice.
        """
        body = p.task_body(type, input, idempotency_key, validate=True)
        op = p.stream(self._config, body, p.deadline_for(self._config, timeout))
        task: Task = self._run(op, on_progress)
        return task


class AsyncMonetClient(_ClientBase):
    """Asyncio Monet client: the same methods as `MonetClient`, awaited.

    Instantiation:
        ```python
        from langchain_monet import AsyncMonetClient

        async with AsyncMonetClient() as client:
            task = await client.generate("music", {"model": "minimax-music", "prompt": "lo-fi"})
        ```
    """

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(api_key, **settings)
        self._init_http(http_client)

    def _init_http(self, http_client: httpx.AsyncClient | None = None) -> None:
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            # Many connections for many concurrent event streams, few kept idle: httpcore scans
            # every pooled connection per request, so a large idle pool slows every request.
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=20)
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _run(self, op: p.Operation[Any], on_progress: ProgressCallback | None = None) -> Any:
        return await run_async(op, self._http, on_progress)

    async def create_task(
        self,
        type: str,
        input: Mapping[str, Any],
        idempotency_key: str | None = None,
        *,
        validate: bool = True,
    ) -> Task:
        body = p.task_body(type, input, idempotency_key, validate=validate)
        task: Task = await self._run(p.create_task(self._config, body))
        return task

    async def get_task(self, task_id: str) -> Task:
        task: Task = await self._run(p.get_task(self._config, task_id))
        return task

    async def list_tasks(self, page: int = 1, page_size: int = 20) -> TaskPage:
        result: TaskPage = await self._run(p.list_tasks(self._config, page, page_size))
        return result

    async def iter_tasks(self, page_size: int = 20) -> AsyncIterator[Task]:
        page = 1
        while True:
            result = await self.list_tasks(page, page_size)
            for task in result.tasks:
                yield task
            if not result.tasks or not result.has_more:
                return
            page += 1

    async def upload_file(
        self,
        file: str | os.PathLike[str] | bytes,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> UploadedFile:
        name, data, ctype = self._file_payload(file, filename, content_type)
        uploaded: UploadedFile = await self._run(p.upload_file(self._config, name, data, ctype))
        return uploaded

    async def wait(
        self,
        task_id: str,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Task:
        op = p.wait(self._config, task_id, p.deadline_for(self._config, timeout))
        task: Task = await self._run(op, on_progress)
        return task

    def stream(
        self,
        type: str,
        input: Mapping[str, Any],
        idempotency_key: str | None = None,
        *,
        timeout: float | None = None,
    ) -> AsyncIterator[Task]:
        body = p.task_body(type, input, idempotency_key, validate=True)
        return iterate_async(
            p.stream(self._config, body, p.deadline_for(self._config, timeout)), self._http
        )

    async def generate(
        self,
        type: str,
        input: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Task:
        body = p.task_body(type, input, idempotency_key, validate=True)
        op = p.stream(self._config, body, p.deadline_for(self._config, timeout))
        task: Task = await self._run(op, on_progress)
        return task
