"""CODEOWNERS → OWNS (provenance codeowners) of the Pipelines defined in the repository's workflows.

A file named CODEOWNERS (at the root, in `.github/` or in `docs/`) whose lines are a pattern
and owners. The loader lists the checkout's `.github/workflows/*.yml|yaml`, finds the owners of
each workflow file — the last matching pattern wins, patterns match as in .gitignore — and
writes one record per workflow: OWNS from each owner to the workflow Pipeline and to each of its
job Pipelines (ids as loaders/github/workflows.py builds them), `provenance_detail` =
`CODEOWNERS:<line> <pattern>`.

Owners: `@org/team` → `team:<team slug>`; an email → `person:<email>`; `@login` → the Person
whose `usernames` hold it (Backstage / SCIM users already in the graph or in this load),
else `github-user:<login>` (graph/ids/). Repository: the checkout's `<org>/<repo>` (the
folder holding `.github`), else `--repository`, else `local/<folder>`; the checkout and the
folder are assumptions, said in the file's line of the load summary (loaders/repositories.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from graph import ids
from graph.errors import LoadError, ModelError, quoted
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders import limits
from loaders.base import Item, KnownNodes, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.compressed import bounded_lines, open_text
from loaders.formats.yaml import read_yaml
from loaders.repositories import Repository, context_repository, folder_repository, note_assumed

__all__ = ["CodeownersLoader", "Rule", "owners_of", "pattern_regex"]

NAME = "codeowners"
STATE_USERS = "codeowners.usernames"
_OWNER = re.compile(r"^(@[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?|[^@\s]+@[^@\s]+\.[A-Za-z]{2,})$")


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class WorkflowOwners:
    path: str
    jobs: tuple[str, ...]
    rule: Rule | None
    checkout: Repository | None
    folder: str
    codeowners: str


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS (gitignore-style) pattern as a regex over repository-relative paths."""
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    out, index = [], 0
    while index < len(body):
        if body.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif body.startswith("**", index):
            out.append(".*")
            index += 2
        elif body[index] == "*":
            out.append("[^/]*")
            index += 1
        elif body[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(body[index]))
            index += 1
    prefix = "^" if anchored else "^(?:.*/)?"
    suffix = "/.*$" if directory else "(?:/.*)?$"
    return re.compile(prefix + "".join(out) + suffix)


def owners_of(rules: list[Rule], path: str) -> Rule | None:
    """The last rule matching the path (CODEOWNERS precedence)."""
    return next((rule for rule in reversed(rules) if rule.regex.match(path)), None)


def _rules(source: SourceFile) -> Iterator[Rule | LoadError]:
    bounds = limits.current()
    with open_text(source) as handle:
        for number, line in enumerate(bounded_lines(handle, bounds.line_bytes), start=1):
            if line is None:
                yield limits.exceeded("line_bytes", bounds.line_bytes, "the line", file=source.display, line=number)
                continue
            text = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
            if not text:
                continue
            pattern, *owners = text.split()
            bad = [o for o in owners if not _OWNER.match(o)]
            if bad:
                yield LoadError(
                    f"owner {quoted(bad[0])} is neither @user, @org/team nor an email", file=source.display, line=number
                )
                continue
            yield Rule(pattern, tuple(owners), number, pattern_regex(pattern))


def _root(path: Path) -> Path:
    folder = path.resolve().parent
    return folder.parent if folder.name in {".github", "docs"} else folder


class CodeownersLoader(Loader[WorkflowOwners]):
    name = NAME
    description = "CODEOWNERS file"

    def sniff(self, sample: Sample) -> bool:
        if sample.name != "codeowners":
            return False
        lines = [
            line.strip() for line in sample.text.splitlines() if line.strip() and not line.lstrip().startswith("#")
        ]
        return bool(lines) and all(any(_OWNER.match(t) for t in line.split()[1:]) for line in lines[:20])

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        usernames: dict[str, str] = {}
        after = ""
        while True:
            page = known.nodes_of_kind(NodeKind.PERSON, after=after, limit=1000)
            for node in page:
                names = node.props.get("usernames")
                for name in names if isinstance(names, list) else []:
                    usernames.setdefault(str(name).lower(), node.id)
            if len(page) < 1000:
                break
            after = page[-1].id
        ctx.state[STATE_USERS] = usernames

    def parse(self, source: SourceFile) -> Iterator[Record[WorkflowOwners] | LoadError]:
        rules: list[Rule] = []
        for rule in _rules(source):
            if isinstance(rule, LoadError):
                yield rule
            else:
                rules.append(rule)
        root = _root(source.path)
        org, repo = root.parent.name, root.name
        why = f"the checkout path ({org}/{repo}/ holds .github; the org is the folder's name)"
        checkout = Repository(org, repo, why) if (root / ".github").is_dir() and org else None
        relative = source.path.resolve().relative_to(root).as_posix()
        workflows = sorted(p for p in (root / ".github" / "workflows").glob("*") if p.suffix in {".yml", ".yaml"})
        for index, workflow in enumerate(workflows):
            path = workflow.relative_to(root).as_posix()
            read = read_yaml(SourceFile(workflow, str(workflow)))
            jobs = read[0].get("jobs") if not isinstance(read, LoadError) and isinstance(read[0], dict) else None
            names = tuple(str(j) for j in jobs) if isinstance(jobs, dict) else ()
            where = Location(source.display, record=index + 1)
            yield Record(where, WorkflowOwners(path, names, owners_of(rules, path), checkout, root.name, relative))

    def transform(self, record: Record[WorkflowOwners], ctx: LoadContext) -> Iterable[Item]:
        value = record.value
        if value.rule is None or not value.rule.owners:
            return []
        chosen = value.checkout or context_repository(ctx, record.location) or folder_repository(value.folder, "file")
        note_assumed(ctx, record.location, chosen)
        org, repo = chosen.org, chosen.repo
        evidence = Evidence(source=record.location.file, locator=f"line {value.rule.line}")
        detail = f"{value.codeowners}:{value.rule.line} {value.rule.pattern}"
        try:
            targets = [ids.github_workflow(org, repo, value.path)] + [
                ids.github_job(org, repo, value.path, j) for j in value.jobs
            ]
            return list(_owns(value.rule.owners, targets, ctx.state.get(STATE_USERS, {}), evidence, detail))
        except ModelError as exc:
            raise record.location.error(str(exc)) from None


def _owner(owner: str, usernames: dict[str, str]) -> tuple[str, NodeKind, Node | None]:
    if not owner.startswith("@"):
        return ids.person(owner), NodeKind.PERSON, None
    handle = owner[1:]
    if "/" in handle:
        return ids.team(handle.split("/", 1)[1]), NodeKind.TEAM, None
    known = usernames.get(handle.lower())
    if known:
        return known, NodeKind.PERSON, None
    person = ids.github_user(handle)
    return (
        person,
        NodeKind.PERSON,
        Node(
            id=person,
            kind=NodeKind.PERSON,
            subtype="github.user",
            name=handle.lower(),
            props={"usernames": [handle.lower()], "platform": "github"},
            sources=(NAME,),
        ),
    )


def _owns(
    owners: tuple[str, ...], targets: list[str], usernames: dict[str, str], evidence: Evidence, detail: str
) -> Iterator[Item]:
    for owner in owners:
        source, kind, node = _owner(owner, usernames)
        if node is not None:
            yield node
        for target in targets:
            yield evidenced_edge(
                NAME, source, kind, EdgeKind.OWNS, target, NodeKind.PIPELINE, evidence,
                provenance="codeowners", provenance_detail=detail,
            )  # fmt: skip
