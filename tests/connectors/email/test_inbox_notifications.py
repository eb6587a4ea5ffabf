"""Upwork notification emails read by the inbox source from a real IMAP server: each kind
becomes one item with the client's words only, the client, the job's title and its link as
the feeds store it; other mail is skipped and counted; a broken notification is a problem
line while the rest of the poll is read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.connectors.email.alert_mails import alert_mail, newsletter_mail, other_site_mail
from tests.connectors.email.imap_server import ImapServer
from tests.connectors.email.inbox_helpers import SOURCE, inbox_source, poll
from tests.connectors.email.notification_mails import (
    CLIENT,
    EVERY_KIND,
    HOSTILE,
    JOB_URL,
    REPLIED_BY_EMAIL,
    REPLY,
    TITLE,
    VIEWED,
    VIEWED_WITHOUT_JOB,
    Notification,
    broken_notification,
    message_id,
    mislabelled_notification,
    notification_mail,
)


@pytest.mark.parametrize("note", EVERY_KIND, ids=lambda note: note.kind)
@pytest.mark.parametrize("parts", [("text", "html"), ("text",)], ids=["html", "text-only"])
def test_each_kind_is_read_into_one_item(
    imap_server: ImapServer, note: Notification, parts: tuple[str, ...]
) -> None:
    imap_server.add(notification_mail(note, parts=parts))

    batch = poll(inbox_source(imap_server))

    assert (batch.problems, batch.skipped) == ([], 0)
    (item,) = batch.items
    assert (item.kind, item.external_id) == (note.kind, message_id(note))
    assert (item.sender, item.client, item.title) == (CLIENT, CLIENT, TITLE)
    assert (item.job_url, item.job_id) == (JOB_URL, JOB_URL.rsplit("/", 1)[1])
    assert item.body == note.body
    assert item.received_at.tzinfo is UTC and item.proposal_id is None


def test_a_message_body_is_the_clients_words_only(imap_server: ImapServer) -> None:
    imap_server.add(notification_mail(REPLY))
    imap_server.add(notification_mail(REPLIED_BY_EMAIL))

    first, second = poll(inbox_source(imap_server)).items

    assert first.body == (
        "Thanks for the detailed proposal - the phased plan is exactly what we need.\n\n"
        "Could you start on Monday? We'd want the booking endpoints first & the admin later."
    )
    assert second.body == "Yes, Monday works. Please send the milestones."
    boilerplate = ("Hi Northwind", "10:42", "View message", "reply to this email", "Earlier")
    history = ("Hello Maya", "wrote:", "notification", "Upwork")
    assert [text for text in boilerplate + history if text in first.body + second.body] == []


def test_a_status_notice_keeps_its_headline_unless_the_client_added_a_note(
    imap_server: ImapServer,
) -> None:
    note = Notification(
        "declined",
        "Your proposal was declined",
        f"{CLIENT} declined your proposal for {{job}}.",
        "Find more jobs",
        details=("Tip: proposals sent within an hour of posting are read more often.",),
    )
    imap_server.add(notification_mail(note))

    (item,) = poll(inbox_source(imap_server)).items

    assert item.body == f"{CLIENT} declined your proposal for {TITLE}."


def test_a_hostile_message_stays_plain_text(imap_server: ImapServer) -> None:
    imap_server.add(notification_mail(HOSTILE))
    imap_server.add(notification_mail(HOSTILE, parts=("text",)))

    from_html, from_text = poll(inbox_source(imap_server)).items

    typed = "Can we talk? <script>alert('owned')</script> Budget is 5k &amp; up, \"fixed\"."
    assert from_html.body == from_text.body == typed  # as typed: decoded once, never run
    assert "evil.example" not in from_html.body  # a script element of the mail is no text


def test_mail_that_is_no_notification_is_skipped_and_counted(imap_server: ImapServer) -> None:
    imap_server.add(alert_mail())
    imap_server.add(notification_mail(VIEWED))
    imap_server.add(newsletter_mail())
    imap_server.add(other_site_mail())
    forwarded = replace(REPLY, subject=f"Fwd: {REPLY.subject}", sender="Ana <ana@agency.test>")
    imap_server.add(notification_mail(forwarded))

    batch = poll(inbox_source(imap_server))

    assert [item.kind for item in batch.items] == ["viewed", "reply"]
    assert batch.items[1].client == CLIENT  # the forwarder is not the client
    assert (batch.skipped, batch.problems) == (3, [])
    assert batch.cursor == {"uidvalidity": 1000, "last_uid": 5}


def test_a_broken_notification_is_a_problem_and_the_rest_is_read(imap_server: ImapServer) -> None:
    imap_server.add(broken_notification())
    imap_server.add(notification_mail(VIEWED_WITHOUT_JOB))
    imap_server.add(notification_mail(REPLY))
    empty = replace(REPLY, words=(), message_id="<empty@mail.upwork.com>")
    imap_server.add(notification_mail(empty))

    batch = poll(inbox_source(imap_server))

    assert [item.external_id for item in batch.items] == [message_id(REPLY)]
    assert batch.problems == [
        f"{SOURCE}: mail UID 1 'New message from {CLIENT}': no text or HTML body (malformed"
        " MIME: MultipartInvariantViolationDefect, StartBoundaryNotFoundDefect); skipped",
        f"{SOURCE}: mail UID 2 'Your proposal was viewed': no job title or job link in it; skipped",
        f"{SOURCE}: mail UID 4 'New message from {CLIENT}': no message text in it; skipped",
    ]
    assert batch.cursor == {"uidvalidity": 1000, "last_uid": 4}


def test_garbled_mail_never_stops_the_poll(imap_server: ImapServer) -> None:
    imap_server.add(b"\xff\xfe\x00garbage without headers\r\n\r\n\x00\x01")
    imap_server.add(b"Subject: =?x-unknown?q?New_message_from_=FF?=\r\nFrom: \r\n\r\n<<>>")
    imap_server.add(mislabelled_notification())

    batch = poll(inbox_source(imap_server))

    (item,) = batch.items
    assert item.client == "J\u00fcrgen M\u00fcller"
    assert item.body == "Danke! K\u00f6nnen wir Montag starten? Gr\u00fc\u00dfe, J\u00fcrgen"
    assert batch.skipped + len(batch.problems) == 2


def test_received_at_is_the_date_header_in_utc(imap_server: ImapServer) -> None:
    imap_server.add(notification_mail(REPLY, date="Fri, 20 Nov 2026 16:45:10 +0200"))
    imap_server.add(notification_mail(VIEWED, date="not a date"))

    before = datetime.now(UTC)
    dated, undated = poll(inbox_source(imap_server)).items

    assert dated.received_at == datetime(2026, 11, 20, 14, 45, 10, tzinfo=UTC)
    assert undated.received_at >= before and undated.received_at.tzinfo is not None


def test_mail_without_a_message_id_is_named_by_uidvalidity_and_uid(
    imap_server: ImapServer,
) -> None:
    imap_server.add(notification_mail(VIEWED))
    imap_server.add(notification_mail(REPLY, with_message_id=False))

    batch = poll(inbox_source(imap_server))

    assert [item.external_id for item in batch.items] == [message_id(VIEWED), "1000:2"]
