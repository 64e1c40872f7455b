"""What every platform's id helpers share: the check that an id part is present and has no whitespace.

Private to graph/ids/: a platform module builds its ids from these, and a malformed part is a
`ModelError` naming the value, whatever the platform. `is_email` is here rather than with the
people ids because it is a test, not an id helper (every platform helper returns an id), and
several platforms' loaders ask it of a name before choosing whose id to build.
"""

from __future__ import annotations

import re

from graph.errors import ModelError, quoted

__all__ = ["EMAIL", "is_email", "require", "slug"]

_WHITESPACE = re.compile(r"\s")
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
"""An address people ids are built from (a test of the text, not of the mailbox)."""


def is_email(value: str) -> bool:
    """Whether `value` (surrounding spaces ignored) is an email address, so names a person."""
    return bool(EMAIL.match(value.strip()))


def require(value: str, what: str) -> str:
    """The part stripped, or ModelError when it is empty or holds whitespace."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or _WHITESPACE.search(text):  # same as any(ch.isspace()), in C: ids are built per event
        raise ModelError(f"malformed {what} {quoted(value)}")
    return text


def slug(value: str, what: str) -> str:
    """A part compared case-insensitively by its platform (GitHub names, catalog names): lower case."""
    return require(value, what).lower()
