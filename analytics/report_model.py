"""What the weekly report says, before it is rendered: the numbers are computed once
(``analytics.report.build_weekly_report``) and every output — HTML with charts, the PDF printed
from that HTML, a CSV per table, the email — only presents them.

Conventions every table follows, so renderers can treat them alike:
- counts are ints; rates are floats in [0, 1] (NaN when the denominator is 0), each with
  ``<rate>_low`` / ``<rate>_high`` columns holding its Wilson 95% interval;
- money is USD floats in columns ending ``_usd``; durations are seconds in columns ending ``_s``;
- the first column names the group (``bidder``, ``variant``, ``category``...), and a table that
  has a total puts it in its last row, named ``TOTAL``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import pandas as pd

from analytics.weekly import IsoWeek

TOTAL = "All"

# The slugs ``build_weekly_report`` fills, in the order the report shows them; a slug is also
# the file name of the table's CSV.
TABLE_SLUGS: tuple[str, ...] = (
    "funnel_by_bidder",
    "funnel_by_variant",
    "funnel_by_category",
    "funnel_by_source",
    "funnel_by_proposals_bucket",
    "funnel_by_client_spend",
    "funnel_by_send_hour",
    "speed_to_send",
    "costs",
    "ab_tests",
    "weekly_trend",
)

ChangeKind = Literal["count", "rate", "usd", "seconds"]


@dataclass(frozen=True)
class ReportTable:
    slug: str  # one of TABLE_SLUGS
    title: str  # "Funnel by bidder"
    frame: pd.DataFrame
    note: str = ""  # one plain sentence under the table: what it counts, what is left out


@dataclass(frozen=True)
class Change:
    """A headline figure with last week's value beside it (None: not defined that week)."""

    label: str  # "Proposals sent"
    kind: ChangeKind
    value: float | None
    previous: float | None


@dataclass(frozen=True)
class Verdict:
    """One A/B comparison of two template variants' reply rates, in plain words."""

    a: str
    b: str
    sends_a: int
    replies_a: int
    sends_b: int
    replies_b: int
    difference: float  # reply rate of b minus reply rate of a
    p_value: float | None  # two-sided two-proportion z-test; None when it cannot be computed
    # "<b> beats <a>, 95% confidence" (variant names) / "not enough data yet: about N more sends
    # needed" / "no clear difference after N sends" (past the planned size: they reply alike)
    text: str
    more_sends_needed: int = 0  # N of "not enough data yet", over both variants; 0 otherwise


@dataclass(frozen=True)
class WeeklyReport:
    week: IsoWeek
    timezone: str  # the agency's, whose wall clock bounds the week
    start: datetime  # Monday 00:00 in ``timezone``, aware
    end: datetime  # the next Monday 00:00, aware
    generated_at: datetime
    headline: list[Change] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)

    def table(self, slug: str) -> ReportTable:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise KeyError(f"the report has no table '{slug}'")
