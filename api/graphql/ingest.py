"""Ingesting one uploaded evidence file: the same detection, validation and located errors as `keytrail load`.

The content arrives base64-encoded in a GraphQL argument (plain JSON requests, no multipart
CSRF surface). It is written to a private temporary directory under its sanitised file name
(the extension matters: `.gz` is read compressed), loaded with `loaders.runner.run_load`, and
removed — all inside the worker thread, so a request that times out cannot pull the file
away from a load still running. The summary reports the uploaded name, not the temporary path.
"""

from __future__ import annotations

import base64
import binascii
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph.errors import QueryError
from graph.store import GraphStore
from loaders.base import LoadContext
from loaders.registry import loader_named
from loaders.runner import FileReport, hmac_key, run_load

__all__ = ["Upload", "decode_upload", "ingest"]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content: bytes
    source: str | None = None
    repository: str = ""
    runner_org: str = ""


def safe_filename(name: str) -> str:
    """The last path component with anything but letters, digits, '.', '_' and '-' replaced."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).lstrip(".")[:200]
    if not cleaned.strip("._-"):
        raise QueryError(f"filename {name[:80]!r} has no usable characters")
    return cleaned


def decode_upload(filename: str, content_base64: str, max_bytes: int) -> tuple[str, bytes]:
    name = safe_filename(filename)
    if len(content_base64) > (max_bytes * 4) // 3 + 4:
        raise QueryError(f"file is larger than the {max_bytes} byte limit")
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise QueryError("contentBase64 is not valid base64") from None
    if not content:
        raise QueryError("the uploaded file is empty")
    return name, content


def ingest(store: GraphStore, upload: Upload) -> list[FileReport]:
    """Load the upload into the store; one report per file (one file here)."""
    if upload.source:
        loader_named(upload.source)  # an unknown source name is a located LoadError, before any write
    ctx = LoadContext(now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), hmac_key=hmac_key())
    ctx.repository, ctx.runner_org = upload.repository.strip(), upload.runner_org.strip()
    with tempfile.TemporaryDirectory(prefix="keytrail-upload-") as folder:
        path = Path(folder) / upload.filename
        path.write_bytes(upload.content)
        report = run_load(store, [path], ctx=ctx, source=upload.source or None)
    return report.files
