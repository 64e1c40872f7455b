"""The JSON framings reader: concatenated pretty-printed objects are split right (braces and
quotes inside strings, located errors), and a huge malformed document is split in one linear
pass (issue 18: the splitter stepped through every character in Python)."""

from __future__ import annotations

import time
from pathlib import Path

from graph.errors import LoadError
from loaders.base import Record, SourceFile
from loaders.formats.json import iter_json_documents


def _read(tmp_path: Path, text: str) -> list[Record[object] | LoadError]:
    path = tmp_path / "events.json"
    path.write_text(text)
    return list(iter_json_documents(SourceFile(path, "events.json")))


def test_concatenated_objects_split_outside_strings(tmp_path: Path) -> None:
    text = '{\n  "a": "}{ \\" {"\n}\n{\n  "b": [1,\n  2]\n}\n{\n  "c": tru\n}\n'
    found = _read(tmp_path, text)
    assert [r.value for r in found if isinstance(r, Record)] == [{"a": '}{ " {'}, {"b": [1, 2]}]
    assert [r.location.line for r in found if isinstance(r, Record)] == [1, 4]
    (error,) = [e for e in found if isinstance(e, LoadError)]
    assert error.line == 9 and "opened at line 8" in error.reason


def test_an_object_left_open_is_truncated_at_the_last_line(tmp_path: Path) -> None:
    found = _read(tmp_path, '{\n "a": 1\n}\n{\n "b": "x\n\n')
    assert isinstance(found[0], Record)
    assert isinstance(found[1], LoadError) and found[1].line == 7 and "opened at line 4" in found[1].reason


def test_a_huge_malformed_document_is_split_in_linear_time(tmp_path: Path) -> None:
    # 36 MB of big objects whose strings are full of braces and escaped quotes, every 201st one
    # malformed: the document as a whole does not parse, so it is split object by object.
    unit = '{\n  "k": "' + 'a{b}c\\"d' * 1200 + '",\n  "n": [1, 2, {"x": "}"}]\n}\n'
    bad = '{\n  "bad": "' + "x{" * 1000 + '",\n  "y": }\n'
    text = (unit * 200 + bad) * 20
    started = time.process_time()  # CPU seconds: other jobs on the shared machine do not count
    found = _read(tmp_path, text)
    elapsed = time.process_time() - started
    errors = [e for e in found if isinstance(e, LoadError)]
    assert len(found) == 4020 and len(errors) == 20
    assert errors[0].line == 200 * 4 + 3 and "opened at line 801" in errors[0].reason
    # Stepping through every character in Python took 17.7 s here (2 shared cores); now 2.3 s.
    assert elapsed < 8, f"{elapsed:.1f} s"


def test_a_damaged_first_line_of_json_lines_costs_that_line_only(tmp_path: Path) -> None:
    """Fuzz cases of the 10,000-case run (issue 18, e.g. okta system-log-lines.jsonl#1012:flip1):
    the framing was decided by the first line alone, so one flipped byte there made the file a
    single malformed document and lost every record."""
    lines = ['{"a": 1, "b": ?x"}', "", '{"a": 2}', '{"a": 3}']
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = list(iter_json_documents(SourceFile(path, path.as_posix())))
    assert isinstance(out[0], LoadError) and out[0].line == 1
    assert [(r.location.line, r.value) for r in out[1:] if not isinstance(r, LoadError)] == [
        (3, {"a": 2}),
        (4, {"a": 3}),
    ]
    pretty = tmp_path / "pretty.json"  # a one-line bad head before pretty-printed objects stays a document
    pretty.write_text('{"a": 1,}\n{\n  "b": 2\n}\n')
    out = list(iter_json_documents(SourceFile(pretty, pretty.as_posix())))
    assert [r.value for r in out if not isinstance(r, LoadError)] == [{"b": 2}]
