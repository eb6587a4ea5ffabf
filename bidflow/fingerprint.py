"""Content fingerprints: the same posting seen through two feeds gets the same hash."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit


def content_hash(title: str, description: str) -> str:
    """A hex digest of title + description, insensitive to case and whitespace layout."""
    return _digest(" ".join(f"{title}\n{description}".split()))


def content_hash_of_tidy(title: str, description: str) -> str:
    """``content_hash`` for text already tidied (``connectors.feeds.parsing.tidy_text``: single
    spaces, trimmed lines, at most one blank line in a row), without splitting it into words
    again; equal to ``content_hash`` for such text (a property test checks it)."""
    text = f"{title}\n{description}".replace("\n\n", "\n").replace("\n", " ")
    return _digest(text.strip())


def _digest(normalised: str) -> str:
    return hashlib.sha256(normalised.casefold().encode("utf-8")).hexdigest()[:40]


# Upwork's job key: "~01" or "~02" and 16+ more hex digits, in job URLs and alert links.
_UPWORK_CIPHERTEXT = re.compile(r"~0[0-9a-f]{17,}", re.IGNORECASE)
_TRACKING = re.compile(r"^(utm_.*|source|ref|referrer|referrer_url_path|fbclid|gclid)$")


_KEY_LIMIT = 512  # the column's width


def client_fingerprint(country: str | None, member_since: datetime | None) -> str | None:
    """A marketplace client's identity when no feed names it: marketplaces do not publish a
    client id, but a client's country and the moment they joined (to the second, as Upwork's API
    gives it) are theirs alone in practice. None without both."""
    if not country or member_since is None:
        return None
    moment = member_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"fp:{country.strip().casefold()}|{moment}"


def canonical_key(url: str | None, external_id: str | None = None) -> str | None:
    """The marketplace's identity of a posting (see ``_canonical_key``), at most 512 characters:
    a longer one is replaced by a digest of itself."""
    key = _canonical_key(url, external_id)
    if key is not None and len(key) > _KEY_LIMIT:
        return "url-sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key


def _canonical_key(url: str | None, external_id: str | None = None) -> str | None:
    """The marketplace's identity of a posting, the same whichever feed it came through:
    ``upwork:~01…`` for Upwork job links or ids, else the URL without scheme, fragment and
    tracking parameters. None when neither gives one."""
    for text in (url, external_id):
        if text and (match := _UPWORK_CIPHERTEXT.search(text)):
            return f"upwork:{match[0].lower()}"
    if not url:
        return None
    url = url.strip()
    if not any(c in url for c in "?#[\\") and url.startswith(("http://", "https://")):
        # The common case without urlsplit: scheme, lower-case host and path, no final slash.
        host, _, path = url.split("://", 1)[1].partition("/")
        host = host.rsplit("@", 1)[-1].split(":", 1)[0].lower()
        return f"url:{host}/{path.rstrip('/')}" if path.strip("/") else f"url:{host}/"
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k.lower())]
    path = parts.path.rstrip("/") or "/"
    return f"url:{parts.hostname.lower()}{path}" + (f"?{urlencode(sorted(query))}" if query else "")
