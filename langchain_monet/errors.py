"""Typed errors: every failure a caller can meet is a `MonetError`.

Messages never contain the API key; `MonetAPIError` keeps the server's code and message verbatim
so an agent or a person can act on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_monet.models import Task

__all__ = [
    "MonetAPIError",
    "MonetAuthenticationError",
    "MonetConnectionError",
    "MonetError",
    "MonetInsufficientCreditsError",
    "MonetNotFoundError",
    "MonetRateLimitError",
    "MonetServerError",
    "MonetTaskFailedError",
    "MonetTimeoutError",
    "MonetValidationError",
]


class MonetError(Exception):
    """Base class of every error raised by langchain-monet."""


class MonetAPIError(MonetError):
    """The server answered with an error, or with a body we could not read."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None or self.code:
            detail = ", ".join(
                p for p in (f"HTTP {self.status}" if self.status else "", self.code or "") if p
            )
            parts.append(f"({detail})")
        return " ".join(parts)


class MonetAuthenticationError(MonetAPIError):
    """Missing, malformed or rejected API key (HTTP 401/403)."""


class MonetNotFoundError(MonetAPIError):
    """The task or file does not exist (HTTP 404)."""


class MonetValidationError(MonetAPIError, ValueError):
    """Input rejected: locally by the catalog (no request sent) or by the server (HTTP 400/422).

    `field` names the offending parameter, `allowed` lists what would be accepted and
    `suggestion` is the closest valid name for a misspelt model or parameter.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        allowed: Sequence[Any] | None = None,
        suggestion: str | None = None,
        status: int | None = None,
        code: str | None = "VALIDATION_ERROR",
        body: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, body=body)
        self.field = field
        self.allowed = list(allowed) if allowed is not None else None
        self.suggestion = suggestion

    def __str__(self) -> str:
        return self.message if self.status is None else super().__str__()


class MonetRateLimitError(MonetAPIError):
    """Too many requests (HTTP 429) after all retries; `retry_after` is the server's hint."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class MonetInsufficientCreditsError(MonetAPIError):
    """Out of credits or quota (HTTP 402, or a 429 whose code says so). Never retried."""


class MonetServerError(MonetAPIError):
    """The server failed (HTTP 5xx) after all retries."""


class MonetConnectionError(MonetError):
    """The server could not be reached, or dropped the connection, after all retries."""


class MonetTimeoutError(MonetError):
    """A request or a wait ran past its deadline. `task_id` is kept so the task is never lost."""

    def __init__(self, message: str, *, task_id: str | None = None) -> None:
        super().__init__(message)
        self.task_id = task_id


class MonetTaskFailedError(MonetError):
    """The task finished with status `failed`; `task` carries the server's whole answer."""

    def __init__(self, task: Task) -> None:
        self.task = task
        reason = task.error_message or "no reason given"
        super().__init__(f"Task {task.id} ({task.type}) failed: {reason}")
