"""Validation at the model boundary: every bad record raises ModelError naming the bad value."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from graph.errors import ModelError
from graph.model import EVIDENCE_LIMIT, Edge, Evidence, Node, _check_value, canonical_timestamp, validate_id
from graph.neo4j_records import EDGE_CORE, NODE_CORE
from graph.schema import EDGE_SPECS, NODE_SPECS, EdgeKind, NodeKind

ROLE = "aws:arn:arn:aws:iam::123456789012:role/deploy"
KEY = "aws:key:AKIAIOSFODNN7EXAMPLE"


def test_unknown_node_kind_is_named() -> None:
    with pytest.raises(ModelError, match=r"unknown node kind 'Robot' for 'robot:r2'"):
        Node.checked(id="robot:r2", kind="Robot")


def test_unknown_edge_kind_is_named() -> None:
    with pytest.raises(ModelError, match=r"unknown edge kind 'HUGS'"):
        Edge.checked(source=ROLE, source_kind="Identity", kind="HUGS", target=KEY, target_kind="Credential")


def test_unknown_endpoint_kind_is_named() -> None:
    with pytest.raises(ModelError, match=r"unknown node kind 'Key' for 'aws:key:AKIAIOSFODNN7EXAMPLE'"):
        Edge.checked(source=ROLE, source_kind="Identity", kind="HAS_CREDENTIAL", target=KEY, target_kind="Key")


@pytest.mark.parametrize(
    ("source_kind", "target_kind", "message"),
    [
        ("Credential", "Credential", r"HAS_CREDENTIAL does not allow source kind Credential \('aws:arn"),
        (
            "Identity",
            "Resource",
            r"HAS_CREDENTIAL does not allow target kind Resource \('aws:key:.*allowed: \['Credential'\]",
        ),
    ],
)
def test_disallowed_endpoints_are_named(source_kind: str, target_kind: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        Edge.checked(source=ROLE, source_kind=source_kind, kind="HAS_CREDENTIAL", target=KEY, target_kind=target_kind)


@pytest.mark.parametrize(
    "bad", ["no-namespace", "Upper:case", "person:has space", "x:", ":empty", "ok:tab\there", 42, None]
)
def test_malformed_ids_are_named(bad: object) -> None:
    with pytest.raises(ModelError, match=re.escape(f"malformed id {bad!r}")):
        validate_id(bad)
    with pytest.raises(ModelError, match="malformed id"):
        Node.checked(id=bad, kind="Person")


def test_edge_endpoint_ids_are_validated() -> None:
    with pytest.raises(ModelError, match=r"malformed id 'not an id'"):
        Edge.checked(
            source="not an id", source_kind="Identity", kind="HAS_CREDENTIAL", target=KEY, target_kind="Credential"
        )


def test_undeclared_property_is_named() -> None:
    with pytest.raises(ModelError, match=r"Person person:a@example.com: undeclared property 'shoe_size'"):
        Node.checked(id="person:a@example.com", kind="Person", props={"shoe_size": "42"})
    with pytest.raises(ModelError, match=r"-HAS_CREDENTIAL-> aws:key:.*undeclared property 'level'"):
        Edge.checked(source=ROLE, source_kind="Identity", kind="HAS_CREDENTIAL", target=KEY, target_kind="Credential",
                     props={"level": "admin"})  # fmt: skip


@pytest.mark.parametrize(
    ("key", "value", "declared"),
    [("mfa_active", "yes", "bool"), ("created", "last tuesday", "timestamp"), ("arn", 7, "str")],
)
def test_property_of_wrong_type_is_named(key: str, value: object, declared: str) -> None:
    with pytest.raises(ModelError, match=f"{value!r}"):
        Node.checked(id=ROLE, kind="Identity", props={key: value})


def test_list_properties_are_sorted_unique_and_none_is_dropped() -> None:
    runner = Node.checked(
        id="github:acme:runner:r1", kind="Runner", props={"labels": ["x64", "linux", "x64"], "os": None}
    )
    assert runner.props == {"labels": ["linux", "x64"]}
    with pytest.raises(ModelError, match=r"'labels' must be list\[str\], got \['a', 1\]"):
        Node.checked(id="github:acme:runner:r1", kind="Runner", props={"labels": ["a", 1]})


@pytest.mark.parametrize(
    "bad", ["2024-13-01T00:00:00Z", "yesterday", "2024-02-30", True, object(), 1e300, -1e300, float("nan"), 10**30]
)  # the numbers raised OverflowError / OSError / ValueError before (fuzz, issue 18)
def test_bad_timestamps_are_named(bad: object) -> None:
    with pytest.raises(ModelError, match="malformed timestamp"):
        canonical_timestamp(bad)
    with pytest.raises(ModelError, match=re.escape(f"malformed timestamp {bad!r}")):
        Node.checked(id=KEY, kind="Credential", first_seen=bad)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"),
        ("2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00Z"),
        ("2024-05-01 12:00:00", "2024-05-01T12:00:00Z"),
        ("2024-05-01T12:00:00.123456Z", "2024-05-01T12:00:00Z"),
        (1714564800, "2024-05-01T12:00:00Z"),
        (1714564800000, "2024-05-01T12:00:00Z"),
        (dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), "2024-05-01T12:00:00Z"),
        (dt.date(2024, 5, 1), "2024-05-01T00:00:00Z"),
    ],
)
def test_timestamps_become_canonical_utc_text(given: object, canonical: str) -> None:
    assert canonical_timestamp(given) == canonical


def test_edge_origin_defaults_to_evidence_keys() -> None:
    ev = [Evidence(source="b.json", locator="2"), Evidence(source="a.json", locator="9")]
    made = Edge.checked(source=ROLE, source_kind="Identity", kind="HAS_CREDENTIAL", target=KEY,
                        target_kind="Credential", evidence=ev)  # fmt: skip
    assert made.origin == "a.json#9|b.json#2"
    assert made.key == (ROLE, "HAS_CREDENTIAL", KEY)
    with pytest.raises(ModelError, match=r"invalid Edge count=0"):
        Edge.checked(source=ROLE, source_kind="Identity", kind="HAS_CREDENTIAL", target=KEY, target_kind="Credential",
                     count=0)  # fmt: skip
    with pytest.raises(ModelError, match=r"invalid Evidence source=''"):
        Evidence.checked(source="")


def test_schema_properties_never_shadow_store_fields() -> None:
    """Neo4j flattens props next to the store's own fields: a clash would corrupt both."""
    for node_spec in NODE_SPECS.values():
        assert not NODE_CORE & set(node_spec.properties), node_spec.kind
    for edge_spec in EDGE_SPECS.values():
        assert not EDGE_CORE & set(edge_spec.properties), edge_spec.kind
    assert set(NODE_SPECS) == set(NodeKind)
    assert set(EDGE_SPECS) == set(EdgeKind)
    assert EVIDENCE_LIMIT > 0


@pytest.mark.parametrize(
    ("declared", "value"),
    [("float", float("nan")), ("float", float("inf")), ("int", 2**63), ("int", -(2**63) - 1), ("int", True)],
)
def test_values_no_store_can_hold_are_refused(declared: str, value: object) -> None:
    with pytest.raises(ModelError, match=f"'errors' must be {declared}, got {re.escape(repr(value))}"):
        _check_value("Session s", "errors", declared, value)  # type: ignore[arg-type]


def test_session_error_count_accepts_64_bit_ints() -> None:
    touched = Edge.checked(source="session:aws:s1", source_kind="Session", kind="TOUCHED", target=KEY,
                           target_kind="Credential", props={"errors": 2**63 - 1})  # fmt: skip
    assert touched.props == {"errors": 2**63 - 1}
