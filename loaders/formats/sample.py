"""What format detection reads of a file: its head, and past an over-long first line, the lines after it.

Loaders recognise a file by content (`Loader.sniff`), from its first SAMPLE_BYTES characters,
decompressed. That head is the only sample whenever it shows where its first line ends. When
it does not (the head is a prefix of one line longer than the sample: a JSON-lines file whose
first record holds a huge value), the head may hold none of the keys its format is known by,
and the file would be "format not recognised" with all its good records lost (issue 18). So
such a head is followed, if no loader claims it, by a second sample: the SAMPLE_BYTES that
start at the first line after the over-long one (or ones), which the sniffers read as they
would a file's head. Skipping is bounded: at most SKIP_CHARACTERS are read past, a piece of
at most SAMPLE_BYTES held at a time, and a file whose lines are all longer than the sample has
no second sample. A head that does end its first line is the only sample, so a file detected
before is detected the same; parsing then meets the over-long line as any other (loaded, or
rejected at its line when past the line limit, loaders/limits.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from loaders.base import SAMPLE_BYTES, Sample, SourceFile
from loaders.formats.compressed import open_text

__all__ = ["SKIP_CHARACTERS", "samples"]

SKIP_CHARACTERS = 8 << 20
"""Characters detection reads past over-long lines at the head of a file before giving up (the
load's own parse reads them anyway; detection holds none of them)."""


def samples(source: SourceFile) -> Iterator[Sample]:
    """The head of the file, then (read only if asked for) the lines after an over-long first line."""
    with open_text(source) as handle:
        text = handle.read(SAMPLE_BYTES)
        yield Sample(source, text)
        skipped = 0
        while _open_line(text) and skipped < SKIP_CHARACTERS:
            passed = _past_line(handle, SKIP_CHARACTERS - skipped)
            if passed is None:
                return
            skipped += len(text) + passed
            text = handle.read(SAMPLE_BYTES)
            if not _open_line(text) and text.strip():
                yield Sample(source, text)
                return


def _open_line(text: str) -> bool:
    """Whether a sample is all one line that goes on past it (a short file ends inside its sample)."""
    return len(text) == SAMPLE_BYTES and "\n" not in text.lstrip()


def _past_line(handle: io.TextIOBase, budget: int) -> int | None:
    """Reads to the end of the current line, a piece at a time; the characters read, or None when
    the file or the budget ends first."""
    read = 0
    while read < budget:
        piece = handle.readline(min(SAMPLE_BYTES, budget - read))
        if not piece:
            return None
        read += len(piece)
        if piece.endswith("\n"):
            return read
    return None
