"""Money and lengths of time in the words a person would use, for pages, reasons and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta


def span(length: timedelta) -> str:
    """A length of time in the unit a person would use: "under 1 min", "12 min", "3 h", "2 d"."""
    minutes = int(length.total_seconds() // 60)
    if minutes < 1:
        return "under 1 min"  # also a clock slightly behind the other side's
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def ago(when: datetime | None, *, now: datetime, unknown: str = "posting time unknown") -> str:
    """How long before ``now`` something happened: "just now", "14 min ago", "3 h ago"."""
    if when is None:
        return unknown
    if now - when < timedelta(minutes=1):
        return "just now"  # also covers clocks slightly ahead of ours
    return f"{span(now - when)} ago"


def money(amount: float) -> str:
    """US dollars the way a marketplace shows them: ``$1,500``, ``$12.50``."""
    if amount == int(amount):
        return f"${int(amount):,}"
    return f"${amount:,.2f}"
