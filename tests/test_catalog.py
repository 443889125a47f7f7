"""The catalog: every model of the spec, every rule, checked without any network."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_monet import MonetValidationError, get_model, list_models, validate_input
from langchain_monet.catalog import MEDIA_TYPES, ModelSpec, ParamSpec

ALL = list_models()


def minimal_input(spec: ModelSpec) -> dict[str, Any]:
    """The smallest input the model accepts: only its required parameters."""
    data: dict[str, Any] = {"model": spec.id}
    for p in spec.params:
        if p.required:
            data[p.name] = ["https://example.com/ref"] if p.kind == "url_list" else "a fox"
    return data


def test_counts_match_the_spec() -> None:
    assert len(list_models("video")) == 30
    assert len(list_models("image")) == 19
    assert len(list_models("music")) == 1
    assert len({m.key for m in ALL}) == 50


def test_wan_2_5_is_two_models_with_different_parameters() -> None:
    video, image = get_model("video", "wan-2-5"), get_model("image", "wan-2-5")
    assert video.param("duration") is not None and image.param("duration") is None
    assert image.param("images").max_items == 2  # type: ignore[union-attr]
    with pytest.raises(MonetValidationError, match="duration"):
        validate_input("image", {"model": "wan-2-5", "prompt": "x", "duration": 5})
    assert validate_input("video", {"model": "wan-2-5", "prompt": "x", "duration": 5})


@pytest.mark.parametrize("spec", ALL, ids=lambda m: f"{m.media_type}:{m.id}")
def test_every_model_is_complete_and_accepts_its_minimal_input(spec: ModelSpec) -> None:
    assert spec.name and spec.tagline and spec.media_type in MEDIA_TYPES
    assert all(p.description for p in spec.params)
    assert validate_input(spec.media_type, minimal_input(spec)) == minimal_input(spec)


@pytest.mark.parametrize("spec", ALL, ids=lambda m: f"{m.media_type}:{m.id}")
def test_every_required_parameter_is_enforced(spec: ModelSpec) -> None:
    for p in spec.params:
        if not p.required:
            continue
        data = minimal_input(spec)
        del data[p.name]
        with pytest.raises(MonetValidationError) as err:
            validate_input(spec.media_type, data)
        assert err.value.field == p.name
        assert p.name in str(err.value) and "required" in str(err.value)


CHOICE_CASES = [
    (m, p) for m in ALL for p in m.params if p.choices is not None
]


@pytest.mark.parametrize("spec,param", CHOICE_CASES,
                         ids=[f"{m.id}.{p.name}" for m, p in CHOICE_CASES])
def test_every_choice_parameter_accepts_its_values_and_names_them_on_error(
    spec: ModelSpec, param: ParamSpec
) -> None:
    assert param.choices is not None
    for value in param.choices:
        out = validate_input(spec.media_type, {**minimal_input(spec), param.name: value})
        assert out[param.name] == value
    bad = 7 if param.kind == "integer" else "7:7"
    with pytest.raises(MonetValidationError) as err:
        validate_input(spec.media_type, {**minimal_input(spec), param.name: bad})
    assert err.value.field == param.name
    assert err.value.allowed == list(param.choices)
    for value in param.choices:
        assert str(value) in str(err.value)


RANGE_CASES = [(m, p) for m in ALL for p in m.params if p.minimum is not None]


@pytest.mark.parametrize("spec,param", RANGE_CASES,
                         ids=[f"{m.id}.{p.name}" for m, p in RANGE_CASES])
def test_every_range_is_enforced_at_both_ends(spec: ModelSpec, param: ParamSpec) -> None:
    assert param.minimum is not None and param.maximum is not None
    base = minimal_input(spec)
    for ok in (param.minimum, param.maximum):
        validate_input(spec.media_type, {**base, param.name: ok})
    step = 1 if param.kind == "integer" else 0.01
    for bad in (param.minimum - step, param.maximum + step):
        with pytest.raises(MonetValidationError, match=f"{param.name}: .*out of range"):
            validate_input(spec.media_type, {**base, param.name: bad})


LIMIT_CASES = [(m, p) for m in ALL for p in m.params if p.max_items is not None]


@pytest.mark.parametrize("spec,param", LIMIT_CASES,
                         ids=[f"{m.id}.{p.name}" for m, p in LIMIT_CASES])
def test_reference_image_limits(spec: ModelSpec, param: ParamSpec) -> None:
    assert param.max_items is not None
    urls = [f"https://example.com/{i}.png" for i in range(param.max_items + 1)]
    validate_input(spec.media_type, {**minimal_input(spec), "images": urls[:-1]})
    with pytest.raises(MonetValidationError, match=f"at most {param.max_items}"):
        validate_input(spec.media_type, {**minimal_input(spec), "images": urls})


def test_spec_limits_from_the_published_table() -> None:
    limits = {m.id: m.param("images").max_items for m in list_models("image")  # type: ignore[union-attr]
              if m.param("images") is not None}
    assert limits["gpt-image-1-5"] == 10 and limits["nano-banana-1"] == 5
    assert limits["nano-banana-2"] == 14 and limits["wan-i-2-6"] == 4
    assert get_model("video", "doubao-seedance-1-5-pro").param("duration").maximum == 12  # type: ignore[union-attr]
    assert get_model("video", "doubao-seedance-1-0-pro-fast").param("duration").minimum == 2  # type: ignore[union-attr]


def test_music_prompt_and_lyrics_lengths() -> None:
    ok = {"model": "minimax-music", "prompt": "p" * 300, "lyrics": "l" * 3000}
    assert validate_input("music", ok) == ok
    with pytest.raises(MonetValidationError, match="prompt: is 301 characters long; the limit"):
        validate_input("music", {**ok, "prompt": "p" * 301})
    with pytest.raises(MonetValidationError, match="lyrics: is 3001"):
        validate_input("music", {**ok, "lyrics": "l" * 3001})


def test_the_spec_example_duration_5_for_sora_2_is_rejected_by_the_model_table() -> None:
    with pytest.raises(MonetValidationError) as err:
        validate_input("video", {"model": "sora-2", "prompt": "A cat", "duration": 5})
    assert str(err.value) == (
        "duration: 5 is not allowed for video model 'sora-2'; allowed values: 10, 15"
    )


def test_models_without_prompt_reject_one() -> None:
    for model in ("runway-act-two", "wan-animate-mix", "wan-animate-move-pro"):
        spec = get_model("video", model)
        assert not spec.takes_prompt
        with pytest.raises(MonetValidationError, match="prompt: not a parameter"):
            validate_input("video", {**minimal_input(spec), "prompt": "dance"})


def test_unknown_model_suggests_the_closest_and_lists_the_allowed() -> None:
    with pytest.raises(MonetValidationError) as err:
        validate_input("image", {"model": "flux-schnell", "prompt": "x"})
    assert err.value.suggestion == "flux-1-schnell" and err.value.field == "model"
    assert "did you mean 'flux-1-schnell'" in str(err.value)
    assert "ideogram-v3" in str(err.value)


def test_model_of_the_other_media_type_is_named() -> None:
    with pytest.raises(MonetValidationError, match="'sora-2' is a video model"):
        validate_input("image", {"model": "sora-2", "prompt": "x"})


def test_unknown_parameter_is_a_typo_error_unless_opted_out() -> None:
    data = {"model": "sora-2", "prompt": "x", "aspect_ration": "16:9"}
    with pytest.raises(MonetValidationError) as err:
        validate_input("video", data)
    assert err.value.suggestion == "aspect_ratio" and err.value.field == "aspect_ration"
    assert validate_input("video", data, allow_unknown=True)["aspect_ration"] == "16:9"


def test_unknown_media_type_and_missing_model() -> None:
    with pytest.raises(MonetValidationError, match="type: unknown media type 'vidoe'; did you"):
        validate_input("vidoe", {"model": "sora-2"})
    with pytest.raises(MonetValidationError, match="model: required; allowed values: minimax"):
        validate_input("music", {"prompt": "x"})
    with pytest.raises(MonetValidationError, match="input: must be an object"):
        validate_input("music", "minimax-music")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "given,expected",
    [
        ({"duration": "15"}, {"duration": 15}),
        ({"duration": 15.0}, {"duration": 15}),
        ({"images": "https://x/a.png"}, {"images": ["https://x/a.png"]}),
    ],
)
def test_normalization(given: dict[str, Any], expected: dict[str, Any]) -> None:
    out = validate_input("video", {"model": "sora-2", "prompt": "x", **given})
    assert {k: out[k] for k in expected} == expected


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("duration", True, "must be an integer"),
        ("duration", 10.5, "must be an integer"),
        ("generate_audio", "yes", "must be true or false"),
        ("images", [""], "list of URL strings"),
        ("images", [1], "list of URL strings"),
        ("prompt", "   ", "must not be empty"),
        ("prompt", 42, "must be a string"),
        ("aspect_ratio", "16-9", "did you mean '16:9'"),
    ],
)
def test_type_errors_name_the_field(field: str, value: Any, message: str) -> None:
    data = {"model": "kling-2-6", "prompt": "x", field: value}
    with pytest.raises(MonetValidationError, match=message) as err:
        validate_input("video", data)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}:")


def test_booleans_from_strings_and_strength_range() -> None:
    out = validate_input("video", {"model": "kling-2-6", "prompt": "x", "generate_audio": "true"})
    assert out["generate_audio"] is True
    with pytest.raises(MonetValidationError, match=r"strength: 1\.5 is out of range"):
        validate_input("video", {"model": "kling-v2", "prompt": "x", "strength": 1.5})


def test_none_values_are_dropped_so_tools_can_pass_every_field() -> None:
    out = validate_input("image", {"model": "flux-1-schnell", "prompt": "x", "style": None})
    assert out == {"model": "flux-1-schnell", "prompt": "x"}


def test_validation_error_is_a_value_error_for_pydantic_and_langchain() -> None:
    with pytest.raises(ValueError):
        validate_input("video", {"model": "nope"})
