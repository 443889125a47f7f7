"""A separate process that runs (or resumes) the subgraph, so a test can SIGKILL it mid-run.

python -m tests.graph_worker --store sqlite:PATH|postgres:DSN --thread T [--resume]
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_monet.client import MonetClient
from langchain_monet.graph import create_monet_graph

JOBS = [
    {"id": "frame", "type": "image",
     "input": {"model": "nano-banana-1", "prompt": "a lighthouse at dusk"}},
    {"id": "shot", "type": "video",
     "input": {"model": "veo-3-1-fast", "prompt": "slow push-in", "images": ["@frame"]}},
    {"id": "score", "type": "music", "input": {"model": "minimax-music", "prompt": "calm piano"}},
]


@contextmanager
def checkpointer(store: str) -> Iterator[Any]:
    kind, _, where = store.partition(":")
    if kind == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        with SqliteSaver.from_conn_string(where) as saver:
            yield saver
    else:
        from langgraph.checkpoint.postgres import PostgresSaver

        with PostgresSaver.from_conn_string(where) as saver:
            saver.setup()
            yield saver


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--thread", required=True)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    client = MonetClient(os.environ["MONET_API_KEY"], base_url=os.environ["MONET_BASE_URL"],
                         poll_interval=0.05)
    config = {"configurable": {"thread_id": args.thread}}
    with checkpointer(args.store) as saver:
        graph = create_monet_graph(client=client, checkpointer=saver)
        for event in graph.stream(None if args.resume else {"jobs": JOBS}, config,
                                  stream_mode="custom", durability="sync"):
            print(json.dumps(event), flush=True)
        print("RESULT " + json.dumps(graph.get_state(config).values), flush=True)


if __name__ == "__main__":
    main()
