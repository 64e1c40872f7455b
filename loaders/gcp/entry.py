"""Cloud Audit Log entries: framing, the fields an entry must have, and who the caller is.

Framing: the JSON lines of `gcloud logging read --format=json` piped through `jq -c '.[]'` or a
Cloud Logging sink file (one `LogEntry` per line), a single JSON array (`gcloud logging read
--format=json` as is), `{"entries": [...]}` (the `entries.list` API response), or pretty-printed
concatenated entries. Locators are `line N` or `record N` (1-based position in the array).

Required: `timestamp` (RFC 3339), `protoPayload` (an object) with `methodName`. An entry that
lacks one is rejected with its location; everything else is optional, and the Panther export
spellings (`at_sign_type` for `@type`, `callerIP` for `callerIp`) are read as well.

Callers (`resolve_caller`), from `authenticationInfo`:
- `principalSubject: serviceAccount:…` or a `*.gserviceaccount.com` email → the service account;
- `user:…` or any other email → the Google user account (human), and its Person;
- `principal://` / `principalSet://` (workload identity federation) → the pool's external subject;
- `system:serviceaccount:<ns>:<name>` in a GKE entry → that cluster's Kubernetes service account;
- no principal (redacted for callers outside the organisation) → a session with no identity.
`serviceAccountKeyName` names the key the call authenticated with (its key id only), and
`serviceAccountDelegationInfo` (oldest first) the principals that impersonated their way to the
caller: each hop CAN_ASSUME the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.ids.gcp import parse_federated_principal
from graph.model import canonical_timestamp
from loaders.base import Location, Record, SourceFile
from loaders.formats.json import iter_json_records

__all__ = [
    "Caller",
    "Entry",
    "check_entry",
    "entry_time",
    "identity_props",
    "mapping",
    "read_entries",
    "resolve_caller",
    "text",
]

SA_DOMAIN = ".gserviceaccount.com"


def mapping(value: object) -> Mapping[str, Any]:
    # `type is dict` first: an ABC isinstance check costs ~10x more, and parsed JSON is all dicts
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_entries(source: SourceFile) -> Iterator[Record[Any] | LoadError]:
    """Every entry of a file in whatever framing it has (see the module docstring)."""
    for parsed in iter_json_records(source, containers=("entries",)):
        if isinstance(parsed, LoadError) or isinstance(parsed.value, Mapping):
            yield parsed
        else:
            yield parsed.location.error("a Cloud Audit Log entry must be a JSON object")


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__, per entry
class Entry:
    """The fields of one entry that the loader reads, checked (never changed once made)."""

    time: str
    seconds: int
    payload: Mapping[str, Any]
    method: str
    service: str
    resource_name: str
    labels: Mapping[str, Any]
    resource_type: str
    insert_id: str
    ip: str
    agent: str
    failed: bool

    @property
    def project(self) -> str:
        return text(self.labels.get("project_id"))


def check_entry(value: Mapping[str, Any], where: Location) -> Entry:
    """The entry's fields, or a LoadError naming the first one missing or malformed."""
    payload = value.get("protoPayload")
    if not isinstance(payload, Mapping):
        raise where.error("field 'protoPayload': expected an object (not a Cloud Audit Log entry otherwise)")
    method = text(payload.get("methodName"))
    if not method:
        raise where.error("field 'protoPayload.methodName': expected a non-empty string")
    # Logging stamps an entry written without `timestamp` with its receive time (LogEntry reference)
    raw_time = value.get("timestamp") or value.get("receiveTimestamp")
    if not isinstance(raw_time, str) or not raw_time.strip():
        raise where.error("field 'timestamp': expected an RFC 3339 timestamp")
    try:
        time = entry_time(raw_time)
    except ModelError as exc:
        raise where.error(f"field 'timestamp': {exc}") from None
    metadata = mapping(payload.get("requestMetadata"))
    resource = mapping(value.get("resource"))
    status = mapping(payload.get("status"))
    resource_name = text(payload.get("resourceName"))
    if len(resource_name) > _RESOURCE_MAX or not resource_name.isprintable():  # its id is built in finish
        raise where.error(
            f"field 'protoPayload.resourceName': {len(resource_name):,} characters or control characters; "
            f"a resource id holds at most {_RESOURCE_MAX} printable ones"
        )
    return Entry(
        time=time,
        seconds=_epoch(time),
        payload=payload,
        method=method,
        service=text(payload.get("serviceName")),
        resource_name=resource_name,
        labels=mapping(resource.get("labels")),
        resource_type=text(resource.get("type")),
        insert_id=text(value.get("insertId")),
        ip=text(metadata.get("callerIp") or metadata.get("callerIP")),
        agent=text(metadata.get("callerSuppliedUserAgent")),
        failed=bool(status.get("code")),
    )


_FRACTION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{1,12}Z")
_HEADS: set[str] = set()  # canonical seconds already checked
_DAYS: dict[str, int] = {}  # canonical date -> epoch seconds of its midnight (few per load)


def entry_time(raw: str) -> str:
    """`canonical_timestamp(raw)`, with Logging's own form (`…:SS.nnnnnnnnnZ`, fractions dropped)
    taken apart without the datetime round trip that made it the dearest field of an entry."""
    if len(raw) > 21 and raw[19] == "." and _FRACTION.fullmatch(raw):
        head = raw[:19] + "Z"
        if head in _HEADS:
            return head
        try:
            canonical_timestamp(head)
        except ModelError:
            return canonical_timestamp(raw)  # an impossible date: this says why, naming the text as written
        if len(_HEADS) >= 100_000:
            _HEADS.clear()
        _HEADS.add(head)
        return head
    return canonical_timestamp(raw)


def _epoch(time: str) -> int:
    """Epoch seconds of a canonical `YYYY-MM-DDTHH:MM:SSZ` (what canonical_timestamp returns)."""
    day = _DAYS.get(time[:10])
    if day is None:
        if len(_DAYS) > 10_000:
            _DAYS.clear()
        day = _DAYS[time[:10]] = int(datetime.fromisoformat(time[:10] + "T00:00:00+00:00").timestamp())
    return day + int(time[11:13]) * 3600 + int(time[14:16]) * 60 + int(time[17:19])


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a call: the session's group text, its identity (when known) and the rest."""

    principal: str
    identity: str = ""
    subtype: str = ""
    name: str = ""
    person: str = ""
    pool: str = ""


def identity_props(caller: Caller) -> dict[str, Any]:
    """The props of a caller's Identity node: platform, nature and why, a service account's project."""
    if caller.subtype == "gcp.iam.service_account":
        project = caller.name.partition("@")[2].removesuffix(".iam.gserviceaccount.com")
        account = project if "." not in project else None
        return {"platform": "gcp", "nature": "machine", "nature_reason": "GCP service account", "account": account}
    if caller.subtype == "gcp.user":
        return {"platform": "gcp", "nature": "human", "nature_reason": "Google user account"}
    if caller.subtype.startswith("gcp.iam.federated_principal"):
        human = "/workforcePools/" in caller.pool
        nature = ("human", "workforce identity pool") if human else ("machine", "workload identity federation")
        return {"platform": "gcp", "nature": nature[0], "nature_reason": nature[1]}
    return {"platform": "gcp"}


def _identity_of_email(email: str) -> Caller:
    lowered = email.lower()
    if lowered.endswith(SA_DOMAIN) or lowered.endswith(".iam.gserviceaccount.com"):
        return Caller(lowered, ids.gcp_service_account(lowered), "gcp.iam.service_account", lowered)
    return _user(lowered)


def caller_of_member(member: str, cluster: str = "") -> Caller | None:
    """The identity a principal text names: a policy member (`serviceAccount:x`, `user:x`, `group:x`,
    `principal://…`), a subject, or a bare email; None for what names no identity (allUsers, domain:)."""
    member = member.strip()
    federated = parse_federated_principal(member)
    if federated is not None:
        pool, part, value = federated
        subtype = "gcp.iam.federated_principal" if part == "subject" else "gcp.iam.federated_principal_set"
        return Caller(member, ids.gcp_federated_principal(pool, part, value), subtype, value, pool=pool)
    prefix, _, rest = member.partition(":")
    if prefix == "deleted" and rest:  # deleted:serviceAccount:x?uid=…: the account is gone, its name is not
        return caller_of_member(rest.split("?", 1)[0], cluster)
    if prefix == "serviceAccount" and "@" in rest:
        return Caller(rest.lower(), ids.gcp_service_account(rest), "gcp.iam.service_account", rest.lower())
    if prefix == "user" and "@" in rest:
        return _identity_of_email(rest) if rest.lower().endswith(SA_DOMAIN) else _user(rest)
    if prefix == "group" and "@" in rest:
        return Caller(member.lower(), f"gcp:group:{rest.lower()}", "gcp.group", rest.lower())
    if member.startswith("system:serviceaccount:") and cluster:
        parts = member.split(":")
        if len(parts) == 4:
            return Caller(member, ids.k8s_service_account(cluster, parts[2], parts[3]), "k8s.serviceaccount", parts[3])
    if "@" in member and ":" not in member:
        return _identity_of_email(member)
    return None


def _user(email: str) -> Caller:
    lowered = email.lower()
    person = ids.person(lowered) if ids.is_email(lowered) else ""
    return Caller(lowered, ids.gcp_user(lowered), "gcp.user", lowered, person=person)


def resolve_caller(entry: Entry, where: Location) -> Caller:
    """The caller of an entry (module docstring); a LoadError when it names a malformed principal."""
    auth = mapping(entry.payload.get("authenticationInfo"))
    subject, email = text(auth.get("principalSubject")), text(auth.get("principalEmail"))
    cluster = text(entry.labels.get("cluster_name"))
    try:
        for candidate in (subject, email):
            if candidate:
                found = caller_of_member(candidate, cluster)
                if found is not None:
                    return found
    except ModelError as exc:
        raise where.error(f"field 'protoPayload.authenticationInfo': {exc}") from None
    return Caller(email or subject or "unknown")


_RESOURCE_MAX = 900
"""Characters of a resourceName that still fit a `gcp:res:<project>:<name>` id (graph/model.py: 1,000)."""


def key_of(entry: Entry, caller: Caller) -> tuple[str, str] | None:
    """(key id, service account email) of `serviceAccountKeyName`, or None."""
    name = text(mapping(entry.payload.get("authenticationInfo")).get("serviceAccountKeyName"))
    return parse_key_name(name, caller.name if caller.subtype == "gcp.iam.service_account" else "")


def parse_key_name(name: str, default_account: str = "") -> tuple[str, str] | None:
    """(key id, service account email) of `…/serviceAccounts/<email>/keys/<id>`, or None."""
    if "/keys/" not in name:
        return None
    head, _, key_id = name.rpartition("/keys/")
    key_id = key_id.strip("/")
    account = head.rpartition("/serviceAccounts/")[2] if "/serviceAccounts/" in head else ""
    account = account if "@" in account else default_account
    if not key_id or "/" in key_id or not key_id.isprintable() or any(ch.isspace() for ch in key_id) or not account:
        return None
    return key_id, account.lower()


def delegation_chain(entry: Entry) -> list[Caller]:
    """The principals that delegated to the caller, oldest first (`serviceAccountDelegationInfo`)."""
    auth = mapping(entry.payload.get("authenticationInfo"))
    chain: list[Caller] = []
    hops = auth.get("serviceAccountDelegationInfo")
    for hop in hops if isinstance(hops, list) else []:
        first = mapping(mapping(hop).get("firstPartyPrincipal"))
        third = mapping(mapping(mapping(hop).get("thirdPartyPrincipal")).get("thirdPartyClaims"))
        candidate = text(first.get("principalEmail")) or text(third.get("principalSubject") or third.get("sub"))
        found = caller_of_member(candidate) if candidate else None
        if found is not None and found.identity:
            chain.append(found)
    return chain
