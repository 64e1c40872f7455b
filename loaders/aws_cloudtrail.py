"""CloudTrail → sessions, what they touched, the changes they made, and assume-role chains.

`transform` is the hot path (millions of events): it checks the required fields, resolves the
caller (cached), folds the event into its session aggregate (loaders/aws_cloudtrail_sessions.py)
and emits at once only what one event alone proves — Changes (loaders/aws_cloudtrail_changes.py)
and GitHub OIDC trust (loaders/aws_cloudtrail_chains.py). `finish` emits the sessions
(loaders/aws_cloudtrail_emit.py) once every file was read.

`prepare` reads from the graph what matching needs: runner and workload addresses (FROM by
source IP), credential-report key slots (slot ↔ key id), the people's known user names (STARTED
when a session name is a known user name) and accounts' environments.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graph.errors import LoadError
from graph.model import EVIDENCE_LIMIT, Evidence
from loaders.aws_cloudtrail_chains import ASSUME_EVENTS, assume_call, web_identity_items
from loaders.aws_cloudtrail_changes import CHANGE_TYPES, change_items
from loaders.aws_cloudtrail_emit import Emitter, Matching
from loaders.aws_cloudtrail_event import check_event, read_events, resolve_principal
from loaders.aws_cloudtrail_sessions import Aggregates, Touch, trim_evidence
from loaders.aws_cloudtrail_targets import event_target, service_of
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile

__all__ = ["CloudTrailLoader"]

NAME = "aws-cloudtrail"
STATE = "aws_cloudtrail"
_TRIM_AT = 2 * EVIDENCE_LIMIT
_CLI_AGENTS = ("aws-cli/", "Boto3/", "boto3/", "botocore/", "aws-sdk-")
_CONSOLE_AGENTS = ("console.amazonaws.com", "signin.amazonaws.com", "AWS Internal")


class _State:
    """Everything a load accumulates: the sessions, assume calls, and per-load caches."""

    def __init__(self, ctx: LoadContext) -> None:
        self.aggregates = Aggregates(ctx.session_gap_minutes * 60)
        self.principals: dict[tuple[Any, ...], Any] = {}
        self.actions: dict[tuple[str, str], str] = {}
        self.agents: dict[str, int] = {}  # 0 other, 1 CLI/SDK, 2 console
        self.calls: list[Any] = []
        self.matching: Matching = ctx.state.get(STATE + ".matching") or Matching()


class CloudTrailLoader(Loader[Any]):
    name = NAME
    description = "AWS CloudTrail (Records files, .json.gz, JSON lines, single events, S3 trees)"
    phase = 80

    def sniff(self, sample: Sample) -> bool:
        text = sample.text
        return ('"eventSource"' in text or '"eventName"' in text) and '"userIdentity"' in text

    def parse(self, source: SourceFile) -> Iterator[Record[Any] | LoadError]:
        return read_events(source)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        ctx.state[STATE + ".matching"] = Matching.from_graph(known)

    def transform(self, record: Record[Any], ctx: LoadContext) -> Iterable[Item]:
        state: _State | None = ctx.state.get(STATE)
        if state is None:
            state = ctx.state[STATE] = _State(ctx)
        event, seconds, text = check_event(record.value, record.location)
        identity = event["userIdentity"]
        key = identity.get("accessKeyId")
        if not isinstance(key, str):
            key = ""
        recipient = event.get("recipientAccountId") or ""
        try:
            cache_key = (
                identity.get("type"),
                identity.get("arn"),
                identity.get("principalId"),
                identity.get("userName"),
                identity.get("invokedBy"),
                recipient,
            )
            principal = state.principals.get(cache_key)
        except TypeError:  # an unhashable odd value: resolve without the cache
            cache_key, principal = None, None
        if principal is None:
            principal = resolve_principal(identity, str(recipient))
            if cache_key is not None and len(state.principals) < 1_000_000:
                state.principals[cache_key] = principal
        group = (key, principal.principal)
        session = state.aggregates.session_for(group, seconds, text, principal)
        event_id = event.get("eventID")
        pointer = (
            text,
            record.location.file,
            event_id if isinstance(event_id, str) and event_id else record.location.locator,
        )
        if session.count == 0:
            session.mfa = _mfa(identity, event)
        session.count += 1
        error = 1 if event.get("errorCode") else 0
        session.errors += error
        self._observe(state, session, event, error, pointer)
        name = event["eventName"]
        source = event["eventSource"]
        service = service_of(source)
        target = event_target(event, service, principal.account if not recipient else str(recipient))
        touch = session.touched.get(target.id)
        if touch is None:
            touch = session.touched[target.id] = Touch(target)
        touch.count += 1
        touch.errors += error
        action = state.actions.get((service, name))
        if action is None:
            action = state.actions[(service, name)] = f"{service}:{name}"
        touch.actions.add(action)
        touch.evidence.append(pointer)
        if len(touch.evidence) > _TRIM_AT:
            touch.evidence = trim_evidence(touch.evidence)
        if name in CHANGE_TYPES or name in ASSUME_EVENTS:
            return self._special(state, session, group, seconds, event, principal, pointer)
        return ()

    def _observe(
        self, state: _State, session: Any, event: dict[str, Any], error: int, pointer: tuple[str, str, str]
    ) -> None:
        ip = event.get("sourceIPAddress")
        agent = event.get("userAgent")
        region = event.get("awsRegion")
        if isinstance(ip, str) and len(session.ips) < 50:
            session.ips.add(ip)
        if isinstance(agent, str):
            if len(session.agents) < 50:
                session.agents.add(agent)
            sort = state.agents.get(agent)
            if sort is None:
                sort = state.agents[agent] = (
                    2
                    if any(m in agent for m in _CONSOLE_AGENTS)
                    else (1 if agent.startswith(_CLI_AGENTS) or "aws-cli/" in agent else 0)
                )
            if sort == 1 and isinstance(ip, str):
                session.cli_ips.add(ip)
            elif sort == 2:
                session.console = True
        if isinstance(region, str):
            session.regions.add(region)
        if event["eventSource"] == "signin.amazonaws.com":
            session.console = True
        session.evidence.append(pointer)
        if len(session.evidence) > _TRIM_AT:
            session.evidence = trim_evidence(session.evidence)

    def _special(
        self,
        state: _State,
        session: Any,
        group: tuple[str, str],
        seconds: int,
        event: dict[str, Any],
        principal: Any,
        pointer: tuple[str, str, str],
    ) -> list[Item]:
        items: list[Item] = []
        evidence = Evidence(source=pointer[1], locator=pointer[2], at=pointer[0])
        name = event["eventName"]
        if name in CHANGE_TYPES:
            result = change_items(event, pointer[0], principal, evidence, state.matching.slots)
            if result is not None:
                items.extend(result.items)
                session.changes.append((result.change, pointer))
                for target, kind in result.owned:
                    session.inferred_owns.append((target, kind, str(event.get("eventID") or result.change), pointer))
        if name in ASSUME_EVENTS:
            call = assume_call(event, group, seconds, pointer)
            if call is not None:
                state.calls.append(call)
            if name == "AssumeRoleWithWebIdentity":
                items.extend(web_identity_items(event, evidence))
        return items

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state: _State | None = ctx.state.pop(STATE, None)
        if state is None:
            return ()
        return Emitter(state.aggregates, state.matching, state.calls).items()


def _mfa(identity: dict[str, Any], event: dict[str, Any]) -> bool:
    context = identity.get("sessionContext")
    attributes = context.get("attributes") if isinstance(context, dict) else None
    if isinstance(attributes, dict) and str(attributes.get("mfaAuthenticated", "")).lower() == "true":
        return True
    extra = event.get("additionalEventData")
    return isinstance(extra, dict) and extra.get("MFAUsed") == "Yes"
