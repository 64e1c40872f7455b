"""What secret-scanner loaders share: a finding without its value, credential ids, exposures.

gitleaks and trufflehog parse their own formats into one `Finding`. The secret text travels
only inside `Finding.secret` / `Finding.context` (excluded from repr) and only until
`credential_id` turns it into a public id or a keyed HMAC; nothing else here reads it. A
finding's credential is:

- the AWS access key `aws:key:<id>` when an access-key id appears in what the scanner matched
  (the key id is public: IAM, the credential report and CloudTrail print it);
- otherwise what loaders/scanners/identify.py finds identifies the secret: an OpenSSH key's
  public fingerprint (`ssh:SHA256:…`), else `secret:hmac:<hex>` of the whole key block or of a
  value strong enough to name one secret — so the same leaked value found by two scanners or in
  two repositories is one Credential;
- else (a bare `-----BEGIN … PRIVATE KEY-----` header, a redacted or low-entropy value) an HMAC of
  the finding's own reference: the scanner's fingerprint, else repository + commit + file + line
  + rule. One Credential per place: two findings never meet on a header or a placeholder.

The node says which (`identified_by`), so an answer can tell a leaked key from a leaked header.

Exposures (EXPOSED_IN Credential -> Repository) aggregate across the findings of a load: the
store keeps the latest value of an edge property, so `files`, `commits`, `lines`, `authors`,
`detectors` and `verified` are unions built in `ctx.state` and emitted by `finish`, one edge
per report file (origin = the report) so counts add across reports and a reload counts once.
The repository comes from the finding (repository URL or `repo` field), else the report sits in
the checkout it scanned (`<org>/<repo>/report.json` beside `.git` or `.github`), else
`ctx.repository`, else `local/<report folder name>`. The checkout and the folder name are
assumptions: the file's line of the load summary and the edge's `repository_assumed` say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from graph import ids
from graph.errors import ModelError
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, LoadContext, Location, evidenced_edge
from loaders.repositories import Repository, context_repository, folder_repository, note_assumed, repository_node
from loaders.scanners.identify import Basis, identify, is_redacted

__all__ = [
    "Finding",
    "basis_of",
    "credential_id",
    "exposure_items",
    "find_key_id",
    "is_redacted",
    "record_finding",
]

_KEY_ID = re.compile(r"(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})")
_STATE = "secrets.exposures"
_PRIVATE_KEY = re.compile(r"private[ _-]?key|rsa|openssh|pgp|pkcs|\bpk\b", re.I)
_PUBLIC_PREFIX = "ssh:"


@dataclass(frozen=True, slots=True)
class Finding:
    """One scanner finding. `secret` is the matched value: only `credential_id` may read it."""

    scanner: str
    detector: str
    file: str
    line: int | None
    commit: str
    author: str
    at: str | None
    verified: bool
    repository: Repository | None
    """Named by the finding, or assumed from the checkout the report lies in (it says so)."""
    report_folder: str
    reference: str
    """Where the finding is (commit:file:rule:line or index): its identity when nothing better is."""
    key_id: str = ""
    arn: str = ""
    secret: str = field(default="", repr=False)
    context: tuple[str, ...] = field(default=(), repr=False)
    """Other matched text (gitleaks Match, trufflehog RawV2): searched for a key block only."""
    scanner_fingerprint: str = ""
    account: str = ""
    """The AWS account a verifier reported for the key (trufflehog ExtraData.account)."""
    github_users: tuple[str, ...] = ()
    """GitHub logins a verifier found holding the key (trufflehog StructuredData.github_ssh_key)."""


def find_key_id(*texts: str) -> str:
    """The first AWS access-key id (AKIA/ASIA + 16) in the texts a scanner matched, or ""."""
    for text in texts:
        match = _KEY_ID.search(text or "")
        if match:
            return match.group(1)
    return ""


def basis_of(finding: Finding, repository: str) -> Basis:
    """What identifies the finding's secret (loaders/scanners/identify.py); places are per repository."""
    return identify(finding.secret, finding.context, finding.scanner_fingerprint, f"{repository}:{finding.reference}")


def credential_id(finding: Finding, repository: str, key: bytes) -> tuple[str, Basis | None]:
    """The Credential a finding reveals (see module rules) and the basis, None for an AWS key id."""
    if finding.key_id:
        return ids.aws_key(finding.key_id), None
    basis = basis_of(finding, repository)
    if basis.public:
        return ids.ssh_key(basis.material), basis
    if basis.kind in ("whole_key", "value"):
        return ids.secret_hmac(basis.material, key), basis
    return ids.secret_hmac(f"finding:{basis.kind}:{basis.material}", key), basis


def _credential_type(finding: Finding, basis: Basis | None) -> str:
    if finding.key_id:
        return "aws_access_key"
    if (basis is not None and basis.kind in ("public_key", "whole_key")) or _PRIVATE_KEY.search(finding.detector):
        return "private_key"
    return "unknown"


def _credential_node(finding: Finding, credential: str, basis: Basis | None, source: str) -> Node:
    public_key = credential.startswith(_PUBLIC_PREFIX)
    props: dict[str, object] = {
        "credential_type": _credential_type(finding, basis),
        "platform": "aws" if finding.key_id else "ssh" if public_key else None,
        "public_id": finding.key_id or (credential.removeprefix(_PUBLIC_PREFIX) if public_key else None),
        "hmac": credential.removeprefix("secret:hmac:") if credential.startswith("secret:hmac:") else None,
        "identified_by": "key_id" if basis is None else basis.kind,
        "account": finding.account or None,
    }
    subtype = "aws.access_key" if finding.key_id else "ssh.key" if public_key else f"{finding.scanner}.finding"
    return Node(
        id=credential,
        kind=NodeKind.CREDENTIAL,
        subtype=subtype,
        name=finding.key_id or finding.detector,
        props=props,
        sources=(source,),
    )


@dataclass(slots=True)
class _Exposure:
    credential: Node
    repository: str
    files: set[str] = field(default_factory=set)
    commits: set[str] = field(default_factory=set)
    lines: set[str] = field(default_factory=set)
    authors: set[str] = field(default_factory=set)
    detectors: set[str] = field(default_factory=set)
    verified: bool = False
    assumed: set[str] = field(default_factory=set)
    """Why keytrail assumed the repository, when no finding here named it (see loaders/repositories.py)."""
    per_report: dict[tuple[str, str], list[Evidence]] = field(default_factory=dict)
    """(loader name, report file) -> evidence of each finding there."""


def _repository(finding: Finding, ctx: LoadContext, where: Location) -> Repository:
    return finding.repository or context_repository(ctx, where) or folder_repository(finding.report_folder, "report")


def _locator(finding: Finding, where: Location) -> str:
    """A finding's place in its report: the line of a JSON-lines report; in a JSON array, the
    record index with what names the finding (the scanner's fingerprint, else commit:file:rule:line),
    so a person can search a pretty-printed report for it."""
    if where.line is not None:
        return where.locator
    return f"{where.locator} ({finding.scanner_fingerprint or finding.reference})"[:500]


def record_finding(finding: Finding, where: Location, ctx: LoadContext, source: str) -> list[Item]:
    """Validate one finding and fold it into the load's exposures; returns nodes known now.

    Error messages here never quote the finding's values: only field names and locations.
    """
    if not finding.file and not finding.commit:
        raise where.error("finding names neither a file nor a commit")
    try:
        chosen = _repository(finding, ctx, where)
        org, repo = chosen.org, chosen.repo
        repository = ids.github_repo(org, repo)
        credential, basis = credential_id(finding, repository, ctx.hmac_key)
    except ModelError:
        raise where.error("finding's key id or repository is malformed") from None
    node = _credential_node(finding, credential, basis, source)
    exposures: dict[tuple[str, str], _Exposure] = ctx.state.setdefault(_STATE, {})
    exposure = exposures.setdefault((credential, repository), _Exposure(node, repository))
    exposure.files.update([finding.file] if finding.file else [])
    exposure.commits.update([finding.commit] if finding.commit else [])
    if finding.file and finding.line is not None:
        exposure.lines.add(f"{finding.file}:{finding.line}")
    exposure.authors.update([finding.author] if finding.author else [])
    exposure.detectors.add(f"{finding.scanner}:{finding.detector}")
    exposure.verified = exposure.verified or finding.verified
    exposure.assumed.update([chosen.note] if chosen.assumed else [])
    note_assumed(ctx, where, chosen)
    evidence = Evidence(source=where.file, locator=_locator(finding, where), at=finding.at)
    exposure.per_report.setdefault((source, where.file), []).append(evidence)
    return [
        repository_node(org, repo, source, chosen.assumed),
        *_verified_identity(finding, credential, evidence, source),
    ]


def _verified_identity(finding: Finding, credential: str, evidence: Evidence, source: str) -> Iterator[Item]:
    """Who a verifier says holds the secret: the IAM principal of an AWS key (HAS_CREDENTIAL, with
    the account the verifier reported), the GitHub accounts an SSH key is registered to (USES)."""
    yield from _github_holders(finding, credential, evidence, source)
    if not (finding.key_id and finding.arn):
        return
    try:
        identity = ids.aws_arn(finding.arn)
    except ModelError:
        return  # a verifier's ARN we cannot read names no identity; the key still loads
    subtype = "aws.iam.user" if ":user/" in finding.arn else "aws.iam.role" if ":role/" in finding.arn else ""
    parts = finding.arn.split(":")
    account = finding.account or (parts[4] if len(parts) > 4 and parts[4].isdigit() else "")
    yield Node(
        id=identity,
        kind=NodeKind.IDENTITY,
        subtype=subtype,
        name=finding.arn.rsplit("/", 1)[-1],
        props={"arn": finding.arn, "platform": "aws", "account": account or None},
        sources=(source,),
    )
    yield evidenced_edge(
        source, identity, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, credential, NodeKind.CREDENTIAL, evidence,
        matched_by="scanner_verification",
    )  # fmt: skip


def _github_holders(finding: Finding, credential: str, evidence: Evidence, source: str) -> Iterator[Item]:
    for login in finding.github_users:
        try:
            person = ids.github_user(login)
        except ModelError:
            continue  # a login we cannot read names nobody; the key still loads
        yield Node(
            id=person,
            kind=NodeKind.PERSON,
            subtype="github.user",
            name=login.lower(),
            props={"usernames": [login.lower()], "platform": "github"},  # as CODEOWNERS names a login
            sources=(source,),
        )
        yield evidenced_edge(
            source, person, NodeKind.PERSON, EdgeKind.USES, credential, NodeKind.CREDENTIAL, evidence,
            via="github_ssh_key", matched_by="scanner_verification",
        )  # fmt: skip


def exposure_items(ctx: LoadContext, source: str) -> Iterator[Item]:
    """The credentials and EXPOSED_IN edges of this loader's reports (see module doc).

    Every scanner loader's files are read before any `finish` runs, so the unions here span the
    findings of all scanners in the load, and both loaders write the same edge properties.
    """
    exposures: dict[tuple[str, str], _Exposure] = ctx.state.get(_STATE, {})
    verified: dict[str, bool] = {}
    for (credential, _repo), exposure in exposures.items():
        verified[credential] = verified.get(credential, False) or exposure.verified
    emitted: set[str] = set()
    for (credential, repository), exposure in sorted(exposures.items()):
        mine = sorted(
            (report, evidence) for (loader, report), evidence in exposure.per_report.items() if loader == source
        )
        if not mine:
            continue
        if credential not in emitted:
            emitted.add(credential)
            props = {**exposure.credential.props, "verified": verified[credential]}
            yield exposure.credential.model_copy(update={"props": props, "sources": (source,)})
        edge_props: dict[str, object] = {
            "files": sorted(exposure.files),
            "commits": sorted(exposure.commits),
            "lines": sorted(exposure.lines),
            "authors": sorted(exposure.authors),
            "detectors": sorted(exposure.detectors),
            "verified": exposure.verified,
            "repository_assumed": "; ".join(sorted(exposure.assumed)) or None,
        }
        moments = sorted(e.at for found in exposure.per_report.values() for e in found if e.at)
        for report, evidence in mine:
            yield Edge(
                source=credential,
                source_kind=NodeKind.CREDENTIAL,
                kind=EdgeKind.EXPOSED_IN,
                target=repository,
                target_kind=NodeKind.REPOSITORY,
                props=edge_props,
                count=len(evidence),
                sources=(source,),
                evidence=tuple(sorted(evidence, key=lambda e: (e.at or "", e.locator))[-10:]),
                origin=f"{report}#{source}",
                first_seen=moments[0] if moments else None,  # when the secret was committed: exposed since
                last_seen=moments[-1] if moments else None,
            )
