"""GitHub Actions workflow files → Pipelines, the secrets they use, where and as whom they run.

One record per workflow file (a YAML mapping with `jobs:` and `on:` — which YAML 1.1 reads
as the boolean key True). The repository comes from the checkout path
(`.../<org>/<repo>/.github/workflows/x.yml`), else `--repository`, else `local/<folder>`; the
path and the folder are assumptions, said in the load summary and in the pipelines'
`repository_assumed`.
Each workflow is a Pipeline `github.workflow`, each job a Pipeline `github.job` whose id
extends the workflow's (`...:workflow:<path>:job:<id>`) and whose `workflow_file` and
`repository` props name it; the schema has no job→workflow edge, so none is invented.

Per job (facts read by loaders/github/jobs.py):
- USES each referenced secret, `mode: declared`, `via` the env var / input name,
  `environment` the job's environment. A name is keyed as the repository's secret
  (`github:<org>/<repo>:secret:NAME`): which of environment, repository or organisation
  secret GitHub resolves it to is decided at run time, so one name in one repository is one
  Credential — and a secret shared by a staging and a production job stays one node.
  `GITHUB_TOKEN` (also read as `github.token`) is the automatic token (credential_type token,
  subtype github.token, `lifetime: per_job`): GitHub mints it for each job and it expires when
  the job ends, so it is neither long-lived nor shared however many jobs name it.
- RUNS_ON the label pools (`github:<org>:runner-label:<label>`): the job's custom labels, or its
  default labels (self-hosted, linux, x64, ...) when it has no other; GitHub-hosted labels
  (ubuntu-*, windows-*, macos-*) are pools with `hosted: github`; a runner group is the pool
  `github:<org>:runner-group:<name>`. Matrix labels expand when the matrix is static.
- RUNS_AS the role of `aws-actions/configure-aws-credentials` `role-to-assume` when it is an
  ARN (`via` oidc / static_keys / runner_credentials); an expression is kept in `assume_role`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.fields import Fields, json_type
from loaders.formats.yaml import read_yaml
from loaders.github.jobs import DEFAULT_LABELS, GITHUB_HOSTED, JobFacts, read_job
from loaders.repositories import Repository, context_repository, folder_repository, note_assumed, repository_node

__all__ = ["Workflow", "WorkflowLoader", "checkout_of"]

NAME = "github-workflows"
_JOBS = re.compile(r"^jobs\s*:", re.M)
_ON = re.compile(r"""^(?:on|"on"|'on'|true)\s*:""", re.M)


@dataclass(frozen=True, slots=True)
class Workflow:
    data: Mapping[Any, Any]
    path: str
    """Path inside the repository, e.g. `.github/workflows/ci.yml`."""
    checkout: Repository | None
    folder: str
    lines: tuple[str, ...]


def checkout_of(parts: tuple[str, ...]) -> tuple[Repository | None, str]:
    """The repository of a path inside `<org>/<repo>/.github/...` (assumed from that path), and
    the path within the repo."""
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] == ".github":
            inner = "/".join(parts[index:])
            if index < 2:
                return None, inner
            org, repo = parts[index - 2], parts[index - 1]
            why = f"the checkout path ({org}/{repo}/{inner}; the org is the folder's name)"
            return Repository(org, repo, why), inner
    return None, ".github/workflows/" + parts[-1]


def _triggers(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, Mapping):
        return [str(k) for k in value]
    return []


class WorkflowLoader(Loader[Workflow]):
    name = NAME
    description = "GitHub Actions workflow YAML"

    def sniff(self, sample: Sample) -> bool:
        text = sample.text
        return not text.lstrip().startswith("{") and bool(_JOBS.search(text) and _ON.search(text))  # JSON: no regex

    def parse(self, source: SourceFile) -> Iterator[Record[Workflow] | LoadError]:
        read = read_yaml(source)
        if isinstance(read, LoadError):
            yield read
            return
        data, text = read
        where = Location(source.display, line=1)
        if not isinstance(data, Mapping) or not isinstance(data.get("jobs"), Mapping):
            yield where.error("not a workflow: needs a mapping with a `jobs:` mapping")
            return
        lines = tuple(text.splitlines())
        try:
            _check_workflow(data, lines, source.display)
        except LoadError as exc:
            yield exc
            return
        checkout, path = checkout_of(source.path.resolve().parts)
        yield Record(where, Workflow(data, path, checkout, source.path.resolve().parent.name, lines))

    def transform(self, record: Record[Workflow], ctx: LoadContext) -> Iterable[Item]:
        flow = record.value
        where = record.location
        chosen = flow.checkout or context_repository(ctx, where) or folder_repository(flow.folder, "workflow file")
        try:
            items = list(_workflow_items(flow, chosen, where.file))
        except ModelError as exc:
            raise where.error(str(exc)) from None
        note_assumed(ctx, where, chosen)
        return items


def _either(fields: Fields, key: str, kinds: tuple[type, ...], expected: str) -> None:
    value = fields.value.get(key)
    if value is not None and not isinstance(value, kinds):
        raise fields.error(key, expected, value)


def _check_workflow(data: Mapping[str, Any], lines: tuple[str, ...], display: str) -> None:
    """The boundary of a workflow: the structure this loader walks has its shape, or the file is
    rejected naming the field and the job's line (`jobs.build.steps[2].with`). Scalars YAML may
    type as numbers (`name: 2024`) are read as text, as GitHub does."""
    flow = Fields(data, Location(display, line=1))
    _either(flow, "permissions", (Mapping, str), "a mapping or a permission level")
    _either(flow, "env", (Mapping, str), "a mapping")
    for job_id, job in data["jobs"].items():
        where = Location(display, line=_job_line(lines, str(job_id)))
        if not isinstance(job, Mapping):
            raise where.error(f"field 'jobs.{job_id}': expected a mapping, got {json_type(job)}")
        fields = Fields(job, where, f"jobs.{job_id}")
        _either(fields, "permissions", (Mapping, str), "a mapping or a permission level")
        _either(fields, "runs-on", (str, list, Mapping), "a label, a list of labels or a mapping")
        _either(fields, "environment", (str, Mapping), "a name or a mapping")
        _either(fields, "strategy", (Mapping, str), "a mapping")
        for step in fields.objects("steps"):
            _either(step, "uses", (str,), "an action reference")
            _either(step, "with", (Mapping,), "a mapping")
            _either(step, "env", (Mapping, str), "a mapping")


def _job_line(lines: tuple[str, ...], job: str) -> int:
    pattern = re.compile(rf"""^\s+['"]?{re.escape(job)}['"]?\s*:""")
    in_jobs = False
    for number, line in enumerate(lines, start=1):
        in_jobs = in_jobs or bool(_JOBS.match(line))
        if in_jobs and pattern.match(line):
            return number
    return 1


def _first_line(lines: tuple[str, ...], start: int, needle: str) -> int:
    for number in range(start, len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return start


def _workflow_items(flow: Workflow, chosen: Repository, file: str) -> Iterator[Item]:
    org, repo = chosen.org, chosen.repo
    workflow = ids.github_workflow(org, repo, flow.path)
    data = flow.data
    triggers = sorted(set(_triggers(data.get("on", data.get(True)))))
    title = str(data.get("name") or flow.path.rsplit("/", 1)[-1])
    common = {
        "platform": "github",
        "repository": f"{org}/{repo}",
        "repository_assumed": chosen.note or None,
        "workflow_file": flow.path,
        "triggers": triggers,
    }
    yield repository_node(org, repo, NAME, chosen.assumed)
    workflow_oidc = str(
        (data.get("permissions") or {}).get("id-token", "")
        if isinstance(data.get("permissions"), Mapping)
        else data.get("permissions", "")
    ).strip() in {"write", "write-all"}
    yield Node(
        id=workflow,
        kind=NodeKind.PIPELINE,
        subtype="github.workflow",
        name=title,
        props={**common, "oidc": workflow_oidc},
        sources=(NAME,),
    )
    for job_id, job in data["jobs"].items():
        if not isinstance(job, Mapping):
            continue
        facts = read_job(job, data.get("permissions"), data.get("env"))
        line = _job_line(flow.lines, str(job_id))
        evidence = Evidence(source=file, locator=f"line {line} (jobs.{job_id})")
        yield from _job_items(flow, org, repo, str(job_id), job, facts, common, title, line, evidence, file)


def _job_items(
    flow: Workflow,
    org: str,
    repo: str,
    job_id: str,
    job: Mapping[str, Any],
    facts: JobFacts,
    common: dict[str, Any],
    title: str,
    line: int,
    evidence: Evidence,
    file: str,
) -> Iterator[Item]:
    job_node = ids.github_job(org, repo, flow.path, job_id)
    roles, expression_roles = [], []
    for role in facts.roles:
        try:
            roles.append((ids.aws_arn(role.role), role.via))
        except ModelError:
            expression_roles.append(role.role)  # an expression or a bare name: kept as text
    props = {
        **common,
        "job": job_id,
        "environment": facts.environment or None,
        "oidc": facts.oidc,
        "uses_workflow": facts.uses_workflow or None,
        "runs_on": facts.runs_on_expression or None,
        "assume_role": ", ".join(expression_roles) or None,
    }
    yield Node(
        id=job_node,
        kind=NodeKind.PIPELINE,
        subtype="github.job",
        name=f"{title} / {job.get('name') or job_id}",
        props=props,
        sources=(NAME,),
    )
    yield from _secret_items(flow, org, repo, job_node, facts, line, file)
    yield from _runner_items(org, job_node, facts, evidence)
    for target, via in roles:
        yield evidenced_edge(
            NAME, job_node, NodeKind.PIPELINE, EdgeKind.RUNS_AS, target, NodeKind.IDENTITY, evidence, via=via
        )


def _secret_items(
    flow: Workflow, org: str, repo: str, job_node: str, facts: JobFacts, line: int, file: str
) -> Iterator[Item]:
    by_name: dict[str, list[Any]] = {}
    for ref in facts.secrets:
        by_name.setdefault(ref.name, []).append(ref)
    for name, refs in sorted(by_name.items()):
        credential = ids.github_secret(org, repo, name)
        static = any(r.static_cloud_key for r in refs)
        token = name.upper() == "GITHUB_TOKEN"
        props = {
            "platform": "github",
            "credential_type": "token" if token else "ci_secret",
            "scope": "repository",
            "static_cloud_key": True if static else None,
            "lifetime": "per_job" if token else None,
        }
        yield Node(
            id=credential,
            kind=NodeKind.CREDENTIAL,
            subtype="github.token" if token else "github.actions.secret",
            name=name,
            props=props,
            sources=(NAME,),
        )
        at = _first_line(flow.lines, line, name)
        edge_props = {
            "mode": "declared",
            "via": ", ".join(sorted({r.via for r in refs})),
            "environment": facts.environment or None,
            "static_cloud_key": True if static else None,
        }
        yield Edge(
            source=job_node,
            source_kind=NodeKind.PIPELINE,
            kind=EdgeKind.USES,
            target=credential,
            target_kind=NodeKind.CREDENTIAL,
            props=edge_props,
            sources=(NAME,),
            evidence=(Evidence(source=file, locator=f"line {at}"),),
        )


def _pools(labels: list[str]) -> list[str]:
    custom = [label for label in labels if label.lower() not in DEFAULT_LABELS]
    return custom or labels


def _runner_items(org: str, job_node: str, facts: JobFacts, evidence: Evidence) -> Iterator[Item]:
    targets: dict[str, tuple[Node, list[str]]] = {}
    for labels in facts.labels:
        for label in _pools(labels):
            hosted = bool(GITHUB_HOSTED.match(label)) and "self-hosted" not in (lab.lower() for lab in labels)
            pool = ids.github_runner_label(org, label)
            props = {"platform": "github", "hosted": "github" if hosted else "self", "labels": [label.lower()]}
            node = Node(
                id=pool,
                kind=NodeKind.RUNNER,
                subtype="github.hosted_runner" if hosted else "github.runner_label",
                name=label.lower(),
                props=props,
                sources=(NAME,),
            )
            targets[pool] = (node, labels)
    if facts.group:
        group = ids.github_runner_group(org, facts.group)
        node = Node(
            id=group,
            kind=NodeKind.RUNNER,
            subtype="github.runner_group",
            name=facts.group,
            props={"platform": "github", "hosted": "self", "group": facts.group},
            sources=(NAME,),
        )
        targets[group] = (node, facts.labels[0] if facts.labels else [])
    for target, (node, labels) in sorted(targets.items()):
        yield node
        yield evidenced_edge(
            NAME, job_node, NodeKind.PIPELINE, EdgeKind.RUNS_ON, target, NodeKind.RUNNER, evidence,
            labels=labels, expression=None,
        )  # fmt: skip
