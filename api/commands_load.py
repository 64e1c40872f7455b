"""`keytrail load`: read evidence files into a store, with per-file summaries and located errors."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import click
import orjson

from api.commands_store import store_option
from graph.errors import KeytrailError
from graph.open import describe_location, open_store
from graph.store import Stats
from loaders.base import LoadContext
from loaders.registry import loader_named
from loaders.runner import FileReport, LoadReport, StrictStop, default_jobs, discover, hmac_key, run_load

__all__ = ["EXIT_CODES", "load_command"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


SKIPPED_SHOWN = 20
"""Skipped files named in the summary; the count is always whole."""

EXIT_CODES = """Exit status: 0 = every file loaded and every record accepted (files of no known
format met in a folder are skipped and listed); 1 = something was not loaded: a record
rejected, a file missing, unreadable or (named explicitly, or under --strict) of no known
format, or a --strict stop; 2 = usage error (unknown option, no PATH, unknown --source)."""


def _print_file(report: FileReport) -> None:
    if report.failure:
        click.echo(f"FAILED  {report.path}: {report.failure}", err=True)
        return
    if report.skipped:
        click.echo(f"SKIPPED {report.path}: {report.skipped}", err=True)
        return
    click.echo(
        f"{report.loader:<22} {report.path}: {report.accepted} accepted, {report.rejected} rejected, "
        f"{report.nodes} nodes, {report.edges} edges"
    )
    for assumption in report.assumed:
        click.echo(f"  {assumption}")
    for error in report.errors:
        click.echo(f"  rejected: {error}", err=True)
    if report.rejected > len(report.errors):
        click.echo(f"  ... and {report.rejected - len(report.errors)} more rejections", err=True)


def _print_summary(report: LoadReport, location: str, totals: Stats) -> None:
    skipped = report.skipped
    if skipped:
        shown = ", ".join(f.path for f in skipped[:SKIPPED_SHOWN])
        more = f" and {len(skipped) - SKIPPED_SHOWN} more" if len(skipped) > SKIPPED_SHOWN else ""
        click.echo(f"skipped {len(skipped)} files (no known format, or not a regular file): {shown}{more}", err=True)
    failed = sum(1 for f in report.files if f.failure)
    loaded = len(report.files) - failed - len(skipped)
    click.echo(
        f"loaded {loaded} files into {location}: {sum(f.accepted for f in report.files)} records accepted, "
        f"{report.rejected} rejected, {failed} files failed, {len(skipped)} skipped; "
        f"the store now holds {totals.total_nodes} nodes and {totals.total_edges} edges"
    )


def _report_json(report: LoadReport, location: str, totals: Stats) -> dict[str, object]:
    """The load summary for scripts: every file's line (errors as located text), the notes, and the
    store's totals; the same facts as the text summary, exit codes unchanged."""
    files = []
    for file_report in report.files:
        entry = asdict(file_report)
        entry["errors"] = [str(error) for error in file_report.errors]
        files.append(entry)
    return {
        "store": location,
        "complete": report.complete,
        "files": files,
        "notes": report.notes,
        "accepted": sum(f.accepted for f in report.files),
        "rejected": report.rejected,
        "failed": sum(1 for f in report.files if f.failure),
        "skipped": len(report.skipped),
        "totals": {"nodes": totals.total_nodes, "edges": totals.total_edges},
    }


@click.command("load", epilog=EXIT_CODES)
@store_option
@click.option("--source", default=None, help="Name the format instead of detecting it by content.")
@click.option("--strict", is_flag=True, help="Stop at the first rejected record; fail on files of no known format.")
@click.option("--session-gap", default=60, show_default=True, help="Minutes of inactivity that split a session.")
@click.option("--owner-tag", "owner_tags", multiple=True, help="Tag names that name an owner (repeatable).")
@click.option("--repository", default="", help="org/repo of workflows or scanner reports whose path does not say.")
@click.option("--runner-org", default="", help="GitHub org of runner inventories and EC2 runner tags that do not say.")
@click.option("--cluster", default="", help="Kubernetes cluster of manifests and audit logs (default: the file's).")
@click.option(
    "--year",
    type=click.IntRange(min=1970, max=9999),
    default=None,
    help="Year of classic syslog lines, which carry none (default: each file's modification time).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for large CloudTrail sets (default: one per core, at most 8).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one document on stdout with every file's counts, assumptions and errors.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def load_command(
    store: str | None,
    source: str | None,
    strict: bool,
    session_gap: int,
    owner_tags: tuple[str, ...],
    repository: str,
    runner_org: str,
    cluster: str,
    year: int | None,
    jobs: int | None,
    fmt: str,
    paths: tuple[Path, ...],
) -> None:
    """Load evidence files or directories (formats detected by content).

    One line per file: what its records contributed (nodes and edges, sessions included), then
    a summary whose totals are the store's, as `keytrail stats` shows them. A missing PATH is
    reported and the others still load."""
    if source:
        try:
            loader_named(source)
        except KeytrailError as exc:
            raise click.BadParameter(str(exc), param_hint="--source") from None
    graph = open_store(store)
    ctx = LoadContext(now=_now(), hmac_key=hmac_key(), session_gap_minutes=session_gap)
    ctx.repository, ctx.runner_org, ctx.cluster = repository.strip(), runner_org.strip(), cluster.strip()
    ctx.year = year or 0
    if owner_tags:
        ctx.owner_tag_names = tuple(t.lower() for t in owner_tags)
    files = discover(list(paths))
    show_bar = sys.stderr.isatty() and len(files) > 1
    try:
        with click.progressbar(length=len(files), label="loading", file=sys.stderr) if show_bar else _NoBar() as bar:
            report = run_load(
                graph,
                list(paths),
                ctx=ctx,
                source=source,
                strict=strict,
                on_file=lambda _file, _report: bar.update(1),
                jobs=jobs or default_jobs(),
            )
        totals = graph.stats()
    except StrictStop as exc:
        click.echo(f"stopped (--strict): {exc}", err=True)
        sys.exit(1)
    finally:
        graph.close()
    if fmt == "json":
        document = _report_json(report, describe_location(graph.location), totals)
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        sys.exit(0 if report.complete else 1)
    # Printed once the load is done: a file's line includes its share of the sessions written at the end.
    for file_report in report.files:
        if not file_report.skipped:
            _print_file(file_report)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    _print_summary(report, describe_location(graph.location), totals)
    if not report.complete:
        sys.exit(1)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, _steps: int) -> None:
        return None
