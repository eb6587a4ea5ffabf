"""A synthetic year of an agency's pipeline for the report benchmark, as numpy columns.

For N proposals: 1.6·N jobs (with weekday and business-hour peaks), one or two triage decisions
per job, N proposals over eight bidders (one never drafts, so a report lists a bidder with no
sends), three template variants with different reply rates, and exactly 5·N events: each
proposal's lifecycle (queued, approved or rejected, sent, viewed, replied, interviewing, offer,
hired, and the endings), plus edits, regenerations and follow-up bookkeeping. Reply chances
depend on variant, bidder, speed to send and competition, so every table has a story to tell.
Times are int64 microseconds since 1970 (UTC); nothing reaches past ``END``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

END = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday: 2026-W48 is the last full week
HOUR = 3_600_000_000
DAY = 24 * HOUR
BIDDERS = ("Ana", "Ben", "Chloe", "Dev", "Eva", "Farid", "Gus", "Idle Ivan")
VARIANTS = ("proposal", "proposal_short", "proposal_story")
CATEGORIES = ("Web Development", "Mobile", "Data Science", "DevOps", "Design", "QA",
              "Writing", "Scraping")  # fmt: skip
SOURCES = ("upwork_api", "rss", "email_alerts", "browser")
BUCKETS = ("Less than 5", "5 to 10", "10 to 15", "15 to 20", "20 to 50", "50+")
LIFECYCLE = ("queued", "rejected", "expired", "approved", "job_closed", "sent", "viewed",
             "replied", "interviewing", "offer", "hired", "declined", "withdrawn")  # fmt: skip
PADDING = ("edited", "regenerated", "follow_ups_scheduled")
ACTIONS = (*LIFECYCLE, *PADDING)


@dataclass
class History:
    """Columns of each table; index i of a job column is job id i + 1 (likewise proposals);
    events are in time order."""

    jobs: dict[str, np.ndarray]
    decisions: dict[str, np.ndarray]
    proposals: dict[str, np.ndarray]
    events: dict[str, np.ndarray]  # proposal (index), action (index into ACTIONS), at


def generate(proposals: int, seed: int = 7) -> History:
    rng = np.random.default_rng(seed)
    # Every table's ids follow time, as rows are inserted in a live database: a job when it is
    # first seen, a decision when made, a proposal when queued, an event when it happens.
    jobs = _in_order(_jobs(rng, int(proposals * 1.6)), "first_seen_at")
    drafted = np.sort(rng.choice(len(jobs["posted_at"]), size=proposals, replace=False))
    props = _in_order(_proposals(rng, jobs, drafted), "created_at")
    decisions = _in_order(_decisions(rng, jobs, props["job"], props["bidder"]), "decided_at")
    events = _in_order(_events(rng, jobs, props, target=5 * proposals), "at")
    props.update(_outcomes(events, proposals))
    return History(jobs, decisions, props, events)


def _in_order(columns: dict[str, np.ndarray], by: str) -> dict[str, np.ndarray]:
    order = np.argsort(columns[by], kind="stable")
    return {name: values[order] for name, values in columns.items()}


def _outcomes(events: dict[str, np.ndarray], count: int) -> dict[str, np.ndarray]:
    """Per proposal: its newest lifecycle status, when it was sent (0: never), its Connects."""
    lifecycle = events["action"] < len(LIFECYCLE)
    status = np.zeros(count, dtype=np.int64)
    # Events are in time order, so the last write per proposal is its newest status.
    status[events["proposal"][lifecycle]] = events["action"][lifecycle]
    sent_at = np.zeros(count, dtype=np.int64)
    is_sent = events["action"] == ACTIONS.index("sent")
    sent_at[events["proposal"][is_sent]] = events["at"][is_sent]
    return {"status": status, "sent_at": sent_at, "connects": 8 + 2 * (np.arange(count) % 9)}


def _jobs(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    end = int(END.timestamp() * 1e6)
    days = np.arange(365)
    weekday = (days + END.weekday() - 365) % 7  # 0 = Monday
    weights = np.where(weekday >= 5, 0.45, 1.0) * np.linspace(0.7, 1.3, 365)  # growth
    day = rng.choice(days, size=count, p=weights / weights.sum())
    # Postings peak in US business hours (about 16:00 UTC).
    in_day = (rng.normal(16, 4.5, count) % 24 * HOUR).astype(np.int64)
    posted = end - 365 * DAY + day * DAY + in_day
    spent = np.round(rng.lognormal(np.log(8_000), 2.0, count), 2)
    spent[rng.random(count) < 0.15] = 0.0
    spent[rng.random(count) < 0.20] = np.nan
    return {
        "posted_at": posted,
        "first_seen_at": posted + rng.exponential(0.15 * HOUR, count).astype(np.int64),
        "category": rng.choice(len(CATEGORIES), count, p=_weights(len(CATEGORIES))),
        "source": rng.choice(len(SOURCES), count, p=[0.5, 0.25, 0.15, 0.10]),
        "bucket": rng.choice(len(BUCKETS), count, p=[0.22, 0.25, 0.18, 0.12, 0.15, 0.08]),
        "client_total_spent": spent,
        "budget": np.round(rng.lognormal(np.log(800), 1.0, count)),
    }


def _proposals(
    rng: np.random.Generator, jobs: dict[str, np.ndarray], drafted: np.ndarray
) -> dict[str, np.ndarray]:
    count = len(drafted)
    bidder = rng.choice(len(BIDDERS) - 1, count, p=_weights(len(BIDDERS) - 1))
    return {
        "job": drafted,
        "bidder": bidder,
        "variant": rng.choice(len(VARIANTS), count, p=[0.5, 0.3, 0.2]),
        "created_at": jobs["first_seen_at"][drafted]
        + rng.exponential(0.3 * HOUR, count).astype(np.int64),
        "cost_usd": np.round(rng.uniform(0.002, 0.02, count), 6),
    }


def _decisions(
    rng: np.random.Generator, jobs: dict[str, np.ndarray], drafted: np.ndarray, bidder: np.ndarray
) -> dict[str, np.ndarray]:
    """Every job is triaged for one bidder, half of them for a second; a drafted job passed
    for (and was routed to) its proposal's bidder."""
    count = len(jobs["posted_at"])
    first = rng.integers(0, len(BIDDERS), count)
    first[drafted] = bidder
    passed = rng.random(count) < 0.3
    passed[drafted] = True
    routed = np.zeros(count, dtype=bool)
    routed[drafted] = True
    second_jobs = np.flatnonzero(rng.random(count) < 0.5)
    second = (first[second_jobs] + rng.integers(1, len(BIDDERS), len(second_jobs))) % len(BIDDERS)
    job = np.concatenate([np.arange(count), second_jobs])
    return {
        "job": job,
        "bidder": np.concatenate([first, second]),
        "passed": np.concatenate([passed, rng.random(len(second_jobs)) < 0.3]),
        "routed": np.concatenate([routed, np.zeros(len(second_jobs), dtype=bool)]),
        "decided_at": jobs["first_seen_at"][job] + rng.integers(1_000_000, 60_000_000, len(job)),
    }


def _weights(count: int) -> np.ndarray:
    raw = 1.0 / np.arange(1, count + 1) ** 0.7  # a few big groups and a long tail
    weights: np.ndarray = raw / raw.sum()
    return weights


def _events(
    rng: np.random.Generator,
    jobs: dict[str, np.ndarray],
    props: dict[str, np.ndarray],
    target: int,
) -> dict[str, np.ndarray]:
    count = len(props["job"])
    n = np.arange(count)
    u = rng.random(count)
    t_q = props["created_at"]
    t_review = t_q + rng.exponential(1.5 * HOUR, count).astype(np.int64)
    approved, rejected, expired = u >= 0.10, u < 0.08, (u >= 0.08) & (u < 0.10)
    sent = approved & (rng.random(count) < 0.95)
    t_s = t_review + rng.exponential(1.0 * HOUR, count).astype(np.int64)
    speed_h = (t_s - jobs["posted_at"][props["job"]]) / HOUR
    chance = (
        0.11
        * np.array([1.0, 1.18, 0.9])[props["variant"]]
        * np.linspace(1.3, 0.7, len(BIDDERS))[props["bidder"]]
        * np.select([speed_h < 1, speed_h < 4, speed_h < 24], [1.35, 1.0, 0.8], 0.55)
        * np.array([1.4, 1.2, 1.0, 0.9, 0.7, 0.5])[jobs["bucket"][props["job"]]]
    )
    replied = sent & (rng.random(count) < chance)
    viewed = sent & np.where(replied, rng.random(count) < 0.8, rng.random(count) < 0.45)
    t_v = t_s + rng.exponential(8 * HOUR, count).astype(np.int64)
    t_r = np.where(viewed, t_v, t_s) + rng.exponential(DAY, count).astype(np.int64)
    interview = replied & (rng.random(count) < 0.5)
    t_i = t_r + rng.exponential(DAY, count).astype(np.int64)
    hired = replied & (rng.random(count) < np.where(interview, 0.45, 0.05))
    offer = hired & interview & (rng.random(count) < 0.5)
    t_h = np.where(interview, t_i, t_r) + rng.exponential(3 * DAY, count).astype(np.int64)
    ending = rng.random(count)
    open_end = sent & ~hired
    last = np.maximum.reduce([t_s, np.where(viewed, t_v, 0), np.where(replied, t_r, 0)])
    t_end = last + rng.exponential(5 * DAY, count).astype(np.int64)
    parts = [
        (n, "queued", t_q),
        (n[approved], "approved", t_review[approved]),
        (n[rejected], "rejected", t_review[rejected]),
        (n[expired], "expired", t_review[expired]),
        (n[approved & ~sent], "job_closed", t_s[approved & ~sent]),
        (n[sent], "sent", t_s[sent]),
        (n[viewed], "viewed", t_v[viewed]),
        (n[replied], "replied", t_r[replied]),
        (n[interview], "interviewing", t_i[interview]),
        (n[offer], "offer", (t_i[offer] + t_h[offer]) // 2),
        (n[hired], "hired", t_h[hired]),
        (n[open_end & (ending < 0.25)], "declined", t_end[open_end & (ending < 0.25)]),
        (n[open_end & (ending > 0.96)], "withdrawn", t_end[open_end & (ending > 0.96)]),
    ]
    proposal = np.concatenate([p for p, _, _ in parts])
    action = np.concatenate([np.full(len(p), ACTIONS.index(a)) for p, a, _ in parts])
    at = np.concatenate([t for _, _, t in parts])
    keep = at < int(END.timestamp() * 1e6)
    proposal, action, at = proposal[keep], action[keep], at[keep]
    return _padded(rng, proposal, action, at, t_q, t_review, t_s, sent, target)


def _padded(
    rng: np.random.Generator,
    proposal: np.ndarray,
    action: np.ndarray,
    at: np.ndarray,
    t_q: np.ndarray,
    t_review: np.ndarray,
    t_s: np.ndarray,
    sent: np.ndarray,
    target: int,
) -> dict[str, np.ndarray]:
    """Edits and regenerations during review and follow-up bookkeeping after sends, up to
    ``target`` events in all (the lifecycle alone is about four per proposal)."""
    missing = target - len(proposal)
    if missing < 0:
        raise ValueError(f"the lifecycle alone has {len(proposal)} events, over {target}")
    end = int(END.timestamp() * 1e6)
    out = np.flatnonzero(sent & (t_s < end - 1000))
    after_send = rng.choice(out, size=missing // 2, replace=True)
    drafted = np.flatnonzero(t_q < end - 1000)
    in_review = rng.choice(drafted, size=missing - len(after_send), replace=True)
    review_span = np.maximum(np.minimum(t_review[in_review], end) - t_q[in_review], 1)
    review_at = t_q[in_review] + (rng.random(len(in_review)) * review_span).astype(np.int64)
    review_action = np.where(rng.random(len(in_review)) < 0.7, "edited", "regenerated")
    return {
        "proposal": np.concatenate([proposal, after_send, in_review]),
        "action": np.concatenate(
            [
                action,
                np.full(len(after_send), ACTIONS.index("follow_ups_scheduled")),
                np.array([ACTIONS.index(a) for a in ("edited", "regenerated")])[
                    (review_action == "regenerated").astype(int)
                ],
            ]
        ),
        "at": np.concatenate([at, t_s[after_send] + 1000, review_at]),
    }
