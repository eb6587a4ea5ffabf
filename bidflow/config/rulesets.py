"""Triage rulesets of the agency config: which jobs are worth a proposal, and how they score.

Every rule is off until one of its fields is set; ``docs/rules.md`` describes each one.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, field_validator, model_validator

from bidflow.config.base import ConfigModel, known_timezone
from bidflow.config.expression import Expr, Query, parse_expression
from bidflow.config.feeds import parse_duration
from bidflow.config.followups import FollowUpRules

PROPOSAL_BUCKETS: tuple[str, ...] = (
    "Less than 5",
    "5 to 10",
    "10 to 15",
    "15 to 20",
    "20 to 50",
    "50+",
)

# Every rule a ruleset can enable, in the order reasons are listed, with its default weight.
# Skill fit counts double: it is what makes a proposal credible.
DEFAULT_WEIGHTS: dict[str, float] = {
    "budget": 1.0,
    "weekly_budget": 1.0,
    "payment": 1.0,
    "client_spend": 1.0,
    "client_hires": 1.0,
    "client_feedback": 1.0,
    "client_reviews": 1.0,
    "client_age": 1.0,
    "country": 1.0,
    "timezone": 1.0,
    "blocklist": 1.0,
    "previous_client": 1.0,
    "competition": 1.0,
    "interviewing": 1.0,
    "invites": 1.0,
    "hired": 1.0,
    "freshness": 1.0,
    "query": 1.0,
    "required_skills": 1.0,
    "excluded_skills": 1.0,
    "category": 1.0,
    "experience": 1.0,
    "excluded_keywords": 2.0,
    "fit": 2.0,
}
RULE_NAMES: tuple[str, ...] = tuple(DEFAULT_WEIGHTS)

NonNegative = Annotated[float, Field(ge=0)]
Whole = Annotated[int, Field(ge=0)]
_UTC_OFFSET = re.compile(r"^UTC([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


class UnknownPolicy(StrEnum):
    """What a rule does when the job lacks the data it needs."""

    PASS = "pass"
    FAIL = "fail"
    SCORE = "score"  # neither passes nor fails; the rule earns half its weight


def _check_range(low: float | None, high: float | None, low_name: str, high_name: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(f"{low_name} ({low:g}) is above {high_name} ({high:g}); swap or fix them")


def normal_timezone(value: str) -> str:
    """An IANA name as written, or a UTC offset in one spelling ("UTC+5:30" -> "UTC+05:30")."""
    offset = _UTC_OFFSET.match(value.strip())
    if offset is None:
        return known_timezone(value.strip())
    sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
    if hours > 14 or minutes >= 60:
        raise ValueError(f"'{value}' is not a UTC offset; write one like UTC-05:00 or UTC+05:30")
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


class BudgetRules(ConfigModel):
    """Budget limits; ``None`` means no limit on that side."""

    fixed_min: NonNegative | None = None
    fixed_max: NonNegative | None = None
    hourly_min: NonNegative | None = None
    hourly_max: NonNegative | None = None
    weekly_min: NonNegative | None = Field(
        default=None, description="Least weekly budget for hourly jobs that state one."
    )
    unknown: UnknownPolicy = UnknownPolicy.SCORE

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        _check_range(self.fixed_min, self.fixed_max, "fixed_min", "fixed_max")
        _check_range(self.hourly_min, self.hourly_max, "hourly_min", "hourly_max")
        return self

    @property
    def limits_rates(self) -> bool:
        limits = (self.fixed_min, self.fixed_max, self.hourly_min, self.hourly_max)
        return any(limit is not None for limit in limits)


class ClientRules(ConfigModel):
    """What the client's history must show."""

    payment_verified: bool = False
    min_total_spent: NonNegative | None = None
    min_hires: Whole | None = None
    min_hire_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    min_feedback: Annotated[float, Field(ge=0, le=5)] | None = None
    min_reviews: Whole | None = None
    min_member_days: Whole | None = None
    countries_allowed: list[str] = Field(default_factory=list)
    countries_denied: list[str] = Field(default_factory=list)
    timezones: list[str] = Field(
        default_factory=list, description="Allowed client timezones: IANA names or UTC offsets."
    )
    blocklist: list[str] = Field(
        default_factory=list, description="Client keys ('id:123', 'fp:…') or client names."
    )
    prefer_previous: bool = False
    unknown: UnknownPolicy = UnknownPolicy.SCORE

    @field_validator("timezones")
    @classmethod
    def _timezones(cls, values: list[str]) -> list[str]:
        return [normal_timezone(value) for value in values]

    @model_validator(mode="after")
    def _countries(self) -> Self:
        both = {c.casefold() for c in self.countries_allowed} & {
            c.casefold() for c in self.countries_denied
        }
        if both:
            raise ValueError(
                f"countries_allowed and countries_denied both list {sorted(both)};"
                " keep each country in one of them"
            )
        return self


class CompetitionRules(ConfigModel):
    """How crowded a job may be."""

    max_proposals: str | None = Field(
        default=None,
        description=f"Largest proposals bucket still worth bidding: {PROPOSAL_BUCKETS}",
    )
    max_interviewing: Whole | None = None
    max_invites_sent: Whole | None = None
    skip_if_hired: bool = False
    unknown: UnknownPolicy = UnknownPolicy.SCORE

    @model_validator(mode="after")
    def _known_bucket(self) -> Self:
        if self.max_proposals is not None and self.max_proposals not in PROPOSAL_BUCKETS:
            choices = ", ".join(f"'{b}'" for b in PROPOSAL_BUCKETS)
            raise ValueError(
                f"'{self.max_proposals}' is not a proposals bucket; use one of {choices}"
            )
        return self


class FreshnessRules(ConfigModel):
    """How old a job may be and still be worth a proposal (replies in the first minutes win)."""

    max_age: timedelta | None = Field(
        default=None, description="Oldest posting still bid on, e.g. '6h' or 'PT90M'."
    )
    unknown: UnknownPolicy = UnknownPolicy.SCORE

    @field_validator("max_age", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return None if value is None else parse_duration(value)


class FitRules(ConfigModel):
    """What the job must be about, and how well it must match the bidder's skills."""

    query: Query = Field(
        default=None, description='Keyword expression, e.g. django AND (api OR "rest framework")'
    )
    required_skills: list[str] = Field(default_factory=list)
    excluded_skills: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    experience_levels: list[str] = Field(default_factory=list)
    min_skill_overlap: Whole = 1
    excluded_keywords: list[str] = Field(default_factory=list)
    unknown: UnknownPolicy = UnknownPolicy.SCORE

    @property
    def expression(self) -> Expr | None:
        return None if self.query is None else parse_expression(self.query)


class ScoringRules(ConfigModel):
    """How much each rule counts towards the score, and the score a job needs."""

    weights: dict[str, NonNegative] = Field(default_factory=dict)
    threshold: Annotated[float, Field(ge=0, le=1)] | None = None

    @field_validator("weights")
    @classmethod
    def _known_rules(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(RULE_NAMES))
        if unknown:
            raise ValueError(
                f"{unknown} {'is not a rule' if len(unknown) == 1 else 'are not rules'};"
                f" weigh any of {', '.join(RULE_NAMES)}"
            )
        return weights


class RulesetConfig(ConfigModel):
    """One named ruleset; bidders point at it by name."""

    budget: BudgetRules = Field(default_factory=BudgetRules)
    client: ClientRules = Field(default_factory=ClientRules)
    competition: CompetitionRules = Field(default_factory=CompetitionRules)
    freshness: FreshnessRules = Field(default_factory=FreshnessRules)
    fit: FitRules = Field(default_factory=FitRules)
    scoring: ScoringRules = Field(default_factory=ScoringRules)
    followups: FollowUpRules = Field(default_factory=FollowUpRules)
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.5

    @model_validator(mode="before")
    @classmethod
    def _one_threshold(cls, data: Any) -> Any:
        # `scoring.threshold` and the older top-level `threshold` mean the same thing.
        scoring = data.get("scoring") if isinstance(data, dict) else None
        if isinstance(scoring, dict) and scoring.get("threshold") is not None:
            if data.get("threshold") is not None and data["threshold"] != scoring["threshold"]:
                raise ValueError(
                    "threshold and scoring.threshold disagree; keep only scoring.threshold"
                )
            return {**data, "threshold": scoring["threshold"]}
        return data

    def weight(self, rule: str) -> float:
        return self.scoring.weights.get(rule, DEFAULT_WEIGHTS[rule])
