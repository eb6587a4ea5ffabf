"""HTML pages of a made-up job board, and the selectors that read it."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bidflow.config.feeds import BrowserSelectors

HOSTILE_TITLE = "<img src=x onerror=alert(1)> Fix my checkout page"
SELECTORS = BrowserSelectors(
    item="li.job",
    title=".title",
    link=".title a",
    description=".desc",
    budget=".budget",
    posted=".posted",
    proposals=".proposals",
    client_country=".country",
    client_spent=".spent",
    client_verified=".verified",
    skills=".skills li",
)


@dataclass(frozen=True)
class Posting:
    """One job as the board shows it; None leaves that part out of the item."""

    title: str | None
    href: str | None = None
    description: str | None = "We need help with a web app."
    budget: str | None = "Fixed price: $500"
    posted: str | None = "posted 5 minutes ago"
    posted_datetime: str | None = None
    proposals: str | None = "Proposals: 5 to 10"
    country: str | None = "Germany"
    spent: str | None = "$10K+ spent"
    verified: str | None = "Payment verified"
    skills: tuple[str, ...] = ("Python", "Django")


def board_postings() -> list[Posting]:
    """Twenty postings: the first ten each vary something, the rest are plain."""
    varied = [
        Posting("Build a Django REST API", href="/jobs/1?utm_source=list&ref=7#apply"),
        Posting("Hourly React work", href="/jobs/2", budget="Hourly: $25.00 - $35.00 /hr"),
        Posting(HOSTILE_TITLE, href="/jobs/3", description="Line one.\nLine <b>two</b>."),
        Posting("No link on this one", href=None, description="Write a scraper for my shop."),
        Posting("Budget not stated", href="/jobs/5", budget=None, proposals=None, country=None),
        Posting(None, href="/jobs/6"),
        Posting("Dated posting", href="/jobs/7", posted_datetime="2026-05-01T09:30:00Z"),
        Posting("Unverified client", href="/jobs/8", verified="Payment unverified", spent=None),
        Posting("Relative link", href="jobs/9", skills=()),
        Posting("Badge-less client", href="/jobs/10", verified=None, posted="yesterday"),
    ]
    plain = [Posting(f"Plain job number {n}", href=f"/jobs/{n}") for n in range(11, 21)]
    return varied + plain


def _item(posting: Posting) -> str:
    parts = []
    if posting.title is not None:
        title = escape(posting.title)
        link = f'<a href="{escape(posting.href)}">{title}</a>' if posting.href else title
        parts.append(f'<h2 class="title">{link}</h2>')
    if posting.description is not None:
        # The description is markup on purpose: its <br> and <b> must read as text layout.
        parts.append(f'<div class="desc">{posting.description.replace(chr(10), "<br>")}</div>')
    for css, text in (
        ("budget", posting.budget),
        ("proposals", posting.proposals),
        ("country", posting.country),
        ("spent", posting.spent),
        ("verified", posting.verified),
    ):
        if text is not None:
            parts.append(f'<span class="{css}">{escape(text)}</span>')
    if posting.posted is not None:
        stamp = f' datetime="{posting.posted_datetime}"' if posting.posted_datetime else ""
        parts.append(f'<time class="posted"{stamp}>{escape(posting.posted)}</time>')
    skills = "".join(f"<li>{escape(skill)}</li>" for skill in posting.skills)
    parts.append(f'<ul class="skills">{skills}</ul>')
    return f'<li class="job">{"".join(parts)}</li>'


def document(body: str, title: str = "Jobs") -> bytes:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body>{body}</body></html>"
    ).encode()


def board(header: str = '<a href="/login">Sign in</a>') -> bytes:
    """The job board: a header (a sign-in link by default), then one ``li.job`` per posting."""
    items = "".join(_item(p) for p in board_postings())
    return document(f'<header>{header}</header><ul id="jobs">{items}</ul>')


def redesigned_board() -> bytes:
    """The same jobs after a redesign: no ``li.job`` any more."""
    cards = "".join(
        f'<article class="posting"><h3>{escape(p.title or "")}</h3></article>'
        for p in board_postings()
    )
    return document(f'<main class="postings">{cards}</main>')


def headings_board() -> bytes:
    """Items are still ``li.job``, but titles moved from ``.title`` to ``.heading``."""
    items = "".join(f'<li class="job"><h2 class="heading">Job {n}</h2></li>' for n in range(5))
    return document(f"<ul>{items}</ul>")


SIGN_IN_FORM = (
    '<form class="login-form" action="/login" method="post"><input name="email">'
    "<button>Sign in</button></form>"
)


def login_page() -> bytes:
    return document(SIGN_IN_FORM, title="Sign in")


def challenge_page() -> bytes:
    """What a bot-protection service shows instead of the page."""
    return document(
        '<h1>Checking your browser</h1><form id="challenge-form" action="/verify">'
        "<p>Verify you are human by completing the action below.</p></form>",
        title="Just a moment...",
    )
