"""Speed to send and the reply rate: how long after the job's posting each of the week's sends
went out, in bands, with the reply rate of each band (the week's sends, replies so far)."""

from __future__ import annotations

import pandas as pd

from analytics.funnel import with_rates
from analytics.groups import SPEED_ORDER, speed_band
from analytics.report_model import TOTAL

COLUMNS: tuple[str, ...] = ("speed", "sent", "cohort_replied", "median_speed_s")


def send_seconds(rows: pd.DataFrame) -> pd.Series:
    """For each proposal sent in the week: seconds from the job's posting to the send."""
    sent = rows[rows["sent"] == 1]
    return sent["sent_epoch"] - sent["posted_epoch"]


def median_speed(rows: pd.DataFrame) -> float | None:
    """The median seconds from posting to send of the week's sends; None when none is known."""
    seconds = send_seconds(rows).dropna().clip(lower=0)
    return float(seconds.median()) if len(seconds) else None


def speed_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per speed band (every band listed), then the total: sends, replies so far, the
    reply rate with its interval, and the band's median seconds to send."""
    seconds = send_seconds(rows)
    sends = pd.DataFrame(
        {
            "speed": speed_band(seconds),
            "seconds": seconds.clip(lower=0),
            "cohort_replied": rows.loc[seconds.index, "cohort_replied"],
        }
    )
    grouped = sends.groupby("speed")
    table = pd.DataFrame(
        {
            "sent": grouped.size(),
            "cohort_replied": grouped["cohort_replied"].sum(),
            "median_speed_s": grouped["seconds"].median(),
        }
    ).reindex(list(SPEED_ORDER))
    table[["sent", "cohort_replied"]] = table[["sent", "cohort_replied"]].fillna(0)
    table.loc[TOTAL] = [len(sends), sends["cohort_replied"].sum(), sends["seconds"].median()]
    table[["sent", "cohort_replied"]] = table[["sent", "cohort_replied"]].astype("int64")
    table["median_speed_s"] = table["median_speed_s"].astype("float64")
    table = table.rename_axis("speed").reset_index()[list(COLUMNS)]
    return with_rates(table)
