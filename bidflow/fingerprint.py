"""Content fingerprints: the same posting seen through two feeds gets the same hash."""

from __future__ import annotations

import hashlib
import re

_SPACE = re.compile(r"\s+")


def content_hash(title: str, description: str) -> str:
    """A hex digest of title + description, insensitive to case and whitespace layout."""
    normalised = _SPACE.sub(" ", f"{title}\n{description}").strip().casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:40]
