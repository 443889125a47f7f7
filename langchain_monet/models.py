"""Response models. Tolerant by design: unknown fields are kept, unknown statuses are not errors,
a task may have several outputs, and a task list may come under `tasks` (spec) or `items` (SDK)."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

__all__ = ["TERMINAL_STATUSES", "Task", "TaskOutput", "TaskPage", "TaskStatus", "UploadedFile"]


class TaskStatus:
    """Known status values. `Task.status` stays a plain string so a new value never crashes."""

    PENDING = "pending"
    PROCESSING = "processing"
    SUCCESS = "success"
    FAILED = "failed"


TERMINAL_STATUSES = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILED})


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class TaskOutput(_Tolerant):
    """One generated asset of a task."""

    model: str | None = None
    status: str | None = None
    progress: float | None = None
    url: str | None = None

    @field_validator("progress", mode="before")
    @classmethod
    def _progress(cls, value: Any) -> Any:
        # A progress we cannot read is not worth failing a whole task over.
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError):
            return None


class Task(_Tolerant):
    """A generation task as the server reports it."""

    id: str
    status: str = TaskStatus.PENDING
    type: str | None = None
    idempotency_key: str | None = None
    input: dict[str, Any] | None = None
    outputs: list[TaskOutput] = Field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None

    @field_validator("outputs", mode="before")
    @classmethod
    def _outputs(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def succeeded(self) -> bool:
        return self.status == TaskStatus.SUCCESS

    @property
    def failed(self) -> bool:
        return self.status == TaskStatus.FAILED

    @property
    def urls(self) -> list[str]:
        """Every output URL, verbatim (signed query strings included)."""
        return [o.url for o in self.outputs if o.url]

    @property
    def url(self) -> str | None:
        """The first output URL, if any."""
        urls = self.urls
        return urls[0] if urls else None

    @property
    def model(self) -> str | None:
        if self.input and isinstance(self.input.get("model"), str):
            return str(self.input["model"])
        return next((o.model for o in self.outputs if o.model), None)

    @property
    def progress(self) -> float:
        """0-100: 100 once succeeded, else the mean of the outputs' progress."""
        if self.succeeded:
            return 100.0
        known = [o.progress for o in self.outputs if o.progress is not None]
        return round(sum(known) / len(known), 1) if known else 0.0

    @property
    def error_message(self) -> str | None:
        """The server's reason for a failure, wherever in the body it put it."""
        extra = self.model_extra or {}
        for key in ("error", "error_message", "message", "reason"):
            value = extra.get(key)
            if isinstance(value, dict):
                text = value.get("message") or value.get("code")
                if text:
                    return str(text)
            elif value:
                return str(value)
        for out in self.outputs:
            err = (out.model_extra or {}).get("error")
            if err:
                return str(err.get("message", err) if isinstance(err, dict) else err)
        return None

    def _repr_html_(self) -> str:
        from langchain_monet.display import task_html

        return task_html(self)


class TaskPage(_Tolerant):
    """One page of `list_tasks`."""

    tasks: list[Task] = Field(
        default_factory=list, validation_alias=AliasChoices("tasks", "items", "data")
    )
    page: int = 1
    page_size: int = Field(20, validation_alias=AliasChoices("pageSize", "page_size"))
    total: int | None = None

    @property
    def has_more(self) -> bool:
        if self.total is not None:
            return self.page * self.page_size < self.total
        return len(self.tasks) >= self.page_size > 0


class UploadedFile(_Tolerant):
    """A file stored by Monet for 24 hours; pass `url` in `images` or `videos`."""

    id: str | None = None
    url: str
    filename: str | None = None
    size: int | None = None
    content_type: str | None = None
    created_at: str | None = None
