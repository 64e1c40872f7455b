"""Schema-generated requests (hypothesis-graphql) with valid tokens: every response is data or a coded error.

Queries run with a reader token, mutations with a loader token, against the real ASGI app over
the planted scenario; no request may produce an uncoded error, a masked-internal error, a
traceback or a 5xx. The embedded store only: the point is the API layer, and ≥ 1,000 requests
must stay within about a minute.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis_graphql import mutations, queries

from api.auth import Role
from api.graphql.errors import CODES
from graph.embedded import EmbeddedStore
from tests.conftest import REPO
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import build_scenario

SCHEMA = (REPO / "api" / "schema.graphql").read_text()
QUERY_EXAMPLES = 900
MUTATION_EXAMPLES = 200
ALLOWED = set(CODES) - {"INTERNAL", "UNAUTHENTICATED"}


class Driver:
    def __init__(self, portal: BlockingPortal, api: Api) -> None:
        self.portal, self.api = portal, api
        self.sent = 0

    def check(self, document: str, role: Role) -> None:
        response = self.portal.call(self.api.gql, document, None, role)
        self.sent += 1
        assert response.status_code in (200, 403), (response.status_code, document)
        body = response.json()
        assert "Traceback" not in response.text
        for error in body.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            assert code in ALLOWED, (json.dumps(error), document)
        if not body.get("errors"):
            assert body.get("data") is not None


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    store = EmbeddedStore(folder / "keytrail.db")
    build_scenario().write(store)
    with start_blocking_portal(backend="asyncio") as portal:
        context = api_for(store, folder, max_page=50)
        api = portal.call(context.__aenter__)
        try:
            yield Driver(portal, api)
        finally:
            portal.call(context.__aexit__, None, None, None)
            store.close()


def fuzz(examples: int) -> settings:
    return settings(deadline=None, database=None, max_examples=examples, suppress_health_check=list(HealthCheck))


# One CI run (graphql-core 3.3.2, strawberry 0.341.2) reported 21 coroutines of graphql-core's
# and strawberry's executor (`execute_fields.<locals>.get_results`, `complete_awaitable_value`,
# `_async_resolver`) garbage-collected unawaited during this test; every response it checked was
# right. 3,000 generated documents run locally with a gc pass after each never left one
# (see the note on issue 18), so the document that causes it is not known yet. The warning, and
# only it, is not turned into an error here until it is found; every assertion still holds.
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
@pytest.mark.slow
@fuzz(QUERY_EXAMPLES)
@given(document=queries(SCHEMA))
def test_generated_queries(driver: Driver, document: str) -> None:
    driver.check(document, Role.READER)


@pytest.mark.slow
@fuzz(MUTATION_EXAMPLES)
@given(document=mutations(SCHEMA, fields=["recordReview", "revokeToken", "createToken"]))
def test_generated_mutations(driver: Driver, document: str) -> None:
    driver.check(document, Role.LOADER)


def test_enough_requests_were_sent(driver: Driver) -> None:
    """Runs after the two fuzz tests in this module (file order): at least 1,000 requests went out."""
    assert driver.sent >= 1000, driver.sent
