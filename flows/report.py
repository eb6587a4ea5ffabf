"""Report: the per-bidder conversion table, written as CSV under $BIDFLOW_HOME/reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from analytics.conversion import conversion_by_bidder
from bidflow import db
from flows.context import FlowContext, flow_context


def conversion_report(
    context: FlowContext, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    with db.session_scope(context.url) as session:
        return conversion_by_bidder(session=session, since=since, until=until)


@task(name="conversion-report", cache_policy=NO_CACHE)
def report_task(context: FlowContext, csv_path: str | None) -> pd.DataFrame:
    table = conversion_report(context)
    if csv_path:
        Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(csv_path, index=False)
    return table


@flow(name="report")
def report_flow(config_path: str | None = None, csv_path: str | None = None) -> pd.DataFrame:
    """Compute the per-bidder conversion table (and write it as CSV when a path is given)."""
    table = report_task(flow_context(config_path), csv_path)
    get_run_logger().info(
        "report: %d bidders, %d proposals drafted", len(table), table["drafted"].sum()
    )
    return table
