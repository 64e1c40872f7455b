"""actions-runner-controller runner pods are GitHub runners (issue 17 item 15): a scale set's
ephemeral runner pod, as `kubectl get pod -o json` shows it, is the Runner named after the pod,
on that pod (RUNS_ON, `arc_runner_pod`, strong), in the scale set's label pool a job's
`runs-on: <scale set>` names, and in its runner group; the scale set's listener pod is not.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES
from tests.loader_helpers import edges, load, node

ARC = FIXTURES / "kubernetes" / "arc"
POD = "arc-runner-set-7kq2x-runner-4vzn8"


def test_arc_runner_pod_is_the_runner_a_job_runs_on(store: GraphStore) -> None:
    report = load(store, ARC, repository="acme/shop")
    assert report.rejected == 0
    runner = ids.github_runner("acme", POD)
    pod = ids.k8s_object("default", "pod", "arc-runners", POD)
    host = edges(store, EdgeKind.RUNS_ON)[(runner, pod)]
    assert (host.props["matched_by"], host.props["match_strength"]) == ("arc_runner_pod", "strong")
    pool = ids.github_runner_label("acme", "arc-runner-set")
    member = edges(store, EdgeKind.MEMBER_OF)
    assert (runner, pool) in member and (runner, ids.github_runner_group("acme", "Default")) in member
    job = ids.github_job("acme", "shop", ".github/workflows/build.yml", "build")
    assert (job, pool) in edges(store, EdgeKind.RUNS_ON)
    assert node(store, runner).props["scale_set"] == "arc-runner-set"
    runners = {n.id for n in store.nodes_of_kind(NodeKind.RUNNER, limit=100) if n.subtype == "github.runner"}
    assert runners == {runner}  # the listener pod is a controller component, not a runner


def test_arc_runner_pod_without_an_org_is_only_a_workload(store: GraphStore, tmp_path: Path) -> None:
    """An enterprise scale set's pod names no organization: without --runner-org no runner id is
    guessed, and with it the pod is that org's runner."""
    pod = orjson.loads((ARC / "runner-pod.json").read_bytes())
    del pod["metadata"]["labels"]["actions.github.com/organization"]
    path = tmp_path / "pod.json"
    path.write_bytes(orjson.dumps(pod))
    load(store, path)
    assert store.nodes_of_kind(NodeKind.RUNNER, limit=10) == []
    assert store.nodes_of_kind(NodeKind.WORKLOAD, limit=10)
    load(store, path, runner_org="acme")
    assert [n.id for n in store.nodes_of_kind(NodeKind.RUNNER, limit=10) if n.subtype == "github.runner"] == [
        ids.github_runner("acme", POD)
    ]
