"""Triage: every job against every bidder's ruleset, then routing to one bidder per job.

``evaluate`` judges one job for one bidder with the reference checks; ``triage_jobs`` judges a
whole batch column-wise (``rules.columns``) and routes it (``rules.routing``). Both give the
same verdicts, reasons and scores.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from bidflow.config import AgencyConfig, BidderConfig, RulesetConfig
from bidflow.config.rulesets import RULE_NAMES
from bidflow.models import Job, JobBase
from bidflow.types import utcnow
from rules.checks import CHECKS, Subject, TriageContext
from rules.columns import Batch
from rules.reasons import Reason
from rules.routing import Candidate, assigned_bidders, route

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
        shortfall = f"score {score:.2f} is under the {ruleset.threshold:.2f} threshold"
        reasons = [*reasons, Reason("threshold", "failed", shortfall)]
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


def judge_batch(
    jobs: Sequence[JobBase],
    bidders: Sequence[BidderSlot],
    agency: AgencyConfig,
    *,
    now: datetime | None = None,
    previous_clients: Collection[str] = (),
) -> list[list[Verdict]]:
    """Every job's verdict for every bidder (``[job][bidder]``), judged column-wise."""
    return _judge(Batch(jobs, _context(now, previous_clients)), bidders, agency)


def _context(now: datetime | None, previous_clients: Collection[str]) -> TriageContext:
    return TriageContext(now=now or utcnow(), previous_clients=frozenset(previous_clients))


def _judge(
    batch: Batch, bidders: Sequence[BidderSlot], agency: AgencyConfig
) -> list[list[Verdict]]:
    """Verdicts ``[job][bidder]``. Jobs with the same reasons get the same Verdict object, so
    scoring runs once per distinct combination of reasons, not once per pair."""
    jobs = batch.jobs
    per_bidder: list[list[Verdict]] = []
    shared: dict[str, tuple[list[int], list[list[Reason]]]] = {}  # per ruleset: combo per job
    for slot in bidders:
        ruleset = agency.rulesets[slot.config.ruleset]
        rules = enabled_rules(ruleset, slot.config)
        if slot.config.ruleset not in shared:
            shared[slot.config.ruleset] = _combos(batch, rules, ruleset, slot.config)
        combo_of, combos = shared[slot.config.ruleset]
        fits = np.zeros(len(jobs), dtype=np.int64)
        for skill in slot.config.skills:
            fits += batch.texts.column(skill)
        fit_counts: list[int] = fits.tolist()
        fit_reasons = batch.reasons("fit", ruleset, slot.config) if "fit" in rules else None
        known: dict[tuple[int, int, int], Verdict] = {}
        verdicts: list[Verdict] = []
        for index, combo in enumerate(combo_of):
            fit_reason = None if fit_reasons is None else fit_reasons[index]
            key = (combo, id(fit_reason), fit_counts[index])
            verdict = known.get(key)
            if verdict is None:
                reasons = combos[combo] if fit_reason is None else [*combos[combo], fit_reason]
                verdict = known[key] = verdict_of(reasons, ruleset, fit_counts[index])
            verdicts.append(verdict)
        per_bidder.append(verdicts)
    return [list(verdicts) for verdicts in zip(*per_bidder, strict=True)] if bidders else []


def _combos(
    batch: Batch, rules: list[str], ruleset: RulesetConfig, bidder: BidderConfig
) -> tuple[list[int], list[list[Reason]]]:
    """Each job's job-level reasons as an index into the distinct lists of them."""
    columns = [batch.reasons(rule, ruleset, bidder) for rule in rules if rule != "fit"]
    if not columns:
        return [0] * len(batch.jobs), [[]]
    index: dict[tuple[int, ...], int] = {}
    combos: list[list[Reason]] = []
    combo_of: list[int] = []
    for row in zip(*columns, strict=True):
        key = tuple(map(id, row))  # reasons are shared objects: identity is equality here
        found = index.get(key)
        if found is None:
            found = index[key] = len(combos)
            combos.append(list(row))
        combo_of.append(found)
    return combo_of, combos


def triage_jobs(
    jobs: Sequence[Job],
    bidders: Sequence[BidderSlot],
    agency: AgencyConfig,
    *,
    now: datetime | None = None,
    room: Mapping[int, int] | None = None,
    previous_clients: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Decision rows for every (job, bidder) pair, with at most one routed bidder per job.

    ``now`` anchors freshness and client age (default: the current time). ``room`` is each
    bidder's free capacity by bidder id (from ``rules.guardrails``; no entry: unlimited).
    ``previous_clients`` are the client keys the agency has bid for (``prefer_previous``).
    See ``rules.routing`` for how the bidder is chosen.
    """
    # Half a million small dicts and lists per 100,000 jobs, none of them cyclic: the cyclic
    # collector would only re-walk them, which costs a third of the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _triage(jobs, bidders, agency, now, room, previous_clients)
    finally:
        if collecting:
            gc.enable()


def _triage(
    jobs: Sequence[Job],
    bidders: Sequence[BidderSlot],
    agency: AgencyConfig,
    now: datetime | None,
    room: Mapping[int, int] | None,
    previous_clients: Collection[str],
) -> list[dict[str, Any]]:
    batch = Batch(jobs, _context(now, previous_clients))
    verdicts = _judge(batch, bidders, agency)
    candidates = [
        [Candidate(slot, v.passed, v.fit, v.score) for slot, v in zip(bidders, row, strict=True)]
        for row in verdicts
    ]
    chosen = route(candidates, assigned_bidders(jobs, batch.texts, agency), room or {})
    # Reason dicts are built once per distinct verdict; each row gets its own list of them.
    worded: dict[int, list[dict[str, str]]] = {}
    rows: list[dict[str, Any]] = []
    for job, row, pick in zip(jobs, verdicts, chosen, strict=True):
        assert job.id is not None
        for slot, verdict in zip(bidders, row, strict=True):
            reasons = worded.get(id(verdict))
            if reasons is None:
                reasons = worded[id(verdict)] = [r.as_dict() for r in verdict.reasons]
            rows.append(
                {
                    "job_id": job.id,
                    "bidder_id": slot.id,
                    "ruleset": slot.config.ruleset,
                    "passed": verdict.passed,
                    "score": verdict.score,
                    "routed": slot.id == pick,
                    "reasons": list(reasons),
                }
            )
    return rows
