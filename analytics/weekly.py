"""The weekly per-bidder funnel: seen → passed → drafted → approved → sent → viewed → replied →
hired for one ISO week of the agency's calendar, with the rates between stages.

Plain functions over the tables and the event log, computed with pandas; the reports page and
its CSV download only render what these return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session, col

from analytics.event_queries import proposal_history
from analytics.funnel_spec import STAGES as REPORT_STAGES
from analytics.funnel_spec import Window
from analytics.triage_queries import triage_by_bidder
from analytics.week_rows import week_rows
from bidflow.models import Bidder

# The Reports page's stages: the report's, without the interview (the page predates it).
STAGES: tuple[str, ...] = tuple(stage for stage in REPORT_STAGES if stage != "interviewed")
# Each rate: (name, numerator stage, denominator stage).
RATES: tuple[tuple[str, str, str], ...] = (
    ("pass_rate", "passed", "seen"),
    ("approval_rate", "approved", "drafted"),
    ("view_rate", "viewed", "sent"),
    ("reply_rate", "replied", "sent"),
    ("win_rate", "hired", "sent"),
)
COLUMNS: tuple[str, ...] = ("bidder", *STAGES, *(name for name, _, _ in RATES), "llm_cost_usd")
TOTAL = "All bidders"

_PROPOSAL_COLUMNS = STAGES[2:]  # the rest come from triage
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# Spreadsheets run a cell starting with one of these as a formula; names come from the config.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week, "2026-W47": Monday to Sunday."""

    year: int
    week: int

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) on the wall clock of ``timezone``."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.monday, time(), tzinfo=zone)
        # Built from the date rather than start + 7 days, so a DST change keeps midnight.
        end = datetime.combine(self.monday + timedelta(days=7), time(), tzinfo=zone)
        return start, end

    def shifted(self, weeks: int) -> IsoWeek:
        return week_of(self.monday + timedelta(weeks=weeks))


def week_of(day: date) -> IsoWeek:
    year, week, _ = day.isocalendar()
    return IsoWeek(year, week)


def parse_iso_week(text: str) -> IsoWeek:
    """``"2026-W47"`` as a week; ValueError saying what is wrong otherwise."""
    match = _WEEK.match(text.strip())
    if match is None:
        raise ValueError(f"'{text}' is not an ISO week; write it as YYYY-Www, like 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(
            f"{year} has no week {week}; ISO weeks run from W01 to W52 (W53 in some years)"
        ) from None
    return IsoWeek(year, week)


def last_week(now: datetime, timezone: str) -> IsoWeek:
    """The ISO week before the one ``now`` falls in, on the wall clock of ``timezone``."""
    return week_of(now.astimezone(ZoneInfo(timezone)).date()).shifted(-1)


def weekly_funnel(*, session: Session, week: IsoWeek, timezone: str) -> pd.DataFrame:
    """One row per bidder (every bidder, zeros included) with each stage's count, the rates
    and the LLM cost of the week's drafts, then a total row named ``TOTAL``.

    Counted like the weekly report (``analytics.funnel_spec``): a proposal counts in a stage
    once, in the week the log first shows it there (a reply without a recorded view shows the
    view); a job counts as seen and passed for a bidder when it was triaged for them in the week.
    The rates here are the week's counts over each other, as the page has always shown them.
    """
    since, until = week.bounds(timezone)
    window = Window(since, until, now=until)  # a week's activity needs nothing after it
    rows = week_rows(proposal_history(session, since, until), window)
    counted = rows.groupby("bidder_id")[[*_PROPOSAL_COLUMNS, "llm_cost_usd"]].sum()
    triage = triage_by_bidder(session, window).set_index("bidder_id")
    bidders = session.execute(select(col(Bidder.id), col(Bidder.name))).all()
    table = pd.DataFrame(
        [(int(bidder_id), str(name)) for bidder_id, name in bidders], columns=["id", "bidder"]
    ).set_index("id")
    table = table.join(triage[["seen", "passed"]]).join(counted).sort_values("bidder")
    table = table.set_index("bidder")[[*STAGES, "llm_cost_usd"]].fillna(0)
    table.loc[TOTAL] = table.sum()
    table[list(STAGES)] = table[list(STAGES)].astype(int)
    table["llm_cost_usd"] = table["llm_cost_usd"].astype(float).round(4)
    return add_rates(table.rename_axis("bidder").reset_index())[list(COLUMNS)]


def add_rates(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a column per rate in ``RATES``: empty (NaN) when its denominator is 0."""
    table = table.copy()
    for name, numerator, denominator in RATES:
        below = table[denominator].where(table[denominator] > 0)
        table[name] = (table[numerator] / below).round(3)
    return table


def funnel_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as plain dicts for a template: counts as int, missing rates as None."""
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    return [{str(key): value for key, value in row.items()} for row in records]


def funnel_csv(table: pd.DataFrame) -> str:
    """The funnel as CSV text, with names that a spreadsheet would run as formulas defused."""
    safe = table.assign(bidder=table["bidder"].map(_defuse))
    text: str = safe.to_csv(index=False, lineterminator="\r\n")
    return text


def _defuse(name: object) -> str:
    text = str(name)
    return f"'{text}" if text.startswith(_FORMULA_START) else text
