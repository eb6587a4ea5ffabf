"""Triage: every job against every bidder's ruleset, then routing to one bidder per job."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bidflow.config import AgencyConfig, BidderConfig, RulesetConfig
from bidflow.models import Job
from rules.checks import CHECKS, Reason, skill_matches

# A rule whose data is missing counts half: neither a pass nor a fail.
_MISSING_CREDIT = 0.5


@dataclass(frozen=True)
class Verdict:
    """One job judged for one bidder."""

    passed: bool
    score: float
    fit: int
    reasons: tuple[Reason, ...]


def evaluate(job: Job, bidder: BidderConfig, ruleset: RulesetConfig) -> Verdict:
    """Run every enabled rule; the job passes if none fails and the score reaches the threshold."""
    reasons = tuple(r for check in CHECKS if (r := check(job, bidder, ruleset)) is not None)
    total = sum(r.weight for r in reasons)
    earned = sum(
        r.weight if r.status == "passed" else r.weight * _MISSING_CREDIT
        for r in reasons
        if r.status != "failed"
    )
    score = round(earned / total, 4) if total else 0.0
    failed = any(r.status == "failed" for r in reasons)
    passed = not failed and score >= ruleset.threshold
    if not failed and not passed:
        reasons += (
            Reason(
                "threshold",
                "failed",
                f"score {score:.2f} is under the {ruleset.threshold:.2f} threshold",
            ),
        )
    return Verdict(passed, score, len(skill_matches(job, bidder.skills)), reasons)


@dataclass(frozen=True)
class BidderSlot:
    """A bidder as triage needs it: its database id and its config."""

    id: int
    config: BidderConfig


def triage_jobs(
    jobs: Sequence[Job],
    bidders: Sequence[BidderSlot],
    agency: AgencyConfig,
    *,
    now: datetime | None = None,
    room: Mapping[int, int] | None = None,
) -> list[dict[str, Any]]:
    """Decision rows for every (job, bidder) pair, with at most one routed bidder per job.

    ``now`` anchors freshness (default: the current time). ``room`` is each bidder's free
    capacity by bidder id (from ``rules.guardrails``); routing prefers bidders with room, and
    a bidder without an entry counts as having room.

    Routing takes the best fit, then the higher score, then the bidder with fewer jobs routed in
    this batch, so work spreads across equally good bidders.
    """
    rows: list[dict[str, Any]] = []
    load: Counter[int] = Counter()
    for job in jobs:
        assert job.id is not None
        verdicts = [
            (slot, evaluate(job, slot.config, agency.rulesets[slot.config.ruleset]))
            for slot in bidders
        ]
        passing = [(slot, v) for slot, v in verdicts if v.passed]
        chosen = (
            max(passing, key=lambda sv: (sv[1].fit, sv[1].score, -load[sv[0].id]))[0]
            if passing
            else None
        )
        if chosen is not None:
            load[chosen.id] += 1
        for slot, verdict in verdicts:
            rows.append(
                {
                    "job_id": job.id,
                    "bidder_id": slot.id,
                    "ruleset": slot.config.ruleset,
                    "passed": verdict.passed,
                    "score": verdict.score,
                    "routed": slot is chosen,
                    "reasons": [r.as_dict() for r in verdict.reasons],
                }
            )
    return rows
