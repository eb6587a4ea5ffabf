"""The report week's per-proposal rows with every group a funnel table cuts by, named as the
table shows it: bidder, variant, the job's category and source, the competition and client
spend its send recorded (the job's stored values when the send recorded none), and the hour of
the send on the agency's clock."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlmodel import Session

from analytics.event_queries import SEND_COLUMNS, earlier_sends, job_groups
from analytics.groups import UNKNOWN, named, send_hour, spend_tiers

NAMED_GROUPS: tuple[str, ...] = ("variant", "category", "source", "proposals_bucket")


def labelled(
    session: Session, weeks: list[pd.DataFrame], names: dict[int, str], timezone: str
) -> list[pd.DataFrame]:
    """Each of ``weeks`` (``week_rows`` frames) with its groups; one read for all of them."""
    ids = sorted({int(i) for rows in weeks for i in rows["proposal_id"]})
    jobs = job_groups(session, ids).set_index("proposal_id")
    earlier = sorted(
        {int(i) for rows in weeks for i in rows["proposal_id"][np.isneginf(rows["sent_epoch"])]}
    )
    sends = earlier_sends(session, earlier).set_index("proposal_id")
    return [_label(rows, jobs, sends, names, timezone) for rows in weeks]


def _label(
    rows: pd.DataFrame,
    jobs: pd.DataFrame,
    sends: pd.DataFrame,
    names: dict[int, str],
    timezone: str,
) -> pd.DataFrame:
    rows = rows.join(jobs, on="proposal_id")
    # A send before the weeks read: what it recorded comes from its own event.
    found = rows["proposal_id"].isin(sends.index)
    for column in SEND_COLUMNS:
        rows.loc[found, column] = rows.loc[found, "proposal_id"].map(sends[column])
    rows["proposals_bucket"] = rows["sent_bucket"].fillna(rows["job_bucket"])
    rows["client_spend"] = spend_tiers(rows["sent_spend"].fillna(rows["job_spend"]))
    rows["bidder"] = rows["bidder_id"].map(lambda i: names.get(int(i), f"bidder #{i}"))
    for group in NAMED_GROUPS:
        rows[group] = named(rows[group])
    sent_at = rows["sent_epoch"].where(np.isfinite(rows["sent_epoch"]))
    rows["send_hour"] = send_hour(sent_at, timezone).fillna(UNKNOWN)
    return rows.rename(columns={"posted_at": "posted_epoch"})
