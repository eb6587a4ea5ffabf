"""The ``bidflow`` command. Expected failures become one line on stderr and exit code 2."""

from __future__ import annotations

import sys
from typing import Any

import click

from bidflow import __version__
from bidflow.errors import BidflowError

EXIT_USER_ERROR = 2


class FriendlyGroup(click.Group):
    """A command group that turns bidflow's own errors into one clear line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BidflowError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_USER_ERROR)


@click.group(cls=FriendlyGroup)
@click.version_option(__version__, prog_name="bidflow")
def cli() -> None:
    """bidflow: watch job feeds, triage, draft proposals for human review, report what wins."""


def main() -> None:
    from bidflow.cli import commands  # noqa: F401  (registers the subcommands)

    cli(prog_name="bidflow")
