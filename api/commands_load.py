"""`keytrail load`: read evidence files into a store, with per-file summaries and located errors."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from api.commands_store import store_option
from graph.open import describe_location, open_store
from loaders.base import LoadContext, SourceFile
from loaders.runner import FileReport, LoadReport, StrictStop, default_jobs, discover, hmac_key, run_load

__all__ = ["load_command"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _print_file(report: FileReport) -> None:
    if report.failure:
        click.echo(f"FAILED  {report.path}: {report.failure}", err=True)
        return
    click.echo(
        f"{report.loader:<22} {report.path}: {report.accepted} accepted, {report.rejected} rejected, "
        f"{report.nodes} nodes, {report.edges} edges"
    )
    for error in report.errors:
        click.echo(f"  rejected: {error}", err=True)
    if report.rejected > len(report.errors):
        click.echo(f"  ... and {report.rejected - len(report.errors)} more rejections", err=True)


@click.command("load")
@store_option
@click.option("--source", default=None, help="Name the format instead of detecting it by content.")
@click.option("--strict", is_flag=True, help="Stop at the first rejected record.")
@click.option("--session-gap", default=60, show_default=True, help="Minutes of inactivity that split a session.")
@click.option("--owner-tag", "owner_tags", multiple=True, help="Tag names that name an owner (repeatable).")
@click.option("--repository", default="", help="org/repo of workflows or scanner reports whose path does not say.")
@click.option("--runner-org", default="", help="GitHub org of runner inventories and EC2 runner tags that do not say.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for large CloudTrail sets (default: one per core, at most 8).",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def load_command(
    store: str | None,
    source: str | None,
    strict: bool,
    session_gap: int,
    owner_tags: tuple[str, ...],
    repository: str,
    runner_org: str,
    jobs: int | None,
    paths: tuple[Path, ...],
) -> None:
    """Load evidence files or directories (formats detected by content)."""
    graph = open_store(store)
    ctx = LoadContext(now=_now(), hmac_key=hmac_key(), session_gap_minutes=session_gap)
    ctx.repository, ctx.runner_org = repository.strip(), runner_org.strip()
    if owner_tags:
        ctx.owner_tag_names = tuple(t.lower() for t in owner_tags)
    files = discover(list(paths))
    show_bar = sys.stderr.isatty() and len(files) > 1
    report = LoadReport()
    try:
        with click.progressbar(length=len(files), label="loading", file=sys.stderr) if show_bar else _NoBar() as bar:

            def on_file(_file: SourceFile, file_report: FileReport) -> None:
                bar.update(1)
                if not show_bar:
                    _print_file(file_report)

            report = run_load(
                graph, list(paths), ctx=ctx, source=source, strict=strict, on_file=on_file, jobs=jobs or default_jobs()
            )
    except StrictStop as exc:
        click.echo(f"stopped (--strict): {exc}", err=True)
        sys.exit(2)
    finally:
        graph.close()
    if show_bar:
        for file_report in report.files:
            _print_file(file_report)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    total = sum(f.accepted for f in report.files)
    click.echo(
        f"loaded {len(report.files)} files into {describe_location(graph.location)}: "
        f"{total} records accepted, {report.rejected} rejected"
    )
    if report.failed:
        sys.exit(1)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, _steps: int) -> None:
        return None
