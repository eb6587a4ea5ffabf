"""One week's view of ``proposal_history``: per proposal, 0/1 flags for each stage first
reached in the week, the cohort flags (drafted or sent in the week, and reached a later stage
by now), and what the week spent and earned because of it (see ``analytics.funnel_spec``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.funnel_spec import COHORT, PROPOSAL_STAGES, SPEND_COLUMNS, Window

FLAG_COLUMNS: tuple[str, ...] = (*PROPOSAL_STAGES, *(name for name, _ in COHORT.values()))


def week_rows(history: pd.DataFrame, window: Window) -> pd.DataFrame:
    """The proposals with something to count in ``window``, one row each: proposal_id,
    bidder_id, variant, the flags ``FLAG_COLUMNS``, the spend columns and ``sent_epoch``."""
    start, until = window.start.timestamp(), window.until.timestamp()
    times = {stage: history[f"{stage}_at"].to_numpy() for stage in PROPOSAL_STAGES}
    # NaN compares false, so a stage never reached is never in the week.
    within = {stage: (at >= start) & (at < until) for stage, at in times.items()}
    flags = {stage: within[stage] for stage in PROPOSAL_STAGES}
    for stage, (name, entry) in COHORT.items():
        flags[name] = within[entry] & ~np.isnan(times[stage])
    drafted, sent, hired = within["drafted"], within["sent"], within["hired"]
    contract = history["contract_value_usd"].to_numpy()
    rows = pd.DataFrame({name: flag.astype("int64") for name, flag in flags.items()})
    # A draft's cost, regenerations included, counts in the week it was drafted; Connects in
    # the week of the send; a contract value in the week of the hire.
    rows["regenerations"] = np.where(drafted, history["regenerations"].fillna(0), 0)
    rows["llm_cost_usd"] = np.where(drafted, history["llm_cost_usd"].fillna(0.0), 0.0)
    rows["connects"] = np.where(sent, history["connects"].fillna(0), 0).astype("int64")
    rows["revenue_usd"] = np.where(hired, contract, np.nan)
    rows["valued_hires"] = (hired & ~np.isnan(contract)).astype("int64")
    rows["regenerations"] = rows["regenerations"].astype("int64")
    # When it was sent, even in an earlier week (-inf: before the weeks read): news on a
    # proposal is grouped by the hour it went out, and by what its send recorded.
    rows["sent_epoch"] = times["sent"]
    for name in ("proposal_id", "bidder_id", "variant", "sent_bucket", "sent_spend"):
        rows[name] = history[name].to_numpy()
    counted = rows[list(FLAG_COLUMNS)].sum(axis=1) > 0
    return rows.loc[counted].reset_index(drop=True)


def totals_by_variant(rows: pd.DataFrame) -> pd.DataFrame:
    """A week's flags and spend summed per template variant (the trend and the A/B tests)."""
    summed = rows.groupby("variant")[[*FLAG_COLUMNS, *SPEND_COLUMNS]].sum(min_count=1)
    return summed.reset_index()
