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


@click.group()
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
