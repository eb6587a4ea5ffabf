"""`bidflow demo` (without --no-serve) runs the cycle, then serves the review page until Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import httpx

from tests.cli.conftest import bidflow_command
from tests.connectors.servers import unused_port
from web.csrf import CSRF_COOKIE as CSRF


def test_demo_serves_the_queue_until_interrupted() -> None:
    port = unused_port()
    command, environment = bidflow_command("demo", "--port", str(port))
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    printed: list[str] = []
    try:
        email, password = _sign_in_line(process, printed)
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/healthz", process)
        with httpx.Client(base_url=base, timeout=10) as browser:
            browser.get("/login")
            form = {"email": email, "password": password, "csrf_token": browser.cookies[CSRF]}
            assert browser.post("/login", data=form).status_code == 303
            page = browser.get("/queue")
            assert page.status_code == 200
            assert "Review queue" in page.text and 'data-status="queued"' in page.text
            sources = browser.get("/sources").text
        assert "sample-rss" in sources and "sample-alerts" in sources
        assert "cannot be read" not in sources  # the desk reads the demo agency's config
    finally:
        process.send_signal(signal.SIGINT)
        _stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    # Lines after the sign-in line may sit in the pipe reader's buffer, which communicate()
    # does not see: the review-page line is printed before it.
    assert f"Review page: http://127.0.0.1:{port}/queue  (Ctrl-C to stop)" in "".join(printed)
    assert "Traceback" not in stderr


def _sign_in_line(process: subprocess.Popen[str], printed: list[str]) -> tuple[str, str]:
    """The first demo user's email and the password the demo printed for its desk users."""
    assert process.stdout is not None
    for line in process.stdout:
        printed.append(line)
        found = re.match(r"Sign in as any of ([^,\s]+).* with password (\S+)", line)
        if found:
            return found.group(1), found.group(2)
    raise AssertionError(f"demo printed no sign-in line: {''.join(printed)}")


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
