"""The demo behind `monet demo`: a small production on the built-in emulator, no key needed."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def run_demo(out_dir: str | Path = "monet-output", *, live: bool = False) -> dict[str, Any]:
    """Storyboard image -> video that uses it -> music, with live progress; assets saved locally.

    With MONET_API_KEY set the demo would spend real credits, so it refuses unless `live`.
    """
    from langchain_monet.emulator import MonetEmulator
    from langchain_monet.graph import create_monet_graph
    from langchain_monet.progress import ProgressPrinter

    if os.environ.get("MONET_API_KEY") and not live:
        print(
            "MONET_API_KEY is set: this demo would use the live Monet API and spend credits.\n"
            "Run `monet demo --live` to do that, or unset MONET_API_KEY to use the emulator.",
            file=sys.stderr,
        )
        raise SystemExit(2)
    jobs = [
        {"id": "storyboard", "type": "image",
         "input": {"model": "nano-banana-1", "prompt": "Storyboard frame: a lighthouse at dusk, "
                   "waves crashing", "aspect_ratio": "16:9"}},
        {"id": "shot", "type": "video",
         "input": {"model": "veo-3-1-fast", "prompt": "Slow push-in on the lighthouse as the "
                   "beam turns on", "images": ["@storyboard"], "aspect_ratio": "16:9"}},
        {"id": "score", "type": "music",
         "input": {"model": "minimax-music", "prompt": "Calm ambient piano, ocean mood"}},
    ]
    emulator = None if live else MonetEmulator().start()
    try:
        settings: dict[str, Any] = {"poll_interval": 1.0}
        if emulator is not None:
            settings.update(api_key=emulator.api_key, base_url=emulator.base_url)
            print(f"Using the built-in Monet emulator at {emulator.base_url} (no API key needed)")
        from langchain_monet.assets import download_assets
        from langchain_monet.client import MonetClient

        with MonetClient(**settings) as client:
            graph = create_monet_graph(client=client)
            printer = ProgressPrinter()
            result: dict[str, Any] = {}
            for mode, chunk in graph.stream({"jobs": jobs}, stream_mode=["custom", "values"]):
                if mode == "custom":
                    printer(chunk)
                elif isinstance(chunk, dict):
                    result = chunk
            printer.close()
            saved = download_assets(result.get("assets", {}), out_dir)
        for job_id, asset in result.get("assets", {}).items():
            print(f"{job_id:>11}: {asset['type']:<5} {asset['model']:<14} {asset['urls'][0]}")
            for path in saved.get(job_id, []):
                print(f"{'':>13}saved to {path}")
        for job_id, error in result.get("errors", {}).items():
            print(f"{job_id:>11}: FAILED {error}")
        return result
    finally:
        if emulator is not None:
            emulator.stop()
