"""Weekly reports built by hand, shaped like ``analytics.report.build_weekly_report``'s: every
table of ``TABLE_SLUGS`` with the model's column conventions (counts as ints, rates in [0, 1]
with Wilson ``_low``/``_high`` columns, NaN over zero sends, ``_usd`` and ``_s`` columns, the
total last as ``TOTAL``), headline changes and A/B verdicts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd

from analytics.report_model import TOTAL, Change, ReportTable, Verdict, WeeklyReport
from analytics.weekly import IsoWeek

WEEK = IsoWeek(2026, 47)  # Monday 16 to Sunday 22 November 2026
TIMEZONE = "Europe/Berlin"
BIDDERS = ("Ana Ribeiro", "Marcus Chen", "Priya Nair")
HOSTILE_BIDDER = '<script>alert("bidder")</script> & Co'
HOSTILE_CATEGORY = '=HYPERLINK("http://evil.test","x") <img src=x onerror=alert(1)>'
# seen, passed, drafted, approved, sent, viewed, replied, hired per bidder, in order.
_FUNNELS = (
    (412, 96, 40, 31, 28, 19, 7, 2),
    (388, 71, 33, 25, 22, 12, 4, 1),
    (250, 40, 12, 9, 0, 0, 0, 0),  # no sends: every rate over sends is NaN
)


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson 95% interval of successes / trials; NaN for no trials."""
    if trials == 0:
        return math.nan, math.nan
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    spread /= 1 + z * z / trials
    return max(round(centre - spread, 3), 0.0), min(round(centre + spread, 3), 1.0)


def with_rate(frame: pd.DataFrame, name: str, numerator: str, denominator: str) -> pd.DataFrame:
    frame = frame.copy()
    over = frame[denominator].where(frame[denominator] > 0)
    frame[name] = (frame[numerator] / over).round(3)
    bounds = [
        wilson(int(n), int(d)) for n, d in zip(frame[numerator], frame[denominator], strict=True)
    ]
    frame[f"{name}_low"] = [low for low, _ in bounds]
    frame[f"{name}_high"] = [high for _, high in bounds]
    return frame


def _with_total(frame: pd.DataFrame, group: str, counts: Sequence[str]) -> pd.DataFrame:
    total = {group: TOTAL, **{name: int(frame[name].sum()) for name in counts}}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def small_funnel(group: str, rows: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """group, sent, replied, hired, reply and win rates with intervals, a total row."""
    frame = pd.DataFrame(
        [{group: name, "sent": s, "replied": r, "hired": h} for name, (s, r, h) in rows.items()]
    )
    frame = _with_total(frame, group, ("sent", "replied", "hired"))
    frame = with_rate(frame, "reply_rate", "replied", "sent")
    return with_rate(frame, "win_rate", "hired", "sent")


def bidder_funnel(bidders: Sequence[str]) -> pd.DataFrame:
    stages = ("seen", "passed", "drafted", "approved", "sent", "viewed", "replied", "hired")
    rows = [
        {"bidder": name, **dict(zip(stages, _FUNNELS[i % len(_FUNNELS)], strict=True))}
        for i, name in enumerate(bidders)
    ]
    frame = _with_total(pd.DataFrame(rows), "bidder", stages)
    for name, numerator, denominator in (
        ("pass_rate", "passed", "seen"),
        ("approval_rate", "approved", "drafted"),
        ("view_rate", "viewed", "sent"),
        ("reply_rate", "replied", "sent"),
        ("win_rate", "hired", "sent"),
    ):
        frame = with_rate(frame, name, numerator, denominator)
    frame["llm_cost_usd"] = [0.412 * (i + 1) for i in range(len(frame) - 1)] + [0.0]
    frame.loc[frame.index[-1], "llm_cost_usd"] = frame["llm_cost_usd"].iloc[:-1].sum()
    return frame


def tables(bidders: Sequence[str], category: str) -> list[ReportTable]:
    speed = small_funnel(
        "speed",
        {"< 15 min": (14, 6, 2), "15–60 min": (20, 4, 1), "1–4 h": (16, 1, 0), "> 4 h": (0, 0, 0)},
    ).drop(columns=["win_rate", "win_rate_low", "win_rate_high"])
    speed["median_send_delay_s"] = [540.0, 2160.0, 7920.0, math.nan, 1980.0]
    drafts = [_FUNNELS[i % len(_FUNNELS)][2] for i in range(len(bidders))]
    spend = [round(0.0103 * n * (i + 1), 2) for i, n in enumerate(drafts)]
    costs = pd.DataFrame(
        {
            "bidder": [*bidders, TOTAL],
            "drafts": [*drafts, sum(drafts)],
            "llm_cost_usd": [*spend, round(sum(spend), 2)],
            "cost_per_send_usd": [0.015, 0.037, *([math.nan] * (len(bidders) - 1))][: len(bidders)]
            + [0.049],
        }
    )
    ab = pd.DataFrame(
        {
            "comparison": ["proposal vs proposal_b"],
            "sends_a": [26],
            "replies_a": [3],
            "sends_b": [24],
            "replies_b": [8],
            "difference": [0.218],
            "p_value": [0.041],
        }
    )
    weeks = [str(WEEK.shifted(offset)) for offset in range(-5, 1)]
    trend = small_funnel(
        "week",
        dict(
            zip(
                weeks,
                [(30, 5, 1), (34, 6, 2), (0, 0, 0), (41, 8, 2), (37, 7, 1), (50, 11, 3)],
                strict=True,
            )
        ),
    ).iloc[:-1]  # a trend has no total row
    return [
        ReportTable(
            "funnel_by_bidder",
            "Funnel by bidder",
            bidder_funnel(bidders),
            "Counts by the week an event happened.",
        ),
        ReportTable(
            "funnel_by_variant",
            "Funnel by template variant",
            small_funnel("variant", {"proposal": (26, 3, 1), "proposal_b": (24, 8, 2)}),
        ),
        ReportTable(
            "funnel_by_category",
            "Funnel by category",
            small_funnel("category", {"Web Development": (30, 7, 2), category: (20, 4, 1)}),
        ),
        ReportTable(
            "funnel_by_source",
            "Funnel by source",
            small_funnel("source", {"upwork-api": (35, 9, 2), "rss": (15, 2, 1)}),
        ),
        ReportTable(
            "funnel_by_proposals_bucket",
            "Funnel by competition",
            small_funnel(
                "proposals_bucket",
                {"Less than 5": (12, 5, 2), "5 to 10": (25, 5, 1), "20 to 50": (13, 1, 0)},
            ),
        ),
        ReportTable(
            "funnel_by_client_spend",
            "Funnel by client spend",
            small_funnel(
                "client_spend", {"$0": (10, 1, 0), "$1–10k": (22, 5, 1), "$10k+": (18, 5, 2)}
            ),
        ),
        ReportTable(
            "funnel_by_send_hour",
            "Funnel by hour sent",
            small_funnel(
                "send_hour", {"08–12": (21, 6, 2), "12–16": (19, 4, 1), "16–20": (10, 1, 0)}
            ),
        ),
        ReportTable(
            "speed_to_send",
            "Reply rate by speed to send",
            speed,
            "From the job's posting to our send.",
        ),
        ReportTable("costs", "Costs", costs),
        ReportTable("ab_tests", "A/B tests", ab),
        ReportTable("weekly_trend", "Weekly trend", trend),
    ]


def sample_report(
    *,
    bidders: Sequence[str] = BIDDERS,
    category: str = "Data Science",
    week: IsoWeek = WEEK,
    timezone: str = TIMEZONE,
    headline: Sequence[Change] | None = None,
) -> WeeklyReport:
    start, end = week.bounds(timezone)
    return WeeklyReport(
        week=week,
        timezone=timezone,
        start=start,
        end=end,
        generated_at=datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        headline=list(headline if headline is not None else HEADLINE),
        tables=tables(bidders, category),
        verdicts=list(VERDICTS),
    )


HEADLINE = (
    Change("Proposals sent", "count", 50, 40),
    Change("Reply rate", "rate", 0.22, 0.19),
    Change("Win rate", "rate", 0.06, 0.075),
    Change("Hires", "count", 3, 0),
    Change("LLM cost", "usd", 2.47, 1.90),
    Change("Median time to send", "seconds", 1980, 2700),
    Change("Connects spent", "count", 800, None),
)
VERDICTS = (
    Verdict("proposal", "proposal_b", 26, 3, 24, 8, 0.218, 0.041, "B beats A, 95% confidence"),
    Verdict(
        "proposal",
        "proposal_short",
        9,
        1,
        7,
        1,
        0.032,
        None,
        "not enough data yet: about 120 more sends needed",
    ),
)
