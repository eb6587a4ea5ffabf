"""RSS 2.0 and Atom feeds, including the Upwork RSS description layout (``<b>Budget</b>: $500``)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx

from bidflow.errors import FeedError
from bidflow.fingerprint import content_hash
from bidflow.models import JobBase
from bidflow.types import utcnow
from connectors.feeds.base import FeedBatch
from connectors.feeds.parsing import (
    html_to_text,
    parse_datetime,
    parse_money,
    parse_money_range,
    split_list,
    tidy_text,
)

# "Budget: $500" lines that the Upwork layout (and re-publishers copying it) append to the text.
_FIELD_LINE = re.compile(
    r"^(Budget|Hourly Range|Posted On|Category|Skills|Country|Location)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_TITLE_SUFFIX = re.compile(r"\s+-\s+Upwork\s*$")
_CLOSED_ITEM = re.compile(rb"</(?:\w+:)?(?:item|entry)\s*>", re.IGNORECASE)
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_ENCODING_TROUBLE = (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown)
_SPACE = re.compile(r"\s+")


@dataclass
class RssSource:
    """An RSS/Atom feed at an http(s) URL or a local file path."""

    name: str
    location: str
    timeout_s: float = 20.0

    def fetch(self) -> FeedBatch:
        payload, headers = self._read()
        parsed = feedparser.parse(payload, response_headers=headers)
        batch = FeedBatch(source=self.name)
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
        fetched_at = utcnow()
        for index, entry in enumerate(entries, start=1):
            try:
                batch.jobs.append(self.normalize(entry, fetched_at=fetched_at))
            except ValueError as exc:
                batch.problems.append(f"{self.location}: item {index}: {exc}; skipped")
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

    def _read(self) -> tuple[bytes, dict[str, str]]:
        """The feed's bytes and, over HTTP, the response headers (they may name the charset)."""
        if self.location.startswith(("http://", "https://")):
            try:
                response = httpx.get(self.location, timeout=self.timeout_s, follow_redirects=True)
            except httpx.HTTPError as exc:
                raise FeedError(
                    f"{self.location}: cannot fetch the feed ({str(exc) or type(exc).__name__})"
                ) from None
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

    def normalize(self, entry: Any, *, fetched_at: datetime) -> JobBase:
        """One feed entry as a Job, with the Upwork description fields parsed out."""
        title = _text(entry.get("title_detail"), entry.get("title") or "")
        title = _SPACE.sub(" ", _TITLE_SUFFIX.sub("", title)).strip()
        if not title:
            raise ValueError("has no title")
        link = entry.get("link") or None
        external_id = entry.get("id") or link
        if not external_id:
            raise ValueError(f"'{title[:60]}' has neither guid nor link")
        body, detail = entry.get("summary") or "", entry.get("summary_detail")
        if entry.get("content") and entry["content"][0].get("value"):
            detail = entry["content"][0]
            body = detail["value"]
        description, fields = _split_fields(_text(detail, body))
        low, high = parse_money_range(fields.get("hourly range"))
        budget = parse_money(fields.get("budget"))
        posted_at = parse_datetime(fields.get("posted on")) or _entry_time(entry)
        return JobBase(
            source=self.name,
            external_id=str(external_id)[:255],
            url=link,
            title=title,
            description=description,
            category=fields.get("category") or None,
            skills=split_list(fields.get("skills")),
            job_type="hourly" if low is not None else ("fixed" if budget is not None else None),
            budget=budget,
            hourly_min=low,
            hourly_max=high,
            posted_at=posted_at or fetched_at,
            client_country=fields.get("country") or fields.get("location") or None,
            content_hash=content_hash(title, description),
            raw={"title": entry.get("title"), "link": link, "summary": body[:20_000]},
        )


def _text(detail: Any, value: str) -> str:
    """An entry's title or body as plain text: markup only when the feed says it is markup."""
    kind = (detail or {}).get("type") or "text/html"
    return html_to_text(value) if kind in _HTML_TYPES else tidy_text(value)


def _split_fields(text: str) -> tuple[str, dict[str, str]]:
    """The description without the ``Field: value`` lines at its end, and those fields.

    Only the closing block counts: a client's own "Budget: flexible" line earlier in the text
    stays part of the description.
    """
    lines = text.splitlines()
    while lines and lines[-1].strip().lower() in {"", "click to apply"}:
        lines.pop()
    fields: dict[str, str] = {}
    while lines and (match := _FIELD_LINE.match(lines[-1].strip())):
        fields.setdefault(match[1].lower(), match[2].strip())
        lines.pop()
    return "\n".join(lines).strip(), fields


def _entry_time(entry: Any) -> datetime | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC) if stamp else None


def _describe(damage: Any) -> str:
    """Where and why feedparser gave up, e.g. ``line 3206: no element found``."""
    line = getattr(damage, "getLineNumber", lambda: None)()
    message = getattr(damage, "getMessage", lambda: str(damage))()
    return f"line {line}: {message}" if line else str(message)
