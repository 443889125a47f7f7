"""Saving results locally: safe file names, a size limit, http(s) only, never outside `out_dir`.

Output URLs expire (uploads after 24 h, outputs after a while): download what you keep.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from langchain_monet.errors import MonetError, MonetValidationError

__all__ = ["MAX_DOWNLOAD_BYTES", "download", "download_assets", "safe_filename"]

MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, default: str = "asset") -> str:
    """A plain file name: no directories, no leading dots, only [A-Za-z0-9._-], <= 120 chars."""
    base = _UNSAFE.sub("_", Path(unquote(name)).name).strip("._") or default
    stem, dot, ext = base[:120].rpartition(".")
    return base[:120] if not dot else f"{stem[: 115 - len(ext)]}.{ext}"


def download(
    url: str,
    out_dir: str | Path,
    *,
    filename: str | None = None,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    http: httpx.Client | None = None,
    timeout: float = 120.0,
) -> Path:
    """Download one URL into `out_dir`; returns the written path.

    Refuses non-http(s) URLs and bodies over `max_bytes` (the partial file is removed). The name
    comes from `filename` or the URL's last path segment, made safe; an existing file is not
    overwritten (a numbered name is used).
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise MonetValidationError(f"url: only http(s) URLs can be downloaded, got {url[:80]!r}",
                                   field="url", allowed=["http", "https"])
    folder = Path(out_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    own = http is None
    client = http or httpx.Client(follow_redirects=True, timeout=timeout)
    try:
        with client.stream("GET", url) as response:
            if not response.is_success:
                raise MonetError(f"Download failed: HTTP {response.status_code} for {parsed.path}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise MonetValidationError(
                    f"download: {declared} bytes is over the {max_bytes}-byte limit",
                    field="max_bytes")
            name = safe_filename(filename or parsed.path.rsplit("/", 1)[-1])
            if "." not in name:
                ext = mimetypes.guess_extension(response.headers.get("content-type", "")) or ""
                name += ext
            target = _free_path(folder / name)
            if target.parent != folder:  # defence in depth: safe_filename already strips dirs
                raise MonetValidationError("filename: must not leave the output folder",
                                           field="filename")
            written = 0
            try:
                with target.open("xb") as fh:
                    for chunk in response.iter_bytes():
                        written += len(chunk)
                        if written > max_bytes:
                            raise MonetValidationError(
                                f"download: body is over the {max_bytes}-byte limit",
                                field="max_bytes")
                        fh.write(chunk)
            except BaseException:
                target.unlink(missing_ok=True)
                raise
            return target
    except httpx.HTTPError as exc:
        raise MonetError(f"Download failed: {type(exc).__name__} for {parsed.path}") from None
    finally:
        if own:
            client.close()


def _free_path(path: Path) -> Path:
    if not path.exists():
        return path
    for n in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise MonetError(f"Too many files named like {path.name}")


def download_assets(
    assets: Mapping[str, Mapping[str, Any]], out_dir: str | Path, **kwargs: Any
) -> dict[str, list[Path]]:
    """Download every URL of the graph's `assets` (keyed by job id) as `<job>-<n>.<ext>`."""
    saved: dict[str, list[Path]] = {}
    for job_id, asset in assets.items():
        for n, url in enumerate(asset.get("urls", [])):
            ext = Path(urlparse(url).path).suffix
            name = f"{job_id}{'-' + str(n) if n else ''}{ext}"
            saved.setdefault(job_id, []).append(download(url, out_dir, filename=name, **kwargs))
    return saved
