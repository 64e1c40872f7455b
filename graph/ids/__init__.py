"""Canonical ids, and the correlation rules that make two sources meet on one node.

Every loader builds ids only through these helpers, so the same thing seen by two sources
becomes one node. The helpers live per platform — `aws`, `github`, `people` (people, teams,
catalog entities), `secrets` (keyed HMACs of values), `ssh`, `kubernetes`, `network`,
`activity` (sessions and changes) — each module with the correlation rules of its ids in its
docstring; this package re-exports them all, so callers write `from graph import ids` and
`ids.aws_arn(...)`. A new source with ids of its own adds a module here, and its names to the
re-exports below (tests/graph/test_ids.py checks that every helper of every module is exported).
"""

from __future__ import annotations

from graph.ids.activity import change, session
from graph.ids.aws import (
    aws_account,
    aws_arn,
    aws_arn_account,
    aws_arn_repair,
    aws_key,
    aws_key_slot,
    aws_principal,
    aws_resource,
    aws_role_by_name,
    aws_service,
    ec2_instance,
)
from graph.ids.entra import entra_credential, entra_resource, entra_service_principal
from graph.ids.github import (
    github_job,
    github_repo,
    github_runner,
    github_runner_group,
    github_runner_label,
    github_secret,
    github_user,
    github_workflow,
)
from graph.ids.kubernetes import (
    k8s_audit_user,
    k8s_credential,
    k8s_group,
    k8s_object,
    k8s_resource,
    k8s_service_account,
    k8s_user,
)
from graph.ids.network import ip
from graph.ids.people import catalog_entity, is_email, person, team
from graph.ids.secrets import secret_hmac
from graph.ids.ssh import ssh_key

PLATFORM_MODULES = ("activity", "aws", "entra", "github", "kubernetes", "network", "people", "secrets", "ssh")
"""The platform modules whose helpers this package re-exports (a test keeps it complete)."""

__all__ = [
    "PLATFORM_MODULES",
    "aws_account",
    "aws_arn",
    "aws_arn_account",
    "aws_arn_repair",
    "aws_key",
    "aws_key_slot",
    "aws_principal",
    "aws_resource",
    "aws_role_by_name",
    "aws_service",
    "catalog_entity",
    "change",
    "ec2_instance",
    "entra_credential",
    "entra_resource",
    "entra_service_principal",
    "github_job",
    "github_repo",
    "github_runner",
    "github_runner_group",
    "github_runner_label",
    "github_secret",
    "github_user",
    "github_workflow",
    "ip",
    "is_email",
    "k8s_audit_user",
    "k8s_credential",
    "k8s_group",
    "k8s_object",
    "k8s_resource",
    "k8s_service_account",
    "k8s_user",
    "person",
    "secret_hmac",
    "session",
    "ssh_key",
    "team",
]
