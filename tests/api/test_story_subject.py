"""access-story takes its subject positionally, like every query — a session, credential,
identity, person, workload, resource or runner — and a subject of a kind with no story is a clear error.

Through the real CLI (`keytrail query access-story SUBJECT`, in-process with click's runner and
the same `error: ...` / exit 1 handling as the installed command) and the real ASGI app
(`accessStory(subject:)`, a BAD_INPUT error), on both stores.
"""

# ruff: noqa: UP031  (GraphQL documents are full of braces: %-formatting reads better than f-strings)

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from api.cli import cli
from graph.embedded import EmbeddedStore
from graph.store import GraphStore
from queries.story import access_story
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import USER, build_scenario

KEY = "aws:key:AKIADEPLOY0000000001"
SESSION = "aws:session:s1"
IDENTITY = f"{USER}/deploy"
TEAM = "team:platform"
KINDS = "a Session, a Credential, an Identity, a Person, a Workload, a Resource or a Runner"


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    path = tmp_path / "keytrail.db"
    store = EmbeddedStore(path)
    build_scenario().write(store)
    store.close()
    return path


def _story(estate: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["query", "access-story", *args, "--store", str(estate), "--format", "json"])
    return result.exit_code, result.stdout, result.stderr


def test_cli_subject_is_positional_for_a_credential_and_a_session(estate: Path) -> None:
    code, out, err = _story(estate, KEY, "--start", "2024-05-02T00:00:00Z")
    assert code == 0, err
    story = orjson.loads(out)
    assert story["subject"]["id"] == KEY and story["window_start"] == "2024-05-02T00:00:00Z"
    store = EmbeddedStore(estate)
    try:
        expected = access_story(store, credential_id=KEY, start="2024-05-02T00:00:00Z")
    finally:
        store.close()
    assert [s["session"]["id"] for s in story["sessions"]] == [s.session.id for s in expected.sessions]
    code, out, err = _story(estate, SESSION)
    assert code == 0, err
    assert orjson.loads(out)["subject"]["id"] == SESSION
    assert orjson.loads(out)["sessions"][0]["session"]["id"] == SESSION
    code, out, _ = _story(estate, "--credential", KEY)  # the old option still works for existing scripts
    assert code == 0 and orjson.loads(out)["subject"]["id"] == KEY


def test_cli_identity_person_runner_and_resource_subjects_in_a_window(estate: Path) -> None:
    for subject, roots, told in (
        (IDENTITY, ["aws:session:s2"], ["aws:session:s2", "aws:session:s3"]),  # s3 came FROM s2
        ("person:alice@acme.io", ["aws:session:s2"], ["aws:session:s2", "aws:session:s3"]),
        ("github:acme:runner:r2", ["aws:session:s2"], ["aws:session:s2", "aws:session:s3"]),
    ):
        code, out, err = _story(estate, subject, "--start", "2024-05-02T00:00:00Z", "--end", "2024-05-03T00:00:00Z")
        assert code == 0, err
        story = orjson.loads(out)
        assert story["subject"]["id"] == subject and story["roots"] == roots, subject
        assert [s["session"]["id"] for s in story["sessions"]] == told, subject
    code, out, err = _story(estate, "aws:res:111111111111:s3:prod-bucket", "--end", "2024-04-01T00:00:00Z")
    assert code == 0, err
    story = orjson.loads(out)
    assert story["sessions"] == [] and story["missing"] == [
        "aws:res:111111111111:s3:prod-bucket: no session on record between the first record and 2024-04-01T00:00:00Z"
    ]


def test_cli_wrong_kind_says_what_is_accepted_and_what_was_given(estate: Path) -> None:
    code, out, err = _story(estate, TEAM)
    assert (code, out) == (1, "")
    assert err.strip() == f"error: {TEAM!r} is a Team; this query takes {KINDS}"
    code, _, err = _story(estate, "aws:key:NOPE")
    assert code == 1 and err.strip() == "error: no node 'aws:key:NOPE' in the graph"
    code, _, err = _story(estate)
    assert (
        code == 2
        and "give one SUBJECT: a session, credential, identity, person, workload, resource or runner id" in err
    )
    code, _, err = _story(estate, KEY, "--session", SESSION)
    assert code == 2 and "give one SUBJECT" in err


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api(store: GraphStore, tmp_path: Path) -> AsyncIterator[Api]:
    build_scenario().write(store)
    async with api_for(store, tmp_path) as client:
        yield client


@pytest.mark.anyio
async def test_graphql_subject_and_coded_wrong_kind(api: Api) -> None:
    data = await api.data('{ accessStory(subject: "%s") { subject { id } steps { step } } }' % SESSION)
    assert data["accessStory"]["subject"]["id"] == SESSION and data["accessStory"]["steps"]
    data = await api.data('{ accessStory(subject: "%s") { subject { id } } }' % KEY)
    assert data["accessStory"]["subject"]["id"] == KEY
    fields = "subject { kind } roots sessions { session { id } children }"
    data = await api.data('{ accessStory(subject: "%s") { %s } }' % (IDENTITY, fields))
    story = data["accessStory"]
    assert story["subject"]["kind"] == "IDENTITY" and story["roots"] == ["aws:session:s1", "aws:session:s2"]
    assert {s["session"]["id"]: s["children"] for s in story["sessions"]}["aws:session:s2"] == ["aws:session:s3"]
    status, code, message = await api.error('{ accessStory(subject: "%s") { subject { id } } }' % TEAM)
    assert (status, code) == (200, "BAD_INPUT")
    assert message == f"{TEAM!r} is a Team; this query takes {KINDS}"
    _, code, message = await api.error(
        '{ accessStory(subject: "%s", credentialId: "%s") { subject { id } } }' % (SESSION, KEY)
    )
    assert code == "BAD_INPUT" and "exactly one subject" in message
