"""YAML reading of hostile text (issue 18 fuzzing): a character YAML forbids is a located error,
never an exception out of the reader; deep flow nesting is refused before it is scanned."""

from __future__ import annotations

import time

import pytest

from graph.errors import LoadError
from loaders import limits
from loaders.formats.yaml import load_yaml_text


def test_a_control_character_is_a_located_error() -> None:
    found = load_yaml_text("name: a\nowner: b\x00c\n", "catalog.yaml", first_line=10)
    assert isinstance(found, LoadError)
    assert (found.file, found.line) == ("catalog.yaml", 11)
    assert "special characters are not allowed (character #x0000)" in found.reason


def test_deep_flow_nesting_is_refused_as_the_scanner_meets_it() -> None:
    # PyYAML's scanner reads ahead through nested brackets before the composer counts depth, at
    # O(depth) per token: refused at the bracket past the limit, a 100k-deep list costs milliseconds.
    text = "a: 1\nb: " + "[" * 100_000 + "]" * 100_000 + "\n"
    started = time.perf_counter()
    with pytest.raises(limits.LimitExceeded, match="nesting exceeds the limit of 200") as raised:
        load_yaml_text(text, "deep.yaml", first_line=5)
    assert time.perf_counter() - started < 0.5
    assert "deep.yaml, line 6" in str(raised.value)
    assert load_yaml_text("k: " + "[" * 150 + "]" * 150, "ok.yaml") == {"k": _nested(150)}


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_megabytes_of_indentation_in_an_unclosed_quote_are_read_in_c() -> None:
    # A fuzzed Kubernetes Role (a quote flipped open, then 3,000 lines of deepening indentation,
    # 4.5 MB) took 14 s in PyYAML's Python scanner; libyaml scans it, the bounded composer remains.
    text = 'rules:\n- resources: ["pods"\'\n' + "".join(f"{' ' * n}k:\n" for n in range(3000))
    started = time.perf_counter()
    found = load_yaml_text(text, "role.yaml")
    assert time.perf_counter() - started < 2.0
    assert isinstance(found, LoadError) and found.line == 3003  # the end, after the last line
    assert "unexpected end of stream" in found.reason
