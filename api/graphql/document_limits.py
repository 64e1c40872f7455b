"""Bounding a document by its expanded size, before validation runs, and validating off the event loop.

A document's cost is what executing it would touch once every fragment spread is replaced by
the fragment: chained fragments that each spread the next one twice make a 1 KB document
stand for 2^31 fields. strawberry's own depth and alias limiters measure that by walking the
expansion (exponential in the number of fragments: 37 s for 21 fragments, on the event
loop), so they are replaced here by one linear pass that measures each fragment once and
remembers it: expanded field count (KEYTRAIL_MAX_FIELDS), expanded alias count
(KEYTRAIL_MAX_ALIASES) and selection depth (KEYTRAIL_MAX_DEPTH), with strawberry's messages
and semantics (introspection fields add no depth). It runs before graphql-core's validation,
so a refused document is never validated at all.

Validation of a document that passed the limits runs in a worker thread, so a slow one never
holds up other requests (health checks included); its result is cached by the query text,
so the documents that arrive again and again (the web page, scripts) meet no thread hop.
Suggestions ("Did you mean ...?") are left out of validation errors when introspection is
off: they would spell the schema out field by field.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import anyio.to_thread
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

__all__ = ["DocumentSize", "Limits", "ValidateOffLoop", "check_limits", "measure"]

# strawberry's own validate_document adds these two to the rules it is given
_STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (MaybeNullValidationRule, OneOfInputValidationRule)


@dataclass(frozen=True, slots=True)
class Limits:
    max_fields: int
    max_aliases: int
    max_depth: int
    hide_suggestions: bool


@dataclass(frozen=True, slots=True)
class DocumentSize:
    """What one selection stands for once every fragment is spread."""

    fields: int = 0
    aliases: int = 0
    depth: int = 0

    def __add__(self, other: DocumentSize) -> DocumentSize:
        return DocumentSize(self.fields + other.fields, self.aliases + other.aliases, max(self.depth, other.depth))


_EMPTY = DocumentSize()


class _Measurer:
    """Measures selection sets; each fragment is measured once (memoised), so the cost is
    linear in the document's text however often its fragments are spread. A fragment met
    again while it is being measured (a cycle) or unknown counts as empty: graphql-core's
    NoFragmentCycles and KnownFragmentNames rules reject those documents anyway."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.measured: dict[str, DocumentSize] = {}
        self.in_progress: set[str] = set()

    def selection_set(self, selections: SelectionSetNode | None) -> DocumentSize:
        total = _EMPTY
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def field(self, node: FieldNode) -> DocumentSize:
        inner = self.selection_set(node.selection_set)
        # like strawberry's QueryDepthLimiter: introspection fields (__schema, __type) add no depth
        nests = node.selection_set is not None and not node.name.value.startswith("__")
        return DocumentSize(
            fields=1 + inner.fields,
            aliases=(1 if node.alias else 0) + inner.aliases,
            depth=1 + inner.depth if nests else 0,
        )

    def fragment(self, name: str) -> DocumentSize:
        known = self.measured.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return _EMPTY
        self.in_progress.add(name)
        size = self.selection_set(definition.selection_set)
        self.in_progress.discard(name)
        self.measured[name] = size
        return size


def measure(document: DocumentNode) -> dict[str, DocumentSize]:
    """The expanded size of each operation of `document`, by operation name ("anonymous" without one)."""
    measurer = _Measurer(document)
    return {
        (d.name.value if d.name else "anonymous"): measurer.selection_set(d.selection_set)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }


def check_limits(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """The limit errors of a document, coded TOO_COMPLEX; empty when it is within every limit.

    Fields and aliases are counted over the whole document (every operation in it), as
    strawberry's alias limiter did; depth per operation."""
    sizes = measure(document)
    errors: list[GraphQLError] = []
    for name, size in sizes.items():
        if size.depth > limits.max_depth:
            errors.append(_too_complex(f"'{name}' exceeds maximum operation depth of {limits.max_depth}"))
    total = sum(sizes.values(), _EMPTY)
    if total.aliases > limits.max_aliases:
        errors.append(_too_complex(f"{total.aliases} aliases found. Allowed: {limits.max_aliases}"))
    if total.fields > limits.max_fields:
        errors.append(_too_complex(f"the document expands to {total.fields} fields. Allowed: {limits.max_fields}"))
    return errors


def _too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "TOO_COMPLEX"})


class _ValidationResults:
    """A small LRU of validation errors by query text (thread-safe: filled from worker threads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: OrderedDict[str, list[GraphQLError]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: str) -> list[GraphQLError] | None:
        with self._lock:
            found = self._results.get(query)
            if found is not None:
                self._results.move_to_end(query)
            return found

    def put(self, query: str, errors: list[GraphQLError]) -> None:
        with self._lock:
            self._results[query] = errors
            while len(self._results) > self.size:
                self._results.popitem(last=False)


def validate_off_loop(limits: Limits, cache_size: int = 256) -> Callable[[], SchemaExtension]:
    """A factory of ValidateOffLoop extensions sharing one cache (strawberry builds one per request)."""
    results = _ValidationResults(cache_size)
    return lambda: ValidateOffLoop(limits, results)


class ValidateOffLoop(SchemaExtension):
    """Replaces strawberry's validation step: the limits first, on the loop (linear, cheap), then
    graphql-core's validation in a worker thread unless the query text was validated before.
    Validation errors do not depend on variables or the operation name, so the text is the key."""

    def __init__(self, limits: Limits, results: _ValidationResults) -> None:
        super().__init__()
        self.limits = limits
        self.results = results

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            query = context.query
            cached = self.results.get(query) if query is not None else None
            if cached is None:
                cached = check_limits(document, self.limits) or await anyio.to_thread.run_sync(
                    self._validate, document, tuple(context.validation_rules)
                )
                if query is not None:
                    self.results.put(query, cached)
            context.pre_execution_errors = list(cached)
        yield

    def _validate(self, document: DocumentNode, rules: Sequence[type[ASTValidationRule]]) -> list[GraphQLError]:
        schema = self.execution_context.schema._schema
        return validate(schema, document, (*rules, *_STRAWBERRY_RULES), hide_suggestions=self.limits.hide_suggestions)
