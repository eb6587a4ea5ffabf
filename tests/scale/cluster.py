"""The scale-out steps as separate processes, run through scripts/scale-out.sh exactly as
docs/scaling.md tells an operator to, and a worker machine's sudden death."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "scale-out.sh"
# Settings of the test process that must not leak into the cluster's processes.
_PRIVATE = ("PREFECT_", "BIDFLOW_", "OPENAI_", "UPWORK_")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(**values: str) -> dict[str, str]:
    """A clean environment holding ``values``: what a fresh machine with them set would have."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_PRIVATE)}
    return env | values


def run_step(step: str, env: dict[str, str], *args: str, timeout: float = 180) -> str:
    """Run one step to its end; its output, or an assertion naming what it printed."""
    result = subprocess.run(
        ["bash", str(SCRIPT), step, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"scale-out.sh {step} exited {result.returncode}:\n{result.stdout[-4000:]}"
        f"\n{result.stderr[-4000:]}"
    )
    return result.stdout


@contextmanager
def running_step(step: str, env: dict[str, str], log: Path, *args: str) -> Iterator[int]:
    """A long-running step (server, worker) in its own session, logging to ``log``; yields its
    pid and ends it, with everything it started, when the block ends."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            ["bash", str(SCRIPT), step, *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process.pid
    finally:
        stop_tree(process.pid)
        process.wait(timeout=30)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it, read before any is killed (orphans are reparented).
    Flow runs live in sessions of their own, so a process group would miss them."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name may hold spaces and parentheses: the ppid follows the last ")".
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def kill_machine(pid: int) -> list[int]:
    """SIGKILL a worker and everything it runs at once, as a machine losing power would end
    them: no cleanup, no state change sent to Prefect, no transaction committed."""
    tree = descendants(pid)
    for each in tree:
        _signal(each, signal.SIGKILL)
    return tree


def stop_tree(pid: int, grace_s: float = 10.0) -> None:
    tree = descendants(pid)
    for each in tree:
        _signal(each, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(_alive(each) for each in tree):
        time.sleep(0.2)
    for each in tree:
        _signal(each, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_for(what: str, check: Callable[[], bool], timeout_s: float, every_s: float = 1.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(every_s)
