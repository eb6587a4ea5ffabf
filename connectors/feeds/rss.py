"""RSS 2.0 and Atom feeds, including the Upwork RSS description layout (``<b>Budget</b>: $500``)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx

from bidflow import __version__
from bidflow.errors import ConfigError, FeedError
from bidflow.models import JobBase
from connectors.feeds.base import FeedBatch, FetchContext
from connectors.feeds.items import DEFAULT_MAPPING, IDENTITY_MAPPING, normalize_item
from connectors.feeds.parsing import html_to_text, tidy_text

# "Budget: $500" lines that the Upwork layout, and the re-publishers copying it, append to the
# description: label (lower case) -> the job field it fills. A feed's `labels` add to these.
DEFAULT_LABELS: dict[str, str] = {
    "budget": "budget",
    "est. budget": "budget",
    "fixed price": "budget",
    "hourly range": "hourly_rate",
    "hourly rate": "hourly_rate",
    "rate": "hourly_rate",
    "posted on": "posted",
    "posted": "posted",
    "published": "posted",
    "category": "category",
    "skills": "skills",
    "tags": "skills",
    "country": "client_country",
    "location": "client_country",
    "client location": "client_country",
    "proposals": "proposals",
    "job type": "job_type",
    "experience level": "experience_level",
    "level": "experience_level",
    "payment verified": "client_payment_verified",
    "payment": "client_payment_verified",
    "client spent": "client_total_spent",
    "total spent": "client_total_spent",
    "hires": "client_hires",
    "client rating": "client_feedback",
    "rating": "client_feedback",
}
_FIELD_LINE = re.compile(r"^([A-Za-z][A-Za-z .]{0,40}?)\s*:\s*(.*)$")
_TITLE_SUFFIX = re.compile(r"\s+-\s+Upwork\s*$")
_CLOSED_ITEM = re.compile(rb"</(?:\w+:)?(?:item|entry)\s*>", re.IGNORECASE)
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_ENCODING_TROUBLE = (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown)
_SPACE = re.compile(r"\s+")
USER_AGENT = f"bidflow/{__version__} (+feed reader; polite polling with conditional GET)"


@dataclass
class RssSource:
    """An RSS/Atom feed at an http(s) URL or a local file path.

    Over HTTP it asks with the ETag and Last-Modified of the previous poll, so an unchanged feed
    costs one 304 and no parsing.
    """

    name: str
    location: str
    labels: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 20.0

    def __post_init__(self) -> None:
        wrong = sorted(f for f in self.labels.values() if f not in DEFAULT_MAPPING)
        if wrong:
            known = ", ".join(sorted(DEFAULT_MAPPING))
            raise ConfigError(
                f"feed '{self.name}': labels map to unknown job fields {wrong}; use one of {known}"
            )
        self._labels = DEFAULT_LABELS | {k.strip().lower(): v for k, v in self.labels.items()}

    def fetch(self, context: FetchContext) -> FeedBatch:
        payload, headers = self._read(context.cursor)
        batch = FeedBatch(source=self.name, cursor=_validators(headers, context.cursor))
        if payload is None:
            batch.status = "not_modified"
            return batch
        parsed = feedparser.parse(payload, response_headers=headers)
        damage = self._damage(parsed, batch)
        entries = list(parsed.entries)
        if not entries and (damage is not None or not parsed.get("version")):
            why = f" ({_describe(damage)})" if damage is not None else ""
            raise FeedError(f"{self.location}: not an RSS or Atom feed{why}; check the URL or path")
        cut: list[int] = []
        if damage is not None:
            # An item the damage runs through has only part of its text: storing it would keep
            # the wrong description for good, so only the items closed before it are read.
            closed = len(_CLOSED_ITEM.findall(payload))
            cut = list(range(closed + 1, len(entries) + 1))
            entries = entries[:closed]
            batch.problems.append(
                f"{self.location}: feed is malformed XML ({_describe(damage)});"
                f" read the {len(entries)} complete items in it"
            )
        # Items already stored are not normalised again: re-reading a feed is mostly repeats.
        known = context.known([str(e.get("id") or e.get("link") or "")[:255] for e in entries])
        for index, entry in enumerate(entries, start=1):
            if str(entry.get("id") or entry.get("link") or "")[:255] in known:
                batch.already_known += 1
                continue
            try:
                job, notes = self.normalize(entry, fetched_at=context.now)
            except ValueError as exc:
                batch.problems.append(f"{self.location}: item {index}: {exc}; skipped")
                continue
            batch.jobs.append(job)
            batch.problems.extend(f"{self.location}: item {index}: {note}" for note in notes)
        batch.problems.extend(
            f"{self.location}: item {index} is cut off where the feed breaks; skipped"
            for index in cut
        )
        return batch

    def _damage(self, parsed: Any, batch: FeedBatch) -> Exception | None:
        """What broke the XML, if anything. feedparser also flags feeds that are whole (a
        charset that had to be guessed); those get a note in ``batch`` instead."""
        damage = parsed.get("bozo_exception") if parsed.bozo else None
        if not isinstance(damage, feedparser.ThingsNobodyCaresAboutButMe):
            return damage
        if isinstance(damage, _ENCODING_TROUBLE):
            batch.problems.append(f"{self.location}: {damage}")
        return None

    def _read(self, cursor: Mapping[str, Any]) -> tuple[bytes | None, dict[str, str]]:
        """The feed's bytes (None when the server says it has not changed) and, over HTTP, the
        response headers (they may name the charset, and carry the next ETag)."""
        if self.location.startswith(("http://", "https://")):
            conditional = {
                header: cursor[key]
                for header, key in (("If-None-Match", "etag"), ("If-Modified-Since", "modified"))
                if cursor.get(key)
            }
            try:
                response = httpx.get(
                    self.location,
                    timeout=self.timeout_s,
                    follow_redirects=True,
                    headers={"User-Agent": USER_AGENT, **conditional},
                )
            except httpx.HTTPError as exc:
                raise FeedError(
                    f"{self.location}: cannot fetch the feed ({str(exc) or type(exc).__name__})"
                ) from None
            if response.status_code == 304:
                return None, dict(response.headers)
            if response.is_error:
                raise FeedError(
                    f"{self.location}: cannot fetch the feed"
                    f" (HTTP {response.status_code} {response.reason_phrase})"
                )
            return response.content, dict(response.headers)
        try:
            return Path(self.location).read_bytes(), {}
        except OSError as exc:
            raise FeedError(
                f"{self.location}: cannot read the feed file ({exc.strerror})"
            ) from None

    def normalize(self, entry: Any, *, fetched_at: datetime) -> tuple[JobBase, list[str]]:
        """One feed entry as a Job (and notes on fields dropped), with the ``Label: value``
        lines at the end of its description read into job fields."""
        title = _text(entry.get("title_detail"), entry.get("title") or "")
        title = _SPACE.sub(" ", _TITLE_SUFFIX.sub("", title)).strip()
        link = entry.get("link") or None
        external_id = entry.get("id") or link
        if not title:
            raise ValueError("has no title")
        if not external_id:
            raise ValueError(f"'{title[:60]}' has neither guid nor link")
        body, detail = entry.get("summary") or "", entry.get("summary_detail")
        if entry.get("content") and entry["content"][0].get("value"):
            detail = entry["content"][0]
            body = detail["value"]
        description, fields = _split_fields(_text(detail, body), self._labels)
        item: dict[str, Any] = {
            **fields,
            "external_id": str(external_id or "")[:255],
            "url": link,
            "title": title,
            "description": description,
        }
        if "posted" not in fields:
            item["posted_at"] = _entry_time(entry)
        job, notes = normalize_item(item, IDENTITY_MAPPING, source=self.name, fetched_at=fetched_at)
        job.raw = {"title": entry.get("title"), "link": link, "summary": body[:20_000]}
        return job, notes


def _validators(headers: Mapping[str, str], previous: Mapping[str, Any]) -> dict[str, Any]:
    """The cursor for the next poll: this response's ETag and Last-Modified (kept from the
    previous poll when the server sent none)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    return {
        "etag": lowered.get("etag") or previous.get("etag"),
        "modified": lowered.get("last-modified") or previous.get("modified"),
    }


def _text(detail: Any, value: str) -> str:
    """An entry's title or body as plain text: markup only when the feed says it is markup."""
    kind = (detail or {}).get("type") or "text/html"
    return html_to_text(value) if kind in _HTML_TYPES else tidy_text(value)


def _split_fields(text: str, labels: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The description without the ``Field: value`` lines at its end, and those fields.

    Only the closing block counts: a client's own "Budget: flexible" line earlier in the text
    stays part of the description.
    """
    lines = text.splitlines()
    while lines and lines[-1].strip().lower() in {"", "click to apply"}:
        lines.pop()
    fields: dict[str, str] = {}
    while lines and (match := _FIELD_LINE.match(lines[-1].strip())):
        name = labels.get(match[1].strip().lower())
        if name is None:
            break  # a line of the description that happens to contain a colon
        fields.setdefault(name, match[2].strip())
        lines.pop()
    return "\n".join(lines).strip(), fields


def _entry_time(entry: Any) -> str | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC).isoformat() if stamp else None


def _describe(damage: Any) -> str:
    """Where and why feedparser gave up, e.g. ``line 3206: no element found``."""
    line = getattr(damage, "getLineNumber", lambda: None)()
    message = getattr(damage, "getMessage", lambda: str(damage))()
    return f"line {line}: {message}" if line else str(message)
