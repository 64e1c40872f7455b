"""What every platform's id helpers share: the check that an id part is present and has no whitespace.

Private to graph/ids/: a platform module builds its ids from these, and a malformed part is a
`ModelError` naming the value, whatever the platform.
"""

from __future__ import annotations

import re

from graph.errors import ModelError

__all__ = ["require", "slug"]

_WHITESPACE = re.compile(r"\s")


def require(value: str, what: str) -> str:
    """The part stripped, or ModelError when it is empty or holds whitespace."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or _WHITESPACE.search(text):  # same as any(ch.isspace()), in C: ids are built per event
        raise ModelError(f"malformed {what} {value!r}")
    return text


def slug(value: str, what: str) -> str:
    """A part compared case-insensitively by its platform (GitHub names, catalog names): lower case."""
    return require(value, what).lower()
