"""Routing: each passing job goes to one bidder.

An assignment rule of the config (``assignments``) sends matching jobs to its bidder when the
job passes that bidder's ruleset. Otherwise the job goes to the passing bidder who fits best:
most of their skills mentioned, then the higher score, then the fewer jobs routed to them in
this batch, then the more free capacity. A bidder whose capacity (``room``) this batch has used
up is passed over while another passing bidder has room; when none has, the best one gets the
job anyway and drafting parks it, so no passing job is dropped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

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
