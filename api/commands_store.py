"""Commands that move and inspect a whole store: export, import, stats."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import click
import orjson

from graph.errors import KeytrailError, ModelError
from graph.open import describe_location, open_existing_store, open_store, store_location
from graph.opengraph import extension_schema, write_opengraph
from graph.store import parse_export_line

__all__ = ["store_commands", "store_option"]

store_option = click.option(
    "--store",
    envvar="KEYTRAIL_STORE",
    default=None,
    help="Path of the embedded store, or a neo4j:// / bolt:// URI (env KEYTRAIL_STORE).",
)

_IMPORT_BATCH = 5000


@click.command("export")
@store_option
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), default="-", help="File to write (default stdout)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "opengraph", "opengraph-schema"]),
    default="jsonl",
    show_default=True,
    help="jsonl: keytrail's dump (for `keytrail import`); opengraph: BloodHound OpenGraph JSON (for "
    "BloodHound CE's file upload, or `keytrail load`); opengraph-schema: the extension schema that "
    "makes keytrail's kinds drawable and pathfindable in BloodHound CE (docs/opengraph.md).",
)
def export_command(store: str | None, out: str, fmt: str) -> None:
    """Dump the whole graph: sorted JSON lines (nodes by id, then edges), or BloodHound OpenGraph.

    A missing or empty store is an error (exit 1), never an empty dump."""
    if fmt == "opengraph-schema":  # the schema is keytrail's model, not the store's contents
        _write(
            out,
            lambda target: target.write(orjson.dumps(extension_schema(), option=orjson.OPT_INDENT_2).decode() + "\n"),
        )
        return
    graph = open_existing_store(store)
    try:
        if fmt == "opengraph":
            _write(out, lambda target: write_opengraph(graph.export(), target))
        else:
            _write(out, lambda target: target.writelines(line + "\n" for line in graph.export()))
    finally:
        graph.close()


def _write(out: str, write: Callable[[IO[str]], object]) -> None:
    target = sys.stdout if out == "-" else open(out, "w", encoding="utf-8")  # noqa: SIM115
    try:
        write(target)
    finally:
        if target is not sys.stdout:
            target.close()


@click.command("import")
@store_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(store: str | None, path: Path) -> None:
    """Load a `keytrail export` dump into a store (idempotent)."""
    graph = open_store(store)
    nodes, edges, total_nodes, total_edges = [], [], 0, 0
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    more_nodes, more_edges = parse_export_line(line)
                except (ValueError, ModelError) as exc:
                    raise KeytrailError(f"{path}, line {number}: {exc}") from None
                nodes += more_nodes
                edges += more_edges
                if len(nodes) + len(edges) >= _IMPORT_BATCH:
                    graph.write(nodes, edges)
                    total_nodes, total_edges = total_nodes + len(nodes), total_edges + len(edges)
                    nodes, edges = [], []
        graph.write(nodes, edges)
        total_nodes, total_edges = total_nodes + len(nodes), total_edges + len(edges)
    finally:
        graph.close()
    click.echo(
        f"imported {total_nodes} nodes and {total_edges} edge observations into {describe_location(graph.location)}"
    )


@click.command("stats")
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def stats_command(store: str | None, fmt: str) -> None:
    """Count nodes and edges by kind (a missing store is an error; an empty one counts zero)."""
    graph = open_existing_store(store, allow_empty=True)
    try:
        stats = graph.stats()
    finally:
        graph.close()
    if fmt == "json":
        import orjson

        click.echo(orjson.dumps({"nodes": stats.nodes, "edges": stats.edges}, option=orjson.OPT_SORT_KEYS).decode())
        return
    click.echo(f"store: {describe_location(store_location(store))}")
    for title, counts in (("nodes", stats.nodes), ("edges", stats.edges)):
        click.echo(f"{title}: {sum(counts.values())}")
        for kind, count in sorted(counts.items()):
            click.echo(f"  {kind:<20} {count:>10}")


store_commands = (export_command, import_command, stats_command)
