"""graph/_fastmodel.py, the pydantic bypass: each of its paths gives what pydantic itself gives.

`Node.make` / `Edge.make` (loader input) must equal `Node(**fields)` / `Edge(**fields)` in every
field's type and value, or raise the same error; `from_store` (values read back) must fill the
same instance slots, with the same values, as validation. Run these first on a new pydantic
(pyproject.toml pins the tested range).
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel

from graph._fastmodel import PYDANTIC_SLOTS, from_store
from graph.model import Edge, Evidence, Node, StoredEdge
from graph.schema import EdgeKind, NodeKind

ROLE = "aws:arn:arn:aws:iam::123456789012:role/deploy"
KEY = "aws:key:AKIAIOSFODNN7EXAMPLE"


class Shade(str):
    """A str subclass: pydantic turns it into a plain str, so `make` must hand it to pydantic."""


_AT = "2024-05-01T12:00:00Z"
_NODE_CASES: list[dict[str, object]] = [
    {"id": "person:ana@acme.io", "kind": NodeKind.PERSON},
    {"id": "person:ana@acme.io", "kind": "Person", "name": "Ana", "sources": ["b", "a", "b"], "first_seen": _AT},
    {
        "id": KEY,
        "kind": NodeKind.CREDENTIAL,
        "props": {"public_id": "AKIA", "verified": True, "created": 1714564800},
        "sources": "iam",
    },
    {"id": KEY, "kind": NodeKind.CREDENTIAL, "first_seen": dt.datetime(2024, 5, 1, 14, tzinfo=dt.UTC), "last_seen": 0},
    {"id": KEY, "kind": NodeKind.CREDENTIAL, "first_seen": "", "last_seen": None, "props": {"verified": None}},
    {"id": KEY, "kind": NodeKind.CREDENTIAL, "props": {"public_id": Shade("AKIA")}, "sources": [Shade("x")]},
    {"id": KEY, "kind": NodeKind.CREDENTIAL, "name": 7},
    {"id": KEY, "kind": NodeKind.CREDENTIAL, "colour": "red"},
    {"id": KEY, "kind": NodeKind.CREDENTIAL, "props": {"no_such_prop": 1}},
    {"id": KEY, "kind": NodeKind.CREDENTIAL, "first_seen": "yesterday"},
    {"id": "not an id", "kind": NodeKind.PERSON},
    {"id": KEY, "kind": "Key"},
    {"kind": NodeKind.PERSON},
]
_EDGE_BASE: dict[str, object] = {
    "source": ROLE,
    "source_kind": NodeKind.IDENTITY,
    "kind": EdgeKind.HAS_CREDENTIAL,
    "target": KEY,
    "target_kind": NodeKind.CREDENTIAL,
}
_EVIDENCE = Evidence(source="trail.json", locator="e1", at=_AT)
_EDGE_CASES: list[dict[str, object]] = [
    _EDGE_BASE,
    {**_EDGE_BASE, "evidence": (_EVIDENCE,), "sources": ("iam",), "count": 3, "first_seen": _AT, "last_seen": _AT},
    {**_EDGE_BASE, "evidence": [{"source": "f.json", "locator": "line 2", "at": 1714564800}], "origin": None},
    {**_EDGE_BASE, "origin": "f.json#3", "count": 1},
    {
        **_EDGE_BASE,
        "kind": "CAN_ACCESS",
        "target": "aws:arn:arn:aws:s3:::b",
        "target_kind": "Resource",
        "props": {"level": "read", "actions": ["s3:Get", "s3:Get", "s3:A"]},
    },
    {**_EDGE_BASE, "count": 0},
    {**_EDGE_BASE, "count": "3"},
    {**_EDGE_BASE, "count": True},
    {**_EDGE_BASE, "origin": 5},
    {**_EDGE_BASE, "weight": 2},
    {**_EDGE_BASE, "evidence": [{"source": "", "locator": "x"}]},
    {**_EDGE_BASE, "source_kind": NodeKind.CREDENTIAL},
    {**_EDGE_BASE, "kind": "HUGS"},
    {**_EDGE_BASE, "target": None},
    {**_EDGE_BASE, "props": {"via": 3}},
]


def _outcome(build: object, fields: dict[str, object]) -> object:
    """What building gives: every field's type and value, or the error's type and text. (Not
    `model_fields_set`: `make`'s instances, like those read back from a store, list every field.)"""
    try:
        made = build(**fields)  # type: ignore[operator]
    except Exception as exc:  # any error: the comparison is the point
        return (type(exc), str(exc))
    return [(name, type(value), value) for name, value in vars(made).items()]


@pytest.mark.parametrize("fields", _NODE_CASES, ids=lambda f: str(sorted(f)))
def test_node_make_is_node(fields: dict[str, object]) -> None:
    assert _outcome(Node.make, fields) == _outcome(Node, fields)


@pytest.mark.parametrize("fields", _EDGE_CASES, ids=lambda f: str(sorted(f.items()))[:80])
def test_edge_make_is_edge(fields: dict[str, object]) -> None:
    assert _outcome(Edge.make, fields) == _outcome(Edge, fields)


def test_make_takes_the_plain_path_for_plain_values() -> None:
    """The cheap path is taken (not a silent fallback to pydantic) for what loaders pass."""
    edge = Edge.make(**_EDGE_CASES[1])
    node = Node.make(**_NODE_CASES[2])
    assert edge.model_fields_set == set(Edge.model_fields) and node.model_fields_set == set(Node.model_fields)
    assert edge == Edge(**_EDGE_CASES[1]) and node == Node(**_NODE_CASES[2])


def test_pydantic_instances_have_the_slots_the_bypass_fills() -> None:
    """A pydantic release that adds or renames an instance slot must fail here, not in a query."""
    assert set(BaseModel.__slots__) == PYDANTIC_SLOTS
    for model in (Node, Edge, StoredEdge, Evidence):
        assert not model.__private_attributes__ and model.model_config.get("frozen") is True


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Evidence, {"source": "trail.json", "locator": "e1", "at": _AT}),
        (
            Node,
            {
                "id": KEY,
                "kind": NodeKind.CREDENTIAL,
                "subtype": "aws.access_key",
                "name": "k",
                "props": {"verified": True},
                "first_seen": _AT,
                "last_seen": _AT,
                "sources": ("iam",),
            },
        ),
        (
            StoredEdge,
            {
                **_EDGE_BASE,
                "kind": EdgeKind.HAS_CREDENTIAL,
                "source_kind": NodeKind.IDENTITY,
                "target_kind": NodeKind.CREDENTIAL,
                "props": {},
                "first_seen": _AT,
                "last_seen": _AT,
                "count": 2,
                "sources": ("iam",),
                "evidence": (_EVIDENCE,),
                "observations": {"a": 2},
            },
        ),
    ],
)
def test_from_store_is_validation_of_the_same_values(model: type[BaseModel], values: dict[str, object]) -> None:
    validated = model(**values)
    read_back = from_store(model, dict(values))
    assert read_back == validated
    assert read_back.__getstate__() == {**validated.__getstate__(), "__pydantic_fields_set__": set(model.model_fields)}
    assert read_back.model_dump() == validated.model_dump()
