"""Who holds which Vault policy → CAN_ACCESS the path patterns its rules grant.

Two facts meet here, usually from two sources: the policies an entity's tokens hold (the audit
log's `auth.policies`, loaders/vault/loader.py) and what each policy allows (its HCL or JSON,
loaders/vault/policies.py). Either may be loaded first, so both loaders call `grant_items` for
every holder whose policies they can now resolve, over *all* its policies with known rules (this
load's and the graph's): edge properties merge last-write-wins, so each write carries the whole
answer, not one policy's share.

Per holder: CAN_ACCESS each policy it holds (`vault:policy:<name>`, `policies` = that name, the
policy's highest level), and CAN_ACCESS each path pattern its policies grant, the capabilities of
one pattern in several policies united as Vault unites them, with `level` (read/list/subscribe
`read`; create/update/patch/delete/recover `write`; sudo `admin`), `actions` (the capabilities),
`policies` and `flags`. A pattern with `deny` in any held policy is denied, so no grant is drawn
for it. Flags: `root-policy`, `sudo`, `wildcard` (`*` or `+` in the pattern), `policy-write`
(writes to `sys/policy*`/`sys/policies/acl*`, or a pattern covering them: the holder can rewrite
its own grants), `auth-write` (writes to an auth method's roles or config, or token creation:
the holder can mint tokens), `secrets-read` (reads
outside `sys/`, `auth/`, `identity/`, `cubbyhole/`: secret engines).

Built in: `root` grants every capability on `*`; `default` (a token's self-management: look up,
renew and revoke itself, its cubbyhole) is known without its rules and draws no path grants.
Parameter constraints and templated paths are not evaluated, which may overstate, never understate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from graph.values.vault import VaultSubtype
from loaders.base import Item

__all__ = ["BUILTIN", "Rules", "grant_items", "level_of", "path_node", "policy_node", "rule_texts", "rules_from_texts"]

READ = frozenset({"read", "list", "subscribe"})
WRITE = frozenset({"create", "update", "patch", "delete", "recover"})
_RANK = {"read": 0, "write": 1, "admin": 2}
_ALL = ("create", "delete", "list", "patch", "read", "sudo", "update")
BUILTIN: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = {"root": (("*", _ALL),), "default": ()}
_ENGINES_NOT = ("sys/", "auth/", "identity/", "cubbyhole/")
_MINTS = re.compile(r"\*$|auth/(\*|\+|[^/]+/(\*|\+|role|config)|token/(create|roles))")
"""Patterns whose writes configure an auth method's roles or mint tokens (a token's own renew or
revoke does not)."""

Rules = Sequence[tuple[str, tuple[str, ...]]]


def rule_texts(rules: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """A policy's rules as the Resource's `rules` text: `pattern: cap, cap`, in pattern order."""
    return [f"{pattern}: {', '.join(sorted(caps))}" for pattern, caps in sorted(rules)]


def rules_from_texts(texts: object) -> list[tuple[str, tuple[str, ...]]]:
    """`rule_texts` read back from a stored policy node (anything else reads as no rules)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for text in texts if isinstance(texts, list) else []:
        pattern, sep, caps = str(text).rpartition(": ")
        if sep:
            out.append((pattern, tuple(c for c in caps.split(", ") if c)))
    return out


def level_of(capabilities: Iterable[str]) -> str | None:
    caps = set(capabilities)
    if "sudo" in caps:
        return "admin"
    if caps & WRITE:
        return "write"
    return "read" if caps & READ else None


def _covers_policies(pattern: str) -> bool:
    return pattern in ("*", "sys/*", "sys/+") or pattern.startswith(("sys/polic", "sys/policies/acl"))


def _flags(policy: str, pattern: str, caps: frozenset[str]) -> set[str]:
    flags: set[str] = set()
    if policy == "root":
        flags.add("root-policy")
    if "sudo" in caps:
        flags.add("sudo")
    if "*" in pattern or "+" in pattern:
        flags.add("wildcard")
    writes = bool(caps & (WRITE | {"sudo"}))
    if writes and _covers_policies(pattern):
        flags.add("policy-write")
    if writes and _MINTS.match(pattern):
        flags.add("auth-write")
    if caps & READ and not pattern.startswith(_ENGINES_NOT):
        flags.add("secrets-read")
    return flags


def policy_node(name: str, rules: Rules | None, source: str) -> Node:
    """A policy's Resource; with `rules` None (named by a token, its text not loaded) only its name."""
    props: dict[str, object] = {"platform": "vault", "resource_type": "vault_policy"}
    if rules is not None:
        props["rules"] = rule_texts(rules)
    if name in BUILTIN:
        props["description"] = "built into Vault" + (": every capability on every path" if name == "root" else "")
    return Node.make(
        id=ids.vault_policy(name), kind=NodeKind.RESOURCE, subtype=VaultSubtype.POLICY, name=name, props=props,
        sources=(source,),
    )  # fmt: skip


def path_node(pattern: str, source: str) -> Node:
    return Node.make(
        id=ids.vault_path(pattern),
        kind=NodeKind.RESOURCE,
        subtype=VaultSubtype.PATH,
        name=pattern,
        props={"platform": "vault", "resource_type": "vault_path"},
        sources=(source,),
    )


def grant_items(
    holder: str, held: Iterable[str], known: Mapping[str, Rules], evidence: tuple[Evidence, ...], source: str
) -> Iterator[Item]:
    """The CAN_ACCESS edges (and path pattern nodes) of one holder's policies whose rules are known."""
    patterns: dict[str, tuple[set[str], set[str], set[str]]] = {}  # pattern -> (caps, policies, flags)
    for policy in sorted(set(held)):
        rules = known.get(policy, BUILTIN.get(policy))
        if policy not in known:  # a built-in, or a policy whose text no load brought: its name only
            yield policy_node(policy, BUILTIN.get(policy) or None, source)
        policy_flags: set[str] = set()
        level: str | None = None
        for pattern, caps in rules or ():
            frozen = frozenset(caps)
            entry = patterns.setdefault(pattern, (set(), set(), set()))
            entry[0].update(frozen)
            entry[1].add(policy)
            flags = _flags(policy, pattern, frozen)
            entry[2].update(flags)
            if "deny" not in frozen:
                policy_flags |= flags
                level = _higher(level, level_of(frozen))
        yield _edge(holder, ids.vault_policy(policy), evidence, source, policies=[policy], level=level,
                    flags=sorted(policy_flags) or None)  # fmt: skip
    for pattern, (granted, policies, pattern_flags) in sorted(patterns.items()):
        if "deny" in granted:
            continue
        if not policies & set(known):  # a loaded policy's patterns were written with it
            yield path_node(pattern, source)
        yield _edge(
            holder,
            ids.vault_path(pattern),
            evidence,
            source,
            level=level_of(granted),
            actions=sorted(granted),
            policies=sorted(policies),
            wildcard="wildcard" in pattern_flags,
            flags=sorted(pattern_flags) or None,
        )


def _higher(left: str | None, right: str | None) -> str | None:
    if left is None or right is None:
        return left or right
    return left if _RANK[left] >= _RANK[right] else right


def _edge(holder: str, target: str, evidence: tuple[Evidence, ...], source: str, **props: object) -> Edge:
    return Edge.make(
        source=holder,
        source_kind=NodeKind.IDENTITY,
        kind=EdgeKind.CAN_ACCESS,
        target=target,
        target_kind=NodeKind.RESOURCE,
        props=props,
        sources=(source,),
        evidence=evidence,
    )
