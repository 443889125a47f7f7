"""How results show themselves in Jupyter: real image, video and audio players."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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


class AssetGallery:
    """The subgraph's `assets` as players in Jupyter: `AssetGallery(result["assets"])`."""

    def __init__(self, assets: Mapping[str, Mapping[str, Any]]) -> None:
        self.assets = dict(assets)

    def _repr_html_(self) -> str:
        cells = []
        for job_id, asset in self.assets.items():
            players = "".join(media_html(u, asset.get("type")) for u in asset.get("urls", []))
            title = html.escape(f"{job_id} · {asset.get('type')} · {asset.get('model')}")
            cells.append(f"<div style='margin:4px 0'><b>{title}</b><br/>{players}</div>")
        return "<div>" + "".join(cells) + "</div>"

    def __repr__(self) -> str:
        return "\n".join(f"{j}: {', '.join(a.get('urls', []))}" for j, a in self.assets.items())
