"""When the mailbox cannot be read: one FeedError line naming the feed, the server and what to
check; a connection lost halfway keeps what was read."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bidflow.errors import FeedError
from tests.connectors.email.alert_mails import alert_mail
from tests.connectors.email.certificates import ServerCertificate
from tests.connectors.email.conftest import PASSWORD_ENV, SourceFactory
from tests.connectors.email.imap_server import ImapServer
from tests.connectors.email.test_email_source import numbered_job, one_job_mail, poll
from tests.connectors.servers import unused_port
from tests.factories import fetch_context


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield listener.getsockname()[1]


def failure(source_factory: SourceFactory, **overrides: object) -> str:
    with pytest.raises(FeedError) as caught:
        source_factory(**overrides).fetch(fetch_context())
    message = str(caught.value)
    assert "\n" not in message and message.startswith("alerts: ")
    return message


def test_missing_password_names_the_variable(
    make_source: SourceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    assert failure(make_source) == f"alerts: set {PASSWORD_ENV} to the mailbox password"


def test_wrong_password_names_server_user_and_variable(
    imap_server: ImapServer, make_source: SourceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    message = failure(make_source)
    assert f"127.0.0.1:{imap_server.port} refused the login of {imap_server.username}" in message
    assert "AUTHENTICATIONFAILED" in message and f"check username and {PASSWORD_ENV}" in message


def test_server_down(make_source: SourceFactory) -> None:
    port = unused_port()
    message = failure(make_source, port=port)
    assert f"127.0.0.1:{port} refused the connection; check host, port and tls" in message


def test_server_that_never_answers(make_source: SourceFactory, silent_port: int) -> None:
    source = replace(make_source(port=silent_port), timeout_s=0.3)
    with pytest.raises(FeedError, match=f"127.0.0.1:{silent_port} did not answer within 0.3 s"):
        source.fetch(fetch_context())


def test_unknown_host(make_source: SourceFactory) -> None:
    assert "cannot find host no-such-host.invalid" in failure(
        make_source, host="no-such-host.invalid"
    )


@pytest.mark.parametrize("imap_server", ["ssl"], indirect=True)
def test_certificate_the_system_does_not_trust(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    message = failure(make_source, tls="ssl")
    assert f"TLS with 127.0.0.1:{imap_server.port} failed" in message
    assert "CERTIFICATE_VERIFY_FAILED" in message


def test_tls_against_a_plain_server(
    imap_server: ImapServer, make_source: SourceFactory, certificate: ServerCertificate
) -> None:
    message = failure(make_source, tls="ssl", ssl_context=certificate.client_context())
    assert f"127.0.0.1:{imap_server.port}" in message and "check host, port and tls" in message


def test_starttls_the_server_does_not_offer(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    message = failure(make_source, tls="starttls")
    assert f"cannot talk IMAP with 127.0.0.1:{imap_server.port}" in message
    assert "TLS not supported" in message


def test_missing_mailbox(imap_server: ImapServer, make_source: SourceFactory) -> None:
    message = failure(make_source, mailbox="Job alerts")
    assert f"127.0.0.1:{imap_server.port} cannot open mailbox 'Job alerts'" in message
    assert "check mailbox" in message
    assert imap_server.verbs()[-1] == "LOGOUT"


def test_connection_lost_halfway_keeps_what_was_read(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    for number in (1, 2, 3):
        imap_server.add(one_job_mail(number))
    source = replace(make_source(), fetch_chunk=1)
    imap_server.drop_on_fetch_of = 2

    first = poll(source)

    assert [job.external_id for job in first.jobs] == [numbered_job(1).ciphertext]
    assert first.cursor == {"uidvalidity": 1000, "last_uid": 1}
    (problem,) = first.problems
    assert f"connection to 127.0.0.1:{imap_server.port} was lost after 1 of 3 new mails" in problem

    imap_server.drop_on_fetch_of = None
    second = poll(source, first)
    assert [job.external_id for job in second.jobs] == [numbered_job(n).ciphertext for n in (2, 3)]


def test_connection_lost_before_any_mail_is_an_error(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    imap_server.add(alert_mail())
    imap_server.drop_on_fetch_of = 1
    message = failure(make_source)
    assert f"the connection to 127.0.0.1:{imap_server.port} failed" in message
    assert "the next poll tries again" in message
