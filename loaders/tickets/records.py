"""The ticket import format (docs/tickets.md) read into `TicketRow`s, each check a located error.

Two framings carry the same fields. CSV: a header naming the nine columns (`ticket_id, status,
requester, approvers, scope_kind, scope, valid_from, valid_until, summary`, in any order; extra
columns kept as `name=value` tags), one row per (ticket, scope), `approvers` separated by `;`.
JSON: `{"tickets": [...]}`, a bare array or JSON lines of ticket objects whose `approvers` is a
list and `scope` a list of `{"kind", "value"}`. A row is checked whole before anything of it is
kept: status in the vocabulary, requester and approvers emails, times ISO 8601 with a zone and
`valid_from` ≤ `valid_until`, each scope kind known and its value non-empty.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError, quoted
from graph.model import canonical_timestamp
from graph.values.tickets import ScopeKind, TicketStatus
from loaders.base import Location, Record, SourceFile, id_part
from loaders.formats.compressed import open_text
from loaders.formats.fields import json_type
from loaders.formats.json import iter_json_records

__all__ = ["COLUMNS", "TicketRow", "iter_csv_rows", "iter_json_tickets", "read_ticket"]

COLUMNS = (
    "ticket_id", "status", "requester", "approvers", "scope_kind", "scope", "valid_from", "valid_until", "summary",
)  # fmt: skip
_FIELDS = ("ticket_id", "status", "requester", "approvers", "scope", "valid_from", "valid_until", "summary")
_STATUSES = ", ".join(s.value for s in TicketStatus)
_KINDS = ", ".join(k.value for k in ScopeKind)


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One checked ticket record: a CSV row (one scope) or a JSON ticket (all its scopes)."""

    ticket_id: str
    status: TicketStatus
    requester: str
    approvers: tuple[str, ...]
    scopes: tuple[tuple[ScopeKind, str], ...]
    valid_from: str
    valid_until: str
    summary: str
    tags: tuple[str, ...]

    def header(self) -> tuple[object, ...]:
        """The fields every row of one ticket must agree on (all but its scope and tags)."""
        return (self.status.value, self.requester, self.approvers, self.valid_from, self.valid_until, self.summary)


def iter_csv_rows(source: SourceFile) -> Iterator[Record[Mapping[str, Any]] | LoadError]:
    """Each data row as the JSON shape (one scope), cited by the file line it starts on (a quoted
    summary may span lines)."""
    with open_text(source) as handle:
        reader = csv.reader(handle)
        header: list[str] | None = None
        start = 1
        try:
            for cells in reader:
                where, start = Location(source.display, line=start), reader.line_num + 1
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header = [c.strip() for c in cells]
                    missing = [c for c in COLUMNS if c not in header]
                    if missing:
                        yield where.error(f"the header names no column {', '.join(missing)} "
                                          f"(a ticket CSV needs {', '.join(COLUMNS)})")  # fmt: skip
                        return
                    continue
                if len(cells) != len(header):
                    yield where.error(f"{len(cells)} cells where the header names {len(header)} columns")
                    continue
                yield Record(where, _row_as_json(dict(zip(header, cells, strict=True))))
        except csv.Error as exc:
            yield Location(source.display, line=start).error(f"unreadable CSV: {exc}")


def _row_as_json(row: dict[str, str]) -> dict[str, Any]:
    value: dict[str, Any] = {k: row[k].strip() for k in COLUMNS}
    value["approvers"] = [a.strip() for a in row["approvers"].split(";") if a.strip()]
    value["scope"] = [{"kind": value.pop("scope_kind"), "value": value["scope"]}]
    value["tags"] = [f"{k}={v.strip()}" for k, v in row.items() if k not in COLUMNS and v.strip()]
    return value


def iter_json_tickets(source: SourceFile) -> Iterator[Record[Mapping[str, Any]] | LoadError]:
    """Each ticket object of `{"tickets": [...]}`, a bare array or JSON lines."""
    for parsed in iter_json_records(source, containers=("tickets",)):
        if isinstance(parsed, LoadError) or isinstance(parsed.value, Mapping):
            yield parsed
        else:
            yield parsed.location.error(f"a ticket must be a JSON object, not {json_type(parsed.value)}")


def read_ticket(value: Mapping[str, Any], where: Location) -> TicketRow:
    """The checked ticket of one record; a LoadError at `where` naming the first field that is wrong."""
    if "tickets" in value and "ticket_id" not in value:
        raise where.error("field 'tickets': expected an array of ticket objects")
    ticket_id = id_part(_text(value, "ticket_id", where), "ticket_id", where)  # checked here, not in finish
    try:
        ids.ticket_approval(ticket_id)
    except ModelError as exc:
        raise where.error(f"field 'ticket_id': {exc}") from None
    status = _text(value, "status", where).lower()
    if status not in TicketStatus.__members__.values():
        raise where.error(f"field 'status': {quoted(status)} is not one of {_STATUSES}")
    requester = _email(_text(value, "requester", where), "requester", where)
    approvers = _approvers(value.get("approvers"), where)
    if status == TicketStatus.APPROVED and not approvers:
        raise where.error("field 'approvers': an approved ticket must name who approved it")
    valid_from, valid_until = _time(value, "valid_from", where), _time(value, "valid_until", where)
    if valid_until < valid_from:
        raise where.error(f"field 'valid_until': {valid_until} is before valid_from {valid_from}")
    summary = value.get("summary")
    if summary is not None and not isinstance(summary, str):
        raise where.error(f"field 'summary': expected a string, got {json_type(summary)}")
    return TicketRow(
        ticket_id=ticket_id,
        status=TicketStatus(status),
        requester=requester,
        approvers=approvers,
        scopes=_scopes(value.get("scope"), where),
        valid_from=valid_from,
        valid_until=valid_until,
        summary=(summary or "").strip(),
        tags=_tags(value),
    )


def _text(value: Mapping[str, Any], key: str, where: Location) -> str:
    found = value.get(key)
    if not isinstance(found, str) or not found.strip():
        got = "nothing" if found is None or found == "" else json_type(found)
        raise where.error(f"field {key!r}: expected a non-empty string, got {got}")
    return found.strip()


def _email(text: str, key: str, where: Location) -> str:
    if not ids.is_email(text):
        raise where.error(f"field {key!r}: {quoted(text)} is not an email (people are named by email)")
    return text.lower()


def _approvers(found: object, where: Location) -> tuple[str, ...]:
    if found is None or found == "":
        return ()
    if isinstance(found, str):
        found = [a.strip() for a in found.split(";") if a.strip()]
    if not isinstance(found, list) or not all(isinstance(a, str) for a in found):
        raise where.error(f"field 'approvers': expected a list of emails, got {json_type(found)}")
    return tuple(sorted({_email(a.strip(), "approvers", where) for a in found}))


def _time(value: Mapping[str, Any], key: str, where: Location) -> str:
    text = _text(value, key, where)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise where.error(f"field {key!r}: {quoted(text)} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise where.error(f"field {key!r}: {quoted(text)} has no time zone (write Z or an offset)")
    return canonical_timestamp(moment)


def _scopes(found: object, where: Location) -> tuple[tuple[ScopeKind, str], ...]:
    if not isinstance(found, list) or not found:
        raise where.error("field 'scope': expected a non-empty list of {kind, value}")
    scopes: list[tuple[ScopeKind, str]] = []
    for index, item in enumerate(found, 1):
        if not isinstance(item, Mapping):
            raise where.error(f"scope {index}: expected an object with kind and value, got {json_type(item)}")
        kind, text = item.get("kind"), item.get("value")
        if not isinstance(kind, str) or kind.strip().lower() not in ScopeKind.__members__.values():
            raise where.error(f"scope {index}: kind {quoted(kind)} is not one of {_KINDS}")
        if not isinstance(text, str) or not text.strip():
            raise where.error(f"scope {index}: expected a non-empty value for kind {kind.strip().lower()}")
        scopes.append((ScopeKind(kind.strip().lower()), text.strip()))
    return tuple(scopes)


def _tags(value: Mapping[str, Any]) -> tuple[str, ...]:
    tags = value.get("tags")
    if isinstance(tags, list):  # the CSV's extra columns, already `name=value`
        return tuple(t for t in tags if isinstance(t, str))
    extra = ((k, v) for k, v in value.items() if k not in _FIELDS and isinstance(v, str | int | float | bool))
    return tuple(f"{k}={v}" for k, v in extra)
