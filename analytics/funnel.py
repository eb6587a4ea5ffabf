"""Funnel tables: the week's per-proposal rows and triage counts cut by one group (bidder,
variant, category...), with each rate, its Wilson 95% interval, and a total row last."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.funnel_spec import RATES, STAGES
from analytics.groups import UNKNOWN
from analytics.report_model import TOTAL
from analytics.stats import wilson_bounds
from analytics.week_rows import FLAG_COLUMNS


def by_name(names: list[str]) -> list[str]:
    """Alphabetically, ignoring case, with the unknown group last."""
    return sorted(names, key=lambda name: (name == UNKNOWN, name.casefold()))


@dataclass(frozen=True)
class Cut:
    """How one funnel table groups: its group column, the stages it shows, the groups it
    always lists (even with nothing in them) in their order, and how it sorts the others."""

    group: str
    stages: Sequence[str] = STAGES
    listed: Sequence[str] = ()
    sort: Callable[[list[str]], list[str]] = by_name


def funnel_table(
    rows: pd.DataFrame,
    cut: Cut,
    triage: pd.DataFrame | None = None,
    triage_total: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """``rows``: per-proposal flags with a ``cut.group`` column; ``triage``: seen and passed
    per group (when ``cut.stages`` starts at seen). ``triage_total`` overrides the total row's
    seen and passed, for cuts where a job counts in several groups (bidders)."""
    counts = rows.groupby(cut.group, dropna=False)[list(FLAG_COLUMNS)].sum()
    if "seen" in cut.stages:
        seen = triage.groupby(cut.group)[["seen", "passed"]].sum() if triage is not None else None
        counts = counts.join(seen, how="outer") if seen is not None else counts
    columns = list(_count_columns(cut.stages))
    counts = counts.reindex(columns=columns).fillna(0).astype("int64")
    table = counts.reindex(_groups(counts, cut), fill_value=0)
    total = table.sum()
    if triage_total is not None:
        total["seen"], total["passed"] = triage_total
    table.loc[TOTAL] = total
    table = table.astype("int64").rename_axis(cut.group).reset_index()
    return with_rates(table)


def with_rates(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every rate whose two counts it has: the rate (NaN over 0), then its
    ``_low`` and ``_high`` Wilson bounds, after the counts."""
    table = table.copy()
    for rate in RATES:
        if rate.numerator not in table.columns or rate.denominator not in table.columns:
            continue
        numerator, denominator = table[rate.numerator], table[rate.denominator]
        table[rate.name] = numerator / denominator.where(denominator > 0)
        table[f"{rate.name}_low"], table[f"{rate.name}_high"] = wilson_bounds(
            numerator.tolist(), denominator.tolist()
        )
    return table


def _count_columns(stages: Sequence[str]) -> list[str]:
    """The stages, then the cohort counts whose rates the table shows."""
    cohorts = [r.numerator for r in RATES if r.denominator in stages and r.numerator not in stages]
    return [*stages, *cohorts]


def _groups(counts: pd.DataFrame, cut: Cut) -> list[str]:
    """Listed groups first, then any other group with something in it."""
    busy = [str(name) for name in counts.index[counts.sum(axis=1) > 0]]
    return [*cut.listed, *cut.sort([name for name in busy if name not in cut.listed])]
