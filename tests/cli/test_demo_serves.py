"""`bidflow demo` (without --no-serve) runs the cycle, then serves the review page until Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx

from tests.cli.conftest import bidflow_command
from tests.connectors.servers import unused_port


def test_demo_serves_the_queue_until_interrupted() -> None:
    port = unused_port()
    command, environment = bidflow_command("demo", "--port", str(port))
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/queue", process)
        assert page.status_code == 200
        assert "Review queue" in page.text and 'data-status="queued"' in page.text
        sources = httpx.get(f"http://127.0.0.1:{port}/sources", timeout=10).text
        assert "sample-rss" in sources and "sample-alerts" in sources
        assert "cannot be read" not in sources  # the desk reads the demo agency's config
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert f"Review page: http://127.0.0.1:{port}/queue  (Ctrl-C to stop)" in stdout
    assert "Traceback" not in stderr


def _wait_for(url: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"demo exited early: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within 240 s")
