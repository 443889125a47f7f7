"""Every Monet model as data, and the validation that uses it.

This module is the single source for request validation, tool schemas and descriptions, the CLI's
model table and the README's model table. A model is keyed by (media type, id): `wan-2-5` is both a
video and an image model, with different parameters.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_monet.errors import MonetValidationError

__all__ = [
    "MEDIA_TYPES",
    "MediaType",
    "ModelSpec",
    "ParamSpec",
    "get_model",
    "list_models",
    "validate_input",
]

MediaType = Literal["video", "image", "music"]
MEDIA_TYPES: tuple[MediaType, ...] = ("video", "image", "music")
ParamKind = Literal["string", "integer", "number", "boolean", "url_list"]


@dataclass(frozen=True)
class ParamSpec:
    """One input parameter of one model."""

    name: str
    kind: ParamKind
    description: str
    required: bool = False
    choices: tuple[Any, ...] | None = None
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None

    def summary(self) -> str:
        """Short human/LLM-readable form, e.g. `duration=10|15 (default 10)`."""
        if self.choices is not None:
            text = f"{self.name}=" + "|".join(_fmt(c) for c in self.choices)
        elif self.minimum is not None and self.maximum is not None:
            text = f"{self.name}={_fmt(self.minimum)}-{_fmt(self.maximum)}"
        elif self.kind == "url_list":
            count = f"≤{self.max_items}" if self.max_items else f"{self.min_items}+" if (
                self.min_items) else ""
            text = f"{self.name}[{count}]"
        elif self.max_length is not None:
            text = f"{self.name}(≤{self.max_length} chars)"
        else:
            text = self.name
        if self.default is not None:
            text += f" (default {_fmt(self.default)})"
        if self.required and self.name != "prompt":
            text += " REQUIRED"
        return text


@dataclass(frozen=True)
class ModelSpec:
    """One generation model: its identity, a one-line strength and its parameters."""

    id: str
    media_type: MediaType
    name: str
    tagline: str
    params: tuple[ParamSpec, ...]
    notes: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[MediaType, str]:
        return (self.media_type, self.id)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def takes_prompt(self) -> bool:
        return self.param("prompt") is not None


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- parameter builders: keep the table below readable -------------------------------------------

def _prompt(required: bool = True, max_length: int | None = None, desc: str = "") -> ParamSpec:
    return ParamSpec(
        "prompt",
        "string",
        desc or "What to generate, in natural language.",
        required=required,
        max_length=max_length,
    )


def _images(max_items: int | None = None, required: bool = False, desc: str = "") -> ParamSpec:
    return ParamSpec(
        "images",
        "url_list",
        desc or "Reference image URLs (upload local files first).",
        required=required,
        min_items=1 if required else None,
        max_items=max_items,
    )


def _videos(desc: str) -> ParamSpec:
    return ParamSpec("videos", "url_list", desc, required=True, min_items=1)


def _choice(name: str, choices: Sequence[Any], desc: str, default: Any = None) -> ParamSpec:
    kind: ParamKind = "integer" if all(isinstance(c, int) for c in choices) else "string"
    return ParamSpec(name, kind, desc, choices=tuple(choices), default=default)


def _duration(*choices: int, default: int | None = None) -> ParamSpec:
    return _choice("duration", choices, "Video length in seconds.", default)


def _duration_range(low: int, high: int) -> ParamSpec:
    return ParamSpec("duration", "integer", "Video length in seconds.", minimum=low, maximum=high)


def _aspect(*choices: str) -> ParamSpec:
    return _choice("aspect_ratio", choices, "Frame shape, width:height.")


def _resolution(*choices: str) -> ParamSpec:
    return _choice("resolution", choices, "Output resolution.")


_NEGATIVE = ParamSpec("negative_prompt", "string", "What the output must not contain.")
_STYLE = ParamSpec("style", "string", "Free-text style description.")
_AUDIO = ParamSpec("generate_audio", "boolean", "Also generate a soundtrack.")
_STRENGTH = ParamSpec(
    "strength", "number", "How strongly the reference steers the result (0-1).",
    minimum=0, maximum=1,
)
_SHOT = _choice("shot_type", ("single", "multi"), "Single shot or automatic multi-shot cuts.")
_QUALITY = _choice("quality", ("auto", "low", "medium", "high"), "Rendering quality.")

_AR_SQ_WIDE_TALL = ("16:9", "9:16")
_AR_KLING = ("1:1", "16:9", "9:16")
_AR_WAN = ("16:9", "9:16", "4:3", "3:4", "1:1")
_AR_SEEDANCE = ("1:1", "4:3", "16:9", "3:4", "9:16", "21:9")
_AR_IMG7 = ("1:1", "4:3", "3:2", "16:9", "3:4", "2:3", "9:16")
_AR_IMG8 = (*_AR_IMG7, "21:9")
_AR_IMG10 = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
_AR_IMAGEN = ("1:1", "3:4", "4:3", "9:16", "16:9")
_MOTION_VIDEOS = "Reference video URLs, 3-30 s each."


def _video(id: str, name: str, tagline: str, *params: ParamSpec, notes: str = "") -> ModelSpec:
    return ModelSpec(id, "video", name, tagline, params, notes)


def _image(id: str, name: str, tagline: str, *params: ParamSpec, notes: str = "") -> ModelSpec:
    return ModelSpec(id, "image", name, tagline, params, notes)


_MODELS: tuple[ModelSpec, ...] = (
    # ---- video (30) ----
    _video("sora-2", "Sora 2", "OpenAI latest video generation model",
           _prompt(), _images(), _duration(10, 15, default=10), _aspect(*_AR_SQ_WIDE_TALL)),
    _video("sora-2-pro", "Sora 2 Pro", "Perfect quality for cinematic scenes",
           _prompt(), _images(), _duration(15, 25, default=15), _aspect(*_AR_SQ_WIDE_TALL)),
    _video("veo-3-1-fast", "Google Veo 3.1 Fast", "Ultra-fast video generation",
           _prompt(), _images(), _aspect(*_AR_SQ_WIDE_TALL)),
    _video("veo-3-1", "Google Veo 3.1", "Advanced AI video with sound",
           _prompt(), _images(), _aspect(*_AR_SQ_WIDE_TALL)),
    _video("veo-3-fast", "Google Veo 3 Fast", "30% faster than standard Veo 3",
           _prompt(), _images(), _NEGATIVE),
    _video("veo-3", "Google Veo 3", "High-quality video generation",
           _prompt(), _images(), _NEGATIVE),
    _video("wan-2-6", "Wan 2.6", "Multi-shot and automatic audio",
           _prompt(), _images(), _duration(5, 10, 15), _resolution("720p", "1080p"),
           _aspect(*_AR_WAN), _SHOT),
    _video("wan-2-5", "Wan 2.5", "Supports automatic audio generation",
           _prompt(), _images(), _duration(5, 10), _resolution("480p", "720p", "1080p"),
           _aspect(*_AR_WAN)),
    _video("wan-2-2-flash", "Wan 2.2 Flash",
           "Instruction understanding, controllable camera movement",
           _prompt(), _images(), _duration(5, 10), _resolution("480p", "720p", "1080p"), _NEGATIVE),
    _video("wan-2-2", "Wan 2.2", "Excellent image details, strong motion stability",
           _prompt(), _images(), _duration(5, 10), _resolution("480p", "1080p"),
           _aspect(*_AR_WAN), _NEGATIVE),
    _video("kling-2-6", "Kling 2.6", "Cinematic videos and audio",
           _prompt(), _images(), _duration(5, 10), _aspect(*_AR_KLING), _AUDIO),
    _video("kling-2-5", "Kling 2.5 Turbo", "Smooth motion, stronger consistency",
           _prompt(), _images(), _duration(5, 10), _aspect(*_AR_KLING), _NEGATIVE),
    _video("kling-v2-1-master", "Kling 2.1 Master", "Strong visual realism with enhanced features",
           _prompt(), _images(), _duration(5, 10), _aspect(*_AR_KLING), _STRENGTH, _NEGATIVE),
    _video("kling-v2-1", "Kling 2.1", "Strong visual realism",
           _prompt(), _images(), _duration(5, 10), _aspect(*_AR_KLING), _STRENGTH, _NEGATIVE),
    _video("kling-v2", "Kling 2.0", "Excellent aesthetics",
           _prompt(), _images(), _duration(5, 10), _aspect(*_AR_KLING), _STRENGTH, _NEGATIVE),
    _video("hailuo-2-3", "Hailuo 2.3", "Excellent body movements and physics performance",
           _prompt(), _images(), _duration(6, 10), _resolution("768p", "1080p")),
    _video("hailuo-2-3-fast", "Hailuo 2.3 Fast", "Fast generation speed",
           _prompt(), _images(), _duration(6, 10), _resolution("768p", "1080p")),
    _video("hailuo-02", "Hailuo 02", "Extreme physics simulations",
           _prompt(), _images(), _duration(6, 10), _resolution("768p", "1080p")),
    _video("hailuo-01-live2d", "Hailuo 01 Live2d", "Hailuo Live2D model", _prompt(), _images()),
    _video("hailuo-01", "Hailuo 01", "Highest video quality", _prompt(), _images()),
    _video("doubao-seedance-1-5-pro", "Seedance 1.5 Pro", "Pro-grade audio-visual sync",
           _prompt(), _images(), _duration_range(4, 12), _resolution("480p", "720p"),
           _aspect(*_AR_SEEDANCE), _AUDIO),
    _video("doubao-seedance-1-0-pro-fast", "Seedance 1.0 Pro Fast",
           "Premium quality & unbeatable efficiency",
           _prompt(), _images(), _duration_range(2, 12), _resolution("720p", "1080p"),
           _aspect(*_AR_SEEDANCE)),
    _video("doubao-seedance-1-0-pro", "Seedance 1.0 Pro", "Stable motion performance",
           _prompt(), _images(), _duration(5, 10), _resolution("480p", "1080p"),
           _aspect(*_AR_SEEDANCE[:5])),
    _video("doubao-seedance-1-0-lite", "Seedance 1.0 Lite", "Precise semantic understanding",
           _prompt(), _images(), _duration(5, 10), _resolution("480p", "720p", "1080p")),
    _video("kling-motion-control", "Kling Motion Control",
           "Precision motion control via video references",
           _prompt(desc="Detailed motion description."),
           _images(required=True, desc="Reference image URLs (at least 1)."),
           _videos(_MOTION_VIDEOS), _resolution("720p", "1080p"),
           notes="Reference videos must be 3-30 s long."),
    _video("runway-act-two", "Runway Act Two", "Runway Next-Generation Motion Capture Model",
           _images(required=True, desc="Target character image URLs (at least 1)."),
           _videos("Motion reference video URLs (at least 1), 3-30 s each."),
           _aspect(*_AR_SEEDANCE),
           notes="No prompt. Reference videos must be 3-30 s long."),
    _video("wan-animate-mix", "Wan Animate Mix (Standard)",
           "Perfect for character replacement scenarios",
           _videos("Original video URLs (at least 1), 3-30 s each."),
           _images(required=True, desc="Target character image URLs (at least 1)."),
           notes="No prompt. Reference videos must be 3-30 s long."),
    _video("wan-animate-mix-pro", "Wan Animate Mix Pro (Professional)",
           "High animation fluidity with better results",
           _videos("Original video URLs (at least 1), 3-30 s each."),
           _images(required=True, desc="Target character image URLs (at least 1)."),
           notes="No prompt. Reference videos must be 3-30 s long."),
    _video("wan-animate-move", "Wan Animate Move (Standard)",
           "Replicate dance and challenging body movements",
           _videos("Motion reference video URLs (at least 1), 3-30 s each."),
           _images(required=True, desc="Target character image URLs (at least 1)."),
           notes="No prompt. Reference videos must be 3-30 s long."),
    _video("wan-animate-move-pro", "Wan Animate Move Pro (Professional)",
           "High animation fluidity with better results",
           _videos("Motion reference video URLs (at least 1), 3-30 s each."),
           _images(required=True, desc="Target character image URLs (at least 1)."),
           notes="No prompt. Reference videos must be 3-30 s long."),
    # ---- image (19) ----
    _image("gpt-4o", "GPT 4o", "Accurate, realistic output",
           _prompt(), _images(desc="Reference image URLs for style guidance."),
           _aspect(*_AR_IMG7), _STYLE),
    _image("gpt-image-1-5", "GPT Image 1.5", "True-color precision rendering",
           _prompt(), _images(10), _aspect("1:1", "3:2", "2:3"), _QUALITY),
    _image("nano-banana-1", "Google Nano Banana", "Ultra-high character consistency",
           _prompt(), _images(5), _aspect("1:1", "2:3", "3:2", "4:3", "3:4", "16:9", "9:16")),
    _image("nano-banana-1-pro", "Nano Banana Pro", "Google's flagship generation model",
           _prompt(), _images(14), _aspect(*_AR_IMG10), _resolution("1K", "2K", "4K")),
    _image("nano-banana-2", "Nano Banana 2", "Google Gemini latest model",
           _prompt(), _images(14), _aspect(*_AR_IMG10, "4:1", "1:4", "8:1", "1:8"),
           _resolution("1K", "2K", "4K")),
    _image("wan-i-2-6", "Wan 2.6", "High-quality and expressive",
           _prompt(), _images(4), _aspect(*_AR_IMG8)),
    _image("wan-2-5", "Wan 2.5", "Fast, creative image generation",
           _prompt(), _images(2), _aspect(*_AR_IMG8)),
    _image("seedream-5-0", "Seedream 5.0 Lite", "Intelligent visual reasoning",
           _prompt(), _images(14), _aspect(*_AR_IMG10), _resolution("2K", "3K")),
    _image("seedream-4-5", "Seedream 4.5", "ByteDance's 4K image model",
           _prompt(), _images(14), _aspect(*_AR_IMG10), _resolution("2K", "4K")),
    _image("seedream-4-0", "Seedream 4.0", "Support images with cohesive styles",
           _prompt(), _images(10), _aspect(*_AR_IMG7)),
    _image("flux-2-dev", "Flux.2 Dev", "Photorealistic output", _prompt(), _aspect(*_AR_IMG7)),
    _image("flux-kontext-pro", "Flux Kontext Pro", "Perfect for editing, compositing",
           _prompt(), _images(), _aspect(*_AR_IMG7), _STYLE),
    _image("flux-kontext-max", "Flux Kontext Max", "Excellent for prompt accuracy",
           _prompt(), _images(), _aspect(*_AR_IMG7), _STYLE),
    _image("flux-1-schnell", "Flux Schnell", "Suitable for simple basic scenes", _prompt()),
    _image("imagen-3-0", "Imagen 3.0", "Fast, high-quality results",
           _prompt(), _aspect(*_AR_IMAGEN), _STYLE),
    _image("imagen-4-0", "Imagen 4.0", "Google's latest generation model",
           _prompt(), _aspect(*_AR_IMAGEN), _STYLE),
    _image("ideogram-v2", "Ideogram V2", "Highly recommended for text editing",
           _prompt(), _aspect(*_AR_IMG7), _STYLE),
    _image("ideogram-v3", "Ideogram V3", "Outstanding design capabilities",
           _prompt(), _aspect(*_AR_IMG7), _STYLE),
    _image("stability-1-0", "Stability 1.0", "Perfect for generating detailed images",
           _prompt(), _aspect(*_AR_IMG7), _STYLE, _NEGATIVE),
    # ---- music (1) ----
    ModelSpec("minimax-music", "music", "MiniMax Music",
              "AI music generation from text with custom lyrics support",
              (_prompt(max_length=300, desc="Description of the music (max 300 characters)."),
               ParamSpec("lyrics", "string", "Custom lyrics (max 3000 characters).",
                         max_length=3000))),
)

_BY_KEY: dict[tuple[str, str], ModelSpec] = {m.key: m for m in _MODELS}


def list_models(media_type: str | None = None) -> list[ModelSpec]:
    """All models, or those of one media type, in the spec's order."""
    if media_type is not None:
        _check_media_type(media_type)
    return [m for m in _MODELS if media_type is None or m.media_type == media_type]


def get_model(media_type: str, model_id: str) -> ModelSpec:
    """The spec of one model; raises `MonetValidationError` naming the closest id if unknown."""
    _check_media_type(media_type)
    spec = _BY_KEY.get((media_type, model_id))
    if spec is not None:
        return spec
    ids = [m.id for m in list_models(media_type)]
    other = [t for t in MEDIA_TYPES if (t, model_id) in _BY_KEY]
    hint = _closest(str(model_id), ids)
    msg = f"model: unknown {media_type} model {model_id!r}"
    if other:
        msg += f" ({model_id!r} is a {other[0]} model)"
    elif hint:
        msg += f"; did you mean {hint!r}?"
    msg += f" Allowed values: {', '.join(ids)}"
    raise MonetValidationError(msg, field="model", allowed=ids, suggestion=hint)


def validate_input(
    media_type: str, input: Mapping[str, Any], *, allow_unknown: bool = False
) -> dict[str, Any]:
    """Check `input` against the model it names and return a normalized copy.

    Normalization is conservative: a numeric string becomes a number where the parameter is
    numeric, "true"/"false" become booleans, and a single URL becomes a one-item list. Unknown
    parameters are rejected (typo protection) unless `allow_unknown` is true, for parameters the
    spec does not list yet. Raises `MonetValidationError` naming the field and what is allowed.
    """
    if not isinstance(input, Mapping):
        raise MonetValidationError(
            f"input: must be an object with a 'model' key, got {type(input).__name__}",
            field="input",
        )
    model_id = input.get("model")
    if not isinstance(model_id, str) or not model_id:
        ids = [m.id for m in list_models(media_type)]
        raise MonetValidationError(
            f"model: required; allowed values: {', '.join(ids)}", field="model", allowed=ids
        )
    spec = get_model(media_type, model_id)
    out: dict[str, Any] = {"model": model_id}
    for name, value in input.items():
        if name == "model" or value is None:
            continue
        param = spec.param(name)
        if param is None:
            if allow_unknown:
                out[name] = value
                continue
            hint = _closest(str(name), spec.param_names)
            name = name if str(name).strip() else repr(name)
            msg = f"{name}: not a parameter of {media_type} model {model_id!r}"
            if hint:
                msg += f"; did you mean {hint!r}?"
            msg += f"; allowed parameters: {', '.join(('model', *spec.param_names))}"
            raise MonetValidationError(
                msg, field=name, allowed=["model", *spec.param_names], suggestion=hint
            )
        out[name] = _check_value(spec, param, value)
    for param in spec.params:
        if param.required and param.name not in out:
            raise MonetValidationError(
                f"{param.name}: required by {media_type} model {model_id!r} ({param.description})",
                field=param.name,
            )
    return out


def _check_value(spec: ModelSpec, p: ParamSpec, value: Any) -> Any:
    where = f"{spec.media_type} model {spec.id!r}"

    def fail(problem: str, allowed: Sequence[Any] | None = None) -> MonetValidationError:
        msg = f"{p.name}: {problem} for {where}"
        if allowed is not None:
            msg += f"; allowed values: {', '.join(_fmt(a) for a in allowed)}"
        return MonetValidationError(msg, field=p.name, allowed=allowed)

    if p.kind == "url_list":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(
            isinstance(i, str) and i.strip() for i in items
        ):
            raise fail("must be a list of URL strings")
        if p.min_items and len(items) < p.min_items:
            raise fail(f"needs at least {p.min_items} item(s), got {len(items)}")
        if p.max_items is not None and len(items) > p.max_items:
            raise fail(f"takes at most {p.max_items} item(s), got {len(items)}")
        return list(items)
    if p.kind == "boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise fail(f"must be true or false, got {value!r}", [True, False])
        return value
    if p.kind in ("integer", "number"):
        number = _as_number(value, integer=p.kind == "integer")
        if number is None:
            kind = "an integer" if p.kind == "integer" else "a number"
            raise fail(f"must be {kind}, got {value!r}", p.choices)
        if p.choices is not None and number not in p.choices:
            raise fail(f"{_fmt(value)} is not allowed", p.choices)
        if (p.minimum is not None and number < p.minimum) or (
            p.maximum is not None and number > p.maximum
        ):
            raise fail(
                f"{_fmt(value)} is out of range; allowed range: "
                f"{_fmt(p.minimum)} to {_fmt(p.maximum)}"
            )
        return number
    # string
    if not isinstance(value, str):
        raise fail(f"must be a string, got {type(value).__name__}", p.choices)
    if p.choices is not None and value not in p.choices:
        hint = _closest(value, [str(c) for c in p.choices])
        problem = f"{value!r} is not allowed" + (f" (did you mean {hint!r}?)" if hint else "")
        raise fail(problem, p.choices)
    if p.required and not value.strip():
        raise fail("must not be empty")
    if p.max_length is not None and len(value) > p.max_length:
        raise fail(f"is {len(value)} characters long; the limit is {p.max_length}")
    return value


def _as_number(value: Any, *, integer: bool) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().removesuffix("s"))
        except ValueError:
            return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if integer:
            return int(value) if value.is_integer() else None
        return value
    if isinstance(value, int):
        return value
    return None


def _check_media_type(media_type: str) -> None:
    if media_type not in MEDIA_TYPES:
        hint = _closest(str(media_type), MEDIA_TYPES)
        raise MonetValidationError(
            f"type: unknown media type {media_type!r}"
            + (f"; did you mean {hint!r}?" if hint else "")
            + f"; allowed values: {', '.join(MEDIA_TYPES)}",
            field="type",
            allowed=MEDIA_TYPES,
            suggestion=hint,
        )


def _closest(word: str, options: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return found[0] if found else None


def markdown_table(media_type: str | None = None) -> str:
    """The model table used in the README (and checked against it by the tests)."""
    lines = ["| type | model | name | strength | parameters |", "|---|---|---|---|---|"]
    for m in list_models(media_type):
        params = ", ".join(f"`{p.summary()}`" for p in m.params)
        lines.append(f"| {m.media_type} | `{m.id}` | {m.name} | {m.tagline} | {params} |")
    return "\n".join(lines)
