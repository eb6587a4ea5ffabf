"""Shared pieces of the content checks: the drafted texts, the bidder's profile as text, and
short quotes of offending snippets.

Draft and job text are untrusted. Every pattern in the content checks is linear: bounded
repeats (``{0,40}``), no nested quantifiers, so a 50,000-character input cannot make one
search backtrack for long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bidflow.config import BidderConfig
from bidflow.models import JobBase

# A quote in a reason is for recognising the snippet, not for reading it: keep cards short.
QUOTE_LIMIT = 60


@dataclass(frozen=True)
class Part:
    """One piece of drafted text and where it sits in the draft (for the reason)."""

    where: str  # "the letter", "screening answer 2", "client question 1"
    text: str


@dataclass(frozen=True)
class Context:
    """What the checks compare a draft with, worked out once per draft."""

    job: JobBase
    job_text: str  # title, skills and description, lower case
    profile_text: str  # everything the bidder's profile says, lower case
    allowed_hosts: frozenset[str]


def flag(check: str, reason: str) -> dict[str, str]:
    return {"check": check, "reason": reason}


def quote(snippet: str) -> str:
    """The snippet on one line, cut to ``QUOTE_LIMIT`` characters, in quotes."""
    text = " ".join(snippet.split())
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1] + "…"
    return f"“{text}”"


def profile_text(bidder: BidderConfig) -> str:
    """Everything the bidder's profile claims, lower case: what a letter may build on."""
    pieces = [bidder.name, bidder.title, bidder.voice, *bidder.skills]
    for item in bidder.portfolio:
        pieces += [item.title, item.summary, item.url or "", *item.tags]
    return "\n".join(pieces).lower()


def job_text(job: JobBase) -> str:
    return "\n".join([job.title, " ".join(job.skills), job.description]).lower()


def host_of(url: str) -> str | None:
    """The host of ``url`` (``www.`` removed), None when it is not a parsable link."""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def allowed_hosts(bidder: BidderConfig) -> frozenset[str]:
    """Hosts a letter may link to: the bidder's own portfolio sites and Upwork itself (a link to
    an Upwork profile or job shares no way to reach anyone off the platform)."""
    hosts = {"upwork.com"}
    for item in bidder.portfolio:
        host = host_of(item.url) if item.url else None
        if host:
            hosts.add(host)
    return frozenset(hosts)


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    return any(host == good or host.endswith("." + good) for good in allowed)


def mentions(text: str, phrase: str) -> bool:
    """Whether lower-case ``text`` contains ``phrase`` as a whole word or phrase."""
    return re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", text) is not None
