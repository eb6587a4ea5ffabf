"""What the week cost and earned, per bidder: LLM spend on drafts and regenerations, Connects
on sends, each per draft, reply and hire, and revenue from hires that recorded a contract value.

All are the week's activity: this week's spend over this week's drafts, replies or hires (the
usual blended cost per result; the replies may answer sends of earlier weeks).
"""

from __future__ import annotations

import pandas as pd

from analytics.report_model import TOTAL

_SUMMED = (
    "drafted",
    "regenerations",
    "sent",
    "replied",
    "hired",
    "connects",
    "llm_cost_usd",
    "valued_hires",
    "revenue_usd",
)
COLUMNS: tuple[str, ...] = (
    "bidder",
    "drafted",
    "regenerations",
    "llm_cost_usd",
    "llm_cost_per_draft_usd",
    "sent",
    "connects",
    "replied",
    "connects_per_reply",
    "llm_cost_per_reply_usd",
    "hired",
    "connects_per_hire",
    "llm_cost_per_hire_usd",
    "valued_hires",
    "revenue_usd",
)
_COUNTS = [name for name in _SUMMED if not name.endswith("_usd")]


def costs_table(rows: pd.DataFrame, bidders: list[str]) -> pd.DataFrame:
    """One row per bidder (every bidder listed), then the total. ``rows`` has a ``bidder``
    column and the per-proposal spend columns."""
    summed = rows.groupby("bidder")[list(_SUMMED)].sum(min_count=1).reindex(bidders)
    summed.loc[TOTAL] = rows[list(_SUMMED)].sum(min_count=1)
    summed[_COUNTS] = summed[_COUNTS].fillna(0).astype("int64")
    summed["llm_cost_usd"] = summed["llm_cost_usd"].fillna(0.0)
    # Revenue is known only from hires that recorded a contract value: none, no figure.
    summed["revenue_usd"] = summed["revenue_usd"].where(summed["valued_hires"] > 0)
    table = summed.rename_axis("bidder").reset_index()
    table["llm_cost_per_draft_usd"] = _per(table["llm_cost_usd"], table["drafted"])
    table["connects_per_reply"] = _per(table["connects"], table["replied"])
    table["connects_per_hire"] = _per(table["connects"], table["hired"])
    table["llm_cost_per_reply_usd"] = _per(table["llm_cost_usd"], table["replied"])
    table["llm_cost_per_hire_usd"] = _per(table["llm_cost_usd"], table["hired"])
    for name in COLUMNS:
        if name.endswith("_usd"):
            table[name] = table[name].astype("float64").round(6)
    return table[list(COLUMNS)]


def _per(amount: pd.Series, results: pd.Series) -> pd.Series:
    """``amount`` per result; NaN when there was no result."""
    return amount.astype("float64") / results.where(results > 0)
