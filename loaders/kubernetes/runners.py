"""GitHub Actions runners that actions-runner-controller (ARC) runs as Kubernetes pods.

ARC's runner scale sets (`gha-runner-scale-set`) run each job in an ephemeral runner pod that
the controller labels `app.kubernetes.io/component: runner`, `actions.github.com/scale-set-name`,
`actions.github.com/organization` (and `/repository`, `/enterprise`) and annotates with
`actions.github.com/runner-scale-set-name` (the name jobs put in `runs-on`) and
`actions.github.com/runner-group-name`. The runner registers with GitHub under the pod's name.

So such a pod is also the Runner `github:<org>:runner:<pod name>` — the id the runner inventory
and webhooks use — which RUNS_ON the pod's Workload (`matched_by: arc_runner_pod`, strong) and is
MEMBER_OF the scale set's label pool (`github:<org>:runner-label:<scale set>`, the node a
workflow's `runs-on: <scale set>` names) and its runner group. The org is the label's, else
`--runner-org`; an enterprise-level scale set without either is left a Workload (no runner id
is guessed).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph import ids
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, evidenced_edge

__all__ = ["SCALE_SET_LABEL", "arc_runner_items"]

NAME = "k8s-manifests"
SCALE_SET_LABEL = "actions.github.com/scale-set-name"
_COMPONENT = "app.kubernetes.io/component"
_ORG = "actions.github.com/organization"
_SCALE_SET_NAME = "actions.github.com/runner-scale-set-name"
_GROUP = "actions.github.com/runner-group-name"


def _texts(value: object) -> dict[str, str]:
    return {str(k): str(v).strip() for k, v in value.items() if v is not None} if isinstance(value, Mapping) else {}


def _pool(node_id: str, subtype: str, name: str, **props: Any) -> Node:
    return Node(id=node_id, kind=NodeKind.RUNNER, subtype=subtype, name=name,
                props={"platform": "github", "hosted": "self", **props}, sources=(NAME,))  # fmt: skip


def arc_runner_items(
    metadata: Mapping[str, Any], pod_name: str, workload: str, runner_org: str, evidence: Evidence
) -> Iterator[Item]:
    """The Runner an ARC runner pod is, its host edge and its pools (module docstring); nothing
    for any other pod."""
    labels, annotations = _texts(metadata.get("labels")), _texts(metadata.get("annotations"))
    scale_set = labels.get(SCALE_SET_LABEL, "")
    if labels.get(_COMPONENT) != "runner" or not scale_set:
        return
    org = labels.get(_ORG, "") or runner_org
    if not org:
        return
    runner = ids.github_runner(org, pod_name)
    label = (annotations.get(_SCALE_SET_NAME) or scale_set).lower()
    group = annotations.get(_GROUP, "")
    props = {"platform": "github", "hosted": "self", "labels": [label], "group": group or None, "scale_set": scale_set}
    yield Node(id=runner, kind=NodeKind.RUNNER, subtype="github.runner", name=pod_name, props=props, sources=(NAME,))
    yield evidenced_edge(NAME, runner, NodeKind.RUNNER, EdgeKind.RUNS_ON, workload, NodeKind.WORKLOAD, evidence,
                         matched_by="arc_runner_pod", match_strength="strong")  # fmt: skip
    pools = [_pool(ids.github_runner_label(org, label), "github.runner_label", label, labels=[label])]
    if group:
        pools.append(_pool(ids.github_runner_group(org, group), "github.runner_group", group, group=group))
    for pool in pools:
        yield pool
        yield evidenced_edge(NAME, runner, NodeKind.RUNNER, EdgeKind.MEMBER_OF, pool.id, NodeKind.RUNNER, evidence)
