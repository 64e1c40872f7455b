"""The sources keytrail knows, in one table: each loader with its load phase, in detection order.

Detection: the first row whose `sniff` accepts a file wins, so more specific formats come before
more general ones (a GetCredentialReport JSON before a generic JSON export). A test proves that
no loader claims another format's real files (tests/loaders/test_registry.py).

Load order: files load by `Phase`, then in the order given. Inventories come before what is
matched against them, so activity finds the identities, runners and owners they declared.
Adding a source is one row here (docs/adding-a-source.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from graph.errors import LoadError
from loaders.aws.cloudtrail.loader import CloudTrailLoader
from loaders.aws.credential_report import CredentialReportLoader
from loaders.aws.ec2 import Ec2InstancesLoader
from loaders.aws.iam import IamExportLoader
from loaders.base import Loader
from loaders.entra.loader import EntraLoader
from loaders.gcp.loader import GcpAuditLoader
from loaders.github.codeowners import CodeownersLoader
from loaders.github.runners import RunnerInventoryLoader
from loaders.github.workflows import WorkflowLoader
from loaders.github_audit.loader import GithubAuditLoader
from loaders.kubernetes.audit import AuditLoader
from loaders.kubernetes.objects import ManifestLoader
from loaders.okta.loader import OktaSystemLogLoader
from loaders.opengraph.loader import OpenGraphLoader
from loaders.openssh.loader import OpenSshLoader
from loaders.people.backstage import BackstageLoader
from loaders.people.scim import ScimLoader
from loaders.scanners.gitleaks import GitleaksLoader
from loaders.scanners.trufflehog import TrufflehogLoader
from loaders.teleport.loader import TeleportLoader
from loaders.tickets.loader import TicketLoader
from loaders.vault.loader import VaultAuditLoader
from loaders.vault.policies import VaultPolicyLoader

__all__ = ["LOADERS", "REGISTRY", "Phase", "Registration", "loader_named", "phase_of"]


class Phase(IntEnum):
    """When a source's files load, relative to the others (lower first)."""

    PEOPLE = 10
    """HR rosters and ownership catalogues: the people and teams everything else is owned by."""
    IDENTITIES = 20
    """Identity and runner inventories (IAM exports, runner lists): the things activity meets."""
    CREDENTIAL_STATE = 21
    """Per-credential state reports, written over what the identity inventories declared."""
    DEFINITIONS = 30
    """Workloads and pipelines that use identities (EC2 instances, workflow files)."""
    CODE_OWNERSHIP = 35
    """Owners of code (CODEOWNERS), applied to the pipelines the definitions created."""
    EXPOSURES = 40
    """Secret-scanner reports: exposures of credentials already known, or new ones."""
    ACTIVITY = 80
    """Audit logs: sessions matched against everything above."""


@dataclass(frozen=True, slots=True)
class Registration:
    loader: Loader[Any]
    phase: Phase


REGISTRY: tuple[Registration, ...] = (
    Registration(CredentialReportLoader(), Phase.CREDENTIAL_STATE),
    Registration(IamExportLoader(), Phase.IDENTITIES),
    Registration(Ec2InstancesLoader(), Phase.DEFINITIONS),
    Registration(ScimLoader(), Phase.PEOPLE),
    Registration(BackstageLoader(), Phase.PEOPLE),
    Registration(RunnerInventoryLoader(), Phase.IDENTITIES),
    Registration(WorkflowLoader(), Phase.DEFINITIONS),
    Registration(AuditLoader(), Phase.ACTIVITY),
    Registration(ManifestLoader(), Phase.DEFINITIONS),
    Registration(CodeownersLoader(), Phase.CODE_OWNERSHIP),
    Registration(GitleaksLoader(), Phase.EXPOSURES),
    Registration(TrufflehogLoader(), Phase.EXPOSURES),
    Registration(CloudTrailLoader(), Phase.ACTIVITY),
    Registration(EntraLoader(), Phase.ACTIVITY),
    Registration(TeleportLoader(), Phase.ACTIVITY),
    Registration(OpenSshLoader(), Phase.ACTIVITY),
    Registration(VaultAuditLoader(), Phase.ACTIVITY),
    Registration(VaultPolicyLoader(), Phase.DEFINITIONS),
    Registration(OpenGraphLoader(), Phase.IDENTITIES),
    Registration(GcpAuditLoader(), Phase.ACTIVITY),
    Registration(OktaSystemLogLoader(), Phase.ACTIVITY),
    Registration(GithubAuditLoader(), Phase.ACTIVITY),
    Registration(TicketLoader(), Phase.ACTIVITY),
)

LOADERS: tuple[Loader[Any], ...] = tuple(row.loader for row in REGISTRY)
"""The loaders in detection order."""

_PHASES: dict[str, Phase] = {row.loader.name: row.phase for row in REGISTRY}


def loader_named(name: str) -> Loader[Any]:
    for loader in LOADERS:
        if loader.name == name:
            return loader
    known = ", ".join(sorted(loader.name for loader in LOADERS)) or "none registered"
    raise LoadError(f"unknown source {name!r}; known sources: {known}")


def phase_of(loader: Loader[Any]) -> Phase:
    """The phase a registered loader's files load in."""
    return _PHASES[loader.name]
