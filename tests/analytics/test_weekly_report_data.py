"""The weekly report's numbers over the hand-built log of ``report_log`` (2026-W13 in Berlin,
the week the clocks go forward). Every expected value is counted by hand from that log."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.report_model import TABLE_SLUGS, TOTAL
from analytics.trend import TREND_WEEKS
from bidflow.db import session_scope
from tests.analytics import report_log
from tests.analytics.report_log import END_OF_W13, NOW, W12, W13, build, cells, isnan, rows, utc

STAGES = ("seen", "passed", "drafted", "approved", "sent", "viewed", "replied", "interviewed",
          "hired")  # fmt: skip
COHORTS = ("cohort_approved", "cohort_viewed", "cohort_replied", "cohort_interviewed",
           "cohort_hired")  # fmt: skip


def test_every_table_is_filled_and_the_week_follows_berlin(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    report = build(sqlite_url)
    assert [table.slug for table in report.tables] == list(TABLE_SLUGS)
    # Clocks go forward on Sunday 29 March: the week is 167 hours, local midnight to midnight.
    assert (report.start, report.end) == (utc(3, 22, 23), utc(3, 29, 22))
    assert report.generated_at == NOW


def test_funnel_by_bidder(database_url: str) -> None:
    report_log.seed(database_url)
    table = rows(build(database_url), "funnel_by_bidder")
    assert list(table.index) == ["Ana", "Ben", "Cy", TOTAL]
    expected = {
        # seen passed drafted approved sent viewed replied interviewed hired | cohorts
        "Ana": (4, 4, 4, 3, 3, 2, 2, 1, 0, 3, 2, 2, 2, 1),
        "Ben": (2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0),
        "Cy": (3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        TOTAL: (8, 7, 5, 5, 5, 3, 3, 2, 1, 4, 3, 3, 2, 1),
    }
    for bidder, counts in expected.items():
        assert tuple(cells(table, bidder, [*STAGES, *COHORTS])) == counts, bidder
    ana = table.loc["Ana"]
    assert ana["approval_rate"] == pytest.approx(3 / 4)
    assert ana["reply_rate"] == pytest.approx(2 / 3)
    assert ana["win_rate"] == pytest.approx(1 / 3)  # P1, sent in W13, hired in W14
    # Wilson 95% for 2 of 3: z²/n = 1.28049; centre (.66667 + .64024) / 2.28049 = .57308;
    # half-width 1.959964 / 2.28049 · √(.074074 + .106707) = .36542.
    assert (ana["reply_rate_low"], ana["reply_rate_high"]) == pytest.approx(
        (0.2077, 0.9385), abs=0.0001
    )
    assert table.loc["Ben", "pass_rate"] == 0.5 and table.loc[TOTAL, "pass_rate"] == 7 / 8
    assert table.loc[TOTAL, "reply_rate"] == pytest.approx(3 / 5)


def test_a_bidder_with_no_sends_is_listed_with_no_rates(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    report = build(sqlite_url)
    cy = rows(report, "funnel_by_bidder").loc["Cy"]
    assert cy["pass_rate"] == pytest.approx(2 / 3)
    for rate in ("approval_rate", "view_rate", "reply_rate", "interview_rate", "win_rate"):
        for column in (rate, f"{rate}_low", f"{rate}_high"):
            assert isnan(cy[column]), column
    costs = rows(report, "costs").loc["Cy"]
    assert (costs["drafted"], costs["sent"], costs["connects"], costs["llm_cost_usd"]) == (
        0,
        0,
        0,
        0.0,
    )
    assert isnan(costs["llm_cost_per_draft_usd"]) and isnan(costs["revenue_usd"])


def test_sent_one_week_and_hired_the_next(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    w13, w14 = build(sqlite_url), build(sqlite_url, week=W13.shifted(1))
    # W13 sent P1 and its hire shows in W13's win rate (a cohort rate) ...
    assert cells(rows(w13, "funnel_by_bidder"), "Ana", ["hired", "cohort_hired"]) == [0, 1]
    # ... while the hire itself, and its contract value, count in W14's activity.
    ana = rows(w14, "funnel_by_bidder").loc["Ana"]
    assert (ana["sent"], ana["hired"], ana["interviewed"]) == (0, 1, 1)
    assert isnan(ana["win_rate"])  # Ana sent nothing in W14
    costs = rows(w14, "costs")
    assert costs.loc["Ana", "revenue_usd"] == 2000.0 and costs.loc[TOTAL, "valued_hires"] == 1
    assert isnan(rows(w13, "costs").loc[TOTAL, "revenue_usd"])  # P7's hire had no value


def test_outcomes_count_only_up_to_now(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    table = rows(build(sqlite_url, now=END_OF_W13), "funnel_by_bidder")
    # The week's own activity is the same; P1's hire and P3's reply have not happened yet.
    assert cells(table, "Ben", list(STAGES)) == [2, 1, 1, 2, 2, 1, 1, 1, 1]
    assert table.loc["Ana", "cohort_hired"] == 0 and table.loc["Ana", "win_rate"] == 0
    assert table.loc["Ben", "cohort_replied"] == 0 and table.loc["Ben", "reply_rate"] == 0


def test_a_withdrawn_proposal_is_a_send_without_reply(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    table = rows(build(sqlite_url), "funnel_by_variant")
    assert list(table.index) == ["proposal", "proposal_short", TOTAL]
    assert "seen" not in table.columns  # a job has no variant before its draft
    short = table.loc["proposal_short"]  # P2 (withdrawn) and P6 (replied)
    assert (short["sent"], short["cohort_replied"], short["reply_rate"]) == (2, 1, 0.5)
    assert cells(table, "proposal", ["drafted", "sent", "cohort_replied"]) == [3, 3, 2]


def test_the_week_bounds_hold_across_the_clock_change(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    w13, w14 = build(sqlite_url), build(sqlite_url, week=W13.shifted(1))
    hours = rows(w13, "funnel_by_send_hour")
    # P3 went out at 21:59:59 UTC on 29 March: 23:59:59 in Berlin on summer time.
    sent = {hour: int(n) for hour, n in hours["sent"].items() if n and hour != TOTAL}
    assert sent == {"03:00": 1, "09:00": 1, "12:00": 1, "13:00": 1, "23:00": 1}
    assert cells(hours, "11:00", ["sent", "replied", "hired"]) == [0, 1, 1]  # P7
    # P3's reply at 22:00 UTC is Monday 00:00 in Berlin: W14, like the decision at that instant.
    ben14 = rows(w14, "funnel_by_bidder").loc["Ben"]
    assert (ben14["replied"], ben14["viewed"]) == (1, 1)
    assert rows(w14, "funnel_by_bidder").loc["Cy", "seen"] == 1
    assert rows(w13, "funnel_by_bidder").loc["Ben", "replied"] == 1  # only P7
    # P4 was drafted in W12's last second and approved in W13's first.
    assert build(sqlite_url, week=W12).table("funnel_by_bidder").frame.iloc[-1]["drafted"] == 2


def test_groups_use_what_was_recorded_at_the_send(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    report = build(sqlite_url)
    spend = rows(report, "funnel_by_client_spend")
    assert list(spend.index) == [
        "$0",
        "< $1k",
        "$1k–$10k",
        "$10k–$100k",
        "$100k+",
        "unknown",
        TOTAL,
    ]
    # P1 was sent when the client had spent $8,000 (now $150,000); P7 at $99,999; P2 (no
    # snapshot) falls back to the job's $0; P3's snapshot is null, so unknown; P6 $1,000.
    assert spend["sent"].tolist() == [1, 1, 2, 0, 0, 1, 5]
    assert cells(spend, "$10k–$100k", ["replied", "hired"]) == [1, 1]  # P7
    assert spend.loc["$100k+", "seen"] == 1  # triage knows only the job: J1 at $150,000
    bucket = rows(report, "funnel_by_proposals_bucket")
    assert list(bucket.index) == ["Less than 5", "5 to 10", "10 to 15", "20 to 50", "50+",
                                  "unknown", TOTAL]  # fmt: skip
    assert bucket["sent"].tolist() == [1, 1, 1, 1, 0, 1, 5]
    assert cells(bucket, "10 to 15", ["sent", "replied", "hired"]) == [1, 2, 1]
    source = rows(report, "funnel_by_source")
    assert cells(source, "upwork_api", ["seen", "sent", "replied"]) == [3, 3, 3]
    assert cells(rows(report, "funnel_by_category"), "Design", ["seen", "drafted"]) == [2, 1]


def test_speed_to_send(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    table = rows(build(sqlite_url), "speed_to_send")
    assert table["sent"].tolist() == [1, 1, 2, 0, 0, 1, 5]
    assert table["cohort_replied"].tolist() == [1, 1, 1, 0, 0, 0, 3]
    # P3 599 s, P6 1,800 s, P2 exactly one hour (the 1–4 h band starts there), P1 3 h.
    assert table.loc["1–4 h", "median_speed_s"] == 7200.0
    assert table.loc[TOTAL, "median_speed_s"] == 2700.0  # P4's job has no posting time
    assert isnan(table.loc["4–24 h", "reply_rate"])


def test_costs(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    table = rows(build(sqlite_url), "costs")
    ana, total = table.loc["Ana"], table.loc[TOTAL]
    # Drafts of W13: P1 .01, P2 .02, P5 .05, P6 .06, and P5's regeneration .004.
    assert ana["llm_cost_usd"] == pytest.approx(0.144) and ana["regenerations"] == 1
    assert ana["llm_cost_per_draft_usd"] == pytest.approx(0.036)
    assert (ana["connects"], ana["connects_per_reply"]) == (42, 21.0)
    assert isnan(ana["connects_per_hire"])
    assert total["llm_cost_usd"] == pytest.approx(0.174)  # Ben's P3 .03; P4 was drafted in W12
    assert (total["connects"], total["connects_per_hire"]) == (72, 72.0)
    assert total["llm_cost_per_reply_usd"] == pytest.approx(0.058)


def test_headline_against_last_week(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    changes = {
        change.label: (change.value, change.previous) for change in build(sqlite_url).headline
    }
    assert changes == {
        "Jobs seen": (8, 2),
        "Proposals sent": (5, 1),
        "Replies": (3, 0),
        "Reply rate": (0.6, 1.0),  # W12 sent only P7, which got its reply in W13
        "Hires": (1, 0),
        "Win rate": (0.2, 1.0),
        "Median time to send": (2700.0, 3600.0),
        "Connects spent": (72, 18),
        "LLM cost": (pytest.approx(0.174), pytest.approx(0.11)),
        "Revenue": (None, None),
    }


def test_the_ab_verdict_over_the_trend_weeks(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    (verdict,) = build(sqlite_url).verdicts
    # proposal: P1, P3, P4 and (W12) P7 sent, 3 replied; proposal_short: P2, P6, 1 replied.
    assert (verdict.a, verdict.sends_a, verdict.replies_a) == ("proposal", 4, 3)
    assert (verdict.b, verdict.sends_b, verdict.replies_b) == ("proposal_short", 2, 1)
    # Worked in test_ab_verdicts: 58 sends each are needed at 75% vs 50%.
    assert verdict.text == "not enough data yet: about 110 more sends needed"


def test_the_trend_ends_with_the_funnel_total(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    report = build(sqlite_url)
    trend = rows(report, "weekly_trend")
    assert list(trend.index[-2:]) == ["2026-W12", "2026-W13"] and len(trend) == TREND_WEEKS
    total = rows(report, "funnel_by_bidder").loc[TOTAL]
    for column in (*STAGES, *COHORTS, "reply_rate", "win_rate"):
        assert trend.loc["2026-W13", column] == total[column], column
    assert cells(trend, "2026-W12", ["seen", "drafted", "sent", "cohort_replied"]) == [
        2,
        2,
        1,
        1,
    ]


def test_rebuilding_a_past_week_gives_the_same_report(sqlite_url: str) -> None:
    report_log.seed(sqlite_url)
    first, again = build(sqlite_url), build(sqlite_url)
    later_news = [("declined", utc(4, 7, 9)), ("hired", utc(4, 8, 9))]
    with session_scope(sqlite_url) as session:
        from bidflow.store.events import record_event

        for proposal_id, (action, at) in zip((2, 3), later_news, strict=True):
            record_event(session=session, entity="proposal", entity_id=proposal_id,
                         action=action, actor="test", at=at)  # fmt: skip
    after_more_news = build(sqlite_url)
    for report in (again, after_more_news):
        assert report.headline == first.headline and report.verdicts == first.verdicts
        for table, expected in zip(report.tables, first.tables, strict=True):
            pd.testing.assert_frame_equal(table.frame, expected.frame)
    moved = build(sqlite_url, now=utc(4, 9, 0))
    assert rows(moved, "funnel_by_bidder").loc["Ben", "cohort_hired"] == 1  # P3, hired 8 April
