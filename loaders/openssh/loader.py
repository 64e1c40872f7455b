"""OpenSSH auth logs → sessions on hosts, the accounts they acted as and the keys they used.

Reads sshd (and `sshd-session`), sudo and useradd lines in the framings of loaders/openssh/lines.py
(syslog, ISO, RFC 5424, journald JSON); the lines of other programs are skipped. What each
message means is loaders/openssh/messages.py; how lines become sessions, loaders/openssh/sessions.py;
what a session becomes in the graph, loaders/openssh/emit.py. The year of classic syslog lines is
`--year` (ctx.year), else the file's modification time (rules in lines.py); the summary names
which, per file. A malformed line is a located error; the lines around it still load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import validate_id
from loaders.base import Item, KnownNodes, LoadContext, Loader, Location, Record, Sample, SourceFile
from loaders.formats.compressed import bounded_lines, open_text
from loaders.limits import current as current_limits
from loaders.limits import exceeded
from loaders.openssh.emit import emit, host_sessions
from loaders.openssh.lines import LogLine, dated, parse_line, year_for
from loaders.openssh.messages import Event, classify
from loaders.openssh.sessions import SshState
from loaders.sessions import AddressBook
from loaders.sessions.hops import epoch, shared_hops

__all__ = ["NAME", "OpenSshLoader"]

NAME = "openssh-auth"
_STATE = "openssh"
_PLACES = "openssh.places"
_SNIFF = re.compile(
    r"^(?:[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+|<\d{1,3}>1 \S+) \S+ (?:sshd|sshd-session)"
    r"(?:\[\d+\]:| \d+ )",
    re.M,
)
_SNIFF_JSON = re.compile(r'"SYSLOG_IDENTIFIER"\s*:\s*"sshd(?:-session)?"')

Value = tuple[LogLine, datetime | None]


def _state(ctx: LoadContext) -> SshState:
    state = ctx.state.get(_STATE)
    if state is None:
        state = ctx.state[_STATE] = SshState()
    return state


class OpenSshLoader(Loader[Value]):
    name = NAME
    description = "OpenSSH auth log (sshd/sudo lines: syslog, ISO, RFC 5424 or journald JSON)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text[:16384]
        if head.lstrip().startswith("{"):
            return bool(_SNIFF_JSON.search(head)) and '"__REALTIME_TIMESTAMP"' in head
        return bool(_SNIFF.search(head))

    def parse(self, source: SourceFile) -> Iterator[Record[Value] | LoadError]:
        mtime = datetime.fromtimestamp(source.path.stat().st_mtime, tz=UTC)
        limit = current_limits().line_bytes
        with open_text(source) as handle:
            for number, text in enumerate(bounded_lines(handle, limit), 1):
                if text is None:
                    yield exceeded("line_bytes", limit, "the line", file=source.display, line=number)
                    continue
                text = text.rstrip("\n").rstrip("\r")
                if not text.strip():
                    continue
                where = Location(source.display, line=number)
                parsed = parse_line(text)
                if isinstance(parsed, str):
                    yield where.error(parsed)
                elif parsed is not None:
                    yield Record(where, (parsed, mtime))

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        shared_hops(ctx.state, known).providers[NAME] = lambda: host_sessions(_state(ctx))
        ctx.state[_PLACES] = AddressBook.from_graph(known)

    def transform(self, record: Record[Value], ctx: LoadContext) -> Iterable[Item]:
        line, mtime = record.value
        event = classify(line.program, line.message)
        if event is None:
            return ()
        state = _state(ctx)
        at = self._time(line, mtime, record.location, ctx, state)
        try:
            host = validate_id(ids.unix_host(line.host))  # a NUL or a 2 KB host name fails here, not at emission
        except ModelError as exc:
            raise record.location.error(str(exc)) from None
        pointer = (at, record.location.file, record.location.locator)
        _observe(state, host, line.pid, event, at, epoch(at), pointer, record.location)
        state.hosts.setdefault(host, line.host.lower())
        return ()

    def _time(self, line: LogLine, mtime: datetime | None, where: Location, ctx: LoadContext, state: SshState) -> str:
        if line.undated is None:
            return line.at
        if ctx.year:
            year, basis = ctx.year, f"--year {ctx.year}"
        elif mtime is not None:
            year = year_for(line, mtime)
            basis = f"the file's modification time ({mtime.strftime('%Y-%m-%d')})"
        else:
            raise where.error("a syslog line without a year and no --year or file time to take it from")
        state.years.setdefault(where.file, basis)
        try:
            return dated(line, year)
        except ModelError as exc:
            raise where.error(str(exc)) from None

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state = ctx.state.get(_STATE)
        if state is None:
            return ()
        hops = shared_hops(ctx.state)
        return emit(state, hops, ctx.state.get(_PLACES) or AddressBook(), ctx.notes)


def _observe(
    state: SshState, host: str, pid: str, event: Event, at: str, seconds: int, pointer: Any, where: Location
) -> None:
    """One event into the aggregates (module rules: loaders/openssh/sessions.py)."""
    if event.kind == "useradd":
        state.uids[(host, event.user)] = event.uid
        return
    if event.kind == "connection":
        if event.local_ip not in ("127.0.0.1", "::1"):
            state.addresses.setdefault(host, set()).add(event.local_ip)
        return
    if event.kind == "sudo":
        try:
            for user in (event.user, event.run_as or "root"):
                validate_id(ids.unix_account(host.removeprefix("host:"), user))
        except ModelError as exc:
            raise where.error(str(exc)) from None
        _sudo(state, host, event, seconds, at, pointer)
        return
    if not pid and event.kind in ("accepted", "opened", "closed", "disconnected"):
        raise where.error(f"an sshd {event.kind} line without a pid")
    if event.kind == "failed":
        attempt = (host, event.user or "?", event.ip, event.denied)
        counted = state.denied.setdefault(attempt, [0, at, at])
        counted[0] += 1
        counted[1], counted[2] = min(counted[1], at), max(counted[2], at)
        if pid:
            state.failures[(host, pid)] = state.failures.get((host, pid), 0) + 1
        return
    if event.kind == "accepted":
        try:  # every check before the first change to the aggregates: a rejected line leaves no trace
            key = ids.ssh_key(event.fingerprint) if event.fingerprint else ""
            ca_key = ids.ssh_key(event.ca_fingerprint) if event.ca_fingerprint else ""
            validate_id(ids.unix_account(host.removeprefix("host:"), event.user))
            validate_id(ids.session("ssh", host.removeprefix("host:"), pid, at))  # the id emission will build
        except ModelError as exc:
            raise where.error(str(exc)) from None
        group = _login_group(state, host, pid, seconds)
        session = state.index.session_for(group, seconds, at, event.user)
        session.host, session.user, session.method, session.port = host, event.user, event.method, pid
        session.accepted = True
        session.key_type, session.key_id, session.key, session.ca_key = event.key_type, event.key_id, key, ca_key
        session.ips.add(event.ip)
        session.errors += state.failures.pop((host, pid), 0)
        state.by_account.setdefault((host, event.user), []).append(group)
    else:
        found = state.current.get((host, pid))
        if found is None:
            return  # a close or disconnect of a connection whose login is not in the files read
        session = state.index.session_for(found, seconds, at, event.user)
        if event.kind in ("closed", "disconnected"):
            session.closed = True
    session.count += 1
    session.evidence.append(pointer)


def _login_group(state: SshState, host: str, pid: str, seconds: int) -> tuple[str, str, str]:
    """The group of a login: the same one when this pid's last login was at this very second
    (the same line in two copies of a log), else a new one."""
    group = state.current.get((host, pid))
    last = state.index.last.get(group) if group is not None else None
    if group is not None and last is not None and last.accepted and last.start == seconds:
        return group
    return state.open_group(host, pid)


def _sudo(state: SshState, host: str, event: Event, seconds: int, at: str, pointer: Any) -> None:
    found = state.session_of_account(host, event.user, seconds)
    if found is None:
        state.unattributed.append((host, event.user, event.command))
        return
    group, session = found
    session = state.index.session_for(group, seconds, at, event.user)
    session.count += 1
    session.evidence.append(pointer)
    if event.tty.startswith(("pts/", "tty")):
        session.interactive = True  # sudo from a terminal: a person at a keyboard
    if event.denied:
        session.denied_commands += 1
        session.errors += 1
    session.commands.append((event.run_as or "root", event.command, pointer))
