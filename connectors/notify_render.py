"""What an alert says, escaped for what each service shows.

The reply and the job title come from the client, and a feed's error from a server: they are
never trusted. A service that shows plain text gets plain text; every other one gets HTML
escaped here, which apprise turns into escaped Markdown for Markdown chat services. That is
also apprise's only path into Slack that keeps a client's ``<!channel>`` from becoming a
mention (its plain Markdown path restores such mentions). In chat, ``@`` gets a zero-width space
so ``@everyone`` pings nobody; plain-text chat (Discord's default) also gets one after ``<``
(``<@id>``, ``<!channel>``) and between ``]`` and ``(`` (a masked link ``[label](url)``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bidflow.store.alerts import new_reply_text

TextFormat = Literal["text", "html"]
# A notice quotes a server's error message: more room than a reply's excerpt, still bounded.
NOTICE_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_MENTION = re.compile(r"@")
_TEXT_CHAT_MARKUP = re.compile(r"[@<]|\](?=\()")
_ZERO_WIDTH_SPACE = "\u200b"


@dataclass(frozen=True)
class ReplyNews:
    """One reply as an alert tells it; every text field here is the client's (untrusted)."""

    job_title: str | None
    excerpt: str
    since_sent: timedelta | None  # from the proposal's sending to the reply
    bidder: str | None
    note: str | None = None  # ours: why a lead gets it ("not acknowledged by ... in 15 min")


@dataclass(frozen=True)
class Notice:
    """An alert about bidflow's own machinery (a feed failing): our title, and the stored text,
    which quotes outside systems (an error message) and so is untrusted too."""

    title: str
    text: str


News = ReplyNews | Notice


@dataclass(frozen=True)
class Link:
    """A page of the desk an alert points to: ``place`` names it ("inbox", "sources")."""

    place: str
    url: str


@dataclass(frozen=True)
class AlertMessage:
    """What one notification says: our own title, the news, and the way to the desk."""

    title: str
    items: Sequence[News]
    links: Sequence[Link]
    more: int = 0  # items a digest leaves out


@dataclass(frozen=True)
class Style:
    """How a service shows a body: plain text, or HTML (email; chat via apprise's Markdown)."""

    format: TextFormat
    chat: bool  # mentions must be broken: the service notifies people named in text


def render(message: AlertMessage, style: Style) -> str:
    """The body of ``message`` for a service of ``style``, outside words escaped."""
    if style.format == "html":
        return _render_html(message, style)
    return _render_text(message, style)


def single(item: News, links: Sequence[Link]) -> AlertMessage:
    """A notification of one alert."""
    if isinstance(item, Notice):
        title = item.title
    else:
        title = "Reply not acknowledged" if item.note else "Client reply"
    return AlertMessage(title=title, items=[item], links=links)


def digest(items: Sequence[News], links: Sequence[Link], max_items: int) -> AlertMessage:
    """One notification of what was held during quiet hours, listing at most ``max_items``."""
    count = len(items)
    if all(isinstance(item, ReplyNews) for item in items):
        what = "1 client reply" if count == 1 else f"{count} client replies"
    else:
        what = "1 alert" if count == 1 else f"{count} alerts"
    shown = items[:max_items]
    return AlertMessage(f"{what} while you were away", shown, links, more=count - len(shown))


def excerpt(body: str, limit: int) -> str:
    """The client's new words on one line, cleaned and cut (see :func:`one_line`)."""
    return one_line(new_reply_text(body), limit)


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, without control or direction-changing characters (they could fake
    a layout or reorder what a reader sees), cut at ``limit`` characters."""
    flat = " ".join(_CONTROL.sub("", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def duration(span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _render_text(message: AlertMessage, style: Style) -> str:
    def safe(text: str) -> str:
        return _TEXT_CHAT_MARKUP.sub(r"\g<0>" + _ZERO_WIDTH_SPACE, text) if style.chat else text

    blocks = []
    for item in message.items:
        if isinstance(item, Notice):
            blocks.append(safe(item.text))
            continue
        lines = [safe(item.note)] if item.note else []
        lines += [f"{safe(_headline(item))}:", f"> {safe(item.excerpt)}"]
        blocks.append("\n".join(lines))
    if message.more:
        blocks.append(f"…and {message.more} more.")
    blocks.extend(f"{link.place.capitalize()}: {link.url}" for link in message.links)
    return "\n\n".join(blocks)


def _render_html(message: AlertMessage, style: Style) -> str:
    def safe(text: str) -> str:
        escaped = html.escape(text, quote=True)
        # A zero-width space after @ keeps "@everyone" readable but no longer a mention.
        return _MENTION.sub("@" + _ZERO_WIDTH_SPACE, escaped) if style.chat else escaped

    parts = []
    for item in message.items:
        if isinstance(item, Notice):
            parts.append(f"<p>{safe(item.text)}</p>")
            continue
        if item.note:
            parts.append(f"<p><i>{safe(item.note)}</i></p>")
        parts.append(f"<p>{safe(_headline(item))}:</p>")
        parts.append(f"<blockquote>{safe(item.excerpt)}</blockquote>")
    if message.more:
        parts.append(f"<p>…and {message.more} more.</p>")
    for link in message.links:
        href = html.escape(link.url, quote=True)
        parts.append(f'<p><a href="{href}">Open the {html.escape(link.place)}</a></p>')
    return "\n".join(parts)


def _headline(news: ReplyNews) -> str:
    job = f'"{news.job_title}"' if news.job_title else "a message matched to no proposal"
    who = f" ({news.bidder})" if news.bidder else ""
    after = f", {duration(news.since_sent)} after sending" if news.since_sent else ""
    return f"Client replied on {job}{who}{after}"
