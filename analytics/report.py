"""The weekly report's numbers: ``build_weekly_report`` fills every table of ``TABLE_SLUGS``,
the headline and the A/B verdicts from the event log and triage decisions.

The database does the heavy work: one aggregate read of the trend's weeks of events, in time
order through an index, gives one row per proposal with when it first reached each stage
(``analytics.event_queries``); every week's counts are arithmetic on those rows, and pandas
only cuts the report week's rows into groups. What a number means is in
``analytics.funnel_spec`` and docs/analytics.md.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select, text
from sqlmodel import Session, col

from analytics.ab import ab_results
from analytics.costs import costs_table
from analytics.event_queries import proposal_history
from analytics.funnel import Cut, funnel_table
from analytics.funnel_spec import AFTER_SEND_STAGES, PROPOSAL_STAGES, Window
from analytics.groups import HOUR_ORDER, SPEND_ORDER, bucket_order, named
from analytics.labels import labelled
from analytics.report_model import ReportTable, WeeklyReport
from analytics.speed import median_speed, speed_table
from analytics.trend import TREND_WEEKS, headline, trend_table, trend_weeks
from analytics.triage_queries import (
    JOB_GROUPS,
    triage_by_bidder,
    triage_by_job_groups,
    triage_by_week,
)
from analytics.week_rows import totals_by_variant, week_rows
from analytics.weekly import IsoWeek
from bidflow.models import Bidder

# Every funnel note ends alike: how its rates are counted (docs/analytics.md says more).
_RATES = "rates follow this week's drafts (approval) and sends (the rest) up to the report's time."
_CUTS: tuple[tuple[str, str, Cut, str], ...] = (
    (
        "funnel_by_bidder",
        "Funnel by bidder",
        Cut("bidder"),
        "Per bidder: jobs triaged for them, and proposals in the week the log first shows them at"
        " a stage (the total counts each job once);",
    ),
    (
        "funnel_by_variant",
        "Funnel by template variant",
        Cut("variant", PROPOSAL_STAGES),
        "Per template variant, from the draft on (a job has no variant before it);",
    ),
    (
        "funnel_by_category",
        "Funnel by category",
        Cut("category"),
        "Per job category, each stage in the week the log first shows it;",
    ),
    (
        "funnel_by_source",
        "Funnel by source",
        Cut("source"),
        "Per feed the job came from, each stage in the week the log first shows it;",
    ),
    (
        "funnel_by_proposals_bucket",
        "Funnel by competition",
        Cut("proposals_bucket", sort=bucket_order),
        "Per the job's proposals count when we sent (before a send: as first seen);",
    ),
    (
        "funnel_by_client_spend",
        "Funnel by client spend",
        Cut("client_spend", listed=SPEND_ORDER[:-1]),
        "Per the client's total spend when we sent (before a send: as first seen);",
    ),
    (
        "funnel_by_send_hour",
        "Funnel by hour sent",
        Cut("send_hour", AFTER_SEND_STAGES, listed=HOUR_ORDER),
        "Per hour of our send on the agency's clock, news on earlier sends under their hour;",
    ),
)


def build_weekly_report(
    *, session: Session, week: IsoWeek, timezone: str, now: datetime
) -> WeeklyReport:
    """Every number of ``week`` (on ``timezone``'s wall clock) as the log stood at ``now``."""
    weeks = trend_weeks(week, timezone, now)
    window = weeks[-1].window
    _prefer_short_plans(session)
    history = proposal_history(session, weeks[0].window.start, now)
    names = _bidder_names(session)
    each_week = [week_rows(history, w.window) for w in weeks]
    # This week's rows are cut into tables; last week's give the headline's median speed.
    rows, rows_before = labelled(session, [each_week[-1], each_week[-2]], names, timezone)
    tables = _funnel_tables(session, window, rows, names)
    totals = [totals_by_variant(found) for found in each_week]
    trend = trend_table(weeks, totals, triage_by_week(session, [w.window for w in weeks]))
    by_variant = pd.concat(totals).groupby("variant", as_index=False)[["sent", "cohort_replied"]]
    verdicts, ab_frame = ab_results(by_variant.sum())
    speed_before = median_speed(rows_before)
    tables += [
        ReportTable(
            "speed_to_send",
            "Reply rate by speed to send",
            speed_table(rows),
            "This week's sends by the time from the job's posting to our send; replies so far.",
        ),
        ReportTable(
            "costs",
            "Costs",
            costs_table(rows, sorted(names.values(), key=str.casefold)),
            "What this week's drafts cost to write (regenerations included) and its sends in"
            " Connects, per draft, reply and hire of this week; revenue from this week's hires"
            " with a contract value.",
        ),
        ReportTable(
            "ab_tests",
            "A/B tests",
            ab_frame,
            f"Reply rates of each pair of variants over the {TREND_WEEKS} weeks to this one,"
            " replies so far; two-sided z-test at 95%.",
        ),
        ReportTable(
            "weekly_trend",
            "Weekly trend",
            trend,
            f"The last {TREND_WEEKS} weeks counted like this one, each as of this report.",
        ),
    ]
    return WeeklyReport(
        week=week,
        timezone=timezone,
        start=window.start,
        end=window.end,
        generated_at=now,
        headline=headline(trend, median_speed(rows), speed_before),
        tables=tables,
        verdicts=verdicts,
    )


def _funnel_tables(
    session: Session, window: Window, rows: pd.DataFrame, names: dict[int, str]
) -> list[ReportTable]:
    by_bidder = triage_by_bidder(session, window)
    by_bidder["bidder"] = by_bidder["bidder_id"].map(lambda i: names.get(i, f"bidder #{i}"))
    by_job = triage_by_job_groups(session, window)
    for group in JOB_GROUPS:
        by_job[group] = named(by_job[group])
    jobs_total = (int(by_job["seen"].sum()), int(by_job["passed"].sum()))
    everyone = sorted(names.values(), key=str.casefold)
    tables = []
    for slug, title, cut, note in _CUTS:
        if cut.group == "bidder":
            cut = Cut("bidder", listed=everyone)
            frame = funnel_table(rows, cut, by_bidder, triage_total=jobs_total)
        else:
            frame = funnel_table(rows, cut, by_job if cut.group in JOB_GROUPS else None)
        tables.append(ReportTable(slug, title, frame, f"{note} {_RATES}"))
    return tables


def _prefer_short_plans(session: Session) -> None:
    """PostgreSQL settings for this transaction only: no JIT compilation (it costs seconds on
    the report's large read and saves less), and sorts and hashes of a few hundred thousand
    proposals in memory rather than in temporary files."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))


def _bidder_names(session: Session) -> dict[int, str]:
    found = session.execute(select(col(Bidder.id), col(Bidder.name))).all()
    return {int(bidder_id): str(name) for bidder_id, name in found}
