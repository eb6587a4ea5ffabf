"""Routing: each passing job goes to one bidder.

An assignment rule of the config (``assignments``) sends matching jobs to its bidder when the
job passes that bidder's ruleset. Otherwise the job goes to the passing bidder who fits best:
most of their skills mentioned, then the higher score, then the fewer jobs routed to them in
this batch, then the more free capacity. A bidder whose capacity (``room``) this batch has used
up is passed over while another passing bidder has room; when none has, the best one gets the
job anyway and drafting parks it, so no passing job is dropped.

``route`` goes job by job (the readable reference); ``route_columns`` gives the same answer
for a batch judged column-wise: jobs whose bidder follows from the columns alone (an
assignment, or one best bidder with unlimited room) are decided with array operations, and
only the rest (ties broken by load, limited room) go job by job.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bidflow.config import AgencyConfig
from bidflow.config.expression import parse_expression
from bidflow.models import JobBase
from rules.expression import JobTexts

if TYPE_CHECKING:
    from rules.triage import BidderSlot


@dataclass(frozen=True)
class Candidate:
    """A bidder's verdict on one job, as routing weighs it."""

    slot: BidderSlot
    passed: bool
    fit: int
    score: float


def assigned_bidders(
    jobs: Sequence[JobBase], texts: JobTexts, agency: AgencyConfig
) -> list[str | None]:
    """For each job, the bidder named by the first assignment rule it matches, if any."""
    named: list[str | None] = [None] * len(jobs)
    if not agency.assignments:
        return named
    categories = [(job.category or "").casefold() for job in jobs]
    open_ = np.ones(len(jobs), dtype=np.bool_)
    for rule in agency.assignments:
        hit = open_.copy()
        if rule.category is not None:
            wanted = rule.category.casefold()
            hit &= np.fromiter((wanted in c for c in categories), np.bool_, len(jobs))
        if rule.query is not None:
            hit &= texts.evaluate(parse_expression(rule.query))
        for index in np.flatnonzero(hit).tolist():
            named[index] = rule.bidder
        open_ &= ~hit
    return named


def route(
    candidates: Sequence[Sequence[Candidate]],
    assigned: Sequence[str | None],
    room: Mapping[int, int],
) -> list[int | None]:
    """For each job, the id of the bidder it is routed to (None when no bidder passed it)."""
    load: Counter[int] = Counter()

    def free(candidate: Candidate) -> float:
        return room.get(candidate.slot.id, math.inf) - load[candidate.slot.id]

    chosen: list[int | None] = []
    for options, name in zip(candidates, assigned, strict=True):
        passing = [c for c in options if c.passed]
        pick = next((c for c in passing if c.slot.config.name == name), None)
        if pick is None and passing:
            pool = [c for c in passing if free(c) > 0] or passing
            pick = max(pool, key=lambda c: (c.fit, c.score, -load[c.slot.id], free(c)))
        if pick is not None:
            load[pick.slot.id] += 1
        chosen.append(None if pick is None else pick.slot.id)
    return chosen


def route_columns(
    passed: npt.NDArray[np.bool_],
    fit: npt.NDArray[np.int64],
    score: npt.NDArray[np.float64],
    names: Sequence[str],
    assigned: Sequence[str | None],
    room: Sequence[float],
) -> npt.NDArray[np.int64]:
    """``route`` over columns: ``passed``, ``fit`` and ``score`` are bidder × job arrays,
    ``names`` and ``room`` one entry per bidder. For each job, the index of the bidder it is
    routed to, -1 when no bidder passed it."""
    bidders, jobs = passed.shape
    if not bidders:
        return np.full(jobs, -1, dtype=np.int64)
    index_of = {name: i for i, name in reversed(list(enumerate(names)))}
    wanted = np.array([index_of.get(name, -1) if name else -1 for name in assigned], np.int64)
    by_assignment = (wanted >= 0) & passed[np.maximum(wanted, 0), np.arange(jobs)]
    # The best (fit, score) among passing bidders, and whether it is the only one.
    best_fit = np.where(passed, fit, -1).max(axis=0)
    level = passed & (fit == best_fit)
    best_score = np.where(level, score, -np.inf).max(axis=0)
    top = level & (score == best_score)
    best = top.argmax(axis=0)
    unlimited = np.isinf(np.asarray(room, dtype=np.float64))
    settled = (top.sum(axis=0) == 1) & unlimited[best]
    chosen = np.where(by_assignment, wanted, np.where(settled, best, -1)).astype(np.int64)
    pending = np.flatnonzero(passed.any(axis=0) & ~by_assignment & ~settled)
    if pending.size:
        _route_the_rest(chosen, pending, passed, fit, score, room)
    return chosen


def _route_the_rest(
    chosen: npt.NDArray[np.int64],
    pending: npt.NDArray[np.intp],
    passed: npt.NDArray[np.bool_],
    fit: npt.NDArray[np.int64],
    score: npt.NDArray[np.float64],
    room: Sequence[float],
) -> None:
    """Route the ``pending`` jobs one by one, as ``route`` does, counting as load the jobs
    decided before each of them (by the columns or in this loop)."""
    count = passed.shape[0]
    decided = chosen.copy()
    decided[pending] = -1
    # routed_before[b][j]: jobs before j routed to bidder b by the columns.
    routed = decided[None, :] == np.arange(count)[:, None]
    routed_before = (np.cumsum(routed, axis=1) - routed)[:, pending].T.tolist()
    extra = [0] * count
    rows = zip(
        pending.tolist(),
        routed_before,
        passed[:, pending].T.tolist(),
        fit[:, pending].T.tolist(),
        score[:, pending].T.tolist(),
        strict=True,
    )
    for job, before, passes, fits, scores in rows:
        load = [b + e for b, e in zip(before, extra, strict=True)]
        passing = [b for b in range(count) if passes[b]]
        pool = [b for b in passing if room[b] - load[b] > 0] or passing
        pick = max(pool, key=lambda b: (fits[b], scores[b], -load[b], room[b] - load[b]))
        extra[pick] += 1
        chosen[job] = pick
