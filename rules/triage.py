"""Triage: every job against every bidder's ruleset, then routing to one bidder per job.

``evaluate`` judges one job for one bidder with the reference checks; ``triage_jobs`` judges a
whole batch column-wise (``rules.columns``, ``judge``) and routes it (``rules.routing``). Both
give the same verdicts, reasons and scores.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from bidflow.config import AgencyConfig, BidderConfig, RulesetConfig
from bidflow.config.expression import parse_expression, terms_of
from bidflow.config.rulesets import RULE_NAMES
from bidflow.memory import no_cycle_collection
from bidflow.models import Job, JobBase
from bidflow.types import utcnow
from rules.checks import CHECKS, Subject, TriageContext
from rules.columns import Batch, batch_terms
from rules.judgement import Decisions, Judgement, shortfall
from rules.reasons import Reason
from rules.routing import assigned_bidders, route_columns

# A rule whose data is missing counts half: neither a pass nor a fail.
_CREDIT = {"passed": 1.0, "missing": 0.5, "failed": 0.0}


@dataclass(frozen=True)
class Verdict:
    """One job judged for one bidder."""

    passed: bool
    score: float
    fit: int  # how many of the bidder's skills the job mentions
    reasons: tuple[Reason, ...]


def enabled_rules(ruleset: RulesetConfig, bidder: BidderConfig) -> list[str]:
    """The rules ``ruleset`` turns on, in reason order (whether a rule is on never depends on
    the job, so one probe job tells)."""
    probe = Subject(JobBase(source="", external_id="", title="", content_hash=""), b"")
    context = TriageContext(now=utcnow())
    return [rule for rule in RULE_NAMES if CHECKS[rule](probe, bidder, ruleset, context)]


def score_of(reasons: Sequence[Reason], ruleset: RulesetConfig) -> float:
    """Weight earned over weight at stake: passed rules earn their weight, missing ones half.

    With nothing at stake (every enabled rule weighted 0) nothing objects: the score is 1.
    """
    total = 0.0
    earned = 0.0
    for reason in reasons:
        weight = ruleset.weight(reason.rule)
        total += weight
        earned += weight * _CREDIT[reason.status]
    return round(earned / total, 4) if total else 1.0


def verdict_of(reasons: list[Reason], ruleset: RulesetConfig, fit: int) -> Verdict:
    """Pass iff no rule failed and the score reaches the threshold; a shortfall is a reason."""
    score = score_of(reasons, ruleset)
    failed = any(r.status == "failed" for r in reasons)
    if not failed and score < ruleset.threshold:
        reasons = [*reasons, shortfall(score, ruleset.threshold)]
        failed = True
    return Verdict(not failed, score, fit, tuple(reasons))


def evaluate(
    job: JobBase,
    bidder: BidderConfig,
    ruleset: RulesetConfig,
    *,
    now: datetime | None = None,
    previous_clients: Collection[str] = (),
) -> Verdict:
    """One job for one bidder, rule by rule: the readable reference of ``triage_jobs``."""
    subject = Subject.of(job)
    context = TriageContext(now=now or utcnow(), previous_clients=frozenset(previous_clients))
    reasons = [r for check in CHECKS.values() if (r := check(subject, bidder, ruleset, context))]
    fit = sum(subject.has(skill) for skill in bidder.skills)
    return verdict_of(reasons, ruleset, fit)


@dataclass(frozen=True)
class BidderSlot:
    """A bidder as triage needs it: its database id and its config."""

    id: int
    config: BidderConfig


def judge(batch: Batch, slot: BidderSlot, ruleset: RulesetConfig, rules: list[str]) -> Judgement:
    """``slot``'s verdicts on every job of ``batch`` under the enabled ``rules`` of its
    ``ruleset``: ``verdict_of`` in array arithmetic, the same sums in the same order, so
    scores agree to the bit with ``evaluate``."""
    columns = [batch.column(rule, slot.config.ruleset, ruleset, slot.config) for rule in rules]
    jobs = len(batch.jobs)
    total = 0.0
    earned = np.zeros(jobs, dtype=np.float64)
    failed = np.zeros(jobs, dtype=np.bool_)
    for column in columns:
        weight = ruleset.weight(column.rule)
        total += weight
        earned = earned + weight * column.per_job(_CREDIT)
        failed |= column.per_job(_FAILED).astype(np.bool_)
    score = _rounded(earned / total) if total else np.ones(jobs, dtype=np.float64)
    short = ~failed & (score < ruleset.threshold)
    fit = np.zeros(jobs, dtype=np.int64)
    for skill in slot.config.skills:
        fit += batch.texts.column(skill)
    return Judgement(slot, columns, ~failed & ~short, score, fit, short, ruleset.threshold)


_FAILED = {"passed": 0.0, "missing": 0.0, "failed": 1.0}


def _searched_terms(
    bidders: Sequence[BidderSlot], agency: AgencyConfig, enabled: list[list[str]]
) -> list[str]:
    """Every term the bidders' rules and the assignment rules look for."""
    terms = [
        term
        for rule in agency.assignments
        if rule.query
        for term in terms_of(parse_expression(rule.query))
    ]
    for slot, rules in zip(bidders, enabled, strict=True):
        terms += batch_terms(rules, agency.rulesets[slot.config.ruleset], slot.config)
    return terms


def _rounded(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Python's ``round(x, 4)`` of each value (numpy rounds some halves the other way), done
    once per distinct value."""
    values, codes = np.unique(raw, return_inverse=True)
    return np.array([round(v, 4) for v in values.tolist()], dtype=np.float64)[codes.ravel()]


def triage_jobs(
    jobs: Sequence[Job],
    bidders: Sequence[BidderSlot],
    agency: AgencyConfig,
    *,
    now: datetime | None = None,
    room: Mapping[int, int] | None = None,
    previous_clients: Collection[str] = (),
) -> Decisions:
    """Every (job, bidder) verdict, with at most one routed bidder per job.

    ``now`` anchors freshness and client age (default: the current time). ``room`` is each
    bidder's free capacity by bidder id (from ``rules.guardrails``; no entry: unlimited).
    ``previous_clients`` are the client keys the agency has bid for (``prefer_previous``).
    See ``rules.routing`` for how the bidder is chosen; ``Decisions.rows`` for storing.
    """
    with no_cycle_collection():
        return _triage(jobs, bidders, agency, now, room or {}, previous_clients)


def _triage(
    jobs: Sequence[Job],
    bidders: Sequence[BidderSlot],
    agency: AgencyConfig,
    now: datetime | None,
    room: Mapping[int, int],
    previous_clients: Collection[str],
) -> Decisions:
    context = TriageContext(now=now or utcnow(), previous_clients=frozenset(previous_clients))
    enabled = [enabled_rules(agency.rulesets[s.config.ruleset], s.config) for s in bidders]
    batch = Batch(jobs, context, {rule for rules in enabled for rule in rules})
    batch.texts.find(*_searched_terms(bidders, agency, enabled))  # one pass over the text
    judgements = [
        judge(batch, slot, agency.rulesets[slot.config.ruleset], rules)
        for slot, rules in zip(bidders, enabled, strict=True)
    ]
    job_ids = list(batch.field("id"))
    assert None not in job_ids, "triage judges stored jobs"
    if not judgements:
        return Decisions(job_ids, [], np.full(len(jobs), -1, dtype=np.int64))
    routed_to = route_columns(
        np.vstack([j.passed for j in judgements]),
        np.vstack([j.fit for j in judgements]),
        np.vstack([j.score for j in judgements]),
        [slot.config.name for slot in bidders],
        assigned_bidders(jobs, batch.texts, agency),
        [room.get(slot.id, math.inf) for slot in bidders],
    )
    return Decisions(job_ids, judgements, routed_to)
