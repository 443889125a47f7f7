"""Replay the recorded cassettes with sockets disabled and no sleeping, sync and async."""

from __future__ import annotations

import inspect
import json
import time

import pytest
import yaml
from pytest_socket import disable_socket, enable_socket

from langchain_monet import AsyncMonetClient, MonetClient
from tests.cassette_scenarios import CASSETTES, SCENARIOS, Scenario, use_cassette
from tests.conftest import Either

pytestmark = pytest.mark.cassette


@pytest.fixture
def no_network() -> object:
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_replay(scenario: Scenario, kind: str, no_network: object) -> None:
    cls = MonetClient if kind == "sync" else AsyncMonetClient
    settings = {
        "api_key": "monet_replay_key",
        "base_url": "http://replay.invalid",  # matching ignores host and port
        "poll_interval": 0.0,
        "max_retry_wait": 0.0,
        **scenario.client,
    }
    client = cls(**settings)
    started = time.monotonic()
    with use_cassette(scenario.name) as cassette:
        outcome = await scenario.run(Either(client))
        assert cassette.all_played, f"{scenario.name}: not every recorded request was replayed"
    scenario.check(outcome)
    assert time.monotonic() - started < 2.0  # nothing slept on the recorded delays
    closing = client.close()
    if inspect.isawaitable(closing):
        await closing


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_cassettes_hold_no_key_and_say_where_they_came_from(scenario: Scenario) -> None:
    path = CASSETTES / f"{scenario.name}.yaml"
    text = path.read_text()
    assert "monet_emulator_key" not in text and "monet_not_a_real_key" not in text
    data = yaml.safe_load(text)
    for interaction in data["interactions"]:
        auth = interaction["request"]["headers"].get("authorization")
        assert auth in (None, ["Bearer <redacted>"])
    readme = (CASSETTES / "README.md").read_text()
    assert f"`{scenario.name}.yaml`" in readme


def test_polling_cassettes_really_poll() -> None:
    """A full cycle cassette holds create, several polls and a final success."""
    data = yaml.safe_load((CASSETTES / "video_cycle.yaml").read_text())
    methods = [i["request"]["method"] for i in data["interactions"]]
    assert methods[0] == "POST" and methods.count("GET") >= 3
    assert json.loads(data["interactions"][-1]["response"]["body"]["string"])["status"] == "success"
