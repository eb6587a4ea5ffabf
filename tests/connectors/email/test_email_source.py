"""EmailAlertSource against a real IMAP server on 127.0.0.1: what it reads, what it remembers
between polls, and that it never changes the mailbox."""

from __future__ import annotations

import imaplib
from collections.abc import Collection
from dataclasses import replace

import pytest

from connectors.feeds.base import FeedBatch
from connectors.feeds.email_alerts import EmailAlertSource
from tests.connectors.email.alert_mails import (
    DIGEST_JOBS,
    AlertJob,
    alert_mail,
    broken_mime_mail,
    newsletter_mail,
    other_site_mail,
)
from tests.connectors.email.certificates import ServerCertificate
from tests.connectors.email.conftest import SourceFactory
from tests.connectors.email.imap_server import ImapServer
from tests.factories import fetch_context

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


def numbered_job(number: int) -> AlertJob:
    """A digest job made distinct by ``number``, in its id and title."""
    return replace(
        DIGEST_JOBS[number % 5],
        ciphertext=f"~01{number:018x}",
        title=f"{DIGEST_JOBS[number % 5].title} (#{number})",
    )


def one_job_mail(number: int, subject: str = "New job matching your saved search") -> bytes:
    """An alert holding only ``numbered_job(number)``."""
    return alert_mail(
        [numbered_job(number)], subject=subject, message_id=f"<job-{number}@mail.upwork.com>"
    )


def poll(source: EmailAlertSource, previous: FeedBatch | None = None) -> FeedBatch:
    """One poll, resuming from the cursor the previous one returned."""
    cursor = previous.cursor if previous and previous.cursor is not None else {}
    return source.fetch(fetch_context(cursor=cursor))


@pytest.mark.parametrize("imap_server", ["none", "ssl", "starttls"], indirect=True)
def test_reads_a_digest_over_each_kind_of_connection(
    imap_server: ImapServer, make_source: SourceFactory, certificate: ServerCertificate
) -> None:
    imap_server.add(alert_mail())
    source = make_source(tls=imap_server.tls, ssl_context=certificate.client_context())

    batch = poll(source)

    assert batch.problems == []
    assert [job.external_id for job in batch.jobs] == [job.ciphertext for job in DIGEST_JOBS]
    assert {job.source for job in batch.jobs} == {"alerts"}
    assert batch.jobs[0].raw["mail"]["message_id"] == "<digest-1@mail.upwork.com>"
    assert batch.cursor == {"uidvalidity": 1000, "last_uid": 1}
    assert ("STARTTLS" in imap_server.verbs()) is (imap_server.tls == "starttls")


def test_each_poll_reads_only_mail_that_arrived_since(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    source = make_source()
    imap_server.add(one_job_mail(1))
    first = poll(source)
    imap_server.commands.clear()

    # Nothing new: "UID 2:*" still names UID 1 on a real server; it must not be read again.
    second = poll(source, first)
    assert (second.jobs, second.problems, second.cursor) == ([], [], first.cursor)
    assert "UID SEARCH UID 2:*" in imap_server.commands
    assert "UID FETCH" not in imap_server.verbs()

    imap_server.add(one_job_mail(2))
    imap_server.add(one_job_mail(3))
    third = poll(source, second)
    assert [job.external_id for job in first.jobs] == [numbered_job(1).ciphertext]
    assert [job.external_id for job in third.jobs] == [numbered_job(n).ciphertext for n in (2, 3)]
    assert third.cursor == {"uidvalidity": 1000, "last_uid": 3}


def test_a_renumbered_mailbox_is_read_again_from_the_start(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    source = make_source()
    for number in (1, 2):
        imap_server.add(one_job_mail(number))
    first = poll(source)
    imap_server.renumber()

    again = poll(source, first)

    assert len(again.jobs) == 2
    assert again.cursor == {"uidvalidity": 1001, "last_uid": 2}
    (problem,) = again.problems
    assert "alerts: mailbox 'INBOX' was renumbered (UIDVALIDITY 1000 -> 1001)" in problem


def test_mail_is_never_marked_read_moved_or_deleted(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    source = make_source(max_messages=2)
    for number in range(1, 6):
        imap_server.add(one_job_mail(number))
    batch: FeedBatch | None = None
    for _ in range(4):
        batch = poll(source, batch)

    assert set(imap_server.verbs()) <= READ_ONLY_VERBS
    fetches = [line for line in imap_server.commands if line.startswith("UID FETCH")]
    assert fetches and all(line.endswith("(BODY.PEEK[])") for line in fetches)
    assert all(mail.flags == set() for mail in imap_server.mailboxes["INBOX"].mails)


def test_the_server_marks_mail_read_when_a_client_is_careless(imap_server: ImapServer) -> None:
    """The check above can fail: a read-write SELECT and a plain BODY[] fetch mark mail read."""
    imap_server.add(one_job_mail(1))
    client = imaplib.IMAP4("127.0.0.1", imap_server.port)
    client.login(imap_server.username, imap_server.password)
    client.select("INBOX")
    client.uid("FETCH", "1", "(BODY[])")
    client.logout()

    assert imap_server.mailboxes["INBOX"].mails[0].flags == {"\\Seen"}
    assert not set(imap_server.verbs()) <= READ_ONLY_VERBS


def test_known_jobs_are_counted_not_read_and_repeats_are_read_once(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    imap_server.add(alert_mail())
    imap_server.add(one_job_mail(7))
    imap_server.add(alert_mail(DIGEST_JOBS[3:], message_id="<digest-2@mail.upwork.com>"))
    asked: list[set[str]] = []

    def known(ids: Collection[str]) -> set[str]:
        asked.append(set(ids))
        return {DIGEST_JOBS[0].ciphertext}

    batch = make_source().fetch(fetch_context(known=known))

    expected = [job.ciphertext for job in DIGEST_JOBS[1:]] + [numbered_job(7).ciphertext]
    assert [job.external_id for job in batch.jobs] == expected
    assert batch.already_known == 1
    assert len(asked) == 1 and len(asked[0]) == 6  # one question for the whole poll


def test_sender_and_subject_filters_are_searched_on_the_server(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    imap_server.add(other_site_mail())
    imap_server.add(alert_mail([DIGEST_JOBS[0]]))
    imap_server.add(one_job_mail(8, subject="Job offer from Acme"))

    batch = poll(make_source(from_contains="UPWORK.com", subject_contains="saved search"))

    assert [job.external_id for job in batch.jobs] == [DIGEST_JOBS[0].ciphertext]
    assert 'UID SEARCH UID 1:* FROM "UPWORK.com" SUBJECT "saved search"' in imap_server.commands
    assert batch.cursor == {"uidvalidity": 1000, "last_uid": 2}


def test_a_non_ascii_filter_is_applied_to_the_decoded_headers(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    imap_server.add(one_job_mail(1, subject="Nouvelles missions: développeur Python"))
    imap_server.add(one_job_mail(2, subject="Nouvelles missions: designer"))

    batch = poll(make_source(subject_contains="DÉVELOPPEUR"))

    assert [job.external_id for job in batch.jobs] == [numbered_job(1).ciphertext]
    assert "UID SEARCH UID 1:*" in imap_server.commands
    assert batch.cursor == {"uidvalidity": 1000, "last_uid": 2}


def test_max_messages_reads_the_oldest_first_and_the_rest_next_poll(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    for number in range(1, 6):
        imap_server.add(one_job_mail(number))
    source = make_source(max_messages=2)
    read: list[list[str]] = []
    cursors: list[object] = []
    batch: FeedBatch | None = None
    for _ in range(4):
        batch = poll(source, batch)
        read.append([job.external_id for job in batch.jobs])
        cursors.append(batch.cursor and batch.cursor["last_uid"])

    ids = [numbered_job(n).ciphertext for n in range(1, 6)]
    assert read == [ids[0:2], ids[2:4], ids[4:5], []]
    assert cursors == [2, 4, 5, 5]


def test_mail_without_jobs_is_a_problem_line_and_the_rest_is_read(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    imap_server.add(alert_mail([DIGEST_JOBS[0]]))
    imap_server.add(newsletter_mail())
    imap_server.add(broken_mime_mail())
    imap_server.add(other_site_mail())

    batch = poll(make_source())

    assert [job.external_id for job in batch.jobs] == [
        DIGEST_JOBS[0].ciphertext,
        "<p-123@alerts.freelancer.example>#1",
    ]
    assert batch.problems == [
        "alerts: mail UID 2 'Five ways to win more clients this month': no job links or job"
        " details in it; skipped",
        "alerts: mail UID 3 'New jobs matching your saved search': no text or HTML body"
        " (malformed MIME: MultipartInvariantViolationDefect, StartBoundaryNotFoundDefect);"
        " skipped",
    ]
    assert batch.cursor == {"uidvalidity": 1000, "last_uid": 4}


def test_uid_sent_after_the_message_is_understood(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    imap_server.uid_after_body = True
    for number in (1, 2):
        imap_server.add(one_job_mail(number))

    batch = poll(make_source())

    assert [job.external_id for job in batch.jobs] == [numbered_job(n).ciphertext for n in (1, 2)]


def test_a_mailbox_named_in_any_language(
    imap_server: ImapServer, make_source: SourceFactory
) -> None:
    imap_server.add(one_job_mail(1), mailbox="Offres d'emploi/Équipe & co")

    batch = poll(make_source(mailbox="Offres d'emploi/Équipe & co"))

    assert [job.external_id for job in batch.jobs] == [numbered_job(1).ciphertext]
    assert 'EXAMINE "Offres d\'emploi/&AMk-quipe &- co"' in imap_server.commands
