"""Small, real, playable media made locally: a PNG, an H.264 MP4, a WAV."""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave
import zlib
from functools import cache
from importlib import resources


def _seed_bytes(seed: str) -> bytes:
    return hashlib.sha256(seed.encode()).digest()


def png(seed: str, width: int = 96, height: int = 64) -> bytes:
    """A gradient whose colours depend on `seed` (so different prompts look different)."""
    r0, g0, b0 = _seed_bytes(seed)[:3]
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(((r0 + 2 * x) % 256, (g0 + 3 * y) % 256, (b0 + x + y) % 256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def wav(seed: str, seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A short two-note chime whose pitch depends on `seed`."""
    base = 220 + _seed_bytes(seed)[0] * 2
    frames = bytearray()
    total = int(seconds * rate)
    for i in range(total):
        freq = base if i < total // 2 else base * 1.5
        fade = min(1.0, (total - i) / (0.1 * rate))
        frames += struct.pack("<h", int(9000 * fade * math.sin(2 * math.pi * freq * i / rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return out.getvalue()


@cache
def mp4() -> bytes:
    """An 8-frame 160x90 H.264 clip (made with ffmpeg's test source, shipped with the package)."""
    return resources.files("langchain_monet.emulator").joinpath("assets/clip.mp4").read_bytes()


EXTENSIONS = {"image": ("png", "image/png"), "video": ("mp4", "video/mp4"),
              "music": ("wav", "audio/wav")}


def render(media_type: str, seed: str) -> bytes:
    if media_type == "image":
        return png(seed)
    if media_type == "video":
        return mp4()
    return wav(seed)
