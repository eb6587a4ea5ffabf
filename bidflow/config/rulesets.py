"""Triage rulesets of the agency config: which jobs are worth a proposal, and how they score."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from bidflow.config.base import ConfigModel
from bidflow.config.feeds import parse_duration

PROPOSAL_BUCKETS: tuple[str, ...] = (
    "Less than 5",
    "5 to 10",
    "10 to 15",
    "15 to 20",
    "20 to 50",
    "50+",
)

NonNegative = Annotated[float, Field(ge=0)]


class UnknownPolicy(StrEnum):
    """What a rule does when the job lacks the data it needs."""

    PASS = "pass"
    FAIL = "fail"
    SCORE = "score"  # neither passes nor fails; the rule simply adds nothing to the score


def _check_range(low: float | None, high: float | None, low_name: str, high_name: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(f"{low_name} ({low:g}) is above {high_name} ({high:g}); swap or fix them")


class BudgetRules(ConfigModel):
    """Budget limits; ``None`` means no limit on that side."""

    fixed_min: NonNegative | None = None
    fixed_max: NonNegative | None = None
    hourly_min: NonNegative | None = None
    hourly_max: NonNegative | None = None
    unknown: UnknownPolicy = UnknownPolicy.SCORE

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        _check_range(self.fixed_min, self.fixed_max, "fixed_min", "fixed_max")
        _check_range(self.hourly_min, self.hourly_max, "hourly_min", "hourly_max")
        return self


class ClientRules(ConfigModel):
    """What the client's history must show."""

    payment_verified: bool = False
    min_total_spent: NonNegative | None = None
    min_hires: Annotated[int, Field(ge=0)] | None = None
    min_hire_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    min_feedback: Annotated[float, Field(ge=0, le=5)] | None = None
    countries_denied: list[str] = Field(default_factory=list)
    unknown: UnknownPolicy = UnknownPolicy.SCORE


class CompetitionRules(ConfigModel):
    """How crowded a job may be."""

    max_proposals: str | None = Field(
        default=None,
        description=f"Largest proposals bucket still worth bidding: {PROPOSAL_BUCKETS}",
    )
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

    @field_validator("max_age", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return None if value is None else parse_duration(value)


class FitRules(ConfigModel):
    """How well a job must match the bidder's skills."""

    min_skill_overlap: Annotated[int, Field(ge=0)] = 1
    excluded_keywords: list[str] = Field(default_factory=list)


class RulesetConfig(ConfigModel):
    """One named ruleset; bidders point at it by name."""

    budget: BudgetRules = Field(default_factory=BudgetRules)
    client: ClientRules = Field(default_factory=ClientRules)
    competition: CompetitionRules = Field(default_factory=CompetitionRules)
    freshness: FreshnessRules = Field(default_factory=FreshnessRules)
    fit: FitRules = Field(default_factory=FitRules)
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.5
