"""What triage decided for a batch, kept as columns until someone needs rows.

A ``Judgement`` is one bidder's verdicts on every job (pass, score, fit as arrays, and a code per
job into each enabled rule's distinct reasons); ``Decisions`` adds the routing. Rows (one dict
per job and bidder, reasons worded) are built only when they are stored or shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bidflow.memory import no_cycle_collection
from rules.columns import Codes, RuleColumn
from rules.reasons import Reason

if TYPE_CHECKING:
    from rules.triage import BidderSlot


def shortfall(score: float, threshold: float) -> Reason:
    """The reason of a job that broke no rule but scored under the threshold."""
    return Reason(
        "threshold", "failed", f"score {score:.2f} is under the {threshold:.2f} threshold"
    )


@dataclass(frozen=True)
class Judgement:
    """One bidder's verdicts on every job of a batch."""

    slot: BidderSlot
    columns: list[RuleColumn]  # the enabled rules, in reason order
    passed: npt.NDArray[np.bool_]
    score: npt.NDArray[np.float64]
    fit: npt.NDArray[np.int64]  # how many of the bidder's skills each job mentions
    short: npt.NDArray[np.bool_]  # broke no rule but scored under the threshold
    threshold: float

    def reasons(self, job: int) -> list[Reason]:
        """Job ``job``'s reasons, one per enabled rule (and the threshold's when short)."""
        found = [column.reasons[column.codes[job]] for column in self.columns]
        if self.short[job]:
            found.append(shortfall(float(self.score[job]), self.threshold))
        return found

    def worded(self) -> list[list[dict[str, str]]]:
        """Every job's reasons as dicts (a new list per job; each reason's dict is shared)."""
        per_rule = []
        for column in self.columns:
            dicts = [reason.as_dict() for reason in column.reasons]
            per_rule.append([dicts[code] for code in column.codes.tolist()])
        lists = [list(reasons) for reasons in zip(*per_rule, strict=True)]
        if not per_rule:
            lists = [[] for _ in range(self.passed.size)]
        for job in np.flatnonzero(self.short).tolist():
            lists[job].append(shortfall(float(self.score[job]), self.threshold).as_dict())
        return lists


@dataclass(frozen=True)
class Decisions:
    """Every (job, bidder) verdict of a batch and the bidder each job is routed to."""

    job_ids: list[int]
    judgements: list[Judgement]
    routed_to: Codes  # per job: the index of its bidder in ``judgements``, -1 for none

    @property
    def passed_jobs(self) -> int:
        """Jobs at least one bidder passed."""
        if not self.judgements:
            return 0
        return int(np.logical_or.reduce([j.passed for j in self.judgements]).sum())

    @property
    def routed(self) -> int:
        return int((self.routed_to >= 0).sum())

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        """One dict per (job, bidder), job by job: the shape ``store_decisions`` writes."""
        with no_cycle_collection():  # half a million small dicts and lists per 100,000 jobs
            return self._rows()

    def _rows(self) -> list[dict[str, Any]]:
        columns = [
            (
                j.slot.id,
                j.slot.config.ruleset,
                j.passed.tolist(),
                j.score.tolist(),
                (self.routed_to == index).tolist(),
                j.worded(),
            )
            for index, j in enumerate(self.judgements)
        ]
        return [
            {
                "job_id": job_id,
                "bidder_id": bidder_id,
                "ruleset": ruleset,
                "passed": passed[n],
                "score": score[n],
                "routed": routed[n],
                "reasons": reasons[n],
            }
            for n, job_id in enumerate(self.job_ids)
            for bidder_id, ruleset, passed, score, routed, reasons in columns
        ]
