"""GCP ids: service accounts and their keys, Google user accounts, workload identity federation, resources.

Correlation rules (tested with real Cloud Audit Log entries, tests/loaders/gcp/):

- A service account is `gcp:sa:<email lower-case>` whether an audit entry names it as the caller
  (`authenticationInfo.principalEmail`, `principalSubject: serviceAccount:…`), in a delegation
  chain, as a policy member (`serviceAccount:…`) or in a key's resource name
  (`projects/<p>/serviceAccounts/<email>/keys/<id>`): a service account's email is globally unique.
- A service-account key is `gcp:sa-key:<key id lower-case>` — the last segment of
  `serviceAccountKeyName` (`//iam.googleapis.com/projects/<p>/serviceAccounts/<email>/keys/<id>`)
  or of a CreateServiceAccountKey response's `name`. Key ids are unique hex ids, public by design;
  the key material is never in an audit log and never stored.
- A Google user account (`user:<email>`) is the Identity `gcp:user:<email lower-case>`, human by
  nature; the Person behind it is `person:<email>` (graph/ids/people.py), so an HR roster meets it.
- Workload identity federation: `principal://iam.googleapis.com/<pool>/subject/<subject>` is the
  Identity `gcp:wif:<pool>:subject:<subject>`, MEMBER_OF the pool `gcp:wif:<pool>` (`<pool>` =
  `projects/<number>/locations/global/workloadIdentityPools/<pool id>`, or a workforce pool's
  `locations/global/workforcePools/<id>`); `principalSet://…/<pool>/<attribute path>` is the set
  `gcp:wif:<pool>:set:<attribute path>`, MEMBER_OF the same pool. A pool's provider (the issuer
  whose tokens it accepts, `<pool>/providers/<provider id>` in CreateWorkloadIdentityPoolProvider
  and its Update / Delete entries) is `gcp:wif:<pool>:provider:<provider id lower-case>`.
- A resource is `gcp:res:<resource name>` as the entry's `resourceName` spells it (`projects/p/zones/…`),
  with a leading `//<service>/` dropped; a project is `gcp:res:projects/<project id>`.
"""

from __future__ import annotations

import re

from graph.errors import ModelError, quoted
from graph.ids._base import require, slug

__all__ = [
    "gcp_federated_principal",
    "gcp_resource",
    "gcp_service_account",
    "gcp_service_account_key",
    "gcp_user",
    "gcp_wif_pool",
    "gcp_wif_provider",
]

_POOL = re.compile(
    r"^(?:projects/[^/\s]+/locations/[^/\s]+/workloadIdentityPools/[^/\s]+|locations/[^/\s]+/workforcePools/[^/\s]+)"
)


def gcp_service_account(email: str) -> str:
    text = slug(email, "service account email")
    if "@" not in text:
        raise ModelError(f"malformed service account email {quoted(email)}")
    return f"gcp:sa:{text}"


def gcp_service_account_key(key_id: str) -> str:
    return f"gcp:sa-key:{slug(key_id, 'service account key id')}"


def gcp_user(email: str) -> str:
    text = slug(email, "Google account email")
    if "@" not in text:
        raise ModelError(f"malformed Google account email {quoted(email)}")
    return f"gcp:user:{text}"


def gcp_wif_pool(pool: str) -> str:
    text = require(pool, "workload identity pool").strip("/")
    if not _POOL.fullmatch(text):
        raise ModelError(f"malformed workload identity pool {quoted(pool)}")
    return f"gcp:wif:{text}"


def gcp_wif_provider(pool: str, provider: str) -> str:
    """A workload identity pool's provider; provider ids are lower-case letters, digits and dashes."""
    text = slug(provider, "workload identity pool provider id")
    if "/" in text or any(ch.isspace() for ch in text):
        raise ModelError(f"malformed workload identity pool provider id {quoted(provider)}")
    return f"{gcp_wif_pool(pool)}:provider:{text}"


def gcp_federated_principal(pool: str, part: str, value: str) -> str:
    """A federated subject (`part` = subject) or principal set (`part` = set) of a pool."""
    if part not in ("subject", "set"):
        raise ModelError(f"malformed federated principal part {quoted(part)}")
    return f"{gcp_wif_pool(pool)}:{part}:{require(value, 'federated subject')}"


def parse_federated_principal(text: str) -> tuple[str, str, str] | None:
    """(pool, `subject` | `set`, value) of a `principal://` / `principalSet://` member, or None.
    Not in `__all__`: it parses a member and builds no id (graph/ids/ re-exports id builders only)."""
    for scheme, part in (("principal://", "subject"), ("principalSet://", "set")):
        if text.startswith(scheme):
            rest = text[len(scheme) :].split("/", 1)[-1]  # drop the host (iam.googleapis.com)
            match = _POOL.match(rest)
            if match is None:
                return None
            tail = rest[match.end() :].strip("/")
            if part == "subject":
                if not tail.startswith("subject/") or len(tail) == len("subject/"):
                    return None
                return match.group(0), part, tail[len("subject/") :]
            return (match.group(0), part, tail) if tail else None
    return None


def gcp_resource(name: str) -> str:
    text = require(name, "GCP resource name")
    if text.startswith("//"):
        text = text[2:].split("/", 1)[-1]
    return f"gcp:res:{require(text.strip('/'), 'GCP resource name')}"
