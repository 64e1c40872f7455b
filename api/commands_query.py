"""`keytrail query ...` and `keytrail findings`: the queries for scripts and terminals.

Every command opens the store, runs one function from queries/, and prints the result with
queries/output.py (`--format table|json|csv`, plus `sarif` for findings). Unknown ids and bad
arguments are QueryErrors, which api/cli.py turns into one line on stderr and exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from pydantic import BaseModel

from api.commands_store import store_option
from graph.open import open_existing_store
from graph.store import GraphStore
from queries import explore
from queries.accountability import accountability
from queries.blast import blast_radius
from queries.findings import FINDING_CAP, FindingsResult, findings
from queries.gaps import GAP_TYPES, ownership_gaps
from queries.history import permission_history
from queries.output import summary_lines, to_csv, to_json, to_sarif, to_table
from queries.output_csv import COMMANDS, csv_columns
from queries.shared import shared_credentials
from queries.stale import stale_credentials
from queries.story import access_story

__all__ = ["query_commands"]

F = TypeVar("F", bound=Callable[..., None])
_FORMATS = ["table", "json", "csv"]


def _common(formats: list[str], name: str) -> Callable[[F], F]:
    """--format, --as-of and --store, and the command's fixed CSV header in its --help."""

    def decorate(command: F) -> F:
        columns = ", ".join(csv_columns(COMMANDS[name]))
        # \b keeps click from rewrapping the paragraph; the columns are the same on every run.
        command.__doc__ = (
            f"{command.__doc__ or ''}\n\n\b\nCSV columns (fixed; summaries go to stderr, all of it in JSON):\n{columns}"
        )
        command = click.option("--format", "fmt", type=click.Choice(formats), default="table", show_default=True)(
            command
        )
        command = click.option("--as-of", default=None, help="Answer as of this time (ISO 8601).")(command)
        return store_option(command)

    return decorate


def _emit(result: BaseModel, fmt: str) -> None:
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "csv":
        # Rows only on stdout, one fixed header (docs/outputs.md); the run's summary is for people.
        click.echo(to_csv(result), nl=False)
        for line in summary_lines(result):
            click.echo(line, err=True)
    elif fmt == "sarif" and isinstance(result, FindingsResult):
        click.echo(to_sarif(result))
    else:
        click.echo(to_table(result), nl=False)


def _run(store: str | None, fmt: str, call: Callable[[GraphStore], BaseModel]) -> None:
    graph = open_existing_store(store)
    try:
        result = call(graph)
    finally:
        graph.close()
    _emit(result, fmt)


@click.group("query")
def query_group() -> None:
    """Ask the graph: accountability, shared credentials, blast radius, gaps, stories, paths."""


@query_group.command("accountability")
@click.argument("node_id")
@_common(_FORMATS, "query accountability")
def accountability_command(node_id: str, store: str | None, as_of: str | None, fmt: str) -> None:
    """Who is accountable for NODE_ID, through which chain, and the verdict."""
    _run(store, fmt, lambda g: accountability(g, node_id, as_of=as_of))


@query_group.command("shared-credentials")
@click.option(
    "--by",
    default="runner",
    type=click.Choice(["runner", "pipeline", "workload", "repository", "environment"], case_sensitive=False),
)
@click.option("--min-consumers", default=2, type=int, show_default=True)
@_common(_FORMATS, "query shared-credentials")
def shared_command(by: str, min_consumers: int, store: str | None, as_of: str | None, fmt: str) -> None:
    """Credentials used by several runners, pipelines, workloads, repositories or environments."""
    _run(store, fmt, lambda g: shared_credentials(g, by=by, min_consumers=min_consumers, as_of=as_of))


@query_group.command("blast-radius")
@click.argument("node_id")
@click.option("--max-depth", default=6, type=int, show_default=True)
@_common(_FORMATS, "query blast-radius")
def blast_command(node_id: str, max_depth: int, store: str | None, as_of: str | None, fmt: str) -> None:
    """What NODE_ID can reach if compromised, granted versus touched."""
    _run(store, fmt, lambda g: blast_radius(g, node_id, max_depth=max_depth, as_of=as_of))


@query_group.command("ownership-gaps")
@click.option(
    "--type",
    "gap_types",
    multiple=True,
    type=click.Choice(GAP_TYPES, case_sensitive=False),
    help="Only gaps of this type (repeatable).",
)
@click.option(
    "--severity",
    default=None,
    type=click.Choice(["low", "medium", "high", "critical"], case_sensitive=False),
    help="Minimum severity.",
)
@_common(_FORMATS, "query ownership-gaps")
def gaps_command(
    gap_types: tuple[str, ...], severity: str | None, store: str | None, as_of: str | None, fmt: str
) -> None:
    """Identities, credentials, pipelines and workloads without a living owner (one row per ticket).

    Most severe first: an offboarded owner of an active credential is critical, an unowned
    identity or workload low (the table is in docs/outputs.md)."""
    chosen = [t.lower() for t in gap_types] or None
    _run(store, fmt, lambda g: ownership_gaps(g, as_of=as_of, gap_types=chosen, severity=severity))


@query_group.command("stale")
@click.option("--unused-days", default=90, type=int, show_default=True)
@click.option("--unrotated-days", default=90, type=int, show_default=True)
@click.option("--now", default=None, help="Measure ages from this time (default: --as-of, else now).")
@_common(_FORMATS, "query stale")
def stale_command(
    unused_days: int, unrotated_days: int, now: str | None, store: str | None, as_of: str | None, fmt: str
) -> None:
    """Credentials never used, unused, unrotated, or past expiry but active."""
    _run(
        store,
        fmt,
        lambda g: stale_credentials(g, unused_days=unused_days, unrotated_days=unrotated_days, now=now, as_of=as_of),
    )


@query_group.command("access-story")
@click.argument("subject", required=False)
@click.option("--start", default=None, help="The subject's sessions started at or after this time (ISO 8601).")
@click.option("--end", default=None, help="The subject's sessions started at or before this time (ISO 8601).")
# The subject used to be named by an option; kept working, hidden, so existing scripts keep running.
@click.option("--session", "session_id", default=None, hidden=True)
@click.option("--credential", "credential_id", default=None, hidden=True)
@_common(_FORMATS, "query access-story")
def story_command(
    subject: str | None,
    start: str | None,
    end: str | None,
    session_id: str | None,
    credential_id: str | None,
    store: str | None,
    as_of: str | None,
    fmt: str,
) -> None:
    """The time-ordered story of SUBJECT's sessions in --start/--end, following FROM chains up to the
    person and down to what was done. SUBJECT: a session, credential, identity, person, workload
    (host, pod), resource or runner id."""
    if sum(x is not None for x in (subject, session_id, credential_id)) != 1:
        raise click.UsageError(
            "give one SUBJECT: a session, credential, identity, person, workload, resource or runner id"
        )
    _run(
        store,
        fmt,
        lambda g: access_story(
            g, subject, session_id=session_id, credential_id=credential_id, start=start, end=end, as_of=as_of
        ),
    )


@query_group.command("permission-history")
@click.argument("node_id")
@_common(_FORMATS, "query permission-history")
def history_command(node_id: str, store: str | None, as_of: str | None, fmt: str) -> None:
    """Grants, revocations and key lifecycle changes affecting NODE_ID."""
    _run(store, fmt, lambda g: permission_history(g, node_id, as_of=as_of))


@query_group.command("path")
@click.argument("source")
@click.argument("target")
@click.option("--max-depth", default=6, type=int, show_default=True)
@_common(_FORMATS, "query path")
def path_command(source: str, target: str, max_depth: int, store: str | None, as_of: str | None, fmt: str) -> None:
    """Shortest paths from SOURCE to TARGET."""
    _run(store, fmt, lambda g: explore.path(g, source, target, max_depth=max_depth, as_of=as_of))


@query_group.command("search")
@click.argument("text")
@click.option("--kind", "kinds", multiple=True, help="Node kind(s) to search (repeatable).")
@_common(_FORMATS, "query search")
def search_command(text: str, kinds: tuple[str, ...], store: str | None, as_of: str | None, fmt: str) -> None:
    """Nodes whose id or name contains TEXT."""
    _run(store, fmt, lambda g: explore.search(g, text, kinds=list(kinds), as_of=as_of))


@query_group.command("neighbors")
@click.argument("node_id")
@click.option("--edge-kind", "edge_kinds", multiple=True, help="Edge kind(s) to follow (repeatable).")
@click.option("--direction", default="both", type=click.Choice(["out", "in", "both"]))
@_common(_FORMATS, "query neighbors")
def neighbors_command(
    node_id: str, edge_kinds: tuple[str, ...], direction: str, store: str | None, as_of: str | None, fmt: str
) -> None:
    """The nodes one edge away from NODE_ID."""
    _run(
        store,
        fmt,
        lambda g: explore.neighbors(g, node_id, edge_kinds=list(edge_kinds), direction=direction, as_of=as_of),
    )


@query_group.command("node")
@click.argument("node_id")
@_common(_FORMATS, "query node")
def node_command(node_id: str, store: str | None, as_of: str | None, fmt: str) -> None:
    """One node with its properties."""
    _run(store, fmt, lambda g: explore.node(g, node_id, as_of=as_of))


@click.command("findings")
@click.option("--rule", default=None, help="A rule id (KT-NHI2-001) or an OWASP category (NHI2).")
@click.option("--severity", default=None, help="Minimum severity: low, medium, high, critical.")
@click.option("--now", default=None, help="Measure ages from this time (default: --as-of, else now).")
@click.option("--offset", type=int, default=0, show_default=True, help="Skip this many findings (stable order).")
@click.option("--limit", type=int, default=FINDING_CAP, show_default=True, help="Return at most this many findings.")
@_common([*_FORMATS, "sarif"], "findings")
def findings_command(
    rule: str | None,
    severity: str | None,
    now: str | None,
    offset: int,
    limit: int,
    store: str | None,
    as_of: str | None,
    fmt: str,
) -> None:
    """Run the OWASP NHI rules; every finding with its evidence and recommended action.

    JSON output carries `total` and `next_offset`: a page is everything only when `next_offset`
    is null."""
    _run(
        store,
        fmt,
        lambda g: findings(g, rule=rule, severity=severity, as_of=as_of, now=now, offset=offset, limit=limit),
    )


query_commands = (query_group, findings_command)
