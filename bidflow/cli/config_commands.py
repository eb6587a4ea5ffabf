"""``bidflow init`` and ``bidflow check``: write and validate the agency config."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from bidflow.config import load_agency_config
from bidflow.errors import ConfigError
from bidflow.settings import get_settings

EXAMPLE = Path(__file__).parent.parent / "config" / "agency.example.yaml"


@click.command()
@click.option("--path", type=click.Path(path_type=Path), help="Where to write it.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path | None, force: bool) -> None:
    """Write a commented example agency config (default: $BIDFLOW_HOME/agency.yaml)."""
    target = path or get_settings().config_path
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists; pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLE, target)
    click.echo(f"Wrote {target}. Edit it, then run `bidflow check`.")


@click.command()
@click.option("--config", "path", type=click.Path(path_type=Path), help="Config to check.")
def check(path: Path | None) -> None:
    """Validate the agency config; every problem is printed with its file, line and fix."""
    target = path or get_settings().config_path
    config = load_agency_config(target)
    click.echo(
        f"{target}: ok — {len(config.bidders)} bidders, {len(config.feeds)} feeds, "
        f"{len(config.rulesets)} rulesets, {len(config.users)} users"
    )


COMMANDS = (init, check)
