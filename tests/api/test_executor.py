"""PlainFirstExecutor answers exactly as strawberry's own executor does: same data, same errors.

Two apps over one store, one with each executor, get the same documents over the real ASGI app
and must return byte-identical bodies: hand-written documents over the planted scenario
(aliases, fragments, __typename, @include/@skip, nested lists, fields with resolvers inside plain
objects, errors) and schema-generated ones. A small schema of its own covers the error cases
the real one cannot produce on purpose (null in a non-null field, a leaf that does not coerce,
a resolver returning an exception).
"""

# ruff: noqa: UP031  (GraphQL documents are full of braces: %-formatting reads better than f-strings)

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import graphql
import pytest
import strawberry
from anyio.from_thread import BlockingPortal, start_blocking_portal
from graphql import Executor
from hypothesis import HealthCheck, given, settings
from hypothesis_graphql import queries
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import api.app
import queries.common as query_common
from api.auth import Role
from api.graphql.executor import PlainFirstExecutor
from api.graphql.schema import build_schema
from graph.embedded import EmbeddedStore
from tests.conftest import REPO
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import ROLE, USER, build_scenario

KEY = "aws:key:AKIADEPLOY0000000001"
SCHEMA = (REPO / "api" / "schema.graphql").read_text()
ROOT_FIELDS = sorted(set(graphql.build_schema(SCHEMA).query_type.fields) - {"me"})  # type: ignore[union-attr]
"""`me` answers with the caller's own token, and the twins are two APIs with a token each."""

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    (
        """query($id: ID!) { accountability(id: $id) { __typename subject { id kind name } verdict action notes
           truncated owners { id status distance owns provenance accountable }
           chains { person personStatus role distance
                    hops { source kind target firstSeen lastSeen count props evidence } } } }""",
        {"id": KEY},
    ),
    (  # aliases, a fragment, a field with a resolver (sourceNode) inside plain objects
        """query($id: ID!) { a: accountability(id: $id) { v: verdict chains { ...C } }
                             b: accountability(id: $id) { owners { who: id } } }
           fragment C on Chain { person hops { kind sourceNode { id kind } targetNode { name } } }""",
        {"id": KEY},
    ),
    (
        """query($id: ID!, $more: Boolean!, $less: Boolean!) { accountability(id: $id) {
             verdict owners @include(if: $more) { id } chains @skip(if: $less) { person role } } }""",
        {"id": KEY, "more": True, "less": True},
    ),
    (
        """query($id: ID!, $more: Boolean!, $less: Boolean!) { accountability(id: $id) {
             verdict owners @include(if: $more) { id } chains @skip(if: $less) { person role } } }""",
        {"id": KEY, "more": False, "less": False},
    ),
    (
        """query($id: ID!) { blastRadius(id: $id, maxDepth: 4) { subject { id } maxDepth truncated nodes edges
           resources { resource { id kind } depth level grantedBy touched actions touchCount sessions }
           summary { nodesByKind { key count } resourcesByLevel { key count } granted touched
                     grantedUntouched touchedUngranted } } }""",
        {"id": KEY},
    ),
    (
        """{ findings(first: 20) { total suppressed rules { id title } countsByRule { key count }
          findings { pageInfo { hasNextPage endCursor } edges { cursor node { id rule owasp severity
          subject { id } message action evidence { kind source target evidence } } } } } }""",
        {},
    ),
    ("""{ ownershipGaps(first: 5) { gaps { edges { node { __typename } } } } }""", {}),
    (
        """{ accessStory(sessionId: "aws:session:s3") { subject { id } missing truncated steps { __typename }
          sessions { __typename } } }""",
        {},
    ),
    ('{ node(id: "%s") { id kind subtype name props firstSeen lastSeen sources } }' % KEY, {}),
    ('{ search(text: "deploy", first: 3) { nodes { id kind } pageInfo { hasNextPage } } }', {}),
    ('{ neighbors(id: "%s", direction: BOTH) { __typename } }' % KEY, {}),
    ('{ path(fromId: "%s/deploy", toId: "%s") { __typename } }' % (USER, KEY), {}),
    ('{ permissionHistory(id: "%s/deploy") { subject { id } } }' % ROLE, {}),
    ("{ me { __typename } rules { id title owasp owaspName severity } }", {}),
    ('{ node(id: "aws:key:AKIANOSUCHKEY0000001") { id } }', {}),  # NOT_FOUND, located
    ("{ accountability(id: 5) { verdict } }", {}),  # an ID given as an int: coerced
    ("{ nope }", {}),  # BAD_INPUT from validation
]


def _general_schema(settings: Any) -> strawberry.Schema:
    return build_schema(settings, executor=StrawberryGraphQLCoreExecutionContext)


class Twins:
    """The same store behind an app per executor; every document goes to both."""

    def __init__(self, portal: BlockingPortal, plain_first: Api, general: Api) -> None:
        self.portal, self.plain_first, self.general = portal, plain_first, general
        self.compared = 0

    def same(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        fast = self.portal.call(self.plain_first.gql, document, variables, Role.READER)
        slow = self.portal.call(self.general.gql, document, variables, Role.READER)
        assert fast.status_code == slow.status_code, document
        assert fast.content == slow.content, document
        self.compared += 1
        body: dict[str, Any] = fast.json()
        return body


class _StoppedClock(datetime):
    """The clock both executors read a default `now` from, stopped: a question that asks for
    `now` (findings, stale credentials) answered twice across a second's boundary would
    otherwise differ by the clock, not by the executor."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _StoppedClock:
        return cls(2026, 12, 3, 12, 0, 0, tzinfo=tz)


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twins]:
    folder: Path = tmp_path_factory.mktemp("executor")
    store = EmbeddedStore(folder / "keytrail.db")
    build_scenario().write(store)
    with start_blocking_portal(backend="asyncio") as portal, pytest.MonkeyPatch.context() as clock:
        clock.setattr(query_common, "datetime", _StoppedClock)
        fast_context = api_for(store, folder / "fast", max_page=50)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(api.app, "build_schema", _general_schema)
            slow_context = api_for(store, folder / "slow", max_page=50)
            general = portal.call(slow_context.__aenter__)
        plain_first = portal.call(fast_context.__aenter__)
        try:
            yield Twins(portal, plain_first, general)
        finally:
            portal.call(fast_context.__aexit__, None, None, None)
            portal.call(slow_context.__aexit__, None, None, None)
            store.close()


@pytest.mark.parametrize("number", range(len(DOCUMENTS)))
def test_hand_written_documents_answer_the_same(twins: Twins, number: int) -> None:
    document, variables = DOCUMENTS[number]
    body = twins.same(document, variables)
    assert body.get("data") or body.get("errors")


def test_the_planted_answers_are_not_empty(twins: Twins) -> None:
    """The comparisons above compare real answers: the accountability of KEY has chains and hops."""
    body = twins.same(*DOCUMENTS[0])
    chains = body["data"]["accountability"]["chains"]
    assert chains and all(chain["hops"] for chain in chains)
    assert any(hop["evidence"] for chain in chains for hop in chain["hops"])


def test_the_plain_path_is_taken(twins: Twins, monkeypatch: pytest.MonkeyPatch) -> None:
    """With PlainFirstExecutor graphql-core's per-field execution runs only for fields with resolvers."""
    calls: list[str] = []
    original = Executor.execute_field

    def counting(self: Executor, parent_type: Any, *args: Any) -> Any:
        calls.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(Executor, "execute_field", counting)
    twins.portal.call(twins.plain_first.gql, DOCUMENTS[0][0], DOCUMENTS[0][1], Role.READER)
    assert calls == ["Query"]
    calls.clear()
    twins.portal.call(twins.general.gql, DOCUMENTS[0][0], DOCUMENTS[0][1], Role.READER)
    assert len(calls) > 100


@pytest.mark.slow
@settings(deadline=None, database=None, max_examples=300, suppress_health_check=list(HealthCheck))
@given(document=queries(SCHEMA, fields=ROOT_FIELDS))
def test_generated_documents_answer_the_same(twins: Twins, document: str) -> None:
    twins.same(document)


# A schema of its own, for the errors the planted data cannot produce.


class Colour(enum.Enum):
    RED = "red"


@strawberry.type
class Leaf:
    name: str
    label: str | None
    colour: Colour

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


class FragileLeaf(Leaf):
    """A Leaf whose `label` raises when read: a plain field whose read fails."""

    @property  # type: ignore[override]
    def label(self) -> str | None:
        raise RuntimeError("unreadable")


def fragile_leaf() -> Leaf:
    leaf = object.__new__(FragileLeaf)
    object.__setattr__(leaf, "name", "f")
    object.__setattr__(leaf, "colour", Colour.RED)
    return leaf


@strawberry.type
class Holder:
    leaves: list[Leaf]
    maybe: list[Leaf | None]
    failure: str | None
    first: Leaf


@strawberry.type
class Root:
    @strawberry.field
    def holders(self) -> list[Holder]:
        good = Leaf(name="a", label=None, colour=Colour.RED)
        broken = Leaf(name=None, label="x", colour=Colour.RED)  # type: ignore[arg-type]  # null in a non-null field
        off_enum = Leaf(name="c", label=None, colour="violet")  # type: ignore[arg-type]  # not a Colour
        return [
            Holder(leaves=[good, good], maybe=[good, None], failure=None, first=good),
            Holder(leaves=[good], maybe=[fragile_leaf()], failure=None, first=good),
            Holder(leaves=[good, broken], maybe=[broken, good], failure=None, first=None),  # type: ignore[arg-type]
            Holder(leaves=[off_enum], maybe=[off_enum], failure=ValueError("boom"), first=good),  # type: ignore[arg-type]
        ]


MINI_DOCUMENTS = [
    "{ holders { leaves { name label colour } } }",
    "{ holders { maybe { name label colour } } }",
    "{ holders { leaves { name shout } maybe { shout } } }",
    "{ holders { failure leaves { __typename n: name } } }",
    "{ holders { first { label } } }",
    "{ holders { maybe { name label } } }",
    "{ holders { ...H } } fragment H on Holder { maybe { ... on Leaf { label } } }",
]


@pytest.mark.parametrize("document", MINI_DOCUMENTS)
def test_errors_are_those_of_the_general_executor(document: str) -> None:
    answers = [
        strawberry.Schema(query=Root, execution_context_class=executor).execute_sync(document)
        for executor in (PlainFirstExecutor, StrawberryGraphQLCoreExecutionContext)
    ]
    fast, slow = answers
    assert fast.data == slow.data
    assert [(e.message, e.path) for e in fast.errors or []] == [(e.message, e.path) for e in slow.errors or []]
    assert fast.errors  # every document here meets a bad value


def test_a_selection_that_fell_back_goes_the_general_way_for_the_rest_of_the_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast attempt is made until the selection first meets a bad value, then never again in
    that request (before, every object of it was tried fast and then done again the slow way)."""
    import api.graphql.executor as executor_module

    attempts: list[str] = []
    real = executor_module._read

    def counting(read: Any, source: Any) -> Any:
        attempts.append(type(source).__name__)
        return real(read, source)

    monkeypatch.setattr(executor_module, "_read", counting)

    @strawberry.type
    class Many:
        @strawberry.field
        def leaves(self) -> list[Leaf]:
            broken = Leaf(name=None, label="x", colour=Colour.RED)  # type: ignore[arg-type]
            return [broken] + [Leaf(name=str(i), label=None, colour=Colour.RED) for i in range(50)]

    schema = strawberry.Schema(query=Many, execution_context_class=PlainFirstExecutor)
    answer = schema.execute_sync("{ leaves { name label } }")
    assert answer.errors and answer.data is None  # the null name of a non-null field propagates
    assert attempts.count("Leaf") == 1  # one fast attempt, on the first leaf; the 50 others went the general way


def test_a_bug_in_a_plan_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    import api.graphql.executor as executor_module

    def broken_plan(*_args: object) -> Any:
        raise ZeroDivisionError("a bug in the fast path")

    monkeypatch.setattr(executor_module, "_same", broken_plan)  # the completion of __typename: plan code, not a read
    answer = strawberry.Schema(query=Root, execution_context_class=PlainFirstExecutor).execute_sync(
        "{ holders { __typename } }"
    )
    assert answer.errors and "a bug in the fast path" in answer.errors[0].message


def test_installed_graphql_libraries_are_in_the_pinned_range() -> None:
    """PlainFirstExecutor overrides graphql-core internals: it runs only on the versions it was tested with."""
    import tomllib
    from importlib.metadata import version

    from packaging.requirements import Requirement

    pins = {
        Requirement(line).name: Requirement(line).specifier
        for line in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    for package in ("strawberry-graphql", "graphql-core"):
        specifier = pins[package]
        assert specifier.filter([version(package)]), f"{package} {version(package)} outside {specifier}"
        assert "<" in str(specifier), f"{package} needs an upper bound: {specifier}"
