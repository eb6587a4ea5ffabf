"""What the weekly report counts: the funnel's stages, which events show a proposal reached each
one, the rates between them, and the window of time a report looks at.

Week semantics (docs/analytics.md says the same for owners):
- a stage is counted once per proposal, in the week the event log first shows the proposal
  there — by the stage's own event, or by a later one (a reply recorded without a view still
  shows the client read it);
- rates follow a cohort: the proposals drafted (approval rate) or sent (every later rate) in the
  week, with whatever they reached before the report's ``now``; so a rate is a true proportion
  and has a Wilson interval, and a week keeps improving as late replies come in;
- nothing at or after ``now`` is read, so a report built with the same ``now`` is the same
  report however much happens later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bidflow.models import ProposalStatus as S

# Every stage, in order; seen and passed come from triage decisions, the rest from proposals.
STAGES: tuple[str, ...] = (
    "seen",
    "passed",
    "drafted",
    "approved",
    "sent",
    "viewed",
    "replied",
    "interviewed",
    "hired",
)
TRIAGE_STAGES = STAGES[:2]
PROPOSAL_STAGES = STAGES[2:]
AFTER_SEND_STAGES = STAGES[4:]

# How far along the funnel each lifecycle event shows a proposal got (an index into
# PROPOSAL_STAGES). Endings that only follow a send show the send; the others show the draft.
# An offer or a hire counts as interviewed, so each stage holds every proposal of the next.
_LEVEL: dict[str, int] = {
    S.QUEUED: 0,
    S.REJECTED: 0,
    S.JOB_CLOSED: 0,
    S.EXPIRED: 0,
    S.APPROVED: 1,
    S.SENT: 2,
    S.DECLINED: 2,
    S.WITHDRAWN: 2,
    S.VIEWED: 3,
    S.REPLIED: 4,
    S.INTERVIEWING: 5,
    S.OFFER: 5,
    S.HIRED: 6,
}


# Every action that moves a proposal along its lifecycle; others (edits, regenerations,
# follow-up bookkeeping) never change a count.
LIFECYCLE: tuple[str, ...] = tuple(sorted(str(action) for action in _LEVEL))


def actions_at_level(level: int) -> tuple[str, ...]:
    """The event actions that take a proposal exactly to stage ``PROPOSAL_STAGES[level]``."""
    return tuple(sorted(str(action) for action, at in _LEVEL.items() if at == level))


def actions_showing(stage: str) -> tuple[str, ...]:
    """The event actions that show a proposal reached ``stage`` (its own and every later one)."""
    level = PROPOSAL_STAGES.index(stage)
    return tuple(sorted(str(action) for action, at in _LEVEL.items() if at >= level))


@dataclass(frozen=True)
class Rate:
    name: str
    numerator: str  # a column: the cohort members that reached the stage
    denominator: str  # a column: the cohort


# Cohort columns: of the proposals drafted / sent in the week, how many reached a stage by now.
COHORT = {
    "approved": ("cohort_approved", "drafted"),
    "viewed": ("cohort_viewed", "sent"),
    "replied": ("cohort_replied", "sent"),
    "interviewed": ("cohort_interviewed", "sent"),
    "hired": ("cohort_hired", "sent"),
}
RATES: tuple[Rate, ...] = (
    Rate("pass_rate", "passed", "seen"),
    Rate("approval_rate", "cohort_approved", "drafted"),
    Rate("view_rate", "cohort_viewed", "sent"),
    Rate("reply_rate", "cohort_replied", "sent"),
    Rate("interview_rate", "cohort_interviewed", "sent"),
    Rate("win_rate", "cohort_hired", "sent"),
)
# What a week adds up to besides its stages: money, Connects, and how many hires said a value.
SPEND_COLUMNS: tuple[str, ...] = (
    "regenerations",
    "connects",
    "llm_cost_usd",
    "revenue_usd",
    "valued_hires",
)


@dataclass(frozen=True)
class Window:
    """The week a report counts, [start, end), read as it stood at ``now``."""

    start: datetime
    end: datetime
    now: datetime

    @property
    def until(self) -> datetime:
        """Where the week's activity stops: its end, or ``now`` for a week still running."""
        return min(self.end, self.now)
