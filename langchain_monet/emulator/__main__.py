"""`python -m langchain_monet.emulator [--port N]`: serve the emulator in the foreground."""

import argparse

from langchain_monet.emulator import serve

parser = argparse.ArgumentParser(description="Serve the local Monet emulator.")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8765)
parser.add_argument("--task-seconds", type=float, default=None)
args = parser.parse_args()
serve(args.host, args.port, task_seconds=args.task_seconds)
