"""A faster completion of plain selections, for graphql-core's executor under strawberry.

Most of an answer is plain data: an accountability answer is ~280 fields (chains, hops,
owners), every one a strawberry field without a resolver, permission or extension, that only
reads an attribute of the object its parent returned. graphql-core completes each of them
through the general machinery (resolve info, awaitable checks, path objects, per-field error
handling): ~10 µs a field, several times the cost of answering the question itself.

`PlainFirstExecutor` completes an object whose whole selection is plain in one tight pass:
read the attribute through strawberry's own basic resolver, coerce leaves with their type's
own `coerce_output_value`, recurse into objects and lists with graphql-core's own memoized
field collection. Anything else — a field with a resolver or arguments, an abstract type, a
`@defer`, a value that is awaitable, an error of any kind (null in a non-null field, a leaf
that does not coerce, a read that raises) — makes the object go the general way from the
start, which produces exactly the answer and the errors graphql-core would have, and that
selection goes the general way for the rest of the request. Reading plain attributes has no
side effects, so abandoning a fast attempt half-way is safe. Nothing else is caught: a bug in
this module surfaces instead of silently doubling the work.

It subclasses graphql-core's executor and overrides `execute_collected_subfields`, an internal
method, so pyproject.toml pins strawberry-graphql and graphql-core to the range it was tested
with (tests/api/test_executor.py checks the installed versions are in it).

tests/api/test_executor.py checks that both executors give identical responses, data and
errors, on the planted scenario and on schema-generated documents.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
)
from graphql.execution.collect_fields import DeferUsage, FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["PlainFirstExecutor"]

# Values of these types are never awaitable: skip the awaitable check for them.
_SETTLED = frozenset({str, int, float, bool, type(None), list, tuple, dict})


class _NotPlain(Exception):
    """This selection needs graphql-core's general completion (raised as the class: a shared
    instance would keep its last traceback, and the request's objects, alive)."""


Reader = Callable[[Any], Any]
Complete = Callable[[Any], Any]
_readers: dict[int, tuple[GraphQLField, Reader | None]] = {}
"""Per schema field (by identity, the field kept alive beside it): how to read it plainly, or None."""


def _reader(field: GraphQLField) -> Reader | None:
    """strawberry's basic resolver of a field, as a one-argument reader; None when it has no basic one.

    A basic strawberry field (no resolver, permission or extension) resolves to
    `field.default_resolver(source, field.python_name)`, `getattr` unless the schema's config
    says otherwise: an attrgetter then does the same in one call."""
    cached = _readers.get(id(field))
    if cached is not None and cached[0] is field:
        return cached[1]
    resolve = field.resolve
    reader: Reader | None = None
    if resolve is not None and getattr(resolve, "_is_default", False):
        definition = field.extensions.get("strawberry-definition")
        if definition is not None and getattr(definition, "default_resolver", None) is getattr:
            reader = operator.attrgetter(definition.python_name)
        else:
            reader = functools.partial(resolve, info=None)
    _readers[id(field)] = (field, reader)
    return reader


class PlainFirstExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor (as strawberry configures it) with plain selections completed first."""

    _plans: dict[int, tuple[GroupedFieldSet, Complete | None]]

    @property
    def _wrapped_resolvers(self) -> bool:
        """Whether field middleware (strawberry: extensions with a `resolve` hook) wraps resolvers."""
        manager = self.middleware_manager
        return manager is not None and bool(manager.middlewares)

    def execute_collected_subfields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        grouped_field_set: GroupedFieldSet,
        new_defer_usages: Sequence[DeferUsage],
        delivery_group_map: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if delivery_group_map is None and not new_defer_usages and not self._wrapped_resolvers:
            plan = self._object_plan(parent_type, grouped_field_set)
            if plan is not None:
                try:
                    return cast("dict[str, Any]", plan(source_value))
                except _NotPlain:
                    # This selection met what only the general way handles (a null, a value that
                    # does not coerce, an awaitable, a read that raised): every later object of it
                    # in this request goes the general way at once, instead of a fast attempt first.
                    self._plans[id(grouped_field_set)] = (grouped_field_set, None)
        return super().execute_collected_subfields(
            parent_type, source_value, path, grouped_field_set, new_defer_usages, delivery_group_map
        )

    def _object_plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Complete | None:
        """How to complete an object of `parent_type` for this selection, or None if it is not plain.

        Plans live as long as this executor (one request): grouped field sets are memoized per
        request by graphql-core, so the 59 hops of an answer share one plan."""
        plans: dict[int, tuple[GroupedFieldSet, Complete | None]] = self.__dict__.setdefault("_plans", {})
        cached = plans.get(id(fields))
        if cached is not None and cached[0] is fields:
            return cached[1]
        try:
            plan: Complete | None = self._build_object_plan(parent_type, fields)
        except _NotPlain:
            plan = None
        plans[id(fields)] = (fields, plan)
        return plan

    def _build_object_plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Complete:
        steps: list[tuple[str, Reader, Complete]] = []
        for response_name, details in fields.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                steps.append((response_name, functools.partial(_constant, parent_type.name), _same))
                continue
            if node.arguments:
                raise _NotPlain
            field = parent_type.fields.get(name)
            if field is None:  # graphql-core skips an unknown field (validation rejects it first)
                continue
            read = _reader(field)
            if read is None:
                raise _NotPlain
            steps.append((response_name, read, self._value_plan(field.type, details)))

        def complete_object(source: Any) -> dict[str, Any]:
            _check_settled(source)
            return {response_name: complete(_read(read, source)) for response_name, read, complete in steps}

        return complete_object

    def _value_plan(self, return_type: GraphQLOutputType, details: FieldDetailsList) -> Complete:
        if isinstance(return_type, GraphQLNonNull):
            strict = self._strict_plan(return_type.of_type, details)

            def complete_non_null(value: Any) -> Any:
                if value is None or value is Undefined:
                    raise _NotPlain  # graphql-core's error, with its path, comes from the general way
                return strict(value)

            return complete_non_null
        strict = self._strict_plan(return_type, details)

        def complete_nullable(value: Any) -> Any:
            return None if value is None or value is Undefined else strict(value)

        return complete_nullable

    def _strict_plan(self, return_type: GraphQLOutputType, details: FieldDetailsList) -> Complete:
        """Completion of a value known not to be null."""
        if isinstance(return_type, GraphQLList):
            item = self._value_plan(return_type.of_type, details)

            def complete_list(value: Any) -> list[Any]:
                if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
                    raise _NotPlain
                return [item(v) for v in value]

            return complete_list
        if isinstance(return_type, GraphQLLeafType):
            coerce = return_type.coerce_output_value

            def complete_leaf(value: Any) -> Any:
                _check_settled(value)
                try:
                    coerced = coerce(value)
                except Exception:  # the general way raises it again, as a located field error
                    raise _NotPlain from None
                if coerced is None or coerced is Undefined:
                    raise _NotPlain
                return coerced

            return complete_leaf
        if isinstance(return_type, GraphQLObjectType) and return_type.is_type_of is None:
            grouped, new_defer_usages, _ = self.collect_subfields(return_type, details)
            plan = None if new_defer_usages else self._object_plan(return_type, grouped)
            if plan is not None:
                return plan
        raise _NotPlain  # interfaces, unions, objects with an is_type_of check, deferred fragments


def _read(read: Reader, source: Any) -> Any:
    """A plain read; one that raises (a property with a bug, a missing attribute) is left to the
    general way, which raises it again as a located field error. Only reads are caught: an
    error in the plan's own code is a bug of this module and propagates."""
    try:
        return read(source)
    except Exception:
        raise _NotPlain from None


def _check_settled(value: Any) -> None:
    """A value the general way must handle: an exception a resolver returned, or an awaitable."""
    if type(value) not in _SETTLED and (isinstance(value, Exception) or optimized_is_awaitable(value)):
        raise _NotPlain


def _constant(value: str, _source: Any) -> str:
    return value


def _same(value: Any) -> Any:
    return value
