"""GitHub subtypes and values: repositories, Actions secrets and tokens, workflows, jobs, runners."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import EdgeKind, NodeKind
from graph.values._registry import Subtype, Vocabulary

__all__ = [
    "SUBTYPES",
    "VOCABULARIES",
    "GithubSubtype",
    "MatchStrength",
    "RunnerHostRule",
    "RunnerHosted",
    "RunnerStatus",
]


class GithubSubtype(StrEnum):
    REPOSITORY = "github.repository"
    ACTIONS_SECRET = "github.actions.secret"
    TOKEN = "github.token"
    WORKFLOW = "github.workflow"
    JOB = "github.job"
    USER = "github.user"
    RUNNER = "github.runner"
    HOSTED_RUNNER = "github.hosted_runner"
    RUNNER_LABEL = "github.runner_label"
    RUNNER_GROUP = "github.runner_group"


class RunnerHosted(StrEnum):
    """Runner.hosted: a GitHub-hosted label (ubuntu-latest) or a self-hosted runner."""

    GITHUB = "github"
    SELF = "self"


class RunnerStatus(StrEnum):
    """Runner.status as the runners API reports it."""

    ONLINE = "online"
    OFFLINE = "offline"


class RunnerHostRule(StrEnum):
    """RUNS_ON.matched_by of a runner -> its host (instance or pod): the rule that tied them
    (loaders/aws/runners.py, loaders/kubernetes/runners.py)."""

    RUNNER_NAME_TAG = "runner_name_tag"
    GHR_INSTANCE_ID = "ghr_instance_id"
    MODULE_INSTANCE_ID = "module_instance_id"
    INSTANCE_ID = "instance_id"
    PRIVATE_DNS_NAME = "private_dns_name"
    HOSTNAME = "hostname"
    AUTOSCALING_GROUP = "autoscaling_group"
    ARC_RUNNER_POD = "arc_runner_pod"


class MatchStrength(StrEnum):
    """RUNS_ON.match_strength: strong (the fleet tool or an id says so) or weak (a name that may
    repeat: host name, DNS name, an auto-scaling group named like a pool)."""

    STRONG = "strong"
    WEAK = "weak"


_N, _S = NodeKind, GithubSubtype
SUBTYPES = (
    Subtype(_S.REPOSITORY, (_N.REPOSITORY,), "a GitHub repository"),
    Subtype(_S.ACTIONS_SECRET, (_N.CREDENTIAL,), "an Actions secret (repository, environment or organisation)"),
    Subtype(_S.TOKEN, (_N.CREDENTIAL,), "a workflow's automatic GITHUB_TOKEN"),
    Subtype(_S.WORKFLOW, (_N.PIPELINE,), "an Actions workflow file"),
    Subtype(_S.JOB, (_N.PIPELINE,), "one job of a workflow"),
    Subtype(_S.USER, (_N.PERSON,), "a person known only by GitHub login"),
    Subtype(_S.RUNNER, (_N.RUNNER,), "a self-hosted runner"),
    Subtype(_S.HOSTED_RUNNER, (_N.RUNNER,), "a GitHub-hosted runner label"),
    Subtype(_S.RUNNER_LABEL, (_N.RUNNER,), "the pool of runners carrying a runs-on label"),
    Subtype(_S.RUNNER_GROUP, (_N.RUNNER,), "a runner group"),
)
VOCABULARIES = (
    Vocabulary(_N.RUNNER, "hosted", RunnerHosted, "who hosts the runner"),
    Vocabulary(_N.RUNNER, "status", RunnerStatus, "whether the runner is connected"),
    Vocabulary(EdgeKind.RUNS_ON, "matched_by", RunnerHostRule, "the rule that tied a runner to its host"),
    Vocabulary(EdgeKind.RUNS_ON, "match_strength", MatchStrength, "how sure the runner-to-host rule is"),
)
