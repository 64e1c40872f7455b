"""GitHub audit-log deployment environments and deployment reviews → Changes and Approvals.

The action names are GitHub's audit-log names (docs "Audit log events for your organization",
categories `environment` and `workflows`); `deployment_review` is a webhook, not an audit action.

- `environment.add_protection_rule` / `update_protection_rule` / `remove_protection_rule` /
  `environment.delete`: a Change (`github.audit.change`: create / update / delete) that TARGETS
  the environment `github:<org>/<repo>:env:<name>` (`github.environment`, a Resource) and its
  repository. A `manual_approval` rule's `approvers` (logins, or `{login|slug|name, type}`
  objects; a team as `team:<slug>`) become the environment's `required_reviewers`; removing
  that rule, or deleting the environment, empties them. A `timeout` (wait timer) or custom rule
  changes no reviewers.
- `workflows.approve_workflow_job` / `reject_workflow_job`: an Approval
  `approval:github:<digest>` (`github.deployment_review`, status approved / rejected, the
  reviewer in `approvers` and `decisions`) that COVERS the environment it names and, approved,
  is APPROVED_BY the reviewer's Person — the roster Person whose `usernames` hold the login,
  else `github-user:<login>`, the named gap the session emission also writes. Its workflow run
  (`workflow_run_id`) is the Session whose `workflows.created_workflow_run` /
  `completed_workflow_run` / `prepared_workflow_job` events name the same run: the loader's
  `finish` writes APPROVED to it (loaders/github_audit/sessions.py `runs`). With no such
  session in the load the run stays in `scope_unresolved` (`workflow_run: <id>`), a named gap.
  No validity window is set: a review approves one run, not whatever touches the environment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson

from graph import ids
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, evidenced_edge
from loaders.github_audit.changes import ENVIRONMENT_ACTIONS, ChangeResult, change_node
from loaders.github_audit.event import AuditEvent, text

__all__ = [
    "REVIEW_ACTIONS",
    "RUN_ACTIONS",
    "Review",
    "environment_items",
    "review_items",
    "run_of",
]

NAME = "github-audit"
_edge = partial(evidenced_edge, NAME)
REVIEW_ACTIONS = {"workflows.approve_workflow_job": "approved", "workflows.reject_workflow_job": "rejected"}
RUN_ACTIONS = frozenset(
    {"workflows.created_workflow_run", "workflows.completed_workflow_run", "workflows.prepared_workflow_job"}
)
_MANUAL = "manual_approval"


@dataclass(frozen=True, slots=True)
class Review:
    """A deployment review whose run `finish` ties to the run's session."""

    node: Node  # the Approval
    run: str
    evidence: Evidence
    approved: bool


def _environment_name(event: AuditEvent) -> str:
    return text(event.value.get("environment_name")) or text(event.value.get("env_name"))


def _environment_id(event: AuditEvent) -> str:
    name = _environment_name(event)
    if not name or "/" not in event.repo:
        return ""
    org, repo = event.repo.split("/", 1)
    return ids.github_environment(org, repo, name)


def run_of(event: AuditEvent) -> str:
    """The workflow run an event names (`workflow_run_id`), or ""."""
    return text(event.value.get("workflow_run_id"))


def _reviewer(value: object) -> str:
    if isinstance(value, str):
        return value.strip().lstrip("@")
    if isinstance(value, dict):
        name = text(value.get("login")) or text(value.get("slug")) or text(value.get("name"))
        team = text(value.get("type")).lower() == "team" or (not value.get("login") and bool(value.get("slug")))
        return f"team:{name}" if team and name else name
    return ""


def _reviewers(value: object) -> list[str]:
    found = value if isinstance(value, list) else ([value] if value else [])
    return sorted({r for r in (_reviewer(v) for v in found) if r})


def environment_items(event: AuditEvent, evidence: Evidence) -> ChangeResult | None:
    """The Change an environment event made and the environment it changed (None without a name)."""
    environment = _environment_id(event)
    if not environment:
        return None
    gate = text(event.value.get("gate_type"))
    reviewers = _reviewers(event.value.get("approvers"))
    detail = "; ".join(
        part
        for part in (
            f"gate {gate}" if gate else "",
            f"reviewers {', '.join(reviewers)}" if reviewers else "",
            f"reviewers were {', '.join(_reviewers(event.value.get('approvers_was')))}"
            if event.value.get("approvers_was")
            else "",
            "prevent self-review" if event.value.get("prevent_self_review") is True else "",
        )
        if part
    )
    node = change_node(event, ENVIRONMENT_ACTIONS[event.action], detail)
    result = ChangeResult(node.id, [node])
    props: dict[str, Any] = {"platform": "github", "resource_type": "environment"}
    if event.action == "environment.delete" or (event.action.endswith("remove_protection_rule") and gate == _MANUAL):
        props["required_reviewers"] = []  # no rule requires anybody's review any more
    elif reviewers or gate == _MANUAL:
        props["required_reviewers"] = reviewers
    result.items.append(
        Node.make(
            id=environment,
            kind=NodeKind.RESOURCE,
            subtype="github.environment",
            name=f"{event.repo} {_environment_name(event)}",
            props=props,
            sources=(NAME,),
        )
    )
    result.items.append(_targets(node.id, environment, NodeKind.RESOURCE, evidence, "environment"))
    org, repo = event.repo.split("/", 1)
    result.items.append(_targets(node.id, ids.github_repo(org, repo), NodeKind.REPOSITORY, evidence, "repository"))
    return result


def _targets(change: str, target: str, kind: NodeKind, evidence: Evidence, what: str) -> Item:
    return _edge(change, NodeKind.CHANGE, EdgeKind.TARGETS, target, kind, evidence, field=what)


def review_items(
    event: AuditEvent, evidence: Evidence, person_of: Callable[[str], str]
) -> tuple[list[Item], Review | None]:
    """A deployment review's Approval, who approved it and the environment it covers; the run to
    tie in `finish` (None when the event names no run)."""
    status = REVIEW_ACTIONS[event.action]
    whole = orjson.dumps(event.value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    approval = ids.github_deployment_review(hashlib.sha256(whole).hexdigest()[:16])
    run, environment, reviewer = run_of(event), _environment_id(event), event.actor
    scope = [f"environment: {_environment_name(event)}"] if environment else []
    scope += [f"workflow_run: {run}"] if run else []
    comment = text(event.value.get("comment"))
    props: dict[str, Any] = {
        "platform": "github",
        "at": event.time,
        "status": status,
        "approvers": [reviewer] if reviewer and status == "approved" else None,
        "decisions": [f"{reviewer}: {status}"] if reviewer else None,
        "reason": comment[:2000] or None,
        "scope": scope or None,
    }
    name = f"{status} {event.repo} {_environment_name(event)} run {run or '?'}".strip()
    node = Node.make(
        id=approval,
        kind=NodeKind.APPROVAL,
        subtype="github.deployment_review",
        name=name,
        props=props,
        first_seen=event.time,
        last_seen=event.time,
        sources=(NAME,),
    )
    items: list[Item] = [node]
    if reviewer and status == "approved" and not reviewer.endswith("[bot]"):
        items.append(_edge(approval, NodeKind.APPROVAL, EdgeKind.APPROVED_BY, person_of(reviewer), NodeKind.PERSON,
                           evidence))  # fmt: skip
    if environment:
        items.append(_edge(approval, NodeKind.APPROVAL, EdgeKind.COVERS, environment, NodeKind.RESOURCE, evidence,
                           scope_kind="resource", scope=_environment_name(event)))  # fmt: skip
    return items, (Review(node, run, evidence, status == "approved") if run else None)
