"""Why `bidflow serve` runs as two processes.

A terminal's Ctrl-C goes to its whole foreground process group: the flow runs Prefect's runner
starts would each get it and die mid-step, printing tracebacks. So the command you start only
starts the same command again in a session of its own, relays Ctrl-C, SIGTERM and SIGHUP to it,
and exits with its exit code; that copy stops the flow runs through the runner. It also stops
when this process disappears (see ``parent_gone``), so it never outlives a closed terminal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType

import click

# Set in the copy's environment to the supervisor's pid.
SUPERVISOR = "BIDFLOW_SERVE_SUPERVISOR"


def supervised() -> bool:
    """Whether this process is the copy (or must not supervise: no sessions on Windows)."""
    return SUPERVISOR in os.environ or os.name != "posix"


def parent_gone() -> bool:
    """In the copy: whether the supervisor has gone (the copy was handed to another parent)."""
    return os.getppid() != int(os.environ.get(SUPERVISOR, os.getppid()))


def supervise(context: click.Context) -> int:
    """Run this command again in its own session and wait for it; returns its exit code."""
    command = [sys.executable, "-c", "from bidflow.cli import main; main()"]
    command += [*context.command_path.split()[1:], *relayed_options(context)]
    environment = {**os.environ, SUPERVISOR: str(os.getpid())}
    # Started ignoring Ctrl-C (inherited through exec), so one pressed while it is still
    # importing cannot end it with a traceback; serve() takes SIGINT over once it can stop cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    copy = subprocess.Popen(command, env=environment, start_new_session=True)

    def relay(sig: int, _frame: FrameType | None) -> None:
        copy.send_signal(signal.SIGTERM if sig == signal.SIGHUP else sig)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, relay)
    code = copy.wait()  # resumed after each relayed signal (PEP 475)
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as a shell says


def relayed_options(context: click.Context) -> list[str]:
    """The command line that gives ``context``'s command the same parameters."""
    arguments: list[str] = []
    for parameter in context.command.params:
        if not isinstance(parameter, click.Option) or parameter.name is None:
            continue
        value = context.params.get(parameter.name)
        flag = parameter.opts[0]
        if parameter.is_flag:
            arguments += [flag] if value else []
        elif parameter.multiple:
            for item in value or ():
                arguments += [flag, str(item)]
        elif value is not None:
            arguments += [flag, str(value)]
    return arguments
