"""Frozen pydantic models built without pydantic's machinery: the one place keytrail bypasses it.

Reading rows back is the hot path of every query and building nodes and edges the hot path of
every load, and pydantic's validation (or even `model_construct`) costs several times what the
values need. Two ways in, both private to graph/:

- `from_store(cls, values)`: values a store read back, validated when they were written.
- `make(cls, fields, check, typed, finish)`: loader input, checked by the model's own
  before-validator, taken only when pydantic would keep every value as it is; anything else
  goes through pydantic itself, so the result, or the error, is always `cls(**fields)`'s.

Both set the four slots pydantic's BaseModel has (`__dict__`, `__pydantic_fields_set__`,
`__pydantic_extra__`, `__pydantic_private__`) the way validation would for keytrail's models
(frozen, `extra="forbid"`, no private attributes). That is pydantic's internal layout, hence the
pinned range in pyproject.toml and tests/graph/test_fastmodel.py, which compares every path
with pydantic's own on the installed version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from pydantic import BaseModel

__all__ = ["PYDANTIC_SLOTS", "from_store", "make", "plain"]

PYDANTIC_SLOTS: Final = frozenset({"__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"})
"""BaseModel's instance slots this module fills (a test fails if pydantic's differ)."""

_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__
_new = object.__new__  # BaseModel defines no __new__ of its own
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}
_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {}


def from_store(cls: type[_M], values: dict[str, Any]) -> _M:
    """A model from values a store read back: they were validated when written, so neither
    validation nor `model_construct`'s per-field default handling runs. `values` must hold every
    field of `cls`, so every instance of a class shares one fields-set (keytrail's models are
    frozen: never mutated)."""
    instance = _new(cls)
    _set(instance, "__dict__", values)
    fields = _ALL_FIELDS.get(cls)
    if fields is None:
        fields = _ALL_FIELDS[cls] = set(cls.model_fields)
    _set(instance, "__pydantic_fields_set__", fields)
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


_PLAIN_PROP = (str, int, float, bool)


def plain(data: dict[str, Any]) -> bool:
    """Checked props and sources hold only exact str/int/float/bool values and lists of str: the
    values pydantic keeps as they are (a str subclass, say, it would convert)."""
    for value in data["props"].values():
        if type(value) is list:
            if any(type(item) is not str for item in value):
                return False
        elif type(value) not in _PLAIN_PROP:
            return False
    return all(type(source) is str for source in data["sources"])


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """Each field's default; the checks always set the fields whose default is a factory (props)."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = _DEFAULTS[cls] = {name: field.default for name, field in cls.model_fields.items()}
    return found


def make(
    cls: type[_M],
    fields: dict[str, Any],
    check: Callable[[dict[str, Any]], dict[str, Any]],
    typed: Callable[[dict[str, Any]], bool],
    finish: Callable[[dict[str, Any]], None],
) -> _M:
    """`cls(**fields)`, several times cheaper: `check` is the model's own before-validator, then
    `finish` does what its field validators would (timestamps made canonical). Only for values
    pydantic would keep as they are — field names it knows, `typed` fields of their exact type,
    plain props and sources (`plain`) — anything else goes through pydantic itself. Instances list
    every field in `model_fields_set`, as those read back from a store do."""
    defaults = _defaults(cls)
    if not fields.keys() <= defaults.keys():
        return cls(**fields)
    data = check(fields)
    values = {name: data.get(name, default) for name, default in defaults.items()}
    if not typed(values) or not plain(values):
        return cls(**fields)
    finish(values)
    return from_store(cls, values)
