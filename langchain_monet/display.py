"""How results show themselves in Jupyter: real image, video and audio players."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_monet.models import Task


def media_html(url: str, media_type: str | None) -> str:
    src = html.escape(url, quote=True)
    if media_type == "video":
        return f'<video src="{src}" controls muted playsinline style="max-width:480px"></video>'
    if media_type == "music":
        return f'<audio src="{src}" controls></audio>'
    return f'<img src="{src}" style="max-width:480px"/>'


def task_html(task: Task) -> str:
    head = html.escape(f"{task.type or 'task'} {task.id} · {task.model or ''} · {task.status}")
    if task.failed:
        return f"<div><b>{head}</b><br/>{html.escape(task.error_message or '')}</div>"
    players = "".join(media_html(u, task.type) for u in task.urls)
    return f"<div><b>{head}</b><br/>{players}</div>"
