"""`keytrail demo-data`: write the demo estate (loaders/demo) into a folder and print a summary."""

from __future__ import annotations

from pathlib import Path

import click

from graph.errors import KeytrailError
from loaders.demo import DEFAULT_BASE_TIME, generate_demo

__all__ = ["demo_data_command"]


@click.command("demo-data")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write (must be empty or absent).",
)
@click.option("--seed", default=7, show_default=True, type=int, help="Same seed, same bytes.")
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Linear size factor (1000: >=1M identities, >=10M events).",
)
@click.option(
    "--base-time",
    default=DEFAULT_BASE_TIME,
    show_default=True,
    help="The estate's 'now' (UTC, ISO 8601); never the wall clock.",
)
def demo_data_command(out: Path, seed: int, scale: int, base_time: str) -> None:
    """Write a realistic organisation in real source formats, with planted situations (manifest.json)."""
    if out.exists() and any(out.iterdir()):
        raise KeytrailError(f"{out}: folder is not empty; demo-data writes into an empty or new folder")
    try:
        summary = generate_demo(out, seed=seed, scale=scale, base_time=base_time)
    except ValueError as exc:
        raise KeytrailError(f"--base-time {base_time!r}: {exc}") from exc
    click.echo(
        f"wrote {summary.out}: {summary.files} files, {summary.events} CloudTrail events, "
        f"{summary.identities} identities, {summary.situations} planted situations "
        f"in {summary.elapsed_seconds:.2f}s (manifest: {summary.out / 'manifest.json'})"
    )
