"""What one Vault audit-device entry says (developer.hashicorp.com/vault/docs/audit/schema).

An entry is `{"time", "type": "request"|"response", "auth", "request", "response", "error"}`.
Both types repeat the request and auth; the response entry adds the outcome, so keytrail reads
the *response* entries as the operations (a request entry is its response's announcement, and
counting both would count every operation twice). Fields read: `auth.accessor`,
`auth.display_name`, `auth.entity_id`, `auth.policies`, `auth.metadata` (for Kubernetes auth
`service_account_name` / `service_account_namespace` / `role`), `request.path`,
`request.operation`, `request.mount_type`, `request.remote_address`, `error`; for a login, the new
token's `response.auth`. `client_token` values are never read (even HMAC'd, a token stays out of
the graph) and neither is any `data`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.errors import ModelError
from graph.model import canonical_timestamp
from loaders.base import id_problem
from loaders.sessions.hops import epoch

__all__ = ["VaultOperation", "read_entry"]

_TIMES: dict[str, tuple[str, int]] = {}  # an entry's time to the second -> (canonical text, epoch seconds)
_TIMES_CAP = 200_000  # bounded: a load's entries share their seconds (request and response, busy tokens)


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(mapping: Mapping[str, Any], name: str) -> str:
    value = mapping.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class VaultOperation:
    at: str
    seconds: int  # `at` as epoch seconds
    accessor: str
    display_name: str
    entity_id: str
    policies: tuple[str, ...]
    metadata: dict[str, str]
    path: str
    operation: str
    mount_type: str
    remote_address: str
    error: str
    request_id: str = ""
    login: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def read_entry(entry: Mapping[str, Any]) -> VaultOperation | None:
    """The operation a response entry records; None for a request entry. Raises ValueError with
    the reason when the entry is not a Vault audit entry or a field it needs is malformed."""
    kind = entry.get("type")
    if kind == "request":
        return None
    if kind != "response":
        raise ValueError(f"field 'type': expected 'request' or 'response', got {kind!r}")
    at, seconds = _time(entry.get("time"))
    request = _map(entry.get("request"))
    path = _text(request, "path")
    if not path:
        raise ValueError("field 'request.path': missing")
    auth = _map(entry.get("auth"))
    issued = _map(_map(entry.get("response")).get("auth"))
    login = bool(issued) and not _text(auth, "accessor")
    source = issued if login else auth  # a login's identity is the token it issued
    metadata = {str(k): str(v) for k, v in _map(source.get("metadata")).items() if isinstance(v, str | int | bool)}
    policies = source.get("policies")
    held = tuple(str(p) for p in policies) if isinstance(policies, list) else ()
    _ids_ok(path, source, held, metadata)
    return VaultOperation(
        at=at,
        seconds=seconds,
        accessor=_text(source, "accessor"),
        display_name=_text(source, "display_name"),
        entity_id=_text(source, "entity_id"),
        policies=held,
        metadata=metadata,
        path=path,
        operation=_text(request, "operation") or "?",
        mount_type=_text(request, "mount_type"),
        remote_address=_text(request, "remote_address"),
        error=_text(entry, "error"),
        request_id=_text(request, "id"),
        login=login,
    )


def _ids_ok(path: str, source: Mapping[str, Any], policies: tuple[str, ...], metadata: Mapping[str, str]) -> None:
    """Every value that goes into an id is checked here, where the entry is read (issue 18): a
    damaged one rejects its entry instead of failing the whole file when `finish` builds the ids.
    A path with whitespace (which the id builder refuses) rejects its entry alone."""
    checks = [(path.strip("/"), "request.path")]
    checks += [(_text(source, key), f"auth.{key}") for key in ("accessor", "entity_id")]
    checks += [(policy, "auth.policies") for policy in policies]
    checks += [
        (metadata.get(k, ""), f"auth.metadata.{k}") for k in ("service_account_name", "service_account_namespace")
    ]
    for value, name in checks:
        problem = id_problem(value, name)
        if problem:
            raise ValueError(problem)


def _time(value: object) -> tuple[str, int]:
    """(canonical text, epoch seconds) of an entry's time. The file device writes RFC 3339 with a
    fraction (`...T22:50:00.101392Z`), which canonical text drops, so texts of one second share
    one parse: the memo key is the text up to the second, for that shape only."""
    fraction = type(value) is str and value[19:20] == "." and value.endswith("Z") and value[20:-1].isdigit()
    memo = value[:19] if fraction else value  # type: ignore[index]
    found = _TIMES.get(memo) if type(memo) is str else None
    if found is None:
        try:
            at = canonical_timestamp(value)
        except ModelError:
            raise ValueError(f"field 'time': malformed timestamp {value!r}") from None
        found = (at, epoch(at))
        if type(memo) is str and len(_TIMES) < _TIMES_CAP:
            _TIMES[memo] = found
    return found
