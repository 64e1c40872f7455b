"""Format detection past an over-long first line (issue 18, loaders/formats/sample.py).

The fuzz cases `json_line_value` on the first line of a JSON-lines file (a value swapped for a
300,000-character string) left a head sample that held none of the format's keys: the file was
"format not recognised" and all its good records were lost. Now the lines after an over-long
first line are sampled too: the file is detected as its seed was, the huge record is loaded
(within the line limit) or rejected at line 1 (past it), and every other record loads.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench.fuzz_mutations import make_case
from graph.store import GraphStore
from loaders.base import SAMPLE_BYTES, LoadContext, SourceFile
from loaders.formats import sample as sampling
from loaders.formats.sample import samples
from loaders.limits import LoadLimits
from loaders.runner import LoadReport, detect, run_load
from tests.conftest import FIXTURES
from tests.loader_helpers import HMAC_KEY, NOW, errors

HUGE = "A" * 300_000


def _texts(path: Path) -> list[str]:
    return [sample.text for sample in samples(SourceFile(path, path.name))]


def test_a_head_that_ends_its_first_line_is_the_only_sample(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("short first line\n" + "x" * (2 * SAMPLE_BYTES) + "\n{}\n")
    (head,) = _texts(path)
    assert head == ("short first line\n" + "x" * (2 * SAMPLE_BYTES))[:SAMPLE_BYTES]


def test_a_short_file_is_its_own_sample(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"a": 1}')
    assert _texts(path) == ['{"a": 1}']


def test_past_over_long_lines_the_next_lines_are_sampled(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(f'\n{{"a": "{HUGE}"}}\n{{"b": "{HUGE}"}}\n\n{{"c": 3}}\n{{"d": 4}}\n')
    head, after = _texts(path)
    assert head == '\n{"a": "' + HUGE[: SAMPLE_BYTES - 8]
    assert after == '\n{"c": 3}\n{"d": 4}\n'


def test_past_an_over_long_line_in_gzip(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(f'{{"a": "{HUGE}"}}\n{{"c": 3}}\n'.encode()))
    assert _texts(path)[1:] == ['{"c": 3}\n']


def test_a_file_of_one_over_long_line_has_no_second_sample(tmp_path: Path) -> None:
    path = tmp_path / "minified.json"
    path.write_text(f'{{"a": "{HUGE}"}}\n\n  \n')
    assert len(_texts(path)) == 1


def test_skipping_stops_at_its_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(f'{{"a": "{HUGE}"}}\n{{"c": 3}}\n')
    monkeypatch.setattr(sampling, "SKIP_CHARACTERS", 200_000)
    assert len(_texts(path)) == 1
    monkeypatch.setattr(sampling, "SKIP_CHARACTERS", 400_000)
    assert _texts(path)[1:] == ['{"c": 3}\n']


# The first line of a fixture with one value swapped for HUGE: a key that precedes the keys the
# format is sniffed by, so the head sample holds none of them.
SWAPPED = [
    ("okta/oauth-grants.jsonl", "okta-system-log", "displayMessage"),
    ("teleport/kube-app.jsonl", "teleport-audit", "addr.local"),
    ("entra/audit-diagnostic.jsonl", "entra", "resourceId"),
]


def _load(store: GraphStore, path: Path, limits: LoadLimits | None = None) -> LoadReport:
    ctx = LoadContext(now=NOW, hmac_key=HMAC_KEY, limits=limits or LoadLimits())
    return run_load(store, [path], ctx=ctx)


def _swapped(tmp_path: Path, fixture: str, key: str) -> Path:
    lines = (FIXTURES / fixture).read_text().splitlines()
    first = json.loads(lines[0])
    assert key in first
    first[key] = HUGE
    path = tmp_path / Path(fixture).name
    path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    return path


def _fixture_report(tmp_path: Path, fixture: str) -> tuple[int, list[str]]:
    """The accepted count and rejections of the fixture itself (as if at the swapped file's path)."""
    from graph.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "fixture.db")
    try:
        (file,) = _load(store, FIXTURES / fixture).files
    finally:
        store.close()
    return file.accepted, [str(e).replace(str(FIXTURES / fixture), "HERE") for e in file.errors]


@pytest.mark.parametrize(("fixture", "loader", "key"), SWAPPED)
def test_a_huge_value_in_the_first_line_within_the_line_limit_loads(
    store: GraphStore, tmp_path: Path, fixture: str, loader: str, key: str
) -> None:
    path = _swapped(tmp_path, fixture, key)
    assert len(_texts(path)) == 2
    accepted, rejected = _fixture_report(tmp_path, fixture)
    (file,) = _load(store, path).files
    assert (file.loader, file.failure) == (loader, "")
    assert file.accepted == accepted and [str(e).replace(str(path), "HERE") for e in file.errors] == rejected


@pytest.mark.parametrize(("fixture", "loader", "key"), SWAPPED)
def test_a_first_line_past_the_line_limit_is_rejected_at_line_1_and_the_rest_loads(
    store: GraphStore, tmp_path: Path, fixture: str, loader: str, key: str
) -> None:
    path = _swapped(tmp_path, fixture, key)
    accepted, rejected = _fixture_report(tmp_path, fixture)
    report = _load(store, path, LoadLimits(line_bytes=100_000))
    (file,) = report.files
    assert (file.loader, file.failure) == (loader, "")
    first, *others = errors(report)
    assert first.startswith(f"{path}, line 1: ") and "KEYTRAIL_LOAD_MAX_LINE_BYTES" in first
    assert file.accepted == accepted - 1 and [e.replace(str(path), "HERE") for e in others] == rejected


# The fuzz run's cases (bench/fuzz.py, seed 18; the seeds are tests/fixtures, named as the harness names them).
FUZZ_CASES = [
    ("entra/audit-diagnostic.jsonl", 637),
    ("okta/oauth-grants.jsonl", 4861),
    ("teleport/kube-app.jsonl", 1370),
    ("teleport/access-story.jsonl", 3379),
]


@pytest.mark.parametrize(("fixture", "index"), FUZZ_CASES)
def test_the_fuzz_cases_are_detected_and_loaded_as_their_seeds(
    store: GraphStore, tmp_path: Path, fixture: str, index: int
) -> None:
    seed = FIXTURES / fixture
    case = make_case(f"fixtures/{fixture}", seed.read_bytes(), 18, index)
    assert case.mutations == ("json_line_value",)
    path = tmp_path / seed.name
    path.write_bytes(case.data)
    assert len(case.data.split(b"\n", 1)[0]) > SAMPLE_BYTES
    found, expected = detect(SourceFile(path, path.name)), detect(SourceFile(seed, seed.name))
    assert found is not None and found is expected
    accepted, rejected = _fixture_report(tmp_path, fixture)
    (file,) = _load(store, path).files
    assert (file.loader, file.failure, file.accepted) == (found.name, "", accepted)
    assert [str(e).replace(str(path), "HERE") for e in file.errors] == rejected
