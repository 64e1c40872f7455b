"""Query results for scripts and people: stable JSON, CSV rows, plain-text tables, SARIF 2.1.0.

Pure functions of a result model. JSON is the model's own field names (documented on each
result class in queries/), keys sorted, so output diffs cleanly between runs. CSV has one fixed
header per result type (queries/output_csv.py, docs/outputs.md); SARIF is queries/output_sarif.py.
Tables, for people, show the result's scalar context as `key: value` lines, then one row per
item of the result's main list (`ROW_FIELD`); nested values are flattened with dotted names and
lists joined with ";".
"""

from __future__ import annotations

from typing import Final

import orjson
from pydantic import BaseModel

from queries.output_csv import ROW_FIELD, csv_columns, summary_lines, to_csv
from queries.output_sarif import SARIF_SCHEMA, to_sarif

__all__ = [
    "ROW_FIELD",
    "SARIF_SCHEMA",
    "csv_columns",
    "summary_lines",
    "to_csv",
    "to_json",
    "to_rows",
    "to_sarif",
    "to_table",
]

_CELL: Final = 60


def to_json(result: BaseModel) -> str:
    return orjson.dumps(result.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode()


def _flatten(value: object, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            out[prefix] = ";".join(str(v) for v in value)
        else:
            out[prefix] = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    elif value is None:
        out[prefix] = ""
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    else:
        out[prefix] = str(value)


def _split(result: BaseModel) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The result's scalar context, and one flat dict per item of its main list."""
    data = result.model_dump(mode="json")
    field = ROW_FIELD.get(type(result).__name__)
    context: dict[str, str] = {}
    for key, value in data.items():
        if key != field and not isinstance(value, list):
            _flatten(value, key, context)
    items = []
    for item in data.get(field, []) if field else []:
        row: dict[str, str] = {}
        _flatten({"path": item} if isinstance(item, list) else item, "", row)
        items.append(row)
    return context, items


def to_rows(result: BaseModel) -> list[dict[str, str]]:
    """One flat row per item of the main list, with the result's scalar context in front."""
    context, items = _split(result)
    return [{**context, **item} for item in items] or [context]


def _columns(rows: list[dict[str, str]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def to_table(result: BaseModel) -> str:
    """The context as `key: value` lines, then the items as aligned columns (cells cut at 60
    characters; evidence left to the JSON output)."""
    context, items = _split(result)
    lines = [f"{key}: {value}" for key, value in context.items() if value]
    keys = [k for k in _columns(items) if not k.endswith("evidence") and any(r.get(k, "") for r in items)]
    if not items or not keys:
        return "\n".join([*lines, "(no rows)"]) + "\n"

    def cell(text: str) -> str:
        return text if len(text) <= _CELL else text[: _CELL - 1] + "…"

    widths = {k: max(len(k), *(len(cell(r.get(k, ""))) for r in items)) for k in keys}
    lines += ["", "  ".join(k.ljust(widths[k]) for k in keys).rstrip(), "  ".join("-" * widths[k] for k in keys)]
    lines += ["  ".join(cell(r.get(k, "")).ljust(widths[k]) for k in keys).rstrip() for r in items]
    return "\n".join(lines) + "\n"
