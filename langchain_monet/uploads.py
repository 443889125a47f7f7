"""The upload sandbox: which local files an agent may send to Monet.

Only regular files under `root_dir` (symlinks and `..` resolved first), under a size limit, whose
bytes look like an image, a video or audio. Anything else is refused before a byte is sent.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from langchain_monet.errors import MonetValidationError

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "check_upload_path", "is_url", "sniff_media_kind"]

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024

# (offset, magic bytes, kind)
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image"),
    (0, b"\xff\xd8\xff", "image"),
    (0, b"GIF87a", "image"),
    (0, b"GIF89a", "image"),
    (8, b"WEBP", "image"),
    (0, b"BM", "image"),
    (4, b"ftypavif", "image"),
    (4, b"ftypheic", "image"),
    (4, b"ftyp", "video"),  # mp4 / mov / m4a family: checked after the image brands above
    (0, b"\x1a\x45\xdf\xa3", "video"),  # webm / mkv
    (8, b"AVI ", "video"),
    (8, b"WAVE", "audio"),
    (0, b"ID3", "audio"),
    (0, b"\xff\xfb", "audio"),
    (0, b"\xff\xf3", "audio"),
    (0, b"OggS", "audio"),
    (0, b"fLaC", "audio"),
)


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def sniff_media_kind(head: bytes) -> str | None:
    """`image`, `video` or `audio` from a file's first bytes, or None."""
    for offset, magic, kind in _SIGNATURES:
        if head[offset: offset + len(magic)] == magic:
            if kind == "video" and head[8:11] == b"M4A":
                return "audio"
            return kind
    return None


def check_upload_path(
    path: str | os.PathLike[str],
    root_dir: str | os.PathLike[str] | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    kinds: tuple[str, ...] = ("image", "video", "audio"),
) -> tuple[Path, str]:
    """Resolve `path` inside `root_dir` and check it; returns (real path, media kind)."""
    root = Path(root_dir or Path.cwd()).resolve()
    raw = Path(path).expanduser()
    candidate = raw if raw.is_absolute() else root / raw
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise MonetValidationError(f"path: {str(path)!r} does not exist", field="path") from None
    if not real.is_relative_to(root):
        raise MonetValidationError(
            f"path: {str(path)!r} is outside the allowed folder; only files under the upload "
            "root may be sent", field="path")
    mode = real.stat().st_mode
    if not stat.S_ISREG(mode):
        raise MonetValidationError(f"path: {str(path)!r} is not a regular file", field="path")
    size = real.stat().st_size
    if size > max_bytes:
        raise MonetValidationError(
            f"path: {str(path)!r} is {size} bytes; the limit is {max_bytes}", field="path")
    with real.open("rb") as fh:
        kind = sniff_media_kind(fh.read(32))
    if kind not in kinds:
        raise MonetValidationError(
            f"path: {str(path)!r} is not a recognised {'/'.join(kinds)} file",
            field="path", allowed=list(kinds))
    return real, kind
