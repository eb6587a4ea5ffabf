"""Cutting per-proposal rows into a funnel table: listed groups, order, the total row, rates
with intervals; and the groups themselves (speed bands, hours on the agency's clock, buckets)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest

from analytics.funnel import Cut, funnel_table
from analytics.funnel_spec import AFTER_SEND_STAGES
from analytics.groups import UNKNOWN, bucket_order, named, send_hour, speed_band, spend_tiers
from analytics.report_model import TOTAL
from analytics.week_rows import FLAG_COLUMNS


def proposals(*rows: tuple[str | None, dict[str, int]]) -> pd.DataFrame:
    """One row per proposal: its group and the flags it has (the rest are 0)."""
    records = [{"group": group, **dict.fromkeys(FLAG_COLUMNS, 0), **flags} for group, flags in rows]
    frame = pd.DataFrame(records)
    frame["group"] = named(frame["group"])
    return frame


def test_listed_groups_stay_and_others_follow_by_name_unknown_last() -> None:
    rows = proposals(
        ("web", {"drafted": 1, "sent": 1, "cohort_replied": 1}),
        (None, {"sent": 1}),
        ("Data", {"sent": 1}),
        ("web", {"sent": 1}),
        ("drafts", {"drafted": 1}),  # nothing in this table's stages: not listed
        ("idle", {}),  # nothing happened: not listed unless asked for
    )
    table = funnel_table(rows, Cut("group", AFTER_SEND_STAGES, listed=("zeta",)))
    assert table["group"].tolist() == ["zeta", "Data", "web", UNKNOWN, TOTAL]
    assert "drafted" not in table.columns and "approval_rate" not in table.columns
    assert table["sent"].tolist() == [0, 1, 2, 1, 4]
    assert table["reply_rate"].tolist()[1:] == [0.0, 0.5, 0.0, 0.25]
    assert math.isnan(table["reply_rate"][0]) and math.isnan(table["reply_rate_high"][0])
    assert table["reply_rate_low"][1] == 0.0  # 0 of 1: the Wilson interval starts at 0


def test_triage_counts_join_and_the_total_can_count_jobs_once() -> None:
    rows = proposals(("Ana", {"drafted": 1}))
    triage = pd.DataFrame({"group": ["Ana", "Ben"], "seen": [3, 2], "passed": [2, 0]})
    table = funnel_table(rows, Cut("group", listed=("Ana", "Ben", "Cy")), triage, (4, 2))
    assert table["group"].tolist() == ["Ana", "Ben", "Cy", TOTAL]
    assert table["seen"].tolist() == [3, 2, 0, 4]  # one job was triaged for both
    assert table["pass_rate"].tolist()[:2] == [pytest.approx(2 / 3), 0.0]
    assert table["pass_rate"].tolist()[3] == 0.5
    assert str(table["seen"].dtype) == "int64"


def test_custom_order_for_proposals_buckets() -> None:
    labels = ["50+", UNKNOWN, "10 to 15", "Less than 5", "5 to 10", "20 to 50"]
    assert bucket_order(labels) == ["Less than 5", "5 to 10", "10 to 15", "20 to 50", "50+",
                                    UNKNOWN]  # fmt: skip


def test_speed_bands_start_at_their_lower_edge() -> None:
    seconds = pd.Series([0.0, 899.0, 900.0, 3599.0, 3600.0, 86_400.0, -30.0, float("nan")])
    assert speed_band(seconds).tolist() == [
        "< 15 min",
        "< 15 min",
        "15–60 min",
        "15–60 min",
        "1–4 h",
        "> 24 h",
        "< 15 min",  # the feed's clock ran ahead of ours
        UNKNOWN,
    ]


def test_send_hours_follow_the_agency_clock_across_dst() -> None:
    moments = [
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # 01:59 CET, just before the change
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03:00 CEST: 02:00 never happens
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, the hour that happens twice
    ]
    epoch = pd.Series([moment.timestamp() for moment in moments] + [float("nan")])
    hours = send_hour(epoch, "Europe/Berlin").tolist()
    assert hours == ["01:00", "03:00", "02:00", "02:00", UNKNOWN]


def test_spend_tiers_share_the_databases_edges() -> None:
    # The same edges as test_funnel_events.test_client_spend_tiers, which runs the SQL version.
    spent = pd.Series([None, 0.0, 0.01, 999.99, 1_000.0, 10_000.0, 99_999.99, 100_000.0])
    assert spend_tiers(spent.astype("float64")).tolist() == [
        UNKNOWN,
        "$0",
        "< $1k",
        "< $1k",
        "$1k–$10k",
        "$10k–$100k",
        "$10k–$100k",
        "$100k+",
    ]
