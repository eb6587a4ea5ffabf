"""Fixtures for the email feed: a real IMAP server on 127.0.0.1, its TLS certificate, and a
factory for sources pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from bidflow.config.feeds import EmailFeedConfig
from connectors.feeds.email_alerts import EmailAlertSource
from tests.connectors.email.certificates import ServerCertificate, make_certificate
from tests.connectors.email.imap_server import ImapServer, running

PASSWORD_ENV = "TEST_IMAP_PASSWORD"
SourceFactory = Callable[..., EmailAlertSource]


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> ServerCertificate:
    return make_certificate(Path(tmp_path_factory.mktemp("imap-tls")))


@pytest.fixture
def imap_server(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ImapServer]:
    """An IMAP server with an empty INBOX, its password in ``PASSWORD_ENV``. Plain TCP, unless
    parametrized indirectly with "ssl" or "starttls"."""
    tls: Literal["ssl", "starttls", "none"] = getattr(request, "param", "none")
    context = None if tls == "none" else request.getfixturevalue("certificate").server_context()
    server = ImapServer(tls=tls, context=context)
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    with running(server):
        yield server


@pytest.fixture
def make_source(imap_server: ImapServer) -> SourceFactory:
    """Builds the source from an ``email`` feed config aimed at ``imap_server``; keyword
    arguments override config fields, ``ssl_context`` is passed to ``from_config``."""

    def build(**overrides: Any) -> EmailAlertSource:
        context = overrides.pop("ssl_context", None)
        config = {
            "kind": "email",
            "name": "alerts",
            "host": "127.0.0.1",
            "port": imap_server.port,
            "tls": "none",
            "username": imap_server.username,
            "password_env": PASSWORD_ENV,
        }
        feed = EmailFeedConfig.model_validate(config | overrides)
        return EmailAlertSource.from_config(feed, ssl_context=context)

    return build
