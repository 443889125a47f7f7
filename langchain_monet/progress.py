"""Terminal progress for the graph's and tools' progress events (no dependency: plain text)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO


def event_line(event: Mapping[str, Any], width: int = 20) -> str:
    """`shot      video  veo-3-1-fast  [#######.............]  35%  processing`."""
    progress = float(event.get("progress") or 0)
    filled = int(width * progress / 100)
    bar = "#" * filled + "." * (width - filled)
    return (f"{event.get('job', event.get('task_id', ''))!s:<12} "
            f"{event.get('type', '')!s:<6} {event.get('model', '')!s:<16} "
            f"[{bar}] {progress:5.1f}%  {event.get('status', '')}")


class ProgressPrinter:
    """Prints one line per change; on a terminal, redraws the lines in place."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.lines: dict[str, str] = {}
        self.tty = self.stream.isatty()
        self._drawn = 0

    def __call__(self, event: Any) -> None:
        if not isinstance(event, Mapping) or "status" not in event:
            return
        key = str(event.get("job") or event.get("task_id"))
        line = event_line(event)
        if self.lines.get(key) == line:
            return
        self.lines[key] = line
        if self.tty:
            if self._drawn:
                self.stream.write(f"\x1b[{self._drawn}F")
            self.stream.write("".join(f"\x1b[2K{x}\n" for x in self.lines.values()))
            self._drawn = len(self.lines)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()
