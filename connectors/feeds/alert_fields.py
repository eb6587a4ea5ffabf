"""The job fields in the lines of one job of an alert email: "Label: value" lines, and the
unlabelled parts alerts write ("Hourly - Intermediate", "Payment verified · $10K+ spent"); what
is left is the job's description."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from connectors.feeds.parsing import parse_datetime, tidy_text
from connectors.feeds.rss import DEFAULT_LABELS

# "Label: value" lines and the job field each fills: the RSS layout's labels plus the alerts'.
_LABELS = {re.sub(r"[^a-z]+", " ", k).strip(): v for k, v in DEFAULT_LABELS.items()} | {
    "hourly": "hourly_rate",
    "spent": "client_total_spent",
}
_DURATION_LABELS = {"est time", "duration", "project length", "hours needed", "connects"}
_FIELD_LABEL = re.compile(r"^([A-Za-z][A-Za-z .'-]{0,30}?)\s*:\s*(.*)$")
# A line's parts: "Hourly - Intermediate - Est. time: …" or "Payment verified · $10K+ spent";
# a dash before "$" is a price range, not a separator.
_SEPARATOR = re.compile(r"\s+[-\u2013\u2014]\s+(?!\$)|\s*[\u00b7\u2022|]\s*")
_SKILL_SEPARATOR = re.compile(r"\s*[,\u00b7\u2022|]\s*")
_PLACE = re.compile(r"^(?!.*\d)(?=.{2,40}$)[^\W\d_][\w.'\u2019() -]*$")
_CLIENT_FIELDS = {"client_payment_verified", "client_total_spent", "client_feedback"}
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^hourly(?=\s*$|\s*\(|\s+\$)", re.I), "hourly"),
    (re.compile(r"^fixed(?:[- ]price)?(?=\s*$|\s*\(|\s+\$)", re.I), "fixed"),
    (re.compile(r"^(?:entry level|intermediate|expert)$", re.I), "experience_level"),
    (re.compile(r"^posted\b|\bago$", re.I), "posted_at"),
    (re.compile(r"^payment (?:method )?(verified|unverified|not verified)$", re.I), "verified"),
    (re.compile(r"^\$\S+\s+(?:total\s+)?spent$", re.I), "client_total_spent"),
    (re.compile(r"^(less than \d+|\d+ to \d+|\d+\+) proposals$", re.I), "proposals"),
    (re.compile(r"^(?:rating:?\s*)?(\d(?:\.\d+)?) (?:of 5|stars?)$", re.I), "client_feedback"),
    (re.compile(r"^skills$", re.I), "skills"),
    (re.compile(r"^(?:less|more) than \d+ hrs?/week|^\d+ to \d+ months$", re.I), ""),
]


def read_fields(text: str, *, anchor: datetime) -> tuple[dict[str, Any], str]:
    """The job fields in one job's lines (``posted_at`` as a datetime, the rest as text for
    ``normalize_item``), and the lines left over: the description.

    A line is read as fields only when every part of it is one; an unlabelled place name next
    to the client's lines ("Payment verified · $10K+ spent · United States") is the country.
    """
    lines = [line.strip() for line in text.splitlines()]
    read = [_line_fields(line, anchor) if line else None for line in lines]
    fields: dict[str, Any] = {}
    description: list[str] = []
    # After a bare "Skills" line its tags follow, one or more a line, up to a blank line.
    skills: Literal["", "heading", "tags"] = ""
    for number, line in enumerate(lines):
        pairs = read[number]
        if pairs is not None:
            for name, value in pairs:
                if name == "skills":
                    fields.setdefault("skills", []).extend(_skills(value))
                else:
                    fields.setdefault(name, value)
            skills = "heading" if ("skills", "") in pairs else ""
        elif skills and (line or skills == "heading") and len(line) <= 80:
            if line:
                fields["skills"].extend(_skills(line))
                skills = "tags"
        elif _PLACE.match(line) and _near_client(read, lines, number):
            fields.setdefault("client_country", line)
        else:
            skills = ""
            description.append(line)
    return fields, tidy_text("\n".join(description))


def _line_fields(line: str, anchor: datetime) -> list[tuple[str, Any]] | None:
    """The fields of a line whose parts are all fields, else None (the line is text)."""
    parts = [part.strip() for part in _SEPARATOR.split(line) if part.strip()]
    read = [_part_fields(part, anchor) for part in parts]
    pairs = [pair for found in read if found for pair in found]
    unread = [part for part, found in zip(parts, read, strict=True) if found is None]
    if not unread:
        return pairs
    if len(unread) == 1 and _PLACE.match(unread[0]) and {n for n, _ in pairs} & _CLIENT_FIELDS:
        return [*pairs, ("client_country", unread[0])]
    return None


def _part_fields(part: str, anchor: datetime) -> list[tuple[str, Any]] | None:
    """The fields one part of a line fills ("Hourly: $25-$50" → type and rate); [] for a part
    that is known but fills none (the estimated duration); None for any other text."""
    if label := _FIELD_LABEL.match(part):
        key, value = re.sub(r"[^a-z]+", " ", label[1].lower()).strip(), label[2].strip()
        if key.startswith("hourly") or key in ("rate", "fixed price", "fixed"):
            kind, price = ("hourly", "hourly_rate") if "fixed" not in key else ("fixed", "budget")
            return [("job_type", kind), (price, value)]
        if key.startswith("posted"):
            return _posted(value, anchor)
        if key in _DURATION_LABELS:
            return []
        return [(_LABELS[key], value)] if key in _LABELS else None
    for pattern, name in _PATTERNS:
        if not (match := pattern.search(part)):
            continue
        if name in ("hourly", "fixed"):
            amount = (
                [("hourly_rate" if name == "hourly" else "budget", part)] if "$" in part else []
            )
            return [("job_type", name), *amount]
        if name == "posted_at":
            return _posted(part, anchor)
        if name == "verified":
            return [("client_payment_verified", str(match[1].lower() == "verified").lower())]
        if name in ("proposals", "client_feedback"):
            return [(name, match[1])]
        return [(name, "" if name == "skills" else part)] if name else []
    return None


def _posted(text: str, anchor: datetime) -> list[tuple[str, Any]] | None:
    """The time a part like "Posted 12 minutes ago" or "Posted on Nov 20, 2026" says, if any."""
    moment = parse_datetime(re.sub(r"^posted(?: on)?:?\s*", "", text, flags=re.I), anchor=anchor)
    return [("posted_at", moment)] if moment else None


def _skills(text: str) -> list[str]:
    return [s for s in (s.strip(" -") for s in _SKILL_SEPARATOR.split(text)) if s]


def _near_client(read: list[list[tuple[str, Any]] | None], lines: list[str], at: int) -> bool:
    """Whether the nearest non-blank line above or below ``at`` holds client fields."""
    for step in (-1, 1):
        other = at + step
        while 0 <= other < len(lines) and not lines[other]:
            other += step
        found = read[other] if 0 <= other < len(lines) else None
        if found and {name for name, _ in found} & _CLIENT_FIELDS:
            return True
    return False
