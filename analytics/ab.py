"""A/B tests of template variants: for each pair, the reply rates, their difference, a
two-sided two-proportion z-test and a verdict in plain words.

A test counts the sends of the report's window (the trend's weeks, ending with the report's
week) and the replies they got before the report's ``now``. Every pair is tested at 95% on its
own; with many variants, one pair in twenty may "win" by chance, so a verdict is a reason to
look closer, not a proof.

When no verdict is possible yet, the sends still needed come from a power calculation (80%
power, 5% level) at the observed reply rates, with two guards so the number stays finite:
- a rate of exactly 0 or 1 is planned as (replies + ½) / (sends + 1), since no sample proves
  that a template never (or always) gets a reply;
- a gap under one percentage point is planned as one point: smaller differences are not worth
  the sends it takes to prove them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from analytics.report_model import Verdict
from analytics.stats import ALPHA, sends_needed, two_proportion_test, wilson

MIN_GAP = 0.01  # one percentage point


@dataclass(frozen=True)
class VariantSends:
    variant: str
    sends: int
    replies: int


def verdict(a: VariantSends, b: VariantSends) -> Verdict:
    """The comparison of ``b`` against ``a``, with how many more sends (both variants
    together) a decision needs (0 once decided)."""
    test = two_proportion_test(a.replies, a.sends, b.replies, b.sends)
    more = 0
    if test.p_value is not None and test.p_value < ALPHA:
        winner, loser = (b, a) if test.difference > 0 else (a, b)
        text = f"{winner.variant} beats {loser.variant}, 95% confidence"
    else:
        more = more_sends_needed(a, b)
        text = (
            f"not enough data yet: about {more:,} more sends needed"
            if more > 0
            # Past the planned size without a decision: the gap is under MIN_GAP (the two
            # reply alike), or a planning guard made a rate look closer than it was.
            else f"no clear difference after {a.sends + b.sends:,} sends"
        )
    return Verdict(
        a=a.variant,
        b=b.variant,
        sends_a=a.sends,
        replies_a=a.replies,
        sends_b=b.sends,
        replies_b=b.replies,
        difference=test.difference,
        p_value=test.p_value,
        text=text,
        more_sends_needed=more,
    )


def more_sends_needed(a: VariantSends, b: VariantSends) -> int:
    """Sends still missing, over both variants, for an 80%-power test at the planned rates."""
    rate_a, rate_b = _planning_rate(a), _planning_rate(b)
    if abs(rate_b - rate_a) < MIN_GAP:
        rate_b = rate_a + MIN_GAP if rate_a + MIN_GAP < 1 else rate_a - MIN_GAP
    per_variant = sends_needed(rate_a, rate_b)
    return max(0, per_variant - a.sends) + max(0, per_variant - b.sends)


def _planning_rate(side: VariantSends) -> float:
    if 0 < side.replies < side.sends:
        return side.replies / side.sends
    return (side.replies + 0.5) / (side.sends + 1)


def ab_results(by_variant: pd.DataFrame) -> tuple[list[Verdict], pd.DataFrame]:
    """Every pair of variants with sends (``by_variant``: variant, sent, cohort_replied), in
    name order, as verdicts and as the report's ``ab_tests`` table."""
    ordered = by_variant.sort_values("variant")
    sides = [
        VariantSends(str(variant), int(sent), int(replied))
        for variant, sent, replied in zip(
            ordered["variant"].tolist(),
            ordered["sent"].tolist(),
            ordered["cohort_replied"].tolist(),
            strict=True,
        )
        if int(sent) > 0
    ]
    verdicts, rows = [], []
    for a, b in combinations(sides, 2):
        found = verdict(a, b)
        verdicts.append(found)
        rows.append(_row(found))
    return verdicts, pd.DataFrame(rows, columns=list(AB_COLUMNS))


AB_COLUMNS: tuple[str, ...] = (
    "comparison",
    "variant_a",
    "variant_b",
    "sends_a",
    "replies_a",
    "reply_rate_a",
    "reply_rate_a_low",
    "reply_rate_a_high",
    "sends_b",
    "replies_b",
    "reply_rate_b",
    "reply_rate_b_low",
    "reply_rate_b_high",
    "difference",
    "p_value",
    "more_sends_needed",
    "verdict",
)


def _row(found: Verdict) -> tuple[object, ...]:
    low_a, high_a = wilson(found.replies_a, found.sends_a)
    low_b, high_b = wilson(found.replies_b, found.sends_b)
    return (
        f"{found.a} vs {found.b}",
        found.a,
        found.b,
        found.sends_a,
        found.replies_a,
        found.replies_a / found.sends_a,
        low_a,
        high_a,
        found.sends_b,
        found.replies_b,
        found.replies_b / found.sends_b,
        low_b,
        high_b,
        found.difference,
        math.nan if found.p_value is None else found.p_value,
        found.more_sends_needed,
        found.text,
    )
