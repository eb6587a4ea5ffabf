"""Real receivers on 127.0.0.1 for alert tests: an SMTP server (aiosmtpd) keeping every mail,
and a webhook that answers with the statuses a test queues and keeps every JSON body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession

from tests.connectors.servers import LocalServer, Reply, Request, serve, unused_port


@dataclass
class Mailbox:
    """What the SMTP server received: each mail parsed, with its envelope recipients."""

    port: int
    mails: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def url(self, to: str) -> str:
        """The apprise URL that sends mail to ``to`` through this server, without TLS."""
        return f"mailto://127.0.0.1:{self.port}?from=alerts@agency.test&to={to}&mode=insecure"

    def html_of(self, index: int) -> str:
        part = self.mails[index][1].get_body(preferencelist=("html",))
        assert part is not None
        return str(part.get_content())


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A running SMTP server on a free port of 127.0.0.1, stopped on exit."""
    mailbox = Mailbox(port=unused_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Webhook:
    """A JSON webhook that answers each POST with the next queued status (then 200)."""

    server: LocalServer
    statuses: list[int]

    def url(self, path: str = "/alerts") -> str:
        return f"json://127.0.0.1:{self.server.port}{path}"

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """Every body received, accepted or not, in order."""
        return [json.loads(request.body) for request in self.server.requests]


@contextmanager
def webhook(statuses: list[int] | None = None) -> Iterator[Webhook]:
    queued = list(statuses or [])

    def answer(request: Request) -> Reply:
        return Reply(status=queued.pop(0) if queued else 200, body=b"{}")

    with serve(answer) as server:
        yield Webhook(server, queued)
