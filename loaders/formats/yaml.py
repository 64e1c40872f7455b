"""YAML documents of a file, safely loaded (no Python objects), bounded, with located errors.

Bounded before anything is built: the composer counts alias references and nesting depth as it
reads, and the composed node graph's size with every alias expanded is counted (each shared node
once, by memo) before construction, so a "billion laughs" document is refused in milliseconds
instead of expanding when a loader walks it. The limits are loaders/limits.py's.
"""

from __future__ import annotations

from typing import Any

import yaml

from graph.errors import LoadError
from loaders import limits
from loaders.base import SourceFile
from loaders.formats.compressed import open_text

__all__ = ["load_yaml_text", "read_yaml"]


class _PythonBoundedLoader(yaml.SafeLoader):
    """A safe loader whose composer refuses too many aliases and too deep a nesting (PyYAML's
    Python composer: libyaml's own composer recurses in C, past any check). `_BoundedLoader` below
    feeds this composer libyaml's events where PyYAML has libyaml."""

    def __init__(self, stream: str, bounds: limits.LoadLimits, display: str, first_line: int) -> None:
        super().__init__(stream)
        self.bounds, self.display, self.first_line = bounds, display, first_line
        self.aliases, self.depth = 0, 0

    def _fail(self, limit: str, value: int, what: str) -> limits.LimitExceeded:
        mark = self.peek_event().start_mark if self.check_event() else None  # type: ignore[no-untyped-call]
        line = self.first_line + (mark.line if mark is not None else 0)
        return limits.exceeded(limit, value, what, file=self.display, line=line)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.bounds.yaml_aliases:
                raise self._fail("yaml_aliases", self.bounds.yaml_aliases, "the YAML document's aliases")
        self.depth += 1
        if self.depth > self.bounds.depth:
            raise self._fail("depth", self.bounds.depth, "the YAML document's nesting")
        try:
            # Composer's own, named: this method also serves _CBoundedLoader, whose next class is CParser.
            return yaml.composer.Composer.compose_node(self, parent, index)
        finally:
            self.depth -= 1

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # Flow brackets are bounded as the scanner meets them: it scans ahead through nested `[`/`{`
        # before the composer sees any depth, and each token then costs O(depth) in PyYAML's
        # simple-key bookkeeping, so a 100k-deep `[[[…` took ~0.5 s before the composer's check.
        if self.flow_level >= self.bounds.depth:
            line = self.first_line + self.get_mark().line
            what = "the YAML document's nesting"
            raise limits.exceeded("depth", self.bounds.depth, what, file=self.display, line=line)
        super().fetch_flow_collection_start(TokenClass)


if yaml.__with_libyaml__:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CBoundedLoader(yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml scans and parses (PyYAML's Python scanner reads ~0.3 MB/s: a 4.5 MB fuzzed file of
        deep indentation inside an unclosed quote took 14 s, libyaml 0.17 s), and the Python
        composer, before CParser in the method order, builds the nodes with the bounds above."""

        compose_node = _PythonBoundedLoader.compose_node
        _fail = _PythonBoundedLoader._fail

        def __init__(self, stream: str, bounds: limits.LoadLimits, display: str, first_line: int) -> None:
            yaml.reader.Reader(stream)  # its check of forbidden characters, with their position
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.bounds, self.display, self.first_line = bounds, display, first_line
            self.aliases, self.depth = 0, 0

    _BoundedLoader: type[Any] = _CBoundedLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _BoundedLoader = _PythonBoundedLoader


def _expanded_size(root: yaml.Node, most: int) -> int:
    """Nodes of the document with every alias expanded (shared nodes counted per reference),
    computed on the composed graph in O(distinct nodes); stops counting past `most`."""
    sizes: dict[int, int] = {}
    order: list[tuple[yaml.Node, bool]] = [(root, False)]
    while order:  # iterative post-order: nesting is bounded, but recursion is not needed
        node, done = order.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not done:
            order.append((node, True))
            order.extend((child, False) for child in children if id(child) not in sizes)
            continue
        sizes[id(node)] = min(most + 1, 1 + sum(sizes.get(id(child), 1) for child in children))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml_text(text: str, display: str, first_line: int = 1) -> object | LoadError:
    """The one YAML document of `text` (None when empty), or a located error; `first_line` is the
    file line the text starts on (for a document cut from a multi-document file)."""
    bounds = limits.current()
    if len(text) > bounds.document_bytes:
        raise limits.exceeded("document_bytes", bounds.document_bytes, "the YAML document", file=display)
    try:
        # The reader checks the whole text for characters YAML forbids as it is built.
        loader = _BoundedLoader(text, bounds, display, first_line)
    except yaml.reader.ReaderError as exc:
        line = first_line + text.count("\n", 0, max(exc.position, 0))
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return LoadError(f"invalid YAML: {exc.reason} (character #x{code:04x})", file=display, line=line)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if _expanded_size(root, bounds.yaml_nodes) > bounds.yaml_nodes:
            raise limits.exceeded(
                "yaml_nodes", bounds.yaml_nodes, "the YAML document with its aliases expanded", file=display
            )
        document: object = loader.construct_document(root)
        return document
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        reason = getattr(exc, "problem", None) or "malformed YAML"
        return LoadError(f"invalid YAML: {reason}", file=display, line=line)
    finally:
        loader.dispose()


def read_yaml(source: SourceFile) -> tuple[object, str] | LoadError:
    """The YAML document of a file and its text, or a located error (a limit broken raises)."""
    bounds = limits.current()
    with open_text(source) as handle:
        text = handle.read(bounds.document_bytes + 1)
    found = load_yaml_text(text, source.display)
    return found if isinstance(found, LoadError) else (found, text)
