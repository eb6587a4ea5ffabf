"""How the weekly report writes a number for a person: rates as percentages with their 95%
interval, money in dollars, durations in minutes and hours, and a change against last week as an
arrow with points (rates) or percent (everything else). Missing values are an em dash.

The HTML page, the email's text and the charts' alt text all use these, so a figure reads the
same everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from analytics.report_model import Change, ChangeKind

DASH = "—"
MINUS = "\u2212"  # a real minus sign: a hyphen is easy to miss in front of a number
Tone = Literal["good", "bad", "flat", "none"]
# Kinds where a rise is bad news: spending more, or taking longer.
_LOWER_IS_BETTER: frozenset[ChangeKind] = frozenset({"usd", "seconds"})


def is_missing(value: object) -> bool:
    """None, NaN or pandas' NA/NaT: a figure that is not defined (a rate over zero sends)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NA and NaT are unequal to themselves
    except (TypeError, ValueError):
        return False


def percent(rate: object) -> str:
    """A rate in [0, 1] as a whole percentage ("24%"), "<1%" for tiny non-zero rates."""
    if is_missing(rate):
        return DASH
    value = float(rate) + 0.0  # type: ignore[arg-type]  # (+ 0.0 turns -0.0 into 0.0)
    if 0 < value < 0.005:
        return "<1%"
    return f"{value * 100:.0f}%"


def rate_with_interval(rate: object, low: object = None, high: object = None) -> str:
    """ "24% (18–31%)": the rate and its 95% interval; the rate alone when there is none."""
    if is_missing(rate):
        return DASH
    if is_missing(low) or is_missing(high):
        return percent(rate)
    return f"{percent(rate)} ({percent(low).rstrip('%')}–{percent(high)})"


def count(value: object) -> str:
    return DASH if is_missing(value) else f"{round(float(value)):,}"  # type: ignore[arg-type]


def usd(value: object) -> str:
    if is_missing(value):
        return DASH
    amount = float(value)  # type: ignore[arg-type]
    sign = MINUS if amount < 0 else ""
    # LLM costs are often fractions of a cent per draft: a third decimal keeps them visible.
    decimals = 3 if 0 < abs(amount) < 1 else 2
    return f"{sign}${abs(amount):,.{decimals}f}"


def duration(seconds: object) -> str:
    """ "45 s", "12 min", "3 h 20 min", "2.5 days"."""
    if is_missing(seconds):
        return DASH
    total = float(seconds)  # type: ignore[arg-type]
    if total < 60:
        return f"{total:.0f} s"
    minutes = round(total / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{total / 86400:.1f} days"


def number(value: object) -> str:
    """Any other float: up to three decimals, without trailing zeros ("0.032", "1.5")."""
    if is_missing(value):
        return DASH
    if isinstance(value, int | bool):
        return f"{value:,}"
    text = f"{float(value):,.3f}".rstrip("0").rstrip(".")  # type: ignore[arg-type]
    return text.replace("-", MINUS)


def points(difference: object) -> str:
    """A difference of two rates in percentage points, signed: "+3.0 pts", "−2.5 pts"."""
    if is_missing(difference):
        return DASH
    value = float(difference) * 100  # type: ignore[arg-type]
    return f"{_sign(value)}{abs(value):.1f} pts"


def figure(kind: ChangeKind, value: object) -> str:
    """A headline value in the units of its kind."""
    if kind == "rate":
        return percent(value)
    if kind == "usd":
        return usd(value)
    if kind == "seconds":
        return duration(value)
    return count(value)


@dataclass(frozen=True)
class ChangeText:
    """A headline figure's move since last week, ready to show."""

    arrow: str  # ▲ ▼ or ▶ (unchanged); empty when there is nothing to compare
    text: str  # "+3.0 pts", "+14%", "new", "no change", "—"
    tone: Tone  # colours the arrow: good news, bad news, flat, or nothing to compare

    def __str__(self) -> str:
        return f"{self.arrow} {self.text}".strip()


def change(item: Change) -> ChangeText:
    """How ``item`` moved: points for rates, percent of last week's value for the rest."""
    if is_missing(item.value) or is_missing(item.previous):
        return ChangeText("", DASH, "none")
    value, previous = float(item.value or 0), float(item.previous or 0)
    if math.isclose(value, previous, abs_tol=1e-9):
        return ChangeText("▶", "no change", "flat")
    rising = value > previous
    tone: Tone = "good" if rising != (item.kind in _LOWER_IS_BETTER) else "bad"
    arrow = "▲" if rising else "▼"
    if item.kind == "rate":
        return ChangeText(arrow, points(value - previous), tone)
    if previous == 0:
        return ChangeText(arrow, "new", tone)
    relative = (value - previous) / abs(previous) * 100
    return ChangeText(arrow, f"{_sign(relative)}{abs(relative):.0f}%", tone)


def week_dates(start: datetime, end: datetime) -> str:
    """The days of a week from its [start, end) bounds: "16–22 Nov 2026", "30 Nov – 6 Dec 2026",
    "29 Dec 2025 – 4 Jan 2026"."""
    last = (end - timedelta(days=1)).date()
    first = start.date()
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day}–{last.day} {last:%b %Y}"


def _sign(value: float) -> str:
    return "+" if value >= 0 else MINUS
