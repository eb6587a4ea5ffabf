"""Registers every subcommand on the ``bidflow`` group (one module per noun)."""

from bidflow.cli import (
    cli,
    config_commands,
    connect_commands,
    db_commands,
    demo,
    pipeline_commands,
    sources_commands,
    status,
    web_commands,
)

for module in (
    config_commands,
    connect_commands,
    db_commands,
    demo,
    pipeline_commands,
    sources_commands,
    status,
    web_commands,
):
    for command in module.COMMANDS:
        cli.add_command(command)
