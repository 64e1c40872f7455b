"""The exception tree drawn at the top of graph/errors.py is the tree of classes that exist."""

from __future__ import annotations

import importlib
import pkgutil
import re

import graph.errors
from graph.errors import KeytrailError

_PACKAGES = ("graph", "loaders", "queries", "api")


def _drawn() -> dict[str, str]:
    """Class -> its parent, as the module docstring draws them (four columns per level)."""
    parents: dict[str, str] = {}
    chain: list[str] = []
    for line in (graph.errors.__doc__ or "").splitlines():
        if line == "KeytrailError":
            chain = ["KeytrailError"]
            continue
        match = re.match(r"^([│ ]*)[├└]── (\w+)", line)
        if match and chain:
            depth = len(match.group(1)) // 4 + 1
            chain = [*chain[:depth], match.group(2)]
            parents[match.group(2)] = chain[depth - 1]
    return parents


def _existing() -> dict[str, str]:
    for package in _PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    found: dict[str, str] = {}
    pending = [KeytrailError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] in _PACKAGES:
                found[sub.__name__] = cls.__name__
                pending.append(sub)
    return found


def test_the_drawn_tree_is_the_class_tree() -> None:
    drawn = _drawn()
    assert len(drawn) >= 10  # the drawing was read
    assert drawn == _existing()
