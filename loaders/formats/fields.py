"""Typed reads of a parsed record's fields, whose errors name the field, what was expected and
what was found: `field 'userIdentity.accountId': expected a string of 12 digits, got a number`.

The boundary of every loader: a source record arrives as whatever JSON or YAML made of it, and
a value of the wrong type must reject that record, located and explained, before any transform
or aggregate sees it. `Fields` wraps one mapping with its location and the dotted path it sits
at, so nested reads (`fields.mapping("userIdentity").text("accountId")`) report the full path.
Optional fields read as None (or empty) when absent or null, and are still type-checked when
present: a wrong type is never silently taken for "absent". Plain functions over dicts rather
than pydantic models: these checks run on the hot path of millions of CloudTrail events, where a
model per record costs more than the rest of the pipeline (loaders/aws/cloudtrail/event.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from graph.errors import LoadError
from loaders.base import Location
from loaders.limits import shorten

__all__ = ["Fields", "json_type"]

_NAMES = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}


def json_type(value: object) -> str:
    """What a parsed JSON/YAML value is, as a message says it ("a number", "an object", "null")."""
    found = _NAMES.get(type(value))
    if found is not None:
        return found
    if isinstance(value, Mapping):
        return "an object"
    return "a list" if isinstance(value, list | tuple) else f"a {type(value).__name__}"


class Fields:
    """One mapping of a record, at `path` inside it, with the record's location."""

    __slots__ = ("path", "value", "where")

    def __init__(self, value: Mapping[str, Any], where: Location, path: str = "") -> None:
        self.value, self.where, self.path = value, where, path

    @classmethod
    def of(cls, value: object, where: Location, what: str = "record") -> Fields:
        """The record as Fields; a located error when it is not an object."""
        if not isinstance(value, Mapping):
            raise where.error(f"{what}: expected an object, got {json_type(value)}")
        return cls(value, where)

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, expected: str, value: object) -> LoadError:
        got = json_type(value)
        if isinstance(value, str):
            got = "an empty string" if not value else f"{shorten(repr(value), 80)}"
        return self.where.error(f"field '{self.name(key)}': expected {expected}, got {got}")

    def missing(self, key: str, expected: str) -> LoadError:
        return self.where.error(f"field '{self.name(key)}' is missing (expected {expected})")

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        expected: str = "",
        most: int | None = None,
    ) -> str:
        """A string field ("" when optional and absent or null); `pattern` must match it whole,
        and it may be at most `most` characters long."""
        value = self.value.get(key)
        what = expected or "a non-empty string"
        if value is None:
            if required:
                raise self.missing(key, what)
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.error(key, what, value)
        if most is not None and len(value) > most:
            raise self.where.error(
                f"field '{self.name(key)}': expected at most {most:,} characters, got {len(value):,}"
            )
        if pattern is not None and value and not pattern.fullmatch(value):
            raise self.error(key, what, value)
        return value

    def integer(self, key: str, *, minimum: int = 0) -> int | None:
        """A whole number field at least `minimum` (None when absent or null)."""
        value = self.value.get(key)
        if value is None:
            return None
        if type(value) is not int or value < minimum:
            raise self.error(key, f"a whole number ≥ {minimum}", value)
        return value

    def flag(self, key: str) -> bool | None:
        value = self.value.get(key)
        if value is None or type(value) is bool:
            return value
        raise self.error(key, "true or false", value)

    def mapping(self, key: str, *, required: bool = False) -> Fields:
        """A nested object as Fields (an empty one when optional and absent or null)."""
        value = self.value.get(key)
        if value is None:
            if required:
                raise self.missing(key, "an object")
            return Fields({}, self.where, self.name(key))
        if not isinstance(value, Mapping):
            raise self.error(key, "an object", value)
        return Fields(value, self.where, self.name(key))

    def items(self, key: str, *, required: bool = False) -> list[Any]:
        """A list field ([] when optional and absent or null)."""
        value = self.value.get(key)
        if value is None:
            if required:
                raise self.missing(key, "a list")
            return []
        if not isinstance(value, list):
            raise self.error(key, "a list", value)
        return value

    def objects(self, key: str, *, required: bool = False) -> list[Fields]:
        """A list of objects, each as Fields at `key[index]`."""
        found = []
        for index, item in enumerate(self.items(key, required=required)):
            if not isinstance(item, Mapping):
                raise self.where.error(f"field '{self.name(key)}[{index}]': expected an object, got {json_type(item)}")
            found.append(Fields(item, self.where, f"{self.name(key)}[{index}]"))
        return found

    def texts(self, key: str) -> list[str]:
        """A list of strings ([] when absent or null)."""
        found = self.items(key)
        for index, item in enumerate(found):
            if not isinstance(item, str):
                raise self.where.error(f"field '{self.name(key)}[{index}]': expected a string, got {json_type(item)}")
        return found
