"""LangChain's standard tool suites for every Monet tool; integration runs replay cassettes.

Re-record: `python -m pytest tests/test_tools_standard.py --record-mode=rewrite` (emulator).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from langchain_monet import (
    MonetImageTool,
    MonetMusicTool,
    MonetTaskStatusTool,
    MonetUploadTool,
    MonetVideoTool,
)
from langchain_monet.emulator import MonetEmulator
from tests.cassette_scenarios import CASSETTES, VCR_CONFIG

DATA = Path(__file__).resolve().parent / "data"
REPLAY = {"api_key": "monet_replay_key", "base_url": "http://replay.invalid"}
TARGET: dict[str, Any] = dict(REPLAY)
FIRST_TASK = "task_ef134f2a180b"  # the emulator's first task id (seeded)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {**VCR_CONFIG, "allow_playback_repeats": False}


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES / "tools")


@pytest.fixture(autouse=True)
def _target(request: pytest.FixtureRequest, record_mode: str) -> Any:
    """Replaying: a dummy address. Recording: the live emulator, with one task to look up."""
    TARGET.clear()
    if record_mode in ("none", None):
        TARGET.update(REPLAY)
        yield
        return
    emu: MonetEmulator = request.getfixturevalue("emu")
    emu.settings.task_seconds.update(image=0.3, video=0.3, music=0.3)
    TARGET.update(api_key=emu.api_key, base_url=emu.base_url)
    task, _ = emu.state.create("image", {"model": "flux-1-schnell", "prompt": "x"}, "k")
    assert task.id == FIRST_TASK  # made directly, so no request lands in the cassette
    yield


class _Settings:
    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {**TARGET, **self.extra}  # type: ignore[attr-defined]

    extra: dict[str, Any] = {}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return ({"MONET_API_KEY": "monet_env_key", "MONET_BASE_URL": "http://env.invalid"},
                {}, {})


class _Video(_Settings):
    tool_constructor = MonetVideoTool
    tool_invoke_params_example = {"model": "veo-3-1-fast", "prompt": "waves at dusk",
                                  "aspect_ratio": "16:9"}


class _Image(_Settings):
    tool_constructor = MonetImageTool
    tool_invoke_params_example = {"model": "flux-1-schnell", "prompt": "a red fox"}


class _Music(_Settings):
    tool_constructor = MonetMusicTool
    tool_invoke_params_example = {"prompt": "lo-fi beat", "lyrics": "la la la"}


class _Upload(_Settings):
    tool_constructor = MonetUploadTool
    extra = {"root_dir": str(DATA)}
    tool_invoke_params_example = {"path": "ref.png"}


class _Status(_Settings):
    tool_constructor = MonetTaskStatusTool
    tool_invoke_params_example = {"task_id": FIRST_TASK}


class TestVideoToolUnit(_Video, ToolsUnitTests):
    pass


class TestImageToolUnit(_Image, ToolsUnitTests):
    pass


class TestMusicToolUnit(_Music, ToolsUnitTests):
    pass


class TestUploadToolUnit(_Upload, ToolsUnitTests):
    pass


class TestStatusToolUnit(_Status, ToolsUnitTests):
    pass


@pytest.mark.vcr
@pytest.mark.cassette
class TestVideoToolIntegration(_Video, ToolsIntegrationTests):
    pass


@pytest.mark.vcr
@pytest.mark.cassette
class TestImageToolIntegration(_Image, ToolsIntegrationTests):
    pass


@pytest.mark.vcr
@pytest.mark.cassette
class TestMusicToolIntegration(_Music, ToolsIntegrationTests):
    pass


@pytest.mark.vcr
@pytest.mark.cassette
class TestUploadToolIntegration(_Upload, ToolsIntegrationTests):
    pass


@pytest.mark.vcr
@pytest.mark.cassette
class TestStatusToolIntegration(_Status, ToolsIntegrationTests):
    pass
