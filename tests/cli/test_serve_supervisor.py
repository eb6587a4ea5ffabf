"""The copy of `bidflow serve` that runs in its own session gets exactly the options typed
(tests/cli/test_serve.py checks the whole thing, Ctrl-C to the process group included)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bidflow.cli.serve_commands import serve
from bidflow.cli.serve_supervisor import SUPERVISOR, parent_gone, relayed_options, supervised


@pytest.fixture(autouse=True)
def _prefect() -> Iterator[None]:
    """Overrides tests/cli/conftest's: nothing here talks to Prefect."""
    yield


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["--no-web", "--prefect-port", "4300"],
        ["--host", "0.0.0.0", "--port", "9000", "--config", "agency/agency.yaml"],
        ["--every", "pipeline=5s", "--every", "inbox=1m"],
    ],
)
def test_the_copy_is_given_the_same_parameters(arguments: list[str]) -> None:
    typed = serve.make_context("serve", list(arguments))
    relayed = serve.make_context("serve", relayed_options(typed))
    assert relayed.params == typed.params
    assert ("--no-web" in relayed_options(typed)) == ("--no-web" in arguments)


def test_only_the_copy_runs_serve_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SUPERVISOR, raising=False)
    assert supervised() is (os.name != "posix")
    assert not parent_gone()
    monkeypatch.setenv(SUPERVISOR, str(os.getppid()))
    assert supervised() and not parent_gone()
    monkeypatch.setenv(SUPERVISOR, str(os.getpid()))  # not this process's parent: it has gone
    assert parent_gone()
