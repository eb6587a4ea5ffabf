"""Job-alert email bodies as job items: where each job starts, and what its lines say (read by
``alert_fields``).

An Upwork saved-search alert lists one or more jobs. Each starts at a link to the job
(``/jobs/~01…``, ``/freelance-jobs/apply/…_~01…/``, or a tracking redirect carrying one), whose
text is the title; the lines up to the next job's link hold its price, posting time, snippet,
skills and client. A one-job alert from another site is read as subject → title, first link →
URL, body → description.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from connectors.feeds.alert_fields import read_fields
from connectors.feeds.alert_mail import AlertMail
from connectors.feeds.parsing import html_to_text

# Upwork's job key, as in bidflow.fingerprint, so an alert links to the same job read elsewhere.
_CIPHERTEXT = re.compile(r"~0[0-9a-f]{17,}", re.IGNORECASE)
_UPWORK_HOST = re.compile(r"(?:^|\.)upwork\.com$", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+")
# Private-use characters cannot occur in mail text, so they mark where each link was.
_MARKER = re.compile("\ue000(\\d+)\ue001")
_FOOTER = re.compile(
    r"^(?:unsubscribe|to stop receiving|manage (?:your )?(?:email|notification|alert|saved)"
    r"|(?:view|see|browse) (?:all|more) (?:jobs|matches|results)|you(?:'|\u2019| a)re? receiving"
    r"|this (?:e-?mail|message) was sent|\u00a9|\(c\) \d{4}|copyright|privacy policy"
    r"|upwork(?:\u00ae)? (?:global )?inc|download the upwork app)",
    re.IGNORECASE,
)
_BUTTON = re.compile(
    r"^(?:(?:view|see|open|read|show)(?: (?:the )?(?:job|details|more|posting))?|apply(?: now)?"
    r"|submit a proposal|more|less|new|details)$",
    re.IGNORECASE,
)
_JOB_SUBJECT = re.compile(
    r"\b(?:jobs?|gigs?|projects?|contracts?|positions?|openings?|hiring|vacanc\w*)\b",
    re.IGNORECASE,
)
_SUBJECT_PREFIX = re.compile(
    r"^(?:(?:re|fwd?)\s*:\s*)*(?:\[[^\]]*\]\s*)?"
    r"(?:(?:new|job|project|gig)\s+(?:job|project|gig|alert|posted)s?\s*[:\-\u2013\u2014]\s*)?",
    re.IGNORECASE,
)


@dataclass
class _Link:
    """A link of the body: where it points (redirects unwrapped), its text, its Upwork job key."""

    url: str
    text: str
    ciphertext: str | None


@dataclass
class _Block:
    """One job of a digest: its link, title and the text that follows the link."""

    link: _Link
    title: str = ""
    parts: list[str] = field(default_factory=list)


def unwrap_link(url: str) -> str:
    """Where a link really goes: a tracking redirect (``…/click?url=https%3A…``) gives the URL in
    its query, preferring an Upwork job link; any other link is returned as it is."""
    if _job_key(url):
        return url
    try:
        query = urlsplit(url).query
    except ValueError:  # e.g. "//[…": a damaged link is kept as it is, never a crash
        return url
    found: list[str] = []
    for _, value in parse_qsl(query):
        for _ in range(3):  # some trackers encode the destination twice
            if value.startswith(("http://", "https://")) or "%" not in value:
                break
            value = unquote(value)
        if value.startswith(("http://", "https://")):
            found.append(unwrap_link(value))
    return next((u for u in found if _job_key(u)), found[0] if found else url)


def _job_key(url: str) -> str | None:
    """The ciphertext of an Upwork job link, lower case; None for any other link."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not _UPWORK_HOST.search(parts.hostname or ""):
        return None
    match = _CIPHERTEXT.search(parts.path)
    return match[0].lower() if match else None


def job_items(mail: AlertMail, *, now: datetime) -> tuple[list[dict[str, Any]], list[str]]:
    """The jobs of one alert email as items keyed by job field names (for ``normalize_item``
    with ``IDENTITY_MAPPING``), and notes on job links that could not be read.

    Relative times ("Posted 12 minutes ago") count back from the mail's Date, else ``now``.
    """
    anchor = mail.sent_at or now
    blocks: list[_Block] = []
    if mail.html:
        blocks = _blocks(*_mark_html(mail.html))
    if not blocks and mail.text:
        blocks = _blocks(*_mark_text(mail.text))
    if not blocks:
        single = _single_job(mail, anchor)
        return ([single] if single else []), []
    items: list[dict[str, Any]] = []
    notes: list[str] = []
    for block in blocks:
        if not block.title:
            notes.append(f"the link to {block.link.ciphertext} has no title; skipped")
            continue
        fields, description = read_fields(_until_footer("".join(block.parts)), anchor=anchor)
        posted = fields.pop("posted_at", None) or anchor
        items.append(
            {
                **fields,
                "external_id": block.link.ciphertext,
                "url": f"https://www.upwork.com/jobs/{block.link.ciphertext}",
                "title": block.title,
                "description": description,
                "posted_at": posted.isoformat(),
            }
        )
    return items, notes


def _single_job(mail: AlertMail, anchor: datetime) -> dict[str, Any] | None:
    """A one-job alert from another site, or None when the mail does not look like one. Upwork
    mail without a job link is not an alert (newsletters, account notices)."""
    sender_domain = mail.sender.rpartition("@")[2].strip("> ").lower()
    if sender_domain.endswith("upwork.com") or not _JOB_SUBJECT.search(mail.subject):
        return None
    title = _SUBJECT_PREFIX.sub("", mail.subject).strip() or mail.subject.strip()
    if mail.html:
        marked, links = _mark_html(mail.html)
        urls = [link.url for link in links]
        body = _MARKER.sub("", marked)
    else:
        body = mail.text or ""
        urls = [unwrap_link(match[0]) for match in _URL.finditer(body)]
    body = "\n".join(line for line in body.splitlines() if line.strip() != title)
    fields, description = read_fields(_until_footer(body), anchor=anchor)
    if not description and not fields:
        return None
    digest = hashlib.sha256(f"{mail.sender}|{mail.subject}|{body}".encode()).hexdigest()
    posted = fields.pop("posted_at", None) or anchor
    return {
        **fields,
        "external_id": f"{mail.message_id or 'mail-' + digest[:24]}#1",
        "url": urls[0] if urls else None,
        "title": title,
        "description": description,
        "posted_at": posted.isoformat(),
    }


class _Anchors(HTMLParser):
    """The ``<a href>`` tags of an HTML body: where each starts in the markup, and its text;
    and where table cells start."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[tuple[int, int], str, list[str]]] = []
        self.cells: list[tuple[int, int]] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            self.cells.append(self.getpos())
        if tag != "a":
            return
        href = next((value for name, value in attrs if name == "href" and value), None)
        self._text = None if href is None else []
        if href is not None and self._text is not None:
            self.found.append((self.getpos(), href.strip(), self._text))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def _mark_html(markup: str) -> tuple[str, list[_Link]]:
    """An HTML body as text with a marker where each link was, and the links in order. The
    markers go into the markup, so they keep their places through the layout to text."""
    parser = _Anchors()
    try:
        parser.feed(markup)
        parser.close()
    except AssertionError:  # CPython's parser gives up on some malformed declarations
        return html_to_text(markup), []
    line_starts = [0] + [match.end() for match in re.finditer("\n", markup)]
    links: list[_Link] = []
    inserts: list[tuple[tuple[int, int], str]] = []
    for place, href, text in parser.found:
        url = unwrap_link(href)
        inserts.append((place, f"\ue000{len(links)}\ue001"))
        links.append(_Link(url, " ".join("".join(text).split()), _job_key(url)))
    # Alert layouts put one fact per table cell, often with no space between cells.
    inserts += [(place, "<br>") for place in parser.cells]
    pieces: list[str] = []
    done = 0
    for (line, column), insert in sorted(inserts):
        offset = line_starts[line - 1] + column
        pieces += [markup[done:offset], insert]
        done = offset
    pieces.append(markup[done:])
    return html_to_text("".join(pieces)), links


def _mark_text(text: str) -> tuple[str, list[_Link]]:
    """A plain-text body with a marker where each job starts. The title is the text before the
    job's URL on its line, else the line above it (``Title`` / ``https://…~01…``)."""
    out: list[str] = []
    links: list[_Link] = []
    for line in text.splitlines():
        found = [(m, unwrap_link(m[0])) for m in _URL.finditer(line)]
        jobs = [(match, url) for match, url in found if _job_key(url)]
        if not jobs:
            out.append(line)
            continue
        match, url = jobs[0]
        title = line[: match.start()].strip(" \t:-\u2013\u2014(<[*")
        rest = line[match.end() :].strip(" \t>)]")
        above = next((i for i in range(len(out) - 1, -1, -1) if out[i].strip()), None)
        if not title and above is not None and not _MARKER.search(out[above]):
            title = out.pop(above).strip()
        links.append(_Link(url, " ".join(title.split()), _job_key(url)))
        out.append(f"\ue000{len(links) - 1}\ue001{title}\n{rest}")
    return "\n".join(out), links


def _blocks(marked: str, links: list[_Link]) -> list[_Block]:
    """The jobs of a marked body: a job runs from its first link to the first link of another
    job; further links to the same job (a "View job" button) and other links (skill tags)
    belong to it."""
    pieces = _MARKER.split(marked)
    blocks: list[_Block] = []
    for number, segment in zip(pieces[1::2], pieces[2::2], strict=True):
        link = links[int(number)]
        if link.ciphertext is None:
            if blocks:
                blocks[-1].parts.append(segment)
            continue
        segment = _strip_title(segment, link.text)
        if not blocks or blocks[-1].link.ciphertext != link.ciphertext:
            blocks.append(_Block(link))
        block = blocks[-1]
        if not block.title and link.text and not _BUTTON.match(link.text):
            block.title = link.text
        block.parts.append(segment)
    return blocks


def _strip_title(segment: str, title: str) -> str:
    """The text after a link without the link's own text, which starts it."""
    words = title.split()
    if not words:
        return segment
    match = re.match(r"\s*" + r"\s+".join(map(re.escape, words)), segment)
    return segment[match.end() :] if match else segment


def _until_footer(text: str) -> str:
    """A job's text without the mail's footer (unsubscribe links, copyright) that follows the
    last job."""
    lines = text.splitlines()
    end = next((i for i, line in enumerate(lines) if _FOOTER.match(line.strip())), len(lines))
    kept = [line for line in lines[:end] if not _URL.fullmatch(line.strip())]
    return "\n".join(line for line in kept if not _BUTTON.match(line.strip(" -")))
