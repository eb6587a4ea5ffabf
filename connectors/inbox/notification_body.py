"""The bodies of a notification email as text: each body's lines and links (HTML laid out as
a browser would, plain text as written), and the client's words among them.

The words are the lines between the headline (else the greeting) and the first line that
ends them: a button ("View message"), a note on replying by email, quoted history ("On …
wrote:", "Earlier in this conversation"), a signature, an offer's terms, or the footer. The
byline above them (the client's name and the time, "Message from Jane:") is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from connectors.feeds.alert_mail import AlertMail
from connectors.feeds.parsing import html_to_text, tidy_text
from connectors.inbox.notification_kinds import read_notice

HEADLINE_WITHIN = 40  # lines: the headline is near the top, above the client's words
URL = re.compile(r"https?://[^\s<>\"'()\[\]]+")
# Where the client's words end: a button, a note on replying by email, quoted history, a
# signature, an offer's terms, or the footer. Each matches a whole line.
_STOP = re.compile(
    r"(?:(?:view|read|open|see|reply to|respond to|go to|review|accept|decline)"
    r"(?: the| this| your)? (?:full )?(?:message|conversation|proposal|offer|invitation|interview"
    r"|contract|job|job post|details)s?"
    r"|reply(?: now)?|respond|(?:find|browse|search) (?:more |similar )?jobs"
    r"|(?:you can )?reply (?:directly )?to this e-?mail\b.*"
    r"|(?:earlier|previous|older) (?:in (?:this|the) conversation|messages?)\b.*"
    r"|on .{0,200} wrote:?|-{2,}\s*original message\s*-{2,}|--"
    r"|(?:offer|contract) (?:details|terms|summary)"
    r"|unsubscribe\b.*|to stop receiving\b.*|manage (?:your )?(?:e-?mail|notification)s?\b.*"
    r"|you(?:'|\u2019| a)re? receiving\b.*|this (?:e-?mail|message) was sent\b.*"
    r"|\u00a9.*|\(c\) \d{4}.*|copyright\b.*|privacy policy\b.*"
    r"|upwork(?:\u00ae)? (?:global )?inc\b.*|download the upwork app\b.*)",
    re.IGNORECASE,
)
_GREETING = re.compile(r"(?:hi|hello|hey|dear)\b.{0,80}", re.IGNORECASE)
# What introduces the client's words, above them: "Jane Smith 10:42 AM", "Message from Jane:".
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY = rf"(?:(?:today|yesterday)|(?:[a-z]{{3}}[a-z]*,? )?{_MONTH} \d{{1,2}}(?:, \d{{4}})?)"
_TIME = re.compile(
    rf"(?:{_DAY},?(?: at)? )?\d{{1,2}}:\d{{2}}(?: ?[ap]\.?m\.?)?(?: \(?[a-z]{{2,5}}\)?)?|{_DAY}",
    re.IGNORECASE,
)
_NOTE_HEADING = re.compile(
    r"(?:(?:a )?(?:message|note) from .{1,80}|.{1,80} wrote|(?:the )?client(?:'s|\u2019s)?"
    r" (?:message|note))\s*:?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Link:
    """A link of a body: where it points, and its text."""

    href: str
    text: str


@dataclass(frozen=True)
class Body:
    """One body of the mail (HTML or plain text) as lines of text, and its links in order."""

    lines: list[str]
    links: list[Link]


def mail_bodies(mail: AlertMail) -> list[Body]:
    """The mail's HTML body, then its plain-text body, each as lines and links."""
    found = []
    if mail.html and (html := _html_body(mail.html)).lines:
        found.append(html)
    if mail.text and (text := _text_body(mail.text)).lines:
        found.append(text)
    return found


def client_words(
    bodies: list[Body], *, client: str | None, title: str | None, needs_byline: bool
) -> str:
    """The client's words in the first body that has them (see the module docstring), quoted
    lines left out; "" when ``needs_byline`` and no byline introduces them (a status
    notice's own text)."""
    for body in bodies:
        if words := _words(body, client, title, needs_byline):
            return words
    return ""


def _words(body: Body, client: str | None, title: str | None, needs_byline: bool) -> str:
    end = next((i for i, line in enumerate(body.lines) if _ends_words(line)), len(body.lines))
    lines = body.lines[:end]
    top = lines[:HEADLINE_WITHIN]
    start = next((i + 1 for i, line in enumerate(top) if read_notice(line)), None)
    if start is None:
        start = next((i + 1 for i, line in enumerate(top[:5]) if _GREETING.fullmatch(line)), 0)
    kept: list[str] = []
    bylines = 0
    for line in lines[start:]:
        if line.startswith(">"):  # quoted earlier mail
            continue
        if not kept and (not line or _byline(line, client, title)):
            bylines += bool(line)
            continue
        kept.append(line)
    return tidy_text("\n".join(kept)) if bylines or not needs_byline else ""


def _ends_words(line: str) -> bool:
    """Whether ``line`` ends the client's words; a plain-text button carries its URL
    ("View message: https://…")."""
    return bool(_STOP.fullmatch(URL.sub("", line).strip(" :<>[]()")))


def _byline(line: str, client: str | None, title: str | None) -> bool:
    """Whether ``line`` only introduces the words below it: the client's name and the time,
    the job's title, or "Message from Jane:"."""
    if _NOTE_HEADING.fullmatch(line):
        return True
    rest = line
    for name in (client, title):
        if name and rest.casefold().startswith(name.casefold()):
            rest = rest[len(name) :]
            break
    rest = rest.strip(" ,;:|-\u00b7\u2022\u2013\u2014")
    return not rest or bool(_TIME.fullmatch(rest))


class _Anchors(HTMLParser):
    """The ``<a href>`` links of an HTML body and their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self._open: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self._open = (href, [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append(Link(self._open[0], " ".join("".join(self._open[1]).split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)


def _html_body(markup: str) -> Body:
    """HTML laid out as text (scripts dropped, entities decoded once), and its links."""
    anchors = _Anchors()
    try:
        anchors.feed(markup)
        anchors.close()
    except AssertionError:  # CPython's parser gives up on some malformed declarations
        pass
    return Body(html_to_text(markup).splitlines(), anchors.links)


def _text_body(text: str) -> Body:
    """Plain text as written (a "<b>" in it is text, not markup); a link's text is what
    precedes its URL on the line ("Build an API: https://…"), else the line above."""
    lines = tidy_text(text).splitlines()
    links: list[Link] = []
    for number, line in enumerate(lines):
        for match in URL.finditer(line):
            before = line[: match.start()].strip(" \t:-<([*\u2013\u2014")
            above = lines[number - 1] if number and not before else ""
            links.append(Link(match[0], before or above))
    # A URL on a line of its own is where a link was, not words of the message.
    return Body([line for line in lines if not URL.fullmatch(line.strip("<>[]() "))], links)
