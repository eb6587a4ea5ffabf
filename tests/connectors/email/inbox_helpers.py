"""Building the notification inbox source against the test IMAP server, and polling it."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from bidflow.config.inbox import EmailInboxConfig
from bidflow.types import utcnow
from connectors.inbox.base import InboxBatch, InboxContext
from connectors.inbox.email import EmailInboxSource
from tests.connectors.email.conftest import PASSWORD_ENV
from tests.connectors.email.imap_server import ImapServer

SOURCE = "upwork-mail"
NO_HOME = Path("/nonexistent-bidflow-home")  # the email source keeps no files
# What reading mail takes; anything else (STORE, EXPUNGE, COPY, MOVE, CLOSE, SELECT) could
# change the mailbox or mark mail read.
READ_ONLY_VERBS = {
    "CAPABILITY",
    "STARTTLS",
    "LOGIN",
    "EXAMINE",
    "UID SEARCH",
    "UID FETCH",
    "LOGOUT",
}


def inbox_source(
    server: ImapServer, *, ssl_context: ssl.SSLContext | None = None, **overrides: Any
) -> EmailInboxSource:
    """The source an ``inbox`` entry of kind ``email`` aimed at ``server`` makes; keyword
    arguments override the entry's fields."""
    entry = {
        "kind": "email",
        "name": SOURCE,
        "host": "127.0.0.1",
        "port": server.port,
        "tls": "none",
        "username": server.username,
        "password_env": PASSWORD_ENV,
    }
    config = EmailInboxConfig.model_validate(entry | overrides)
    return EmailInboxSource.from_config(config, ssl_context=ssl_context)


def poll(source: EmailInboxSource, previous: InboxBatch | None = None) -> InboxBatch:
    """One poll, resuming from the cursor the previous one returned."""
    cursor = previous.cursor if previous and previous.cursor is not None else {}
    return source.fetch(InboxContext(now=utcnow(), home=NO_HOME, cursor=cursor))
