"""Pydantic models of what loaders hand to stores: nodes, edges and evidence pointers.

Validation happens here, at the boundary: an unknown kind, an edge between kinds its
declaration does not allow, a malformed id or an undeclared property raises `ModelError`
naming the offending value, so no store ever holds a half-valid record.

Timestamps travel as canonical UTC strings (`2024-05-01T12:00:00Z`): they compare correctly
as text in SQLite, in Cypher and in Python, and export byte-identically from both stores.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from graph._fastmodel import from_store
from graph._fastmodel import make as _fast_make
from graph.errors import ModelError, quoted
from graph.schema import EDGE_SPECS, NODE_SPECS, EdgeKind, NodeKind, PropertyType

__all__ = [
    "EVIDENCE_LIMIT",
    "Edge",
    "Evidence",
    "Node",
    "PropValue",
    "StoredEdge",
    "canonical_timestamp",
    "from_store",
    "validate_id",
]

EVIDENCE_LIMIT: Final = 10
"""Evidence pointers kept per edge: the most recent ones; `count` stays exact beyond it."""

PropValue = str | int | float | bool | list[str]

_CANONICAL = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
_ID = re.compile(r"^[a-z][a-z0-9_-]*:[^\s\x00-\x1f\x7f]{1,1000}$")


def validate_id(value: object) -> str:
    """Check a canonical id: `<namespace>:<rest>`, no whitespace or control characters."""
    if not isinstance(value, str) or not _ID.match(value):
        raise ModelError(f"malformed id {quoted(value)}: expected '<namespace>:<value>' without spaces")
    return value


_CANONICAL_SEEN: set[str] = set()  # canonical texts already checked (plain str, so returned as given)
_CANONICAL_SEEN_MAX = 100_000


def canonical_timestamp(value: object) -> str:
    """Any reasonable timestamp (ISO text, epoch seconds/ms, datetime, date) as UTC `...Z` text."""
    moment: datetime
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, bool):
        raise ModelError(f"malformed timestamp {quoted(value)}")
    elif isinstance(value, int | float):
        try:  # a damaged number (1e300, NaN, 10**400) is a malformed timestamp, not an OverflowError or OSError
            moment = datetime.fromtimestamp(value / 1000 if value > 10**11 else value, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ModelError(f"malformed timestamp {quoted(value)}") from exc
    elif isinstance(value, str):
        if type(value) is str and value in _CANONICAL_SEEN:  # checked already: a session's times recur per edge
            return value
        text = value.strip()
        if len(text) == 20 and text.endswith("Z") and text[10] == "T":
            # Same check as strptime("%Y-%m-%dT%H:%M:%SZ"), far cheaper (hot in bulk loads; bench/README.md).
            if _CANONICAL.match(text) is None:
                raise ModelError(f"malformed timestamp {quoted(value)}")
            try:
                datetime.fromisoformat(text[:19])
            except ValueError as exc:
                raise ModelError(f"malformed timestamp {quoted(value)}") from exc
            if text == value and type(value) is str:
                if len(_CANONICAL_SEEN) >= _CANONICAL_SEEN_MAX:
                    _CANONICAL_SEEN.clear()
                _CANONICAL_SEEN.add(value)
            return text
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError as exc:
            raise ModelError(f"malformed timestamp {quoted(value)}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    else:
        raise ModelError(f"malformed timestamp {quoted(value)}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _optional_timestamp(value: object) -> str | None:
    return None if value is None or value == "" else canonical_timestamp(value)


Timestamp = Annotated[str | None, BeforeValidator(_optional_timestamp)]


def _check_value(owner: str, key: str, declared: PropertyType, value: object) -> PropValue:
    if declared == "timestamp":
        return canonical_timestamp(value)
    if declared == "list[str]":
        if isinstance(value, list | tuple | set | frozenset) and all(isinstance(v, str) for v in value):
            return sorted(set(value))
    elif declared == "bool":
        if isinstance(value, bool):
            return value
    elif declared == "int":
        # Both stores hold signed 64-bit integers; a bigger one must fail here, not mid-write.
        if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
            return value
    elif declared == "float":
        # NaN and infinities have no JSON form: the embedded store would keep null, Neo4j NaN.
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif isinstance(value, str):
        return value
    raise ModelError(f"{owner}: property {quoted(key)} must be {declared}, got {quoted(value)}")


def _check_props(owner: str, declared: Mapping[str, PropertyType], props: object) -> dict[str, PropValue]:
    if not isinstance(props, Mapping):
        raise ModelError(f"{owner}: props must be a mapping, got {quoted(props)}")
    checked: dict[str, PropValue] = {}
    for key, value in props.items():
        if value is None:
            continue
        if key not in declared:
            raise ModelError(f"{owner}: undeclared property {quoted(key)}")
        checked[key] = _check_value(owner, key, declared[key], value)
    return checked


def _sorted_unique(values: object) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    if not isinstance(values, list | tuple | set | frozenset):
        raise ModelError(f"sources must be a list of names, got {quoted(values)}")
    return tuple(sorted(set(values)))


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def checked(cls, **fields: Any) -> Any:
        """Build and validate, turning pydantic's errors into one ModelError naming the value."""
        try:
            return cls(**fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ModelError(f"invalid {cls.__name__} {where}={quoted(first.get('input'))}: {first['msg']}") from None


class Evidence(_Strict):
    """A pointer to the evidence behind an observation: a file and a line or an event id."""

    source: str = Field(min_length=1, max_length=1000)
    locator: str = Field(default="", max_length=500)
    at: Timestamp = None

    @property
    def key(self) -> str:
        return f"{self.source}#{self.locator}"


class Node(_Strict):
    id: str
    kind: NodeKind
    subtype: str = ""
    name: str = ""
    props: dict[str, PropValue] = Field(default_factory=dict)
    first_seen: Timestamp = None
    last_seen: Timestamp = None
    sources: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _validate(cls, data: Any) -> Any:
        return _node_data(data) if isinstance(data, dict) else data

    @classmethod
    def make(cls, **fields: Any) -> Node:
        """`Node(**fields)`, several times cheaper (graph/_fastmodel.py)."""
        return _fast_make(cls, fields, _node_data, _node_typed, _canonical_times)


def _node_data(data: dict[str, Any]) -> dict[str, Any]:
    validate_id(data.get("id"))
    kind = data.get("kind")
    try:
        kind = NodeKind(str(kind))
    except ValueError:
        raise ModelError(f"unknown node kind {quoted(kind)} for {quoted(data.get('id'))}") from None
    owner = f"{kind.value} {data['id']}"
    data = {**data, "kind": kind}
    data["props"] = _check_props(owner, NODE_SPECS[kind].properties, data.get("props") or {})
    data["sources"] = _sorted_unique(data.get("sources") or ())
    return data


class Edge(_Strict):
    """One observation (or an aggregate of `count` observations from one origin) of an edge.

    An edge is identified by (source, kind, target). `origin` names the observation group:
    writing the same origin again replaces its count instead of adding to it, which is what
    makes loading the same file twice leave the graph unchanged. It defaults to the
    evidence pointers' keys (an empty string when there is no evidence).
    """

    source: str
    source_kind: NodeKind
    kind: EdgeKind
    target: str
    target_kind: NodeKind
    props: dict[str, PropValue] = Field(default_factory=dict)
    first_seen: Timestamp = None
    last_seen: Timestamp = None
    count: int = Field(default=1, ge=1)
    sources: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    origin: str = ""

    @model_validator(mode="before")
    @classmethod
    def _validate(cls, data: Any) -> Any:
        return _edge_data(data) if isinstance(data, dict) else data

    @classmethod
    def make(cls, **fields: Any) -> Edge:
        """`Edge(**fields)`, several times cheaper (graph/_fastmodel.py)."""
        return _fast_make(cls, fields, _edge_data, _edge_typed, _canonical_times)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.kind.value, self.target)


def _node_typed(values: dict[str, Any]) -> bool:
    return type(values["subtype"]) is str and type(values["name"]) is str


def _edge_typed(values: dict[str, Any]) -> bool:
    return type(values["count"]) is int and values["count"] >= 1 and type(values["origin"]) is str


def _edge_data(data: dict[str, Any]) -> dict[str, Any]:
    try:
        kind = EdgeKind(str(data.get("kind")))
    except ValueError:
        raise ModelError(f"unknown edge kind {quoted(data.get('kind'))}") from None
    spec = EDGE_SPECS[kind]
    ends: dict[str, NodeKind] = {}
    for end, allowed in (("source", spec.sources), ("target", spec.targets)):
        validate_id(data.get(end))
        raw = data.get(f"{end}_kind")
        try:
            ends[end] = NodeKind(str(raw))
        except ValueError:
            raise ModelError(f"unknown node kind {quoted(raw)} for {quoted(data.get(end))}") from None
        if ends[end] not in allowed:
            raise ModelError(
                f"{kind.value} does not allow {end} kind {ends[end].value} "
                f"({quoted(data.get(end))}); allowed: {sorted(k.value for k in allowed)}"
            )
    owner = f"{data['source']} -{kind.value}-> {data['target']}"
    data = {**data, "kind": kind, "source_kind": ends["source"], "target_kind": ends["target"]}
    data["props"] = _check_props(owner, spec.properties, data.get("props") or {})
    data["sources"] = _sorted_unique(data.get("sources") or ())
    evidence = data.get("evidence") or ()
    data["evidence"] = tuple(e if isinstance(e, Evidence) else Evidence.checked(**e) for e in evidence)
    if data.get("origin") is None:
        data["origin"] = "|".join(sorted({e.key for e in data["evidence"]}))
    return data


def _canonical_times(values: dict[str, Any]) -> None:
    """What the `Timestamp` fields' validators do, for `make`'s bypass."""
    values["first_seen"] = _optional_timestamp(values["first_seen"])
    values["last_seen"] = _optional_timestamp(values["last_seen"])


class StoredEdge(_Strict):
    """An edge as a store holds it after merging every observation."""

    source: str
    source_kind: NodeKind
    kind: EdgeKind
    target: str
    target_kind: NodeKind
    props: dict[str, PropValue] = Field(default_factory=dict)
    first_seen: str | None = None
    last_seen: str | None = None
    count: int = 1
    sources: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    observations: dict[str, int] = Field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.kind.value, self.target)
