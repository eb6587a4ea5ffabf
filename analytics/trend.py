"""The weekly trend (the report's week and the weeks before it, one row each) and the headline
figures with last week's values beside them.

Each trend row is a week's funnel total, summed from the same per-proposal rows as the funnel
tables, so the last row always equals the funnel's total row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from analytics.funnel import with_rates
from analytics.funnel_spec import SPEND_COLUMNS, STAGES, Window
from analytics.report_model import Change, ChangeKind
from analytics.week_rows import FLAG_COLUMNS
from analytics.weekly import IsoWeek

TREND_WEEKS = 6  # six weeks: enough to see a direction; also the A/B tests' window


@dataclass(frozen=True)
class TrendWeek:
    week: IsoWeek
    window: Window


def trend_weeks(week: IsoWeek, timezone: str, now: datetime) -> list[TrendWeek]:
    """The ``TREND_WEEKS`` weeks ending with ``week``, oldest first, each read at ``now``."""
    weeks = [week.shifted(offset) for offset in range(1 - TREND_WEEKS, 1)]
    return [TrendWeek(w, Window(*w.bounds(timezone), now=now)) for w in weeks]


def trend_table(
    weeks: list[TrendWeek], totals: list[pd.DataFrame], triage: pd.DataFrame
) -> pd.DataFrame:
    """One row per week: ``totals`` are each week's sums per variant (``totals_by_variant``),
    ``triage`` the seen and passed jobs per week index."""
    summed = [frame[[*FLAG_COLUMNS, *SPEND_COLUMNS]].sum(min_count=1) for frame in totals]
    table = pd.DataFrame(summed, index=range(len(weeks)))
    seen = triage.set_index("week_index")[["seen", "passed"]]
    table = table.join(seen.reindex(table.index))
    counts = [*STAGES, *(c for c in FLAG_COLUMNS if c not in STAGES), "regenerations", "connects"]
    counts.append("valued_hires")
    table[counts] = table[counts].fillna(0).astype("int64")
    table["llm_cost_usd"] = table["llm_cost_usd"].fillna(0.0).astype("float64").round(6)
    revenue = table["revenue_usd"].astype("float64").round(6)
    table["revenue_usd"] = revenue.where(table["valued_hires"] > 0)
    table.insert(0, "week", [str(w.week) for w in weeks])
    order = ["week", *STAGES, *(c for c in FLAG_COLUMNS if c not in STAGES)]
    table = with_rates(table[[*order, *SPEND_COLUMNS]])
    rates = [c for c in table.columns if c not in order and c not in SPEND_COLUMNS]
    return table[[*order, *rates, *SPEND_COLUMNS]]


# Headline figures: (label, kind, trend column).
_HEADLINE: tuple[tuple[str, ChangeKind, str], ...] = (
    ("Jobs seen", "count", "seen"),
    ("Proposals sent", "count", "sent"),
    ("Replies", "count", "replied"),
    ("Reply rate", "rate", "reply_rate"),
    ("Hires", "count", "hired"),
    ("Win rate", "rate", "win_rate"),
    ("Connects spent", "count", "connects"),
    ("LLM cost", "usd", "llm_cost_usd"),
    ("Revenue", "usd", "revenue_usd"),
)


def headline(
    trend: pd.DataFrame, median_speed: float | None, previous_median_speed: float | None
) -> list[Change]:
    """The report week's figures (the trend's last row) against the week before."""
    this, before = trend.iloc[-1], trend.iloc[-2] if len(trend) > 1 else None
    changes = [
        Change(
            label, kind, _value(this[column]), _value(None if before is None else before[column])
        )
        for label, kind, column in _HEADLINE
    ]
    changes.insert(6, Change("Median time to send", "seconds", median_speed, previous_median_speed))
    return changes


def _value(value: Any) -> float | None:
    """A figure as a float; None when it is not defined (a rate over no sends)."""
    number = None if value is None else float(value)
    return None if number is None or math.isnan(number) else number
