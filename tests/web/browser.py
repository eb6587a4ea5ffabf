"""Browser-test helpers: serve an app on 127.0.0.1 from a thread; Chromium is launched with the
product's own launcher (``connectors.chromium``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Page

from bidflow.config import Role
from tests.web.desk import EMAILS, PASSWORD


@contextmanager
def serve(app: FastAPI, *, startup_timeout_s: float = 15.0) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free port of 127.0.0.1 while the block runs; its base URL.

    The socket is bound here and handed to uvicorn, so no other process can take the port
    between choosing it and listening on it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, thread, startup_timeout_s)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_until_healthy(base_url: str, thread: threading.Thread, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError(f"the test server at {base_url} stopped while starting")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"the test server at {base_url} did not answer /healthz in {timeout_s}s")


def sign_in(tab: Page, base_url: str, role: Role = Role.SALES_LEAD) -> None:
    """Sign in through the sign-in page, as a person does (users from ``desk.add_users``)."""
    tab.goto(f"{base_url}/login")
    tab.get_by_label("Email").fill(EMAILS[role])
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(lambda url: "/login" not in url)
