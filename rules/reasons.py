"""A rule's outcome and the sentences that explain it.

Both the per-job checks (``rules.checks``) and the batch path (``rules.columns``) word their
reasons through these functions, so the two always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bidflow.config import UnknownPolicy
from bidflow.wording import money, span

Status = Literal["passed", "failed", "missing"]


@dataclass(frozen=True)
class Reason:
    """The outcome of one rule for one job, with a sentence a sales lead can read."""

    rule: str
    status: Status
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "status": self.status, "message": self.message}


def missing(rule: str, what: str, policy: UnknownPolicy) -> Reason:
    """The reason of a rule whose data the job lacks, as the ruleset's ``unknown`` says."""
    if policy is UnknownPolicy.PASS:
        return Reason(rule, "passed", f"{what} not given (allowed by the ruleset)")
    if policy is UnknownPolicy.FAIL:
        return Reason(rule, "failed", f"{what} not given (the ruleset requires it)")
    return Reason(rule, "missing", f"{what} not given (scored as uncertain)")


def hourly_range(low: float, top: float) -> str:
    return f"{money(low)}–{money(top)}/hr"


def under(what: str, shown: str, value: float, minimum: float) -> str:
    return f"{what} is {shown.format(value)}, under the {shown.format(minimum)} minimum"


def over(what: str, shown: str, value: float, maximum: float) -> str:
    return f"{what} is {shown.format(value)}, over the {shown.format(maximum)} maximum"


def stated(what: str, shown: str, value: float) -> str:
    return f"{what} is {shown.format(value)}"


def age_message(minutes: int, limit: timedelta | None) -> str:
    age = span(timedelta(minutes=minutes))
    if limit is None:
        return f"posted {age} ago"
    return f"posted {age} ago, older than the {span(limit)} limit"


def listing(values: list[str]) -> str:
    return ", ".join(values) or "none"


def hires_on_job(count: int) -> str:
    if count <= 0:
        return "nobody hired on this job yet"
    return f"client already hired {count} freelancer{'s' if count != 1 else ''} on this job"


def fit_message(bidder: str, matched: list[str], needed: int) -> tuple[bool, str]:
    """Whether enough of ``bidder``'s skills matched, and the sentence saying so."""
    if len(matched) < needed:
        return False, (
            f"matches {len(matched)} of {bidder}'s skills ({listing(matched)}); needs {needed}"
        )
    return True, f"matches {bidder}'s skills: {', '.join(matched[:6])}"


# Rules that compare one job value with a minimum or maximum: (job field, config field, what
# the value is, how to show it, whether the limit is a minimum).
LIMITS: dict[str, tuple[str, str, str, str, bool]] = {
    "client_spend": (
        "client_total_spent",
        "min_total_spent",
        "client's total spend",
        "${:,.0f}",
        True,
    ),
    "client_feedback": (
        "client_feedback",
        "min_feedback",
        "client's feedback score",
        "{:.1f}",
        True,
    ),
    "client_reviews": ("client_reviews", "min_reviews", "client's review count", "{:,.0f}", True),
    "interviewing": (
        "interviewing",
        "max_interviewing",
        "freelancers in interview",
        "{:,.0f}",
        False,
    ),
    "invites": ("invites_sent", "max_invites_sent", "invites the client sent", "{:,.0f}", False),
}
