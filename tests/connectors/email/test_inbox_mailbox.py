"""The notification inbox source's dealings with the mailbox, over a real IMAP server: what it
remembers between polls, a renumbered mailbox, never changing mail, and the errors a person
can act on."""

from __future__ import annotations

import pytest

from bidflow.config import AgencyConfig
from bidflow.errors import FeedError
from connectors.inbox.email import EmailInboxSource
from connectors.inbox.registry import inbox_source as registered_source
from tests.connectors.email.certificates import ServerCertificate
from tests.connectors.email.conftest import PASSWORD_ENV
from tests.connectors.email.imap_server import ImapServer
from tests.connectors.email.inbox_helpers import READ_ONLY_VERBS, SOURCE, inbox_source, poll
from tests.connectors.email.notification_mails import (
    HIRED,
    OFFER,
    REPLY,
    VIEWED,
    message_id,
    notification_mail,
)
from tests.connectors.servers import unused_port
from tests.factories import agency_dict


def test_each_poll_reads_only_mail_that_arrived_since(imap_server: ImapServer) -> None:
    source = inbox_source(imap_server)
    imap_server.add(notification_mail(REPLY))
    first = poll(source)
    imap_server.commands.clear()

    second = poll(source, first)
    assert (second.items, second.problems, second.cursor) == ([], [], first.cursor)
    assert "UID FETCH" not in imap_server.verbs()  # "UID 2:*" names UID 1; it is not read

    imap_server.add(notification_mail(VIEWED))
    third = poll(source, second)
    assert [item.external_id for item in first.items] == [message_id(REPLY)]
    assert [item.external_id for item in third.items] == [message_id(VIEWED)]
    assert third.cursor == {"uidvalidity": 1000, "last_uid": 2}


def test_a_renumbered_mailbox_is_read_again_under_the_same_ids(imap_server: ImapServer) -> None:
    source = inbox_source(imap_server)
    for note in (REPLY, VIEWED):
        imap_server.add(notification_mail(note))
    first = poll(source)
    imap_server.renumber()

    again = poll(source, first)

    # The ids are the mails' Message-IDs, so storing them again adds nothing.
    assert [item.external_id for item in again.items] == [item.external_id for item in first.items]
    assert again.cursor == {"uidvalidity": 1001, "last_uid": 2}
    (problem,) = again.problems
    assert f"{SOURCE}: mailbox 'INBOX' was renumbered (UIDVALIDITY 1000 -> 1001)" in problem


def test_mail_is_never_marked_read_moved_or_deleted(imap_server: ImapServer) -> None:
    source = inbox_source(imap_server, max_messages=2)
    for note in (REPLY, VIEWED, OFFER, HIRED):
        imap_server.add(notification_mail(note))
    batch = None
    for _ in range(3):
        batch = poll(source, batch)

    assert set(imap_server.verbs()) <= READ_ONLY_VERBS
    assert "EXAMINE" in imap_server.verbs() and "SELECT" not in imap_server.verbs()
    fetches = [line for line in imap_server.commands if line.startswith("UID FETCH")]
    assert len(fetches) == 2 and all(line.endswith("(BODY.PEEK[])") for line in fetches)
    assert all(mail.flags == set() for mail in imap_server.mailboxes["INBOX"].mails)


def test_sender_and_subject_filters_are_searched_on_the_server(imap_server: ImapServer) -> None:
    imap_server.add(notification_mail(REPLY))
    imap_server.add(notification_mail(VIEWED))

    batch = poll(inbox_source(imap_server, from_contains="donotreply@upwork.com"))

    assert [item.kind for item in batch.items] == ["viewed"]
    assert 'UID SEARCH UID 1:* FROM "donotreply@upwork.com"' in imap_server.commands


@pytest.mark.parametrize("imap_server", ["ssl", "starttls"], indirect=True)
def test_reads_over_tls(imap_server: ImapServer, certificate: ServerCertificate) -> None:
    imap_server.add(notification_mail(REPLY))
    source = inbox_source(
        imap_server, tls=imap_server.tls, ssl_context=certificate.client_context()
    )

    assert [item.kind for item in poll(source).items] == ["reply"]


def test_a_refused_login_says_what_to_check(
    imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")

    with pytest.raises(FeedError) as refused:
        poll(inbox_source(imap_server))

    message = str(refused.value)
    assert message.startswith(f"{SOURCE}: 127.0.0.1:{imap_server.port} refused the login of")
    assert f"check username and {PASSWORD_ENV}" in message


def test_an_unreachable_server_says_what_to_check(imap_server: ImapServer) -> None:
    port = unused_port()

    with pytest.raises(FeedError, match=f"^{SOURCE}: 127.0.0.1:{port} refused the connection;"):
        poll(inbox_source(imap_server, port=port))


def test_the_registry_builds_the_source_of_an_email_inbox_entry(imap_server: ImapServer) -> None:
    entry = {
        "kind": "email",
        "name": SOURCE,
        "host": "127.0.0.1",
        "port": imap_server.port,
        "tls": "none",
        "username": imap_server.username,
        "password_env": PASSWORD_ENV,
        "from_contains": "upwork.com",
        "max_messages": 50,
    }
    config = AgencyConfig.model_validate(agency_dict(inbox=[entry]))

    source = registered_source(config.inbox[0], config)

    assert isinstance(source, EmailInboxSource)
    assert (source.name, source.port, source.from_contains) == (
        SOURCE,
        imap_server.port,
        "upwork.com",
    )
    assert source.max_messages == 50 and source.tls == "none"
