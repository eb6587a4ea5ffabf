"""A marketplace notification email as an inbox item.

Upwork notifies by email of a client's message ("New message from Jane Smith"), a proposal
viewed, an invitation to interview, an offer, a hire, a declined proposal and a closed job.
Each mail is a multipart HTML + plain-text message: a greeting, a headline sentence naming the
client and linking the job, for messages the client's words under a byline (name and time),
then buttons ("View message"), sometimes earlier messages of the conversation, and a footer.

The kind comes from the subject (``notification_kinds``); the client and title from the
subject, else the job link's text, else the headline; the body is the client's words only
(``notification_body``). A status notice without a note from the client keeps its headline
as its body, because a stored message has no title of its own and a person linking it to its
proposal needs to know which job it is about.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from connectors.feeds.alert_mail import AlertMail
from connectors.feeds.alert_parsing import unwrap_link
from connectors.feeds.upwork_nodes import JOB_URL
from connectors.inbox.base import MAX_BODY_CHARS, InboxItem
from connectors.inbox.notification_body import (
    HEADLINE_WITHIN,
    URL,
    Body,
    Link,
    client_words,
    mail_bodies,
)
from connectors.inbox.notification_kinds import Notice, clean_name, read_notice

_UPWORK_HOST = re.compile(r"(?:^|\.)upwork\.com$", re.IGNORECASE)
_CIPHERTEXT = re.compile(r"~0[0-9a-f]{17,}", re.IGNORECASE)  # as in bidflow.fingerprint
_LABELLED_TITLE = re.compile(r"(?:job|job title|job post|project)\s*:\s*(.+)", re.IGNORECASE)
_BUTTON_TEXT = re.compile(r"(?:view|see|open|read)(?: the)? job(?: post(?:ing)?)?", re.I)
_NOBODY = {"a client", "the client", "client", "your client", "someone", "a user", "upwork"}
_NO_REPLY = re.compile(r"^(?:do-?not-?reply|no-?reply)@", re.IGNORECASE)


class UnreadableNotification(ValueError):
    """A mail that is a notification but lacks what an item needs; the message says what."""


def notification_item(mail: AlertMail, *, fallback_id: str, now: datetime) -> InboxItem | None:
    """The inbox item a notification email reports; None when the mail is not one (a job
    alert, a newsletter, anyone else's mail). Raises UnreadableNotification when it is one
    but lacks the client's words (a message) or any way to tell the job (a status)."""
    notice = read_notice(mail.subject)
    if notice is None:
        return None
    bodies = mail_bodies(mail)
    if not _from_marketplace(mail, bodies):
        return None
    if not bodies:
        raise UnreadableNotification(f"no text or HTML body{mail.broken_mime}")
    headline = _headline(bodies, notice.kind)
    said = headline[1] if headline else notice
    links = [link for body in bodies for link in body.links]
    job_url = next((url for link in links if (url := job_link(link.href))), None)
    title = notice.title or _linked_title(links) or said.title or _labelled_title(bodies)
    client = _client_name(notice.client) or _client_name(said.client) or _client_sender(mail)
    # A status notice's text is Upwork's unless a byline or "Message from …" introduces a note.
    needs_byline = notice.kind != "reply"
    words = client_words(bodies, client=client, title=title, needs_byline=needs_byline)
    if notice.kind == "reply" and not words:
        raise UnreadableNotification("no message text in it")
    if notice.kind != "reply" and not (title or job_url):
        raise UnreadableNotification("no job title or job link in it")
    summary = headline[0] if headline else " ".join(mail.subject.split())
    return InboxItem(
        external_id=(mail.message_id or fallback_id)[:255],
        kind=notice.kind,
        body=(words or summary)[:MAX_BODY_CHARS],
        sender=client,
        received_at=mail.sent_at or now,
        job_url=job_url,
        job_id=job_url.removeprefix(JOB_URL) if job_url else None,
        client=client,
        title=title,
    )


def job_link(href: str) -> str | None:
    """An Upwork job link (direct, an apply page, or behind a tracking redirect) the way the
    feeds store ``Job.url`` (``https://www.upwork.com/jobs/~01…``); None for any other link
    (a message room, a freelancer profile, which also carries a ``~01…`` key)."""
    url = unwrap_link(href.strip())
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not _UPWORK_HOST.search(parts.hostname or "") or "job" not in parts.path.lower():
        return None
    match = _CIPHERTEXT.search(parts.path)
    return f"{JOB_URL}{match[0].lower()}" if match else None


def _from_marketplace(mail: AlertMail, bodies: list[Body]) -> bool:
    """Sent by Upwork, or forwarded from it (a forward still links to upwork.com)."""
    if _UPWORK_HOST.search(parseaddr(mail.sender)[1].rpartition("@")[2]):
        return True
    return any(_UPWORK_HOST.search(_host(link.href)) for body in bodies for link in body.links)


def _host(href: str) -> str:
    try:
        return urlsplit(href).hostname or ""
    except ValueError:
        return ""


def _headline(bodies: list[Body], kind: str) -> tuple[str, Notice] | None:
    """The body's sentence saying what happened ("Jane viewed your proposal for …")."""
    for body in bodies:
        for line in body.lines[:HEADLINE_WITHIN]:
            notice = read_notice(line)
            if notice is not None and notice.kind == kind:
                return line, notice
    return None


def _linked_title(links: list[Link]) -> str | None:
    """The text of the first link to the job that is not a button ("View job") or a URL."""
    for link in links:
        text = link.text
        if text and job_link(link.href) and not _BUTTON_TEXT.fullmatch(text):
            # A plain-text link's text may be the headline above it, which names more.
            if not URL.match(text) and read_notice(text) is None:
                return clean_name(text)
    return None


def _labelled_title(bodies: list[Body]) -> str | None:
    """The title a "Job: …" line names."""
    for body in bodies:
        for line in body.lines:
            if (match := _LABELLED_TITLE.fullmatch(line)) and not URL.match(match[1]):
                return clean_name(match[1])
    return None


def _client_name(name: str | None) -> str | None:
    """A client's name, None for the words notices use when they name nobody."""
    cleaned = clean_name(name)
    return None if cleaned is None or cleaned.casefold() in _NOBODY else cleaned


def _client_sender(mail: AlertMail) -> str | None:
    """The name a message notification is sent under ("Jane Smith via Upwork"
    <room_…@upwork.com>): Upwork sends a room's messages as the client."""
    name, address = parseaddr(mail.sender)
    if not _UPWORK_HOST.search(address.rpartition("@")[2]) or _NO_REPLY.match(address):
        return None
    name = re.sub(r"\s*(?:\(via upwork\)|via upwork|\| upwork)$", "", name, flags=re.I)
    return _client_name(name)
