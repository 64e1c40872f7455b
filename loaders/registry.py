"""The loaders keytrail knows, in detection order: the first whose `sniff` accepts a file wins.

One explicit tuple, so what is loadable is visible in one place. More specific formats come
before more general ones (a GetCredentialReport JSON before a generic JSON export).
"""

from __future__ import annotations

from typing import Any

from loaders.aws_cloudtrail import CloudTrailLoader
from loaders.aws_credential_report import CredentialReportLoader
from loaders.aws_ec2 import Ec2InstancesLoader
from loaders.aws_iam import IamExportLoader
from loaders.backstage import BackstageLoader
from loaders.base import Loader
from loaders.codeowners import CodeownersLoader
from loaders.github_runners import RunnerInventoryLoader
from loaders.github_workflows import WorkflowLoader
from loaders.gitleaks import GitleaksLoader
from loaders.scim import ScimLoader
from loaders.trufflehog import TrufflehogLoader

__all__ = ["LOADERS", "loader_named"]

LOADERS: tuple[Loader[Any], ...] = (
    CredentialReportLoader(),
    IamExportLoader(),
    Ec2InstancesLoader(),
    ScimLoader(),
    BackstageLoader(),
    RunnerInventoryLoader(),
    WorkflowLoader(),
    CodeownersLoader(),
    GitleaksLoader(),
    TrufflehogLoader(),
    CloudTrailLoader(),
)


def loader_named(name: str) -> Loader[Any]:
    for loader in LOADERS:
        if loader.name == name:
            return loader
    from graph.errors import LoadError

    known = ", ".join(sorted(loader.name for loader in LOADERS)) or "none registered"
    raise LoadError(f"unknown source {name!r}; known sources: {known}")
