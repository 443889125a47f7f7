"""LangChain tools and a LangGraph subgraph for the Monet AI media-generation API.

Heavy parts (langchain-core tools, langgraph) load on first use, so `import langchain_monet`
stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from langchain_monet._version import __version__

if TYPE_CHECKING:
    from langchain_monet.catalog import ModelSpec, ParamSpec, get_model, list_models, validate_input
    from langchain_monet.client import AsyncMonetClient, MonetClient
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
    from langchain_monet.graph import create_monet_graph
    from langchain_monet.models import Task, TaskOutput, TaskPage, UploadedFile
    from langchain_monet.tools import (
        MonetImageTool,
        MonetMusicTool,
        MonetTaskStatusTool,
        MonetToolkit,
        MonetUploadTool,
        MonetVideoTool,
    )

_EXPORTS: dict[str, str] = {
    "ModelSpec": "catalog",
    "ParamSpec": "catalog",
    "get_model": "catalog",
    "list_models": "catalog",
    "validate_input": "catalog",
    "MonetClient": "client",
    "AsyncMonetClient": "client",
    "MonetVideoTool": "tools",
    "MonetImageTool": "tools",
    "MonetMusicTool": "tools",
    "MonetUploadTool": "tools",
    "MonetTaskStatusTool": "tools",
    "MonetToolkit": "tools",
    "create_monet_graph": "graph",
    "Task": "models",
    "TaskOutput": "models",
    "TaskPage": "models",
    "UploadedFile": "models",
    **{
        name: "errors"
        for name in (
            "MonetError", "MonetAPIError", "MonetAuthenticationError", "MonetConnectionError",
            "MonetInsufficientCreditsError", "MonetNotFoundError", "MonetRateLimitError",
            "MonetServerError", "MonetTaskFailedError", "MonetTimeoutError",
            "MonetValidationError",
        )
    },
}

__all__ = [
    "AsyncMonetClient",
    "ModelSpec",
    "MonetAPIError",
    "MonetAuthenticationError",
    "MonetClient",
    "MonetConnectionError",
    "MonetError",
    "MonetImageTool",
    "MonetInsufficientCreditsError",
    "MonetMusicTool",
    "MonetNotFoundError",
    "MonetRateLimitError",
    "MonetServerError",
    "MonetTaskFailedError",
    "MonetTaskStatusTool",
    "MonetTimeoutError",
    "MonetToolkit",
    "MonetUploadTool",
    "MonetValidationError",
    "MonetVideoTool",
    "ParamSpec",
    "Task",
    "TaskOutput",
    "TaskPage",
    "UploadedFile",
    "__version__",
    "create_monet_graph",
    "get_model",
    "list_models",
    "validate_input",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'langchain_monet' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"langchain_monet.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
