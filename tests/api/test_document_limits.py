"""Fragment fan-out (issue 23 item 1): documents are refused by their expanded size, fast, and
validation never holds up other requests; no field suggestions without introspection (item 5)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from graphql import parse

import api.graphql.document_limits as document_limits
from api.graphql.document_limits import measure
from graph.embedded import EmbeddedStore
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import build_scenario

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def fan_out(fragments: int) -> str:
    """`fragments` chained fragments, each spreading the next twice: 2^fragments fields when expanded."""
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(fragments)]
    parts.append(f"fragment F{fragments} on Query {{ __typename }}")
    return " ".join(parts)


@pytest.fixture
async def api(embedded_store: EmbeddedStore, tmp_path: Path) -> AsyncIterator[Api]:
    build_scenario().write(embedded_store)
    async with api_for(embedded_store, tmp_path) as client:
        yield client


def test_measure_counts_the_expansion_without_doing_it() -> None:
    started = time.monotonic()
    size = measure(parse(fan_out(200)))["anonymous"]
    assert size.fields == 2**200 and size.depth == 0
    assert time.monotonic() - started < 0.5
    nested = measure(parse("fragment F on Query { a: me { role } } { ...F ...F b: me { name } }"))["anonymous"]
    assert (nested.fields, nested.aliases, nested.depth) == (6, 3, 1)
    # a cycle (rejected by validation) is measured as empty, not followed forever
    assert measure(parse("fragment A on Query { ...B } fragment B on Query { ...A } { ...A }"))["anonymous"].fields == 0


async def test_fan_out_refused_in_milliseconds_while_healthz_stays_fast(api: Api) -> None:
    async def timed_health() -> float:
        started = time.monotonic()
        assert (await api.client.get("/healthz")).status_code == 200
        return time.monotonic() - started

    async def timed_refusal(fragments: int) -> float:
        started = time.monotonic()
        status, code, message = await api.error(fan_out(fragments))
        assert (status, code) == (200, "TOO_COMPLEX") and f"{2**fragments} fields" in message
        return time.monotonic() - started

    results = await asyncio.gather(timed_refusal(21), timed_refusal(31), *(timed_health() for _ in range(5)))
    assert max(results[:2]) < 0.5, results  # 37 s and > 4 min before
    assert max(results[2:]) < 0.5, results
    # within the limit the same shape still answers
    assert (await api.data(fan_out(8)))["__typename"] == "Query"


async def test_field_limit_counts_fields_spread_from_fragments(embedded_store: EmbeddedStore, tmp_path: Path) -> None:
    fragment = "fragment F on Query { me { role name tokenId } } "
    async with api_for(embedded_store, tmp_path, max_fields=20) as api:
        assert (await api.data(fragment + "{ ...F ...F }"))["me"]["role"] == "READER"
        _status, code, message = await api.error(fragment + "{ " + "... on Query { ...F } " * 6 + "}")
        assert code == "TOO_COMPLEX" and "24 fields. Allowed: 20" in message, message


async def test_validation_runs_off_the_event_loop(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    real_validate = document_limits.validate

    def slow_validate(*args: object, **kwargs: object) -> object:
        time.sleep(1.0)  # a document that is slow to validate (blocking, as graphql-core's validation is)
        return real_validate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(document_limits, "validate", slow_validate)

    async def health_after(delay: float) -> float:
        await asyncio.sleep(delay)
        started = time.monotonic()
        await api.client.get("/healthz")
        return time.monotonic() - started

    query, health = await asyncio.gather(api.data("{ me { role } }"), health_after(0.2))
    assert query["me"]["role"] == "READER"
    assert health < 0.5, health
    # validated once: the same text again meets the cache, not the slow validation
    started = time.monotonic()
    await api.data("{ me { role } }")
    assert time.monotonic() - started < 0.5


async def test_no_field_suggestions_without_introspection(embedded_store: EmbeddedStore, tmp_path: Path) -> None:
    async with api_for(embedded_store, tmp_path / "serve") as api:
        _status, code, message = await api.error("{ tokenz { id } }")
        assert code == "BAD_INPUT" and "Did you mean" not in message, message
    async with api_for(embedded_store, tmp_path / "demo", demo=True) as api:
        assert "Did you mean" in (await api.error("{ tokenz { id } }"))[2]
