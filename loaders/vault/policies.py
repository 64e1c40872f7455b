"""Vault ACL policies (`vault-policy`) → policy Resources with their rules, and the grants of
every entity already known to hold them.

Formats (detected by content): an HCL policy file as `vault policy read NAME > NAME.hcl` writes
it or a repository keeps it (the first thing in it is a `path "…" {` block); a policy in JSON
syntax (`{"path": {…}}`); `vault read -format=json sys/policy/NAME` (`data.rules`) and
`sys/policies/acl/NAME` (`data.policy`); the HTTP API's answer (`name` and `rules`/`policy`
at the top); and a JSON array of those. The rules: loaders/vault/policy_text.py.

A policy's name is the one the document gives; a bare policy file names none, so its file name
(without `.hcl`/`.json`/`.policy`) is the name, as `vault policy write NAME FILE` is used, and
the file's report says so. Emitted: `vault:policy:<name>` (`vault.policy`) with `rules` as text,
each pattern as a `vault:path:<pattern>` Resource, and — for every entity the graph already
holds with that policy (`policies`, written by the audit loader) — its CAN_ACCESS grants
(loaders/vault/grants.py). A malformed policy is a located error naming its line; the other
documents of the file still load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from graph import ids
from graph.errors import LoadError
from graph.model import Evidence
from graph.schema import NodeKind
from loaders import limits
from loaders.base import Item, KnownNodes, LoadContext, Loader, Location, Record, Sample, SourceFile
from loaders.formats.compressed import open_text
from loaders.formats.json import iter_json_records
from loaders.sessions.places import all_nodes
from loaders.vault.grants import grant_items, path_node, policy_node, rules_from_texts
from loaders.vault.policy_text import PolicyError, parse_json_policy, rules_of

__all__ = ["NAME", "VaultPolicyLoader", "known_holders", "known_policies"]

NAME = "vault-policy"
_STATE = "vault-policy"
_HCL_HEAD = re.compile(r'\A(?:\s+|#[^\n]*|//[^\n]*|/\*.*?\*/)*path\s+"[^"\n]*"\s*\{', re.DOTALL)
_SUFFIXES = (".gz", ".hcl", ".json", ".policy")


@dataclass(frozen=True, slots=True)
class PolicyDoc:
    name: str  # "" when the document names none
    text: str | None  # the policy's own text (HCL or JSON), or None with `document`
    document: Any = None  # a policy in JSON syntax, already parsed
    line_offset: int = 0  # the policy text's first line in the file (bare HCL files: 0)


def known_policies(known: KnownNodes) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Every policy the graph holds rules for, by name."""
    prefix = ids.vault_policy("x")[:-1]
    return {
        node.id.removeprefix(prefix): rules_from_texts(node.props.get("rules"))
        for node in all_nodes(known, NodeKind.RESOURCE, prefix)
        if node.props.get("rules")
    }


def known_holders(known: KnownNodes) -> dict[str, set[str]]:
    """Every Vault entity the graph holds with the policies its tokens were seen holding."""
    prefix = ids.vault_entity("x")[:-1]
    out: dict[str, set[str]] = {}
    for node in all_nodes(known, NodeKind.IDENTITY, prefix):
        held = node.props.get("policies")
        if isinstance(held, list) and held:
            out[node.id] = {str(p) for p in held}
    return out


def _file_name(display: str) -> str:
    name = PurePath(display).name
    while name.endswith(_SUFFIXES):
        name = name[: name.rfind(".")]
    return name


def _sniff_json(head: str) -> bool:
    if '"request"' in head and '"type"' in head:
        return False  # a Vault audit entry (loaders/vault/loader.py)
    policy_syntax = '"path"' in head and ('"capabilities"' in head or '"policy"' in head)
    read_back = 'path \\"' in head and ('"rules"' in head or '"policy"' in head)
    return policy_syntax or read_back


class VaultPolicyLoader(Loader[PolicyDoc]):
    name = NAME
    description = "HashiCorp Vault ACL policies (HCL or JSON files, `vault read -format=json sys/policy/NAME`)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()[:16384]
        if head.startswith(("{", "[")):
            return _sniff_json(head)
        return bool(_HCL_HEAD.match(head))

    def parse(self, source: SourceFile) -> Iterator[Record[PolicyDoc] | LoadError]:
        bounds = limits.current()
        with open_text(source) as handle:
            text = handle.read(bounds.document_bytes + 1)
        if len(text) > bounds.document_bytes:
            raise limits.exceeded("document_bytes", bounds.document_bytes, "the policy", file=source.display)
        if not text.lstrip().startswith(("{", "[")):
            yield Record(Location(source.display, line=1), PolicyDoc("", text))
            return
        for parsed in iter_json_records(source):
            if isinstance(parsed, LoadError):
                yield parsed
            else:
                yield _document(parsed)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        ctx.state[_STATE] = {"policies": {}, "graph": known_policies(known), "holders": known_holders(known)}

    def transform(self, record: Record[PolicyDoc], ctx: LoadContext) -> Iterable[Item]:
        doc, where = record.value, record.location
        try:
            rules = parse_json_policy(doc.document) if doc.text is None else rules_of(doc.text, ctx.limits.depth)
        except PolicyError as exc:
            line = (exc.line + doc.line_offset) if exc.line is not None and where.line is not None else where.line
            at = Location(where.file, line=line, record=where.record)
            inner = f" (line {exc.line} of its text)" if exc.line is not None and where.line is None else ""
            raise at.error(f"not a Vault policy: {exc}{inner}") from None
        name = doc.name or _file_name(where.file)
        try:
            ids.vault_policy(name)
        except ValueError as exc:
            raise where.error(f"policy name: {exc}") from None
        if not doc.name:
            ctx.assumed.setdefault(where.file, set()).add(f"policy name assumed: {name} from the file name")
        pairs = [(rule.pattern, rule.capabilities) for rule in rules]
        try:
            nodes = [path_node(pattern, NAME) for pattern, _caps in pairs]
        except ValueError as exc:
            raise where.error(f"path pattern: {exc}") from None
        state = ctx.state.setdefault(_STATE, {"policies": {}, "graph": {}, "holders": {}})
        state["policies"][name] = (pairs, ctx.evidence(where))
        return [policy_node(name, pairs, NAME), *nodes]

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state = ctx.state.get(_STATE)
        if not state or not state["policies"]:
            return ()
        return _grants(state["policies"], state["graph"], state["holders"], ctx.notes)


def _grants(
    loaded: Mapping[str, tuple[list[tuple[str, tuple[str, ...]]], Evidence]],
    graph: Mapping[str, list[tuple[str, tuple[str, ...]]]],
    holders: Mapping[str, set[str]],
    notes: list[str],
) -> Iterator[Item]:
    known = {**graph, **{name: rules for name, (rules, _evidence) in loaded.items()}}
    granted = 0
    for holder, held in sorted(holders.items()):
        mine = sorted(held & set(loaded))
        if not mine:
            continue
        granted += 1
        evidence = tuple(loaded[name][1] for name in mine)
        yield from grant_items(holder, held, known, evidence, NAME)
    if granted:
        notes.append(f"vault-policy: grants drawn for {granted} entities the graph holds with these policies")


def _document(parsed: Record[Any]) -> Record[PolicyDoc] | LoadError:
    """One JSON record: a policy in JSON syntax, or a read-back wrapping a policy's text."""
    value, where = parsed.value, parsed.location
    if not isinstance(value, dict):
        return where.error("a Vault policy document must be a JSON object")
    if "path" in value:
        return Record(where, PolicyDoc("", None, value))
    body = value["data"] if isinstance(value.get("data"), dict) else value
    name, text = body.get("name"), body.get("rules", body.get("policy"))
    if not isinstance(text, str) or not text.strip():
        return where.error("neither a policy (`path`) nor a read-back with `rules` or `policy` text")
    if name is not None and not isinstance(name, str):
        return where.error(f"`name` must be text, not {type(name).__name__}")
    return Record(where, PolicyDoc(name or "", text))
