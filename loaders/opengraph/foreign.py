"""OpenGraph written by other collectors (GitHound, custom ones) → keytrail nodes and edges.

A foreign node keeps its own namespace: id `opengraph:<source_kind>:<id>` (whitespace
percent-encoded), subtype `opengraph.<its primary kind>`, and the keytrail kind the table
`NODE_KINDS` gives for the first of its kinds found there (else Resource: something that can be
reached). One exception joins it to the people keytrail already knows: a node mapped to Person
with an `email` property is `person:<email>`, the same Person the HR roster names.

Properties keytrail declares for the kind (`name`, `description`, `url`, `email`, …) are kept
when their type fits; every other property is kept as a `key=value` tag, so nothing the
collector recorded disappears. A foreign edge becomes the keytrail edge `EDGE_KINDS` names for
its kind when the schema allows it between the two mapped node kinds; failing that, an edge from
an Identity to a Resource is a CAN_ACCESS whose `actions` name the foreign kind (BloodHound's
edges are mostly permissions); anything else is rejected with its reason, located.

The tables are the documented mapping (docs/opengraph.md): extend them, never guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import quote

from graph import ids
from graph.errors import ModelError
from graph.model import Node
from graph.schema import EDGE_SPECS, NODE_SPECS, EdgeKind, NodeKind

__all__ = ["EDGE_KINDS", "NODE_KINDS", "edge_kind_for", "foreign_id", "foreign_node", "source_namespace"]

_N = NodeKind
NODE_KINDS: Final = MappingProxyType(
    {
        **dict.fromkeys(("Person", "Human", "Employee"), _N.PERSON),
        **dict.fromkeys(("Group", "Team", "GH_Team", "AZGroup"), _N.TEAM),
        **dict.fromkeys(
            (
                "User",
                "ServiceAccount",
                "ServicePrincipal",
                "Application",
                "GH_User",
                "GH_App",
                "GH_AppInstallation",
                "AZUser",
                "AZServicePrincipal",
                "AZApp",
                "AZManagedIdentity",
            ),
            _N.IDENTITY,
        ),
        **dict.fromkeys(
            (
                "Credential",
                "Secret",
                "Token",
                "Key",
                "Certificate",
                "GH_PersonalAccessToken",
                "GH_FineGrainedPersonalAccessToken",
            ),
            _N.CREDENTIAL,
        ),
        **dict.fromkeys(("Repository", "GH_Repository"), _N.REPOSITORY),
        **dict.fromkeys(("Computer", "Host", "Server", "VirtualMachine", "AZVM"), _N.WORKLOAD),
        **dict.fromkeys(("Runner", "GH_Runner"), _N.RUNNER),
    }
)
"""OpenGraph node kinds with a keytrail meaning (BloodHound's AD and Azure kinds, GitHound's)."""

_E = EdgeKind
EDGE_KINDS: Final = MappingProxyType(
    {
        **dict.fromkeys(("MemberOf", "GH_MemberOf", "AZMemberOf"), _E.MEMBER_OF),
        **dict.fromkeys(("Owns", "GH_Owns", "AZOwns", "Owner"), _E.OWNS),
        **dict.fromkeys(("HasCredential", "HasSecret", "GH_HasSecret"), _E.HAS_CREDENTIAL),
        **dict.fromkeys(("RunsAs",), _E.RUNS_AS),
        **dict.fromkeys(("CanAssume", "AssumeRole"), _E.CAN_ASSUME),
        **dict.fromkeys(("Manages", "ManagerOf"), _E.MANAGES),
    }
)
"""OpenGraph edge kinds with a keytrail meaning; the rest fall back as the module says."""

_UNSET = object()


def source_namespace(metadata: object) -> str:
    """The file's `metadata.source_kind`, as an id part (`opengraph` when the file names none)."""
    kind = metadata.get("source_kind") if isinstance(metadata, Mapping) else None
    text = kind.strip().lower() if isinstance(kind, str) and kind.strip() else "opengraph"
    return quote(text, safe="-_.")


def foreign_id(namespace: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ModelError("no id: an OpenGraph node's `id` (or an edge's endpoint value) is a non-empty string")
    return f"opengraph:{namespace}:{quote(value, safe='/:@=+-_.~')}"


def node_kind_for(kinds: object) -> tuple[NodeKind, str]:
    """(keytrail kind, the OpenGraph kind it came from or the primary one)."""
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) and k for k in kinds):
        raise ModelError("`kinds` must be a non-empty list of kind names")
    for kind in kinds:
        if kind in NODE_KINDS:
            return NODE_KINDS[kind], kind
    return NodeKind.RESOURCE, kinds[0]


def _fits(declared: str, value: object) -> bool:
    if declared == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if declared == "bool":
        return isinstance(value, bool)
    if declared in ("int", "float"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return declared == "str" and isinstance(value, str)  # a foreign timestamp is kept as a tag, as written


def _tag(key: str, value: object) -> str:
    text = (
        ",".join(str(v) for v in value)
        if isinstance(value, list)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )
    return f"{key}={text}"


def foreign_node(namespace: str, node: Mapping[str, Any], loader: str) -> Node:
    kind, from_kind = node_kind_for(node.get("kinds"))
    properties = node.get("properties")
    if properties is not None and not isinstance(properties, Mapping):
        raise ModelError("`properties` must be an object or null")
    properties = dict(properties or {})
    declared = NODE_SPECS[kind].properties
    name = properties.pop("name", _UNSET)
    email = properties.get("email")
    node_id = foreign_id(namespace, node.get("id"))
    if kind is NodeKind.PERSON and isinstance(email, str) and ids.is_email(email):
        node_id = ids.person(email)
        properties["email"] = email.lower()
    props: dict[str, Any] = {"platform": f"opengraph:{namespace}"}
    tags: list[str] = []
    for key, value in sorted(properties.items()):
        if value is None or isinstance(value, Mapping):
            continue
        if key in declared and key not in ("platform", "tags") and _fits(declared[key], value):
            props[key] = value
        else:
            tags.append(_tag(key, value))
    if tags:
        props["tags"] = tags
    return Node(
        id=node_id,
        kind=kind,
        subtype=f"opengraph.{quote(from_kind, safe='-_.')}",
        name=name if isinstance(name, str) else str(node.get("id")),
        props=props,
        sources=(loader,),
    )


def edge_kind_for(kind: object, source: NodeKind, target: NodeKind) -> tuple[EdgeKind, dict[str, Any]]:
    """The keytrail edge (and its properties) for an OpenGraph edge kind between two mapped
    node kinds; ModelError naming what the schema allows when it has no meaning."""
    if not isinstance(kind, str) or not kind:
        raise ModelError("an OpenGraph edge needs a `kind`")
    mapped = EDGE_KINDS.get(kind)
    if mapped is not None and source in EDGE_SPECS[mapped].sources and target in EDGE_SPECS[mapped].targets:
        return mapped, {}
    if source is NodeKind.IDENTITY and target is NodeKind.RESOURCE:
        return EdgeKind.CAN_ACCESS, {"actions": [kind]}
    allowed = sorted(k.value for k, spec in EDGE_SPECS.items() if source in spec.sources and target in spec.targets)
    raise ModelError(
        f"OpenGraph edge kind {kind!r} from a {source.value} to a {target.value} has no keytrail meaning "
        f"(keytrail edges between them: {', '.join(allowed) or 'none'}; docs/opengraph.md lists the mapping)"
    )
