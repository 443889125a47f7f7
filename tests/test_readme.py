"""The README stays true: its model table is the catalog's, its commands are the CI's."""

from __future__ import annotations

import re
from pathlib import Path

from langchain_monet.catalog import markdown_table

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def models_section(text: str) -> str:
    match = re.search(r"<!-- models:start -->\n(.*?)\n?<!-- models:end -->", text, re.S)
    assert match, "README lost its model table markers"
    return match.group(1).strip()


def test_model_table_matches_the_catalog() -> None:
    assert models_section(README.read_text()) == markdown_table(), (
        "README model table is stale: run `python -m tests.test_readme`"
    )


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    text = README.read_text()
    block = re.search(r"```bash\n(.*?)\n```", text, re.S)
    assert block and text.index(block.group(0)) < 40
    demo, tests = block.group(1).splitlines()
    assert demo.endswith("monet demo") and "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text()


if __name__ == "__main__":
    text = README.read_text()
    start, end = "<!-- models:start -->", "<!-- models:end -->"
    head, rest = text.split(start)
    README.write_text(f"{head}{start}\n{markdown_table()}\n{end}{rest.split(end)[1]}")
    print("README model table updated")
