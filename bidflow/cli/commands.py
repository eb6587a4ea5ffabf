"""Registers every subcommand on the ``bidflow`` group (one module per noun, each with COMMANDS)."""

from importlib import import_module

from bidflow.cli import cli

MODULES = (
    "config_commands",
    "connect_commands",
    "db_commands",
    "demo",
    "pipeline_commands",
    "report_commands",
    "rules_commands",
    "serve_commands",
    "sources_commands",
    "status",
    "users_commands",
    "web_commands",
)

for name in MODULES:
    for command in import_module(f"bidflow.cli.{name}").COMMANDS:
        cli.add_command(command)
