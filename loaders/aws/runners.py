"""Which EC2 instances are GitHub self-hosted runners, and which runner each is, by the conventions
of the tools that build runner fleets, with how sure each match is.

The rules, first that applies (`matched_by`, strength):
- a runner-name tag (`github-runner-name`, `GitHubRunner`, `runner-name`) → that runner (`runner_name_tag`, strong);
- the terraform-aws-github-runner module's tags (`ghr:Application = github-action-runner`): the
  module registers the runner as `ghr:runner_name_prefix` + instance id, for the org (or
  `org/repo`) in `ghr:Owner` (`ghr_instance_id`, strong);
- the same module's earlier tags (`Application = github-action-runner`, `Org` or `Repo`,
  `RunnerType`), kept by forks such as pytorch's: the runner is the instance id, and a member
  of the label pool its `RunnerType` names, the label jobs put in `runs-on` (`module_instance_id`, strong);
- a runner already in the graph (the runner inventory) named the instance id (`instance_id`, strong);
- one named the instance's private DNS name (`private_dns_name`, weak: a name the runner was
  given by hand, unique only within its VPC) or host name, its first label, the name `config.sh`
  proposes (`hostname`, weak: the same host name repeats across VPCs and accounts);
- the instance's auto-scaling group (`aws:autoscaling:groupName`) named like a runner label or
  group pool in the graph: the instance is one of that pool's hosts (`autoscaling_group`, weak).

The org of a runner: a `github-org` tag, `ghr:Owner`, `--runner-org`, else the one org the graph
knows for that runner name (or the only org known); without one, no runner id is guessed.
Runner inventories load before EC2 (loaders/registry.py), so the graph already holds their names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph import ids

__all__ = ["GHR_APPLICATION", "RUNNER_TAGS", "KnownRunners", "RunnerMatch", "match_runner"]

RUNNER_TAGS = ("github-runner-name", "githubrunner", "runner-name")
GHR_APPLICATION = "github-action-runner"
ASG_TAG = "aws:autoscaling:groupname"


@dataclass(frozen=True, slots=True)
class RunnerMatch:
    runner: str
    """The Runner node: one runner, or (`pool`) a label or group pool the instance is a host of."""
    name: str
    org: str
    matched_by: str
    strong: bool
    pool: bool = False
    runner_type: str = ""
    """The runs-on label the fleet tool launched the instance for (`RunnerType`), when it says."""


@dataclass(slots=True)
class KnownRunners:
    """Runner names and pool names the graph holds, each with the orgs that have one."""

    runners: dict[str, set[str]] = field(default_factory=dict)
    pools: dict[str, dict[str, str]] = field(default_factory=dict)
    """Pool name (lower case) -> org -> pool node id."""

    def add(self, node_id: str) -> None:
        parts = node_id.split(":")
        if len(parts) < 4 or parts[0] != "github":
            return
        org, kind, name = parts[1], parts[2], ":".join(parts[3:])
        if kind == "runner":
            self.runners.setdefault(name, set()).add(org)
        elif kind in ("runner-label", "runner-group"):
            self.pools.setdefault(name.lower(), {})[org] = node_id

    def org_of(self, name: str) -> str:
        named = self.runners.get(name, set())
        if len(named) == 1:
            return next(iter(named))
        orgs = set().union(*self.runners.values()) if self.runners else set()
        return next(iter(orgs)) if len(orgs) == 1 else ""


def _owner_org(tags: Mapping[str, str]) -> str:
    owner = tags.get("ghr:owner", "") or tags.get("org", "") or tags.get("repo", "")
    return tags.get("github-org", "").strip() or owner.strip().split("/")[0]


def match_runner(
    tags: Mapping[str, str], instance_id: str, private_dns: str, runner_org: str, known: KnownRunners
) -> RunnerMatch | None:
    """The runner (or pool) an instance is, by the first rule that applies (module docstring).
    `tags` have lower-case keys."""
    named = next((tags[t].strip() for t in RUNNER_TAGS if tags.get(t, "").strip()), "")
    if named:
        return _runner(named, "runner_name_tag", True, tags, runner_org, known)
    if tags.get("ghr:application", "").strip() == GHR_APPLICATION:
        name = tags.get("ghr:runner_name_prefix", "").strip() + instance_id
        return _runner(name, "ghr_instance_id", True, tags, runner_org, known)
    if tags.get("application", "").strip() == GHR_APPLICATION:
        found = _runner(instance_id, "module_instance_id", True, tags, runner_org, known)
        kind = tags.get("runnertype", "").strip()
        return (
            RunnerMatch(found.runner, found.name, found.org, found.matched_by, True, runner_type=kind)
            if found
            else None
        )
    host = private_dns.split(".", 1)[0]
    for name, rule, strong in ((instance_id, "instance_id", True), (private_dns, "private_dns_name", False),
                               (host, "hostname", False)):  # fmt: skip
        if name and name in known.runners:
            return _runner(name, rule, strong, tags, runner_org, known)
    group = tags.get(ASG_TAG, "").strip()
    pools = known.pools.get(group.lower(), {}) if group else {}
    org = _owner_org(tags) or runner_org or (next(iter(pools)) if len(pools) == 1 else "")
    if org in pools:
        return RunnerMatch(pools[org], group, org, "autoscaling_group", False, pool=True)
    return None


def _runner(
    name: str, rule: str, strong: bool, tags: Mapping[str, str], runner_org: str, known: KnownRunners
) -> RunnerMatch | None:
    org = _owner_org(tags) or runner_org or known.org_of(name)
    return RunnerMatch(ids.github_runner(org, name), name, org, rule, strong) if org else None
