"""`monet`: the catalog, generation, tasks, uploads, the emulator and the demo from a terminal.

Reads MONET_API_KEY and MONET_BASE_URL. Bad input exits with status 2 and one line naming the
field and the allowed values, before anything is sent.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_monet import catalog
from langchain_monet.errors import MonetError, MonetValidationError
from langchain_monet.uploads import is_url

EXIT_USAGE = 2


def _value(text: str) -> Any:
    """`10` -> 10, `true` -> True, `[..]` -> list, anything else stays a string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _params(pairs: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, eq, raw = pair.partition("=")
        if not eq or not name:
            raise MonetValidationError(f"--param: expected name=value, got {pair!r}",
                                       field="--param")
        out[name.strip()] = _value(raw)
    return out


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _client(args: argparse.Namespace) -> Any:
    from langchain_monet.client import MonetClient

    settings: dict[str, Any] = {}
    if getattr(args, "poll_interval", None) is not None:
        settings["poll_interval"] = args.poll_interval
    return MonetClient(**settings)


# --- commands ------------------------------------------------------------------------------------


def cmd_models(args: argparse.Namespace) -> int:
    models = catalog.list_models(args.type)
    if args.json:
        _print_json([{"id": m.id, "type": m.media_type, "name": m.name, "tagline": m.tagline,
                      "params": [p.summary() for p in m.params]} for m in models])
        return 0
    width = max(len(m.id) for m in models)
    for m in models:
        params = ", ".join(p.summary() for p in m.params)
        print(f"{m.media_type:<6} {m.id:<{width}}  {m.tagline}\n{'':<{width + 9}}{params}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from langchain_monet.progress import ProgressPrinter

    input_: dict[str, Any] = {"model": args.model, **_params(args.param)}
    if args.prompt:
        input_["prompt"] = " ".join(args.prompt)
    refs = {"images": list(args.image or []), "videos": list(args.video or [])}
    for field, values in refs.items():
        for value in values:
            if not is_url(value) and not Path(value).is_file():
                raise MonetValidationError(
                    f"--{field[:-1]}: {value!r} is neither an http(s) URL nor a readable file",
                    field=field)
        if values:
            input_[field] = values  # local paths pass validation as strings; uploaded below
    catalog.validate_input(args.media_type, input_)  # everything checked before any request
    with _client(args) as client:
        for field, values in refs.items():
            if values:
                input_[field] = [v if is_url(v) else client.upload_file(v).url for v in values]
        if args.no_wait:
            task = client.create_task(args.media_type, input_)
            if args.json:
                _print_json(task.model_dump())
            else:
                print(f"{task.id}  {task.status}  (wait with: monet tasks wait {task.id})")
            return 0
        printer = None if args.json else ProgressPrinter()

        def show(t: Any) -> None:
            if printer is not None:
                printer({"task_id": t.id, "type": t.type, "model": args.model,
                         "status": t.status, "progress": t.progress})

        task = client.generate(args.media_type, input_, timeout=args.timeout, on_progress=show)
        saved: list[str] = []
        if args.out:
            from langchain_monet.assets import download

            saved = [str(download(u, args.out, filename=f"{task.id}-{n}{Path(u).suffix}"))
                     for n, u in enumerate(task.urls)]
        if args.json:
            _print_json({**task.model_dump(), "urls": task.urls, "saved": saved})
        else:
            for url in task.urls:
                print(url)
            for path in saved:
                print(f"saved to {path}")
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    with _client(args) as client:
        if args.action == "list":
            page = client.list_tasks(args.page, args.page_size)
            if args.json:
                _print_json(page.model_dump(by_alias=True))
            else:
                for t in page.tasks:
                    print(f"{t.id}  {t.type or '':<6} {t.status:<10} {t.model or '':<18} "
                          f"{t.url or ''}")
                print(f"page {page.page}, {len(page.tasks)} of {page.total} tasks")
            return 0
        if not args.task_id:
            raise MonetValidationError(f"task_id: `monet tasks {args.action}` needs a task id",
                                       field="task_id")
        if args.action == "get":
            task = client.get_task(args.task_id)
        else:
            from langchain_monet.progress import ProgressPrinter

            printer = None if args.json else ProgressPrinter()
            task = client.wait(args.task_id, timeout=args.timeout, on_progress=lambda t: (
                printer and printer({"task_id": t.id, "type": t.type, "model": t.model,
                                     "status": t.status, "progress": t.progress})))
        if args.json:
            _print_json({**task.model_dump(), "urls": task.urls})
        else:
            print(f"{task.id}  {task.type}  {task.status}  {task.progress:.0f}%")
            for url in task.urls:
                print(url)
    return 0


def cmd_upload(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise MonetValidationError(f"file: {args.file!r} is not a readable file", field="file")
    with _client(args) as client:
        uploaded = client.upload_file(path)
    if args.json:
        _print_json(uploaded.model_dump())
    else:
        print(uploaded.url)
    return 0


def cmd_emulator(args: argparse.Namespace) -> int:
    from langchain_monet.emulator import serve

    serve(args.host, args.port, task_seconds=args.task_seconds)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from langchain_monet.demo import run_demo

    result = run_demo(args.out, live=args.live)
    return 0 if not result.get("errors") else 1


# --- parser --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monet", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("models", help="list the models and their parameters")
    p.add_argument("--type", choices=catalog.MEDIA_TYPES)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("generate", help="generate a video, image or music")
    p.add_argument("media_type", choices=catalog.MEDIA_TYPES)
    p.add_argument("prompt", nargs="*", help="the prompt (quote it, or pass the words)")
    p.add_argument("--model", required=True)
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--image", action="append", metavar="PATH_OR_URL")
    p.add_argument("--video", action="append", metavar="PATH_OR_URL")
    p.add_argument("--out", metavar="DIR", help="download the result here")
    p.add_argument("--no-wait", action="store_true", help="print the task id and return")
    p.add_argument("--timeout", type=float, default=None)
    p.add_argument("--poll-interval", type=float, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("tasks", help="list, get or wait for tasks")
    p.add_argument("action", choices=("list", "get", "wait"))
    p.add_argument("task_id", nargs="?")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--page-size", type=int, default=20)
    p.add_argument("--timeout", type=float, default=None)
    p.add_argument("--poll-interval", type=float, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("upload", help="upload a local file, print its URL (kept 24 h)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_upload)

    p = sub.add_parser("emulator", help="serve the local Monet emulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--task-seconds", type=float, default=None)
    p.set_defaults(func=cmd_emulator)

    p = sub.add_parser("demo", help="a small production on the built-in emulator")
    p.add_argument("--out", default="monet-output")
    p.add_argument("--live", action="store_true", help="use the live API (spends credits)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # argparse cannot put a positional after options once it has matched it empty; the words
    # left over are the prompt (`monet generate image --model m a red fox`).
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command != "generate" or any(w.startswith("-") for w in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.prompt = [*args.prompt, *extra]
    try:
        code: int = args.func(args)
        return code
    except MonetValidationError as exc:
        print(f"monet: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MonetError as exc:
        print(f"monet: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
