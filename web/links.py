"""Links built from feed data."""

from __future__ import annotations

from urllib.parse import urlsplit


def web_link(url: str | None) -> str | None:
    """``url`` if it is a web address, else None. Job URLs come from feeds, and autoescaping
    would not stop a ``javascript:`` link from running when clicked."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower() if url else ""
    except ValueError:  # e.g. "http://[" from a careless feed
        return None
    return url if scheme in ("http", "https") else None
