"""Record the cassettes: `python -m tests.record_cassettes`.

Against the built-in emulator by default. With MONET_API_KEY set (and `--live`), the scenarios
that need no injected fault are recorded against the live API instead: that spends credits.
cassettes/README.md is rewritten to say which cassette came from where.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from langchain_monet import MonetClient, __version__
from langchain_monet.emulator import MonetEmulator
from tests.cassette_scenarios import CASSETTES, SCENARIOS, use_cassette
from tests.conftest import Either

SOURCES = CASSETTES / "sources.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", action="store_true",
                        help="record against the live API with MONET_API_KEY (spends credits)")
    parser.add_argument("names", nargs="*", help="only these scenarios")
    args = parser.parse_args()
    live = args.live
    if live and not os.environ.get("MONET_API_KEY"):
        parser.error("--live needs MONET_API_KEY")
    sources = json.loads(SOURCES.read_text()) if SOURCES.exists() else {}
    CASSETTES.mkdir(exist_ok=True)
    with MonetEmulator(task_seconds=0.6) as emu:
        for scenario in SCENARIOS:
            if args.names and scenario.name not in args.names:
                continue
            if live and not scenario.live:
                print(f"skip {scenario.name}: needs an injected fault, kept from the emulator")
                continue
            emu.reset()
            if scenario.prepare and not live:
                scenario.prepare(emu)
            settings = {"poll_interval": 0.15, "max_retry_wait": 0.2}
            if not live:
                settings.update(api_key=emu.api_key, base_url=emu.base_url)
            settings.update(scenario.client)
            path = CASSETTES / f"{scenario.name}.yaml"
            path.unlink(missing_ok=True)
            with MonetClient(**settings) as client, use_cassette(scenario.name, "all"):
                outcome = asyncio.run(scenario.run(Either(client)))
            scenario.check(outcome)
            sources[scenario.name] = {
                "source": "live Monet API" if live else "built-in emulator",
                "recorded": datetime.now(UTC).strftime("%Y-%m-%d"),
                "client": __version__,
            }
            print(f"recorded {path.name} ({sources[scenario.name]['source']})")
    if not args.names and not live:
        # The standard tool suites' cassettes (cassettes/tools/), recorded by pytest-recording.
        subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_tools_standard.py",
                        "--record-mode=rewrite"], check=True, cwd=CASSETTES.parent)
        sources["tools/*"] = {"source": "built-in emulator",
                              "recorded": datetime.now(UTC).strftime("%Y-%m-%d"),
                              "client": __version__}
        print("recorded cassettes/tools/ (built-in emulator)")
    SOURCES.write_text(json.dumps(sources, indent=2, sort_keys=True) + "\n")
    write_readme(sources)


def write_readme(sources: dict[str, dict[str, str]]) -> None:
    rows = "\n".join(
        f"| `{name}{'' if name.endswith('*') else '.yaml'}` | {s['source']} | {s['recorded']} "
        f"| {s['client']} |"
        for name, s in sorted(sources.items())
    )
    (CASSETTES / "README.md").write_text(f"""# Cassettes

Recorded HTTP exchanges (vcrpy) of whole create -> poll -> result cycles and failure paths. The
tests in `tests/test_cassettes.py` replay them with sockets disabled and no sleeping, with both
the sync and the async client. The `Authorization` header is replaced by `Bearer <redacted>`;
matching uses method, path and query only, so host, port and the random idempotency key do not
matter.

Re-record (from the repository root):

```bash
python -m tests.record_cassettes            # against the built-in emulator
MONET_API_KEY=monet_... python -m tests.record_cassettes --live   # live API; spends credits
```

A live recording replaces only the scenarios that need no injected fault; `tools/` holds the
cassettes of LangChain's standard tool suites (`tests/test_tools_standard.py`), recorded with
pytest-recording against the emulator. This table says where each cassette came from. It is
written by the recorder: never edit a cassette by hand.

| cassette | recorded against | date | langchain-monet |
|---|---|---|---|
{rows}
""")


if __name__ == "__main__":
    main()
