"""A local HTTPS proxy standing in for the chat services on the internet.

Apprise's Slack, Teams (Workflows), Discord and Telegram plugins talk HTTPS to fixed real
hostnames. With HTTPS_PROXY pointing here, their ``CONNECT`` reaches this proxy, which
terminates TLS with a certificate for those hostnames signed by the test CA (clients trust it
through REQUESTS_CA_BUNDLE) and answers like each service does. Any other host, and any
request that is not a tunnel, is refused: nothing reaches the internet.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.connectors.notify.service_certificates import ca_and_service_certificate

SLACK = "hooks.slack.com"
DISCORD = "discord.com"
TELEGRAM = "api.telegram.org"
TEAMS = "prod-00.westus.logic.azure.com"  # a Power Automate workflow's trigger host


@dataclass(frozen=True)
class Received:
    """One request a fake service received through the tunnel."""

    host: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"


def _slack(request: Received) -> Answer:
    # An incoming webhook answers a bare "ok" (text, not JSON).
    return Answer(200, b"ok", "text/html")


def _discord(request: Received) -> Answer:
    return Answer(204)


def _teams(request: Received) -> Answer:
    return Answer(202)  # a workflow trigger accepts the card and runs later


def _telegram(request: Received) -> Answer:
    method = request.path.rsplit("/", 1)[-1]
    if method == "getMe":
        bot = {"id": 123456789, "is_bot": True, "first_name": "bidflow", "username": "bf_bot"}
        return _telegram_ok(bot)
    if method == "getUpdates":
        return _telegram_ok([])
    if method == "sendMessage":
        sent = request.json()
        chat = {"id": sent["chat_id"], "type": "supergroup", "title": "Sales"}
        return _telegram_ok({"message_id": 1, "date": 0, "chat": chat, "text": sent["text"]})
    error = {"ok": False, "error_code": 404, "description": "Not Found"}
    return Answer(404, json.dumps(error).encode())


def _telegram_ok(result: object) -> Answer:
    return Answer(200, json.dumps({"ok": True, "result": result}).encode())


FAKES: dict[str, Callable[[Received], Answer]] = {
    SLACK: _slack,
    DISCORD: _discord,
    TELEGRAM: _telegram,
    TEAMS: _teams,
}


@dataclass
class ChatProxy:
    """The running proxy: its address, the CA bundle clients must trust, and what it saw."""

    port: int
    ca_bundle: Path
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # Answers a service gives before its usual one, in order (an outage, a rate limit).
    trouble: dict[str, list[Answer]] = field(default_factory=dict)

    def answer(self, request: Received) -> Answer:
        queued = self.trouble.get(request.host)
        return queued.pop(0) if queued else FAKES[request.host](request)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to(self, host: str) -> list[Received]:
        """What the fake service at ``host`` received, in order."""
        return [request for request in self.received if request.host == host]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, proxy: ChatProxy, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.proxy = proxy
        self.tls = tls
        self.lock = threading.Lock()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _Server

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        if host not in FAKES or port != "443":
            self._refuse()
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True  # the connection now belongs to the tunnel
        try:
            tunnel = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client did not trust the certificate: its request fails, as it should
        _ServiceHandler(tunnel, self.client_address, self.server, host=host)

    def _refuse(self) -> None:
        with self.server.lock:
            self.server.proxy.refused.append(f"{self.command} {self.path}")
        self.send_error(403, "this test proxy only fakes the chat services")
        self.close_connection = True

    # Plain-HTTP proxying (GET http://host/...) would reach a real host: refused too.
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _refuse

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests assert on ``received`` and ``refused``."""


class _ServiceHandler(BaseHTTPRequestHandler):
    """Speaks HTTP inside one TLS tunnel, as the service at ``host``."""

    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _Server

    def __init__(
        self, request: socket.socket, client_address: Any, server: _Server, *, host: str
    ) -> None:
        self.host = host  # set first: the base class handles the requests in __init__
        super().__init__(request, client_address, server)

    def handle(self) -> None:
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, TimeoutError):
            pass  # the client hung up mid-tunnel

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        request = Received(
            host=self.host,
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        with self.server.lock:
            self.server.proxy.received.append(request)
            answer = self.server.proxy.answer(request)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests assert on ``received``."""


@contextmanager
def chat_proxy(directory: Path) -> Iterator[ChatProxy]:
    """A running proxy on a free port of 127.0.0.1 with its certificates in ``directory``."""
    ca, service = ca_and_service_certificate(directory, list(FAKES))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(service.certificate, service.key)
    proxy = ChatProxy(port=0, ca_bundle=ca.certificate)
    server = _Server(proxy, tls)
    proxy.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
