"""The groups the funnel is cut into, each with a fixed order: client spend tiers, proposals
buckets, speed-to-send bands and hours of sending. Missing values form their own group,
``UNKNOWN``, listed last, so no proposal drops out of a table."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement

UNKNOWN = "unknown"

# Client spend tiers by the client's total spent on the marketplace (USD): (label, below).
SPEND_TIERS: tuple[tuple[str, float], ...] = (
    ("$0", 0.0),  # spent nothing yet: a new client (checked with <=, not <)
    ("< $1k", 1_000.0),
    ("$1k–$10k", 10_000.0),
    ("$10k–$100k", 100_000.0),
    ("$100k+", math.inf),
)
SPEND_ORDER: tuple[str, ...] = (*(label for label, _ in SPEND_TIERS), UNKNOWN)

# Speed to send: the time from the job's posting to our send, in seconds: (label, below).
SPEED_BANDS: tuple[tuple[str, float], ...] = (
    ("< 15 min", 15 * 60.0),
    ("15–60 min", 3600.0),
    ("1–4 h", 4 * 3600.0),
    ("4–24 h", 24 * 3600.0),
    ("> 24 h", math.inf),
)
SPEED_ORDER: tuple[str, ...] = (*(label for label, _ in SPEED_BANDS), UNKNOWN)
HOUR_ORDER: tuple[str, ...] = tuple(f"{hour:02d}:00" for hour in range(24))


def spend_tier(spent: Any) -> ColumnElement[str]:
    """The tier of a client-spend column, computed by the database (the same on both; the
    tests hold it and ``spend_tiers`` to the same edges)."""
    first, *rest = SPEND_TIERS
    whens: list[tuple[Any, str]] = [(spent.is_(None), UNKNOWN), (spent <= first[1], first[0])]
    whens += [(spent < below, label) for label, below in rest if math.isfinite(below)]
    return case(*whens, else_=rest[-1][0])


def spend_tiers(spent: pd.Series) -> pd.Series:
    """``spend_tier`` for values already read (a send's record, else the job's)."""
    first, *rest = SPEND_TIERS
    conditions = [spent.isna().to_numpy(), (spent <= first[1]).to_numpy()]
    labels = [UNKNOWN, first[0]]
    for label, below in rest:
        conditions.append((spent < below).to_numpy())
        labels.append(label)
    return pd.Series(np.select(conditions, labels, default=UNKNOWN), index=spent.index)


def speed_band(seconds: pd.Series) -> pd.Series:
    """Each send's speed band; a send whose job has no posting time is ``UNKNOWN``. A negative
    gap (the feed's clock ahead of ours) counts as instant."""
    edges = [-np.inf, *(below for _, below in SPEED_BANDS)]
    labels = [label for label, _ in SPEED_BANDS]
    bands = pd.cut(seconds.clip(lower=0), bins=edges, labels=labels, right=False)
    return bands.astype(object).where(seconds.notna(), UNKNOWN)


def send_hour(epoch_seconds: pd.Series, timezone: str) -> pd.Series:
    """The hour of the agency's wall clock each send happened in, as "09:00"."""
    stamps = pd.to_datetime(epoch_seconds, unit="s", utc=True).dt.tz_convert(timezone)
    hours = stamps.dt.hour
    return hours.map(lambda hour: UNKNOWN if pd.isna(hour) else f"{int(hour):02d}:00")


def bucket_order(labels: list[str]) -> list[str]:
    """Proposals buckets by their first number ("Less than 5" before "5 to 10", "50+" last)."""

    def key(label: str) -> tuple[int, float, str]:
        if label == UNKNOWN:
            return (1, 0.0, label)
        if label.lower().startswith("less than"):
            return (0, -1.0, label)
        number = re.search(r"\d+", label)
        return (0, float(number.group()) if number else math.inf, label)

    return sorted(labels, key=key)


def named(values: pd.Series) -> pd.Series:
    """Group names as text, missing or empty values named ``UNKNOWN``."""
    text = values.astype(object).where(values.notna(), UNKNOWN).map(str)
    return text.where(text.str.strip() != "", UNKNOWN)
