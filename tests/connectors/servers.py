"""Real HTTP servers on 127.0.0.1 for connector tests: a feed server that returns whatever status
and bytes a test sets per path, and the plumbing other fake services (``fake_openai``) reuse."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """What the server sends back: status, headers and body, optionally after a delay."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


Handler = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Idle keep-alive connections must not make shutdown wait for their threads.
    block_on_close = False


class LocalServer:
    """An HTTP/1.1 server on a free port of 127.0.0.1, answering every request with ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0
        self._httpd = _Server(("127.0.0.1", 0), self._request_handler_class())
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            reply = self.handler(request)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            return reply
        finally:
            with self._lock:
                self._in_flight -= 1

    def _request_handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # seconds an idle connection is kept

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = server._answer(request)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting; that is the test

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the tests assert on ``requests`` instead."""

        return RequestHandler


@contextmanager
def serve(handler: Handler) -> Iterator[LocalServer]:
    """A running ``LocalServer``, stopped on exit."""
    server = LocalServer(handler)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class FeedServer:
    """Serves per-path replies set by the test; unknown paths get 404."""

    def __init__(self, server: LocalServer, routes: dict[str, Reply]) -> None:
        self._server = server
        self._routes = routes

    def route(
        self,
        path: str,
        body: bytes = b"",
        *,
        status: int = 200,
        content_type: str = "application/rss+xml; charset=utf-8",
    ) -> str:
        """Serve ``body`` with ``status`` at ``path``; returns the full URL."""
        self._routes[path] = Reply(status=status, body=body, headers={"Content-Type": content_type})
        return self._server.url(path)

    @property
    def requests(self) -> list[Request]:
        return self._server.requests


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 whose replies the test sets with ``route``."""
    routes: dict[str, Reply] = {}

    def answer(request: Request) -> Reply:
        return routes.get(request.path.split("?")[0], Reply(status=404, body=b"not found"))

    with serve(answer) as server:
        yield FeedServer(server, routes)


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
