"""GitHub self-hosted runner inventory (the REST API's JSON) → Runners and their label/group pools.

Reads `GET /orgs/{org}/actions/runners` (`{total_count, runners: [{id, name, os, status, busy,
labels: [{id, name, type}]}]}`), the same shape per group (`runner-group-<id>-runners.json`,
a group's `runners_url`), and `GET /orgs/{org}/actions/runner-groups` (`{total_count,
runner_groups: [...]}`). One record per runner or group.

Each runner is `github:<org>:runner:<name>` (`github.runner`) — the id the EC2 loader gives an
instance tagged with that runner name — and is MEMBER_OF the pool of every label it carries
(`github:<org>:runner-label:<label>`, read-only defaults such as self-hosted / linux / x64
included), which is the node a workflow's `runs-on` names, and of its runner group
(`github:<org>:runner-group:<name>`) when known from `runner_group_id` or the per-group file.

The org is not in the runner JSON. It comes from `--runner-org`, else a `runners_url`
(`.../orgs/<org>/actions/...`) in this file or a `runner-groups.json` beside it, else the one
GitHub org of the repositories already in the graph. Without one a record is rejected with
that reason: a runner id is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, KnownNodes, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.json import iter_json_documents

__all__ = ["RunnerInventoryLoader"]

NAME = "github-runners"
_ORG_URL = re.compile(r"/orgs/([^/]+)/actions/")
_GROUP_FILE = re.compile(r"runner-group-(\d+)-runners", re.I)
STATE_ORGS = "github_runners.orgs"


@dataclass(frozen=True, slots=True)
class Entry:
    data: Mapping[str, Any]
    is_group: bool
    org: str
    group: str


def _groups_beside(path: Path) -> tuple[str, dict[int, str]]:
    """Org and group names from a runner-groups.json in the same folder, if there is one."""
    sibling = path.parent / "runner-groups.json"
    try:
        data = orjson.loads(sibling.read_bytes()) if sibling.is_file() else None
    except (OSError, orjson.JSONDecodeError):
        return "", {}  # the sibling is loaded (and its errors reported) as a file of its own
    return _groups_of(data)


def _groups_of(data: object) -> tuple[str, dict[int, str]]:
    groups = data.get("runner_groups") if isinstance(data, Mapping) else None
    org, names = "", {}
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, Mapping) and isinstance(group.get("id"), int) and isinstance(group.get("name"), str):
            names[group["id"]] = group["name"]
            found = _ORG_URL.search(str(group.get("runners_url", "")))
            org = org or (found.group(1) if found else "")
    return org, names


class RunnerInventoryLoader(Loader[Entry]):
    name = NAME
    description = "GitHub self-hosted runners / runner groups API JSON"

    def sniff(self, sample: Sample) -> bool:
        text = sample.text.lstrip()
        return text.startswith("{") and '"total_count"' in text and ('"runners"' in text or '"runner_groups"' in text)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        orgs: set[str] = set()
        after = ""
        while True:
            page = known.nodes_of_kind(NodeKind.REPOSITORY, after=after, limit=1000)
            orgs.update(str(n.props["org"]) for n in page if n.props.get("org") and n.props.get("org") != "local")
            if len(page) < 1000:
                break
            after = page[-1].id
        ctx.state[STATE_ORGS] = orgs

    def parse(self, source: SourceFile) -> Iterator[Record[Entry] | LoadError]:
        beside_org, names = _groups_beside(source.path)
        matched = _GROUP_FILE.search(source.path.name)
        file_group = names.get(int(matched.group(1)), "") if matched else ""
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError):
                yield parsed
                continue
            data = parsed.value if isinstance(parsed.value, Mapping) else {}
            own_org, own_names = _groups_of(data)
            is_group = isinstance(data.get("runner_groups"), list)
            items = data.get("runner_groups") if is_group else data.get("runners")
            if not isinstance(items, list):
                yield parsed.location.error("not a runner inventory: needs a `runners` or `runner_groups` list")
                continue
            for index, item in enumerate(items):
                where = Location(source.display, record=index + 1)
                if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"].strip():
                    yield where.error("runner or group without a name")
                    continue
                group_id = item.get("runner_group_id")
                group = {**names, **own_names}.get(group_id, "") if isinstance(group_id, int) else file_group
                yield Record(where, Entry(item, is_group, own_org or beside_org, group))

    def transform(self, record: Record[Entry], ctx: LoadContext) -> Iterable[Item]:
        entry = record.value
        known: set[str] = ctx.state.get(STATE_ORGS, set())
        org = ctx.runner_org or entry.org or (next(iter(known)) if len(known) == 1 else "")
        if not org:
            raise record.location.error("the inventory names no GitHub org: pass --runner-org")
        evidence = Evidence(source=record.location.file, locator=record.location.locator)
        try:
            return list(_group_items(org, entry) if entry.is_group else _runner_items(org, entry, evidence))
        except ModelError as exc:
            raise record.location.error(str(exc)) from None


def _pool(node_id: str, subtype: str, name: str, **props: Any) -> Node:
    return Node(
        id=node_id,
        kind=NodeKind.RUNNER,
        subtype=subtype,
        name=name,
        props={"platform": "github", "hosted": "self", **props},
        sources=(NAME,),
    )


def _group_items(org: str, entry: Entry) -> Iterator[Item]:
    name = entry.data["name"].strip()
    yield _pool(ids.github_runner_group(org, name), "github.runner_group", name, group=name)


def _runner_items(org: str, entry: Entry, evidence: Evidence) -> Iterator[Item]:
    data = entry.data
    name = data["name"].strip()
    runner = ids.github_runner(org, name)
    raw_labels: list[Any] = data["labels"] if isinstance(data.get("labels"), list) else []
    labels = sorted(
        {
            str(label.get("name")).strip().lower()
            for label in raw_labels
            if isinstance(label, Mapping) and label.get("name")
        }
    )
    props = {
        "platform": "github",
        "hosted": "self",
        "labels": labels,
        "os": data.get("os") if isinstance(data.get("os"), str) else None,
        "status": data.get("status") if isinstance(data.get("status"), str) else None,
        "group": entry.group or None,
    }
    yield Node(id=runner, kind=NodeKind.RUNNER, subtype="github.runner", name=name, props=props, sources=(NAME,))
    pools = [
        (
            ids.github_runner_label(org, label),
            _pool(ids.github_runner_label(org, label), "github.runner_label", label, labels=[label]),
        )
        for label in labels
    ]
    if entry.group:
        group = ids.github_runner_group(org, entry.group)
        pools.append((group, _pool(group, "github.runner_group", entry.group, group=entry.group)))
    for pool_id, pool in pools:
        yield pool
        yield evidenced_edge(NAME, runner, NodeKind.RUNNER, EdgeKind.MEMBER_OF, pool_id, NodeKind.RUNNER, evidence)
