"""CLI tests run the real ``bidflow`` command, in-process or as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from bidflow.cli import cli
from bidflow.cli import commands as _commands  # noqa: F401  (registers the subcommands)


@pytest.fixture(autouse=True)
def _prefect(prefect_harness: None) -> Iterator[None]:
    yield


def invoke(*args: str) -> Result:
    """Run ``bidflow ARGS`` in this process (stdout and stderr kept apart)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def bidflow_command(*args: str) -> tuple[list[str], dict[str, str]]:
    """The console entry point's command line and environment, against the test Prefect server."""
    from prefect.settings import PREFECT_API_URL

    environment = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    return [sys.executable, "-c", "from bidflow.cli import main; main()", *args], environment


def run_bidflow(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``bidflow ARGS`` as a user would and wait for it to finish."""
    command, environment = bidflow_command(*args)
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=300, check=False
    )
