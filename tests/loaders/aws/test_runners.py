"""Self-hosted runners on EC2 by the conventions fleets really use (issue 17 item 15): the
terraform-aws-github-runner module's `ghr:` tags, runners named after the instance id or host
name, auto-scaling groups of a runner pool; each match is a RUNS_ON edge runner -> instance that
says which rule matched and how strong it is. Fixtures: describe-instances JSON and the GitHub
runners API JSON (tests/fixtures/aws/runner-fleet/).
"""

from __future__ import annotations

from graph import ids
from graph.schema import EdgeKind
from graph.store import GraphStore
from loaders.aws.runners import KnownRunners, match_runner
from queries.explore import neighbors
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, load, node

FLEET = FIXTURES / "aws" / "runner-fleet"
ACCOUNT = "111122223333"


def _instance(instance_id: str) -> str:
    return ids.ec2_instance(ACCOUNT, "us-east-1", instance_id)


def test_each_fleet_convention_matches_with_its_rule_and_strength(store: GraphStore) -> None:
    report = load(store, FLEET, runner_org="acme")
    assert report.rejected == 0
    hosts = {(e.source, e.target): (e.props["matched_by"], e.props["match_strength"])
             for e in edges(store, EdgeKind.RUNS_ON).values() if e.target_kind.value == "Workload"}  # fmt: skip
    assert hosts == {
        (ids.github_runner("acme", "ci-i-0ghr000000000001"), _instance("i-0ghr000000000001")): (
            "ghr_instance_id",
            "strong",
        ),
        (ids.github_runner("acme", "i-0named0000000003"), _instance("i-0named0000000003")): ("instance_id", "strong"),
        (ids.github_runner("acme", "ip-10-0-2-20"), _instance("i-0host00000000002")): ("hostname", "weak"),
        (ids.github_runner_label("acme", "linux.2xlarge"), _instance("i-0asg000000000004")): (
            "autoscaling_group",
            "weak",
        ),
    }
    assert not [e for e in edges(store, EdgeKind.RUNS_ON).values() if e.target == _instance("i-0none00000000005")]


def test_a_strong_match_makes_the_instance_the_runner_a_weak_one_does_not(store: GraphStore) -> None:
    load(store, FLEET, runner_org="acme")
    ghr = node(store, ids.github_runner("acme", "ci-i-0ghr000000000001"))
    assert ghr.props["ip_addresses"] == ["10.0.1.11"] and ghr.props["instance_id"] == "i-0ghr000000000001"
    role = ids.aws_role_by_name(ACCOUNT, "ci-runner-profile")
    assert (ghr.id, role) in edges(store, EdgeKind.RUNS_AS)  # the module's instance profile is the runner's
    by_host = node(store, ids.github_runner("acme", "ip-10-0-2-20"))
    assert "ip_addresses" not in by_host.props and "instance_id" not in by_host.props
    assert node(store, _instance("i-0host00000000002")).props["private_ips"] == ["10.0.2.20"]


def test_the_weak_rule_reaches_answers(store: GraphStore) -> None:
    """A neighbours answer shows the runner's host with the edge that says "hostname, weak"."""
    load(store, FLEET, runner_org="acme")
    answer = neighbors(store, ids.github_runner("acme", "ip-10-0-2-20"))
    host = [n.edge for n in answer.neighbors if n.edge.kind == "RUNS_ON"]
    assert [h.target for h in host] == [_instance("i-0host00000000002")]
    assert host[0].props["matched_by"] == "hostname" and host[0].props["match_strength"] == "weak"


def test_rules_in_order_and_no_org_no_runner() -> None:
    known = KnownRunners()
    known.add(ids.github_runner("acme", "ip-10-0-9-9.ec2.internal"))
    known.add(ids.github_runner("acme", "i-0abc"))
    tags = {"ghr:application": "github-action-runner", "ghr:owner": "acme/webapp", "ghr:type": "Repo"}
    ghr = match_runner(tags, "i-0abc", "", "", known)
    assert ghr is not None and (ghr.runner, ghr.matched_by) == (ids.github_runner("acme", "i-0abc"), "ghr_instance_id")
    dns = match_runner({}, "i-0zzz", "ip-10-0-9-9.ec2.internal", "", known)
    assert dns is not None and (dns.matched_by, dns.strong) == ("private_dns_name", False)
    tagged = match_runner({"runner-name": "box"}, "i-0zzz", "", "", KnownRunners())
    assert tagged is None  # a name but no org anywhere: no runner id is guessed


def test_corpus_pytorch_jobs_reach_the_instance_their_fleet_tool_launched(store: GraphStore) -> None:
    """pytorch's jobs run on `linux.2xlarge`; its fork of the runner module tags each instance
    `Application`, `RunnerType` (the label) and `Org`, and names the runner after the instance."""
    load(
        store,
        need_corpus() / "gha_workflows" / "pytorch-test-infra__update_test_file_report.yml",
        FIXTURES / "aws" / "pytorch-fleet",
        repository="pytorch/test-infra",
    )
    runner = ids.github_runner("pytorch", "i-07f3c2b1a0d9e8f71")
    pool = ids.github_runner_label("pytorch", "linux.2xlarge")
    runs_on = edges(store, EdgeKind.RUNS_ON)
    jobs = [s for (s, t) in runs_on if t == pool]
    assert len(jobs) == 2  # file-report and weekly-file-report-notification
    assert (runner, pool) in edges(store, EdgeKind.MEMBER_OF)
    host = runs_on[(runner, ids.ec2_instance("308535385114", "us-east-1", "i-07f3c2b1a0d9e8f71"))]
    assert (host.props["matched_by"], host.props["match_strength"]) == ("module_instance_id", "strong")
    assert node(store, runner).props["ip_addresses"] == ["10.1.7.42", "3.90.11.42"]
