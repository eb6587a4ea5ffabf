"""What a marketplace notification says happened, read from one line of it (the subject, or
the headline sentence of its body): the kind of news (``connectors.inbox.base.KINDS``) and the
client and job title when the line names them.

Upwork words each notification several ways and rewords them over the years ("New message from
Jane", "You have unread messages about the job …", "Jane sent you a message"), so each kind has
a few patterns, tried in order; a line none matches says nothing this module knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Forwarding and reply prefixes, and the "Action required:" Upwork puts before some subjects.
_PREFIX = re.compile(
    r"^(?:\s*(?:(?:re|fwd?|fw|aw|wg|tr)\s*:|action (?:required|needed)\s*[:\-\u2013\u2014]))+\s*",
    re.IGNORECASE,
)
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"
_CLIENT = r"(?P<client>.+?)"
_TITLE = r"(?P<title>.+?)"
_JOB = r"(?:the )?(?:job(?: post(?:ing)?)? )?"  # "about the job X", "for job post X"
_COLON = r"\s*[:\-\u2013\u2014]\s*"  # "Offer: X", "Offer - X"
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("reply", rf"new messages? from {_CLIENT}(?: (?:about|regarding|re:?|on) {_JOB}{_TITLE})?"),
    (
        "reply",
        rf"you have (?:an? )?(?:new|unread) messages?(?: from {_CLIENT})?"
        rf"(?: (?:about|regarding|on) {_JOB}{_TITLE})?",
    ),
    (
        "reply",
        rf"{_CLIENT} (?:sent you an? (?:new )?message|messaged you|replied to your proposal)"
        rf"(?: (?:about|for|on|regarding) {_JOB}{_TITLE})?",
    ),
    (
        "viewed",
        rf"your proposal(?: (?:for|to) {_JOB}{_TITLE})? (?:was|has been) viewed(?: by {_CLIENT})?",
    ),
    ("viewed", rf"{_CLIENT} viewed your proposal(?: (?:for|to) {_JOB}{_TITLE})?"),
    (
        "interviewing",
        rf"{_CLIENT} (?:has )?invited you to (?:an )?interview(?: for {_JOB}{_TITLE})?",
    ),
    (
        "interviewing",
        rf"you(?:'ve|\u2019ve| have) been invited to (?:an )?interview(?: for {_JOB}{_TITLE})?",
    ),
    (
        "interviewing",
        rf"(?:an )?invitation to (?:an )?interview(?:(?: for)?{_COLON}|(?: for) ){_JOB}{_TITLE}",
    ),
    (
        "offer",
        rf"you(?:'ve|\u2019ve| have)? received an? (?:new )?(?:contract )?offer"
        rf"(?: from {_CLIENT})?(?: for {_JOB}{_TITLE})?",
    ),
    ("offer", rf"{_CLIENT} sent you an? (?:new )?(?:contract )?offer(?: for {_JOB}{_TITLE})?"),
    ("offer", rf"(?:new )?(?:contract )?offer{_COLON}{_TITLE}"),
    (
        "hired",
        rf"(?:congratulations[!,.]?\s*)?{_CLIENT} (?:has )?hired you(?: for {_JOB}{_TITLE})?",
    ),
    (
        "hired",
        rf"(?:congratulations[!,.]?\s*)?you(?:'ve|\u2019ve| have) been hired"
        rf"(?: by {_CLIENT})?(?: for {_JOB}{_TITLE})?",
    ),
    ("hired", rf"(?:your )?contract (?:with {_CLIENT} )?(?:has )?started(?:{_COLON}{_TITLE})?"),
    (
        "declined",
        rf"your proposal(?: (?:for|to) {_JOB}{_TITLE})? (?:was|has been) declined"
        rf"(?: by {_CLIENT})?",
    ),
    ("declined", rf"{_CLIENT} declined your proposal(?: (?:for|to) {_JOB}{_TITLE})?"),
    ("declined", rf"proposal declined{_COLON}{_TITLE}"),
    (
        "job_closed",
        rf"(?:the )?job(?: post(?:ing)?)?(?: {_TITLE})? (?:was|has been) (?:closed|cancell?ed)"
        rf"(?: by {_CLIENT})?",
    ),
    (
        "job_closed",
        rf"{_CLIENT} (?:closed|cancell?ed) (?:the )?job(?: post(?:ing)?)?(?: {_TITLE})?",
    ),
    ("job_closed", rf"job(?: post(?:ing)?)? (?:closed|cancell?ed){_COLON}{_TITLE}"),
)
_READERS = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _PATTERNS)


@dataclass(frozen=True)
class Notice:
    """What one line of a notification says: the kind, and the client and title it names."""

    kind: str
    client: str | None = None
    title: str | None = None


def read_notice(line: str) -> Notice | None:
    """The notice ``line`` is (a subject or a body's headline), or None."""
    text = " ".join(_PREFIX.sub("", line).split()).rstrip(".!:")
    if not text or len(text) > 400:  # a headline is a sentence, not a paragraph
        return None
    for kind, pattern in _READERS:
        if match := pattern.fullmatch(text):
            found = match.groupdict()
            return Notice(kind, clean_name(found.get("client")), clean_name(found.get("title")))
    return None


def clean_name(value: str | None) -> str | None:
    """A client name or job title as a line writes it, without quotes and end punctuation."""
    if value is None:
        return None
    text = " ".join(value.split()).strip(_QUOTES + " ").rstrip(".:!,").strip(_QUOTES + " ")
    return text or None
