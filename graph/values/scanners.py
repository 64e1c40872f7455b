"""Secret-scanner subtypes: a finding's credential, and the git checkout it was found in."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "ScannerSubtype"]


class ScannerSubtype(StrEnum):
    GITLEAKS_FINDING = "gitleaks.finding"
    TRUFFLEHOG_FINDING = "trufflehog.finding"
    GIT_REPOSITORY = "git.repository"


_N, _S = NodeKind, ScannerSubtype
SUBTYPES = (
    Subtype(_S.GITLEAKS_FINDING, (_N.CREDENTIAL,), "a secret gitleaks found (no public id: an HMAC)"),
    Subtype(_S.TRUFFLEHOG_FINDING, (_N.CREDENTIAL,), "a secret trufflehog found (no public id: an HMAC)"),
    Subtype(_S.GIT_REPOSITORY, (_N.REPOSITORY,), "a scanned git checkout that names no GitHub repository"),
)
