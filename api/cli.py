"""The `keytrail` command line: one click group; each family of commands lives in its own module.

Errors keytrail raises on purpose (KeytrailError) become one clear line on stderr and a
non-zero exit; nothing a user can type should end in a traceback.
"""

from __future__ import annotations

import sys

import click

from api.commands_demo_data import demo_data_command
from api.commands_load import load_command
from api.commands_query import query_commands
from api.commands_serve import serve_commands
from api.commands_store import store_commands
from graph.errors import KeytrailError
from graph.runtime import tune_gc

__all__ = ["cli", "main"]


class _Failure(click.ClickException):
    """A KeytrailError as click shows it: `error: <message>` on stderr, exit status 1."""

    exit_code = 1

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class _Group(click.Group):
    """Turns KeytrailError into one line and exit 1 inside click, so every way of running the
    command line (the console script, click's test runner) behaves the same."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeytrailError as exc:
            raise _Failure(str(exc)) from None


@click.group(cls=_Group)
@click.version_option(package_name="keytrail")
def cli() -> None:
    """keytrail: follow every non-human identity and secret back to an accountable person."""


for command in (*store_commands, load_command, demo_data_command):
    cli.add_command(command)
for command in query_commands:
    cli.add_command(command)
for command in serve_commands:
    cli.add_command(command)


def main() -> None:
    tune_gc()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeytrailError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
