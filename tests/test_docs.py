"""Docs that can be checked are checked: docs/cli.md is every command's --help, verbatim.

Refresh it with: BIDFLOW_UPDATE_DOCS=1 .venv/bin/pytest tests/test_docs.py
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.testing import CliRunner

from bidflow.cli import cli
from bidflow.cli import commands as _commands  # noqa: F401  (registers the subcommands)

CLI_DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _help_sections(command: click.Command, path: list[str]) -> list[str]:
    result = CliRunner().invoke(cli, [*path[1:], "--help"], prog_name="bidflow", terminal_width=100)
    assert result.exit_code == 0, result.output
    sections = [f"## {' '.join(path)}\n\n```\n{result.output.rstrip()}\n```\n"]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            sections += _help_sections(command.commands[name], [*path, name])
    return sections


def render_cli_doc() -> str:
    intro = "# Command reference\n\nGenerated from each command's `--help` by tests/test_docs.py.\n"
    return "\n".join([intro, *_help_sections(cli, ["bidflow"])])


def test_cli_reference_is_current() -> None:
    expected = render_cli_doc()
    if os.environ.get("BIDFLOW_UPDATE_DOCS") == "1":
        CLI_DOC.write_text(expected, encoding="utf-8")
    assert CLI_DOC.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is stale; run BIDFLOW_UPDATE_DOCS=1 .venv/bin/pytest tests/test_docs.py"
    )
