"""YAML documents of a file, safely loaded (no Python objects), with located errors."""

from __future__ import annotations

import yaml

from graph.errors import LoadError
from loaders.base import SourceFile
from loaders.formats.compressed import open_text

__all__ = ["read_yaml"]


def read_yaml(source: SourceFile) -> tuple[object, str] | LoadError:
    """The YAML document of a file and its text, or a located error."""
    with open_text(source) as handle:
        text = handle.read()
    try:
        return yaml.safe_load(text), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or "malformed YAML"
        return LoadError(f"invalid YAML: {reason}", file=source.display, line=line)
