"""CloudTrail → sessions, what they touched, the changes they made, and assume-role chains.

`transform` is the hot path (millions of events): it checks the required fields, resolves the
caller (cached), folds the event into its session aggregate (loaders/aws/cloudtrail/sessions.py)
and emits at once only what one event alone proves — Changes (loaders/aws/cloudtrail/changes.py)
and GitHub OIDC trust (loaders/aws/cloudtrail/chains.py). `finish` emits the sessions
(loaders/aws/cloudtrail/emit.py) once every file was read, and puts in the load summary what the
data itself got wrong (loaders/aws/cloudtrail/quality.py): repeated eventIDs, normalised ARNs,
one access key claimed by several users.

`prepare` reads from the graph what matching needs: runner and workload addresses (FROM by
source IP), credential-report key slots (slot ↔ key id), the people's known user names (STARTED
when a session name is a known user name) and accounts' environments.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from graph.errors import LoadError, ModelError, quoted
from graph.model import EVIDENCE_LIMIT, Evidence, validate_id
from loaders.aws.cloudtrail.chains import ASSUME_EVENTS, ObservedTrust, assume_call
from loaders.aws.cloudtrail.changes import CHANGE_TYPES, change_items
from loaders.aws.cloudtrail.emit import Emitter, Matching, session_id
from loaders.aws.cloudtrail.event import check_event, check_identity, event_locator, read_events, resolve_principal
from loaders.aws.cloudtrail.quality import Quality
from loaders.aws.cloudtrail.sessions import MAX_DISTINCT, MAX_PAIRS, Aggregates, Session, Touch, trim_evidence
from loaders.aws.cloudtrail.targets import event_target, service_of
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile
from loaders.formats.fields import json_type
from loaders.parallel import ParallelAggregates

__all__ = ["CloudTrailLoader"]

NAME = "aws-cloudtrail"
STATE = "aws_cloudtrail"
_TRIM_AT = 4 * EVIDENCE_LIMIT  # trim rarely: a sort of 40 pointers every 30 events
_SPECIAL = frozenset(CHANGE_TYPES) | ASSUME_EVENTS
# A person at a keyboard: the AWS CLI or Boto3 (scripts run by hand). SDKs embedded in services
# (aws-sdk-java, -nodejs, -go ...) are programs, never counted as interactive.
_CLI_AGENTS = ("aws-cli/", "Boto3/", "boto3/")
_CONSOLE_AGENTS = ("console.amazonaws.com", "signin.amazonaws.com", "AWS Internal")


class _State:
    """Everything a load accumulates: the sessions, assume calls, and per-load caches."""

    def __init__(self, ctx: LoadContext) -> None:
        self.gap = ctx.session_gap_minutes * 60
        self.aggregates = Aggregates(self.gap)
        self.last = self.aggregates.last  # group -> the session it used last (the fast path)
        self.times: dict[object, tuple[int, str]] = {}
        self.callers: dict[tuple[Any, ...], tuple[tuple[str, str], Any]] = {}
        self.actions: dict[tuple[str, str], tuple[str, str]] = {}
        self.agents: dict[str, int] = {}  # 0 other, 1 CLI/SDK, 2 console
        self.calls: list[Any] = []
        self.trust = ObservedTrust()
        self.quality = Quality()
        self.matching: Matching = ctx.state.get(STATE + ".matching") or Matching()
        self.checked: set[str] = set()  # target ids and regions found valid (bounded: _check_target)

    def action(self, source: str, name: str) -> tuple[str, str]:
        service = service_of(source)
        found = self.actions[(source, name)] = (service, f"{service}:{name}")
        return found


def _observe_pair(state: _State, session: Session, pair: tuple[object, object]) -> None:
    """A (source IP, user agent) pair new to the session: note the IP, the agent, and whether it
    looks like a person at a CLI or console (decided for `interactive` at emission)."""
    ip, agent = pair
    if len(session.pairs) < MAX_PAIRS:
        session.pairs.add(pair)
    if type(ip) is str and len(session.ips) < MAX_DISTINCT:
        session.ips.add(ip)
    if type(agent) is not str:
        return
    if len(session.agents) < MAX_DISTINCT:
        session.agents.add(agent)
    sort = state.agents.get(agent)
    if sort is None:
        console = any(m in agent for m in _CONSOLE_AGENTS)
        sort = state.agents[agent] = (
            2 if console else (1 if agent.startswith(_CLI_AGENTS) or "aws-cli/" in agent else 0)
        )
    if sort == 1 and type(ip) is str and not ip.endswith("amazonaws.com"):  # not a service calling
        session.cli_ips.add(ip)
    elif sort == 2:
        session.console = True


class CloudTrailLoader(Loader[Any], ParallelAggregates):
    name = NAME
    description = "AWS CloudTrail (Records files, .json.gz, JSON lines, single events, S3 trees)"

    def sniff(self, sample: Sample) -> bool:
        text = sample.text
        return ('"eventSource"' in text or '"eventName"' in text) and '"userIdentity"' in text

    def parse(self, source: SourceFile) -> Iterator[Record[Any] | LoadError]:
        return read_events(source)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        ctx.state[STATE + ".matching"] = Matching.from_graph(known)

    def transform(self, record: Record[Any], ctx: LoadContext) -> Iterable[Item]:
        # The hot path: plain dict reads, per-load caches, no pydantic (see loaders/aws/cloudtrail/event.py).
        state: _State | None = ctx.state.get(STATE)
        if state is None:
            state = ctx.state[STATE] = _State(ctx)
        event = record.value
        try:
            name, source, identity = event["eventName"], event["eventSource"], event["userIdentity"]
            moment = state.times.get(event["eventTime"])
        except (KeyError, TypeError):
            moment = None
        if moment is not None and type(name) is str and type(source) is str and type(identity) is dict:
            seconds, text = moment
        else:
            event, seconds, text = check_event(event, record.location)  # raises the located reason
            name, source, identity = event["eventName"], event["eventSource"], event["userIdentity"]
            if type(event["eventTime"]) is str and len(state.times) < 500_000:
                state.times[event["eventTime"]] = (seconds, text)
        arn = identity.get("arn")
        key = identity.get("accessKeyId")
        # Only text keys the cache: any other value goes to `_caller`, whose check names the field.
        hit = state.callers.get((key, arn)) if type(arn) is str and (key is None or type(key) is str) else None
        group, principal = hit if hit is not None else self._caller(state, event, identity, record)
        # Everything that can reject the event is worked out before any aggregate changes, so a
        # rejected event leaves no trace in a session (caches above are memos, not aggregates).
        pair = (event.get("sourceIPAddress"), event.get("userAgent"))
        _check_text(event, pair, record)
        pointer = (text, record.location.file, event_locator(record.location, event))
        service, action = state.actions.get((source, name)) or state.action(source, name)
        target = event_target(event, service, event.get("recipientAccountId") or principal.account)
        region = event.get("awsRegion")
        if target.id not in state.checked or (region not in state.checked and type(region) is str):
            _check_target(state, target.id, region)
        special = _Special.of(event, name, group, seconds, pointer, principal, state) if name in _SPECIAL else None
        if principal.repaired:
            state.quality.repaired(principal.repaired, arn)
        session = state.last.get(group)
        if session is None or not (session.start <= seconds <= session.end + state.gap):
            session = state.aggregates.session_for(group, seconds, text, principal)
        elif seconds > session.end:
            session.end, session.end_text = seconds, text
            if len(session.peers) > 1:  # out-of-order files: the widened session may reach a later one
                session = state.aggregates.settle(group, session)
        if session.first is None or pointer[0] < session.first[0]:
            session.first = pointer
        session.count += 1
        if not session.mfa and _mfa(identity, event):  # any MFA-authenticated call: order-free
            session.mfa = True
        error = 1 if event.get("errorCode") else 0
        session.errors += error
        if pair not in session.pairs:
            _observe_pair(state, session, pair)
        if type(region) is str and region not in session.regions:
            session.regions.add(region)
        if source == "signin.amazonaws.com":
            session.console = True
        touch = session.touched.get(target.id)
        if touch is None:
            touch = session.touched[target.id] = Touch(target, seconds, text)
        elif not touch.first < seconds < touch.last:  # most events fall inside the times already seen
            touch.seen(seconds, text)
        touch.count += 1
        touch.errors += error
        touch.actions.add(action)
        evidence = touch.evidence
        evidence.append(pointer)
        if len(evidence) > _TRIM_AT:
            touch.evidence = trim_evidence(evidence)
        return special.apply(state, session) if special is not None else ()

    def _caller(
        self, state: _State, event: dict[str, Any], identity: dict[str, Any], record: Record[Any]
    ) -> tuple[tuple[str, str], Any]:
        """(session group, principal) of an event, cached by (access key, caller ARN); a caller
        new to the load is type-checked first (loaders/aws/cloudtrail/event.py check_identity)."""
        check_identity(identity, record.location)
        raw_key = identity.get("accessKeyId")
        key = raw_key if type(raw_key) is str else ""
        arn = identity.get("arn")
        try:  # the fast-path key of transform: (access key as written, caller ARN)
            fast = (raw_key, arn) if type(arn) is str else None
            hash(fast)
        except TypeError:
            fast = None
        recipient = str(event.get("recipientAccountId") or "")
        try:
            full = (
                key,
                identity.get("type"),
                arn,
                identity.get("principalId"),
                identity.get("userName"),
                identity.get("invokedBy"),
                identity.get("identityProvider"),
                recipient,
            )
            hit = state.callers.get(full)
        except TypeError:  # an unhashable odd value: resolve without the cache
            full, hit = None, None
        if hit is None:
            principal = resolve_principal(identity, recipient)
            hit = ((key, principal.principal), principal)
            _check_caller(hit[0], principal)  # before it is cached: a bad caller is rejected on each record
            if len(state.callers) < 1_000_000:
                for cache_key in (fast, full):
                    if cache_key is not None:
                        state.callers[cache_key] = hit
        return hit

    def worker_state(self, ctx: LoadContext) -> dict[str, Any]:
        key = STATE + ".matching"
        return {key: ctx.state[key]} if key in ctx.state else {}

    def take_state(self, ctx: LoadContext) -> Any:
        state: _State | None = ctx.state.pop(STATE, None)
        return None if state is None else (state.aggregates, state.calls, state.trust, state.quality)

    def merge_state(self, ctx: LoadContext, taken: Any) -> None:
        if taken is None:
            return
        state: _State | None = ctx.state.get(STATE)
        if state is None:
            state = ctx.state[STATE] = _State(ctx)
        aggregates, calls, trust, quality = taken
        state.aggregates.merge(aggregates)
        state.calls.extend(calls)
        state.trust.merge(trust)
        state.quality.merge(quality)

    def finish(self, ctx: LoadContext) -> Iterable[Item | LoadError]:
        state: _State | None = ctx.state.pop(STATE, None)
        if state is None:
            return ()
        emitter = Emitter(state.aggregates, state.matching, state.calls)
        return itertools.chain(emitter.items(), state.trust.edges(), _notes(ctx, state.quality, emitter))


def _notes(ctx: LoadContext, quality: Quality, emitter: Emitter) -> Iterator[Item]:
    """The load summary's notes, once the emitter has seen every session (a generator: it runs
    after the sessions were written, and writes nothing itself)."""
    ctx.notes.extend(quality.notes())
    ctx.notes.extend(emitter.notes())
    yield from ()


_SOME_TIME = "2000-01-01T00:00:00Z"  # every session start is canonical text of this length


_REGION = re.compile(r"^[a-z0-9-]{1,40}$")


def _check_target(state: _State, target_id: str, region: object) -> None:
    """The event's target id (a node and TOUCHED edge at emission) and its region (part of an
    instance Workload's id), checked once per distinct value."""
    try:
        validate_id(target_id)
    except ModelError as exc:
        raise ModelError(f"event target (from requestParameters / resources): {exc}") from None
    if type(region) is str:
        if not _REGION.match(region):
            raise ModelError(f"awsRegion: not a region name: {quoted(region)}")
        if len(state.checked) < 1_000_000:
            state.checked.add(region)
    if len(state.checked) < 1_000_000:
        state.checked.add(target_id)


def _check_caller(group: tuple[str, str], principal: Any) -> None:
    """Every id that the caller's sessions will carry, checked while its event is the record at
    hand: a bad value (1 MB, control characters) rejects this record, located, instead of failing
    the end-of-load emission of every session."""
    try:
        validate_id(session_id(group, principal.principal, _SOME_TIME))
        for node_id in (principal.identity, principal.person):
            if node_id:
                validate_id(node_id)
    except ModelError:
        raise ModelError(
            f"userIdentity: caller {quoted(principal.principal)} with access key {quoted(group[0])} cannot name "
            "a session or identity (an id has at most 1000 characters, no spaces or control characters)"
        ) from None


_EVENT_TEXT = ("recipientAccountId", "awsRegion", "eventID", "errorCode")


def _check_text(event: dict[str, Any], pair: tuple[object, object], record: Record[Any]) -> None:
    """The event fields that key aggregates and caches are text (or absent): the caller's address
    and agent, the recipient account, region, event id and error code. Plain `type` tests: this
    runs for every event."""
    ip, agent = pair
    if (ip is None or type(ip) is str) and (agent is None or type(agent) is str):
        get = event.get
        if all((value := get(key)) is None or type(value) is str for key in _EVENT_TEXT):
            return
    for field in ("sourceIPAddress", "userAgent", *_EVENT_TEXT):
        value = event.get(field)
        if value is not None and type(value) is not str:
            raise record.location.error(f"field '{field}': expected a string, got {json_type(value)}")


class _Special:
    """What a change or assume-role event adds besides its session, computed before the session
    is touched (so a rejected event changes nothing) and applied after."""

    __slots__ = ("call", "change", "event", "items", "pointer", "web_identity")

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.change: Any = None
        self.call: Any = None
        self.web_identity = False
        self.event: dict[str, Any] = {}
        self.pointer: tuple[str, str, str] = ("", "", "")

    @classmethod
    def of(
        cls,
        event: dict[str, Any],
        name: str,
        group: tuple[str, str],
        seconds: int,
        pointer: tuple[str, str, str],
        principal: Any,
        state: _State,
    ) -> _Special:
        special = cls()
        special.event, special.pointer = event, pointer
        evidence = Evidence(source=pointer[1], locator=pointer[2], at=pointer[0])
        if name in CHANGE_TYPES:
            special.change = change_items(event, pointer[0], principal, evidence, state.matching.slots)
            if special.change is not None:
                special.items.extend(special.change.items)
        if name in ASSUME_EVENTS:
            special.call = assume_call(event, group, seconds, pointer)
            special.web_identity = name == "AssumeRoleWithWebIdentity"
        return special

    def apply(self, state: _State, session: Any) -> list[Item]:
        result, event, pointer = self.change, self.event, self.pointer
        if result is not None:
            state.quality.change(event.get("eventID"), result.change)
            session.changes.append((result.change, pointer))
            for target, kind in result.owned:
                session.inferred_owns.append((target, kind, str(event.get("eventID") or result.change), pointer))
        if self.call is not None:
            state.calls.append(self.call)
        if self.web_identity:
            state.trust.note(event, pointer)
        return self.items


def _mfa(identity: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether the call was MFA-authenticated (asked of every call of a session until one is)."""
    context = identity.get("sessionContext")
    if type(context) is dict:
        attributes = context.get("attributes")
        if type(attributes) is dict:
            flag = attributes.get("mfaAuthenticated")
            if flag == "true" or (flag is not None and str(flag).lower() == "true"):
                return True
    extra = event.get("additionalEventData")
    return type(extra) is dict and extra.get("MFAUsed") == "Yes"
