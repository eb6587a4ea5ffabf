"""The triage rules. Each looks at one job for one bidder and says why, in plain words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bidflow.config import BidderConfig, RulesetConfig, UnknownPolicy
from bidflow.config.rulesets import PROPOSAL_BUCKETS
from bidflow.models import JobBase
from bidflow.wording import money

Status = Literal["passed", "failed", "missing"]


@dataclass(frozen=True)
class Reason:
    """The outcome of one rule for one job, with a sentence a sales lead can read."""

    rule: str
    status: Status
    message: str
    weight: float = 1.0

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "status": self.status, "message": self.message}


Check = Callable[[JobBase, BidderConfig, RulesetConfig], Reason | None]


def _missing(rule: str, what: str, policy: UnknownPolicy) -> Reason:
    if policy is UnknownPolicy.PASS:
        return Reason(rule, "passed", f"{what} not given (allowed by the ruleset)")
    if policy is UnknownPolicy.FAIL:
        return Reason(rule, "failed", f"{what} not given (the ruleset requires it)")
    return Reason(rule, "missing", f"{what} not given (scored as uncertain)")


def check_budget(job: JobBase, _bidder: BidderConfig, ruleset: RulesetConfig) -> Reason:
    rules = ruleset.budget
    if job.hourly_max is not None or job.hourly_min is not None:
        top = job.hourly_max or job.hourly_min or 0.0
        shown = f"{money(job.hourly_min or top)}–{money(top)}/hr"
        if rules.hourly_min is not None and top < rules.hourly_min:
            return Reason(
                "budget",
                "failed",
                f"hourly {shown} is below the {money(rules.hourly_min)}/hr minimum",
            )
        if rules.hourly_max is not None and (job.hourly_min or top) > rules.hourly_max:
            return Reason(
                "budget",
                "failed",
                f"hourly {shown} is above the {money(rules.hourly_max)}/hr maximum",
            )
        return Reason("budget", "passed", f"hourly {shown} fits the rate range")
    if job.budget is not None:
        if rules.fixed_min is not None and job.budget < rules.fixed_min:
            return Reason(
                "budget",
                "failed",
                f"fixed budget {money(job.budget)} is below the {money(rules.fixed_min)} minimum",
            )
        if rules.fixed_max is not None and job.budget > rules.fixed_max:
            return Reason(
                "budget",
                "failed",
                f"fixed budget {money(job.budget)} is above the {money(rules.fixed_max)} maximum",
            )
        return Reason("budget", "passed", f"fixed budget {money(job.budget)} fits the range")
    return _missing("budget", "budget", rules.unknown)


def check_payment(job: JobBase, _bidder: BidderConfig, ruleset: RulesetConfig) -> Reason | None:
    if not ruleset.client.payment_verified:
        return None
    if job.client_payment_verified is None:
        return _missing("payment", "payment verification", ruleset.client.unknown)
    if job.client_payment_verified:
        return Reason("payment", "passed", "client's payment method is verified")
    return Reason("payment", "failed", "client's payment method is not verified")


def _at_least(
    rule: str,
    value: float | None,
    minimum: float | None,
    what: str,
    shown: str,
    policy: UnknownPolicy,
) -> Reason | None:
    """A "value must reach minimum" rule; ``shown`` formats a value the way people read it."""
    if minimum is None:
        return None
    if value is None:
        return _missing(rule, what, policy)
    if value < minimum:
        limit = shown.format(minimum)
        return Reason(rule, "failed", f"{what} is {shown.format(value)}, under the {limit} minimum")
    return Reason(rule, "passed", f"{what} is {shown.format(value)}")


def check_spend(job: JobBase, _bidder: BidderConfig, ruleset: RulesetConfig) -> Reason | None:
    rules = ruleset.client
    return _at_least(
        "client_spend",
        job.client_total_spent,
        rules.min_total_spent,
        "client's total spend",
        "${:,.0f}",
        rules.unknown,
    )


def check_hires(job: JobBase, _bidder: BidderConfig, ruleset: RulesetConfig) -> Reason | None:
    rules = ruleset.client
    if rules.min_hires is None and rules.min_hire_rate is None:
        return None
    if job.client_hires is None:
        return _missing("client_hires", "client's hiring history", rules.unknown)
    if rules.min_hires is not None and job.client_hires < rules.min_hires:
        return Reason(
            "client_hires",
            "failed",
            f"client has made {job.client_hires} hires, under {rules.min_hires}",
        )
    if rules.min_hire_rate is not None and job.client_jobs_posted:
        rate = job.client_hires / job.client_jobs_posted
        if rate < rules.min_hire_rate:
            return Reason(
                "client_hires",
                "failed",
                f"client hires on {rate:.0%} of posts, under {rules.min_hire_rate:.0%}",
            )
    return Reason("client_hires", "passed", f"client has made {job.client_hires} hires")


def check_feedback(job: JobBase, _bidder: BidderConfig, ruleset: RulesetConfig) -> Reason | None:
    rules = ruleset.client
    return _at_least(
        "client_feedback",
        job.client_feedback,
        rules.min_feedback,
        "client's feedback score",
        "{:.1f}",
        rules.unknown,
    )


def check_country(job: JobBase, _bidder: BidderConfig, ruleset: RulesetConfig) -> Reason | None:
    denied = {country.casefold() for country in ruleset.client.countries_denied}
    if not denied:
        return None
    if job.client_country is None:
        return _missing("country", "client's country", ruleset.client.unknown)
    if job.client_country.casefold() in denied:
        return Reason("country", "failed", f"clients in {job.client_country} are excluded")
    return Reason("country", "passed", f"client is in {job.client_country}")


def check_competition(job: JobBase, _bidder: BidderConfig, ruleset: RulesetConfig) -> Reason | None:
    ceiling = ruleset.competition.max_proposals
    if ceiling is None:
        return None
    if job.proposals_bucket not in PROPOSAL_BUCKETS:
        return _missing("competition", "proposal count", ruleset.competition.unknown)
    if PROPOSAL_BUCKETS.index(job.proposals_bucket) > PROPOSAL_BUCKETS.index(ceiling):
        return Reason(
            "competition",
            "failed",
            f"{job.proposals_bucket} proposals already; the limit is {ceiling}",
        )
    return Reason("competition", "passed", f"{job.proposals_bucket} proposals so far")


_WORD = re.compile(r"[a-z0-9][a-z0-9+#.]*")


def skill_matches(job: JobBase, skills: list[str]) -> list[str]:
    """The bidder skills the job mentions (in its skills, title or description)."""
    job_skills = {skill.casefold() for skill in job.skills}
    text = f" {job.title} {job.description} ".casefold()
    return [
        s
        for s in skills
        if s.casefold() in job_skills
        or f" {s.casefold()} " in text
        or (len(s) > 3 and s.casefold() in text)
    ]


def check_fit(job: JobBase, bidder: BidderConfig, ruleset: RulesetConfig) -> Reason:
    text = f"{job.title}\n{job.description}".casefold()
    for keyword in ruleset.fit.excluded_keywords:
        if keyword.casefold() in text:
            return Reason(
                "fit", "failed", f"mentions '{keyword}', which this ruleset excludes", 2.0
            )
    matched = skill_matches(job, bidder.skills)
    needed = ruleset.fit.min_skill_overlap
    if len(matched) < needed:
        shown = ", ".join(matched) or "none"
        return Reason(
            "fit",
            "failed",
            f"matches {len(matched)} of {bidder.name}'s skills ({shown}); needs {needed}",
            2.0,
        )
    return Reason("fit", "passed", f"matches {bidder.name}'s skills: {', '.join(matched[:6])}", 2.0)


CHECKS: tuple[Check, ...] = (
    check_budget,
    check_payment,
    check_spend,
    check_hires,
    check_feedback,
    check_country,
    check_competition,
    check_fit,
)
