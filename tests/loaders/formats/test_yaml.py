"""YAML reading of hostile text (issue 18 fuzzing): a character YAML forbids is a located error,
never an exception out of the reader."""

from __future__ import annotations

from graph.errors import LoadError
from loaders.formats.yaml import load_yaml_text


def test_a_control_character_is_a_located_error() -> None:
    found = load_yaml_text("name: a\nowner: b\x00c\n", "catalog.yaml", first_line=10)
    assert isinstance(found, LoadError)
    assert (found.file, found.line) == ("catalog.yaml", 11)
    assert "special characters are not allowed (character #x0000)" in found.reason
