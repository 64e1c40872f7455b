"""Reading a file's bytes or text, transparently gunzipped (every member of a multi-member
gzip file), for every source: CloudTrail's S3 exports are gzip, so are many shipped logs.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

try:  # ISA-L's inflate (bench/ingest.py measures it against zlib)
    from isal import isal_zlib as _inflate
except ImportError:  # a platform without its wheels: the standard library's
    import zlib as _inflate  # type: ignore[no-redef]

from loaders import limits
from loaders.base import SourceFile

__all__ = ["INFLATE", "bounded_lines", "open_text", "read_blocks"]

INFLATE = _inflate
"""The inflater in use (bench/ingest.py's raw parse uses the same one)."""

_GZIP_WBITS = 31  # inflate a gzip header, deflate stream and trailer


def read_blocks(source: SourceFile, block: int = 1 << 18) -> Iterator[bytes]:
    """The file's bytes as they are read, `block` bytes of the file at a time, transparently
    gunzipped: every member of a multi-member gzip file, zero padding between members skipped,
    as `gzip` does. A gzip file cut short raises EOFError after yielding what it held; one that
    is not gzip, or is corrupt, raises gzip.BadGzipFile (an OSError). More than the file-bytes
    limit (loaders/limits.py) raises LimitExceeded as soon as it is read: inflation is bounded
    per step, so a gzip bomb costs at most a block beyond the limit, never its inflated size."""
    allowed = limits.current().file_bytes
    with open(source.path, "rb") as handle:
        if not source.compressed:
            total = 0
            for data in iter(lambda: handle.read(block), b""):
                total += len(data)
                if total > allowed:
                    raise limits.exceeded("file_bytes", allowed, "the file", file=source.display)
                yield data
            return
        yield from _inflated(source, handle, block, allowed)


def _inflated(source: SourceFile, handle: BinaryIO, block: int, allowed: int) -> Iterator[bytes]:
    inflater: Any = None
    failure: type[Exception] = _inflate.error  # type: ignore[assignment]  # isal's stub types it as an instance
    pending = b""
    total = 0
    while data := pending or handle.read(block):
        pending = b""
        if inflater is None:
            data = data.lstrip(b"\0")
            if not data:
                continue
            inflater = _inflate.decompressobj(_GZIP_WBITS)
        try:
            # At most `block` bytes out per call: what one compressed block may inflate to is unbounded.
            out = inflater.decompress(data, block)
            while True:
                if out:
                    total += len(out)
                    if total > allowed:
                        raise limits.exceeded("file_bytes", allowed, "the decompressed file", file=source.display)
                    yield out
                if inflater.eof or not (inflater.unconsumed_tail or len(out) == block):
                    break  # (a full block out may leave output inside the inflater, asked for again)
                out = inflater.decompress(inflater.unconsumed_tail, block)
        except failure as exc:
            raise gzip.BadGzipFile(f"not gzip, or corrupt: {exc}") from None
        if inflater.eof:
            pending, inflater = inflater.unused_data, None
    if inflater is not None:
        raise EOFError("compressed file ended before the end-of-stream marker was reached")


class _BlockStream(io.RawIOBase):
    """A readable stream over `read_blocks`, for io's buffered and text wrappers."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._pending = memoryview(block)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self._blocks.close()  # type: ignore[attr-defined]  # a generator: closes the file
        super().close()


def open_text(source: SourceFile) -> io.TextIOBase:
    """The file as text, transparently gunzipped; undecodable bytes become U+FFFD, never a crash."""
    # Small blocks: sniffing a file reads only its head, so inflate little more than that. Plain
    # files take the same path so that the file-bytes limit holds for them too.
    stream = io.BufferedReader(_BlockStream(read_blocks(source, block=1 << 14)))
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")


def bounded_lines(handle: io.TextIOBase, limit: int) -> Iterator[str | None]:
    """The lines of a text stream, each at most `limit` characters; a longer line is read past
    in bounded pieces and comes out as None (its text is never held whole)."""
    while line := handle.readline(limit + 1):
        if len(line) <= limit or line.endswith("\n"):
            yield line
            continue
        while (more := handle.readline(limit + 1)) and not more.endswith("\n"):
            pass
        yield None
