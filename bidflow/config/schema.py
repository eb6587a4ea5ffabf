"""The agency config's top level: the agency, its bidders, feeds, rulesets and team."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, PrivateAttr, field_validator, model_validator

from bidflow.config.base import ConfigModel, TimezoneName
from bidflow.config.expression import Query
from bidflow.config.feeds import FeedConfig, parse_duration
from bidflow.config.inbox import InboxHookConfig, InboxSourceConfig
from bidflow.config.llm import LLMConfig
from bidflow.config.notify import NotifyConfig
from bidflow.config.quiet_hours import QuietHours, parse_quiet_hours
from bidflow.config.reports import ReportsConfig
from bidflow.config.rulesets import RulesetConfig

Name = Annotated[str, Field(min_length=1, max_length=120)]
Count = Annotated[int, Field(ge=0)]


class PortfolioItem(ConfigModel):
    """A piece of past work a bidder can point a client to."""

    title: Name
    url: str | None = None
    summary: str = ""
    tags: list[str] = Field(default_factory=list)


class BidderCaps(ConfigModel):
    """Volume limits for one bidder; they protect the account from looking like a bot."""

    per_hour: Count = 4
    per_day: Count = 20
    per_week: Count = 80
    connects_per_week: Count | None = None
    quiet_hours: QuietHours | None = Field(
        default=None, description="No drafts queued in this local window, e.g. '22:00-07:00'."
    )
    min_spacing: timedelta | None = Field(
        default=None, description="Least time between two of the bidder's drafts, e.g. '10m'."
    )

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _window(cls, value: object) -> object:
        return None if value is None else parse_quiet_hours(value)

    @field_validator("min_spacing", mode="before")
    @classmethod
    def _spacing(cls, value: object) -> object:
        return None if value is None else parse_duration(value)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.per_hour > self.per_day:
            raise ValueError(f"per_hour ({self.per_hour}) exceeds per_day ({self.per_day})")
        if self.per_day > self.per_week:
            raise ValueError(f"per_day ({self.per_day}) exceeds per_week ({self.per_week})")
        return self


class BidderConfig(ConfigModel):
    """A person (or profile) that proposals are written for and sent from."""

    name: Name
    title: Name
    skills: Annotated[list[str], Field(min_length=1)]
    hourly_rate: Annotated[float, Field(gt=0)]
    timezone: TimezoneName = "UTC"
    voice: str = ""
    ruleset: str = "default"
    caps: BidderCaps = Field(default_factory=BidderCaps)
    portfolio: list[PortfolioItem] = Field(default_factory=list)


class Role(StrEnum):
    """What a team member may do in the review desk."""

    OWNER = "owner"
    SALES_LEAD = "sales_lead"
    ACCOUNT_MANAGER = "account_manager"
    BIDDER = "bidder"


class UserConfig(ConfigModel):
    """A team member who signs in to the review desk."""

    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]
    name: Name
    role: Role
    bidder: str | None = None  # a bidder user: the bidder whose proposals they see and send
    # An account manager: the bidders whose clients they look after (their inbox and alerts);
    # none means every client's.
    bidders: list[str] = Field(default_factory=list)


class AgencySettings(ConfigModel):
    """Agency-wide facts and limits."""

    name: Name = "My agency"
    timezone: TimezoneName = "UTC"
    daily_cap: Count | None = None
    connects_per_job: Count = 16
    client_cooldown_days: Count = Field(
        default=30, description="Days before the same client may get another proposal (0: off)."
    )
    flow_failure_alert_after: Annotated[int, Field(ge=1)] = Field(
        default=3,
        description="Failed runs in a row of one flow after which the owners are alerted.",
    )


class AssignmentRule(ConfigModel):
    """Jobs matching this rule go to ``bidder`` whenever they pass that bidder's ruleset."""

    bidder: Name
    category: str | None = Field(default=None, description="Part of the job's category.")
    query: Query = Field(default=None, description="Keyword expression over the job text.")

    @model_validator(mode="after")
    def _something_to_match(self) -> Self:
        if self.category is None and self.query is None:
            raise ValueError(
                f"the assignment to '{self.bidder}' matches nothing; give it a category, a query"
                " or both"
            )
        return self


def proposal_variants() -> list[str]:
    """The proposal prompt variants installed: each ``prompts/proposal*.j2`` template, by stem.

    Found on disk rather than by importing ``prompts``, which sits above ``bidflow``."""
    spec = importlib.util.find_spec("prompts")
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders:
        return []
    return sorted(path.stem for folder in folders for path in Path(folder).glob("proposal*.j2"))


class PromptsConfig(ConfigModel):
    """Which proposal prompt variants to draft with; each (bidder, client) keeps one of them."""

    variants: Annotated[list[str], Field(min_length=1)] = Field(
        default_factory=lambda: ["proposal"],
        description="Proposal templates (prompts/<name>.j2) to A/B test: [proposal, proposal_b].",
    )

    @field_validator("variants")
    @classmethod
    def _installed(cls, value: list[str]) -> list[str]:
        available = proposal_variants()
        for name in value:
            if name not in available:
                raise ValueError(
                    f"'{name}' is not a proposal prompt variant; use one of {available}"
                )
        _unique(value, "prompt variant")
        return value


class AgencyConfig(ConfigModel):
    """The whole agency config file."""

    agency: AgencySettings = Field(default_factory=AgencySettings)
    bidders: Annotated[list[BidderConfig], Field(min_length=1)]
    feeds: list[FeedConfig] = Field(default_factory=list)
    rulesets: dict[str, RulesetConfig] = Field(default_factory=lambda: {"default": RulesetConfig()})
    users: list[UserConfig] = Field(default_factory=list)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    inbox_hooks: list[InboxHookConfig] = Field(default_factory=list)
    inbox: list[InboxSourceConfig] = Field(default_factory=list)
    assignments: list[AssignmentRule] = Field(default_factory=list)
    prompts: PromptsConfig = Field(default_factory=PromptsConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @model_validator(mode="after")
    def _references(self) -> Self:
        _unique([b.name for b in self.bidders], "bidder name")
        _unique([f.name for f in self.feeds], "feed name")
        _unique([u.email for u in self.users], "user email")
        _unique([h.name for h in self.inbox_hooks], "inbox hook name")
        _unique([s.name for s in self.inbox], "inbox source name")
        api_feeds = sorted(f.name for f in self.feeds if f.kind == "upwork_api")
        for source in self.inbox:
            if source.kind == "upwork_api" and source.feed not in api_feeds:
                raise ValueError(
                    f"inbox source '{source.name}' reads Upwork with feed '{source.feed}', which"
                    f" is not an upwork_api feed; use one of {api_feeds} or add that feed"
                )
        unreachable = self.notify.unknown_recipients([u.email for u in self.users])
        if unreachable:
            raise ValueError(
                f"notify recipients {unreachable} are not in users; add them to users or"
                " remove them from notify"
            )
        known = sorted(self.rulesets)
        for bidder in self.bidders:
            if bidder.ruleset not in self.rulesets:
                raise ValueError(
                    f"bidder '{bidder.name}' uses ruleset '{bidder.ruleset}', which is not defined;"
                    f" define it under rulesets or use one of {known}"
                )
        names = {b.name for b in self.bidders}
        for rule in self.assignments:
            if rule.bidder not in names:
                raise ValueError(
                    f"an assignment names bidder '{rule.bidder}', which is not in bidders;"
                    f" use one of {sorted(names)}"
                )
        for user in self.users:
            for named in [user.bidder] if user.bidder is not None else user.bidders:
                if named not in names:
                    raise ValueError(
                        f"user '{user.email}' names bidder '{named}', which is not in bidders;"
                        f" use one of {sorted(names)}"
                    )
            if user.bidders and user.role is not Role.ACCOUNT_MANAGER:
                raise ValueError(
                    f"user '{user.email}': bidders lists the clients an account manager looks"
                    f" after; a {user.role.value} user cannot have it (a bidder user names one"
                    " `bidder`)"
                )
        return self

    def resolve(self, path: str) -> Path:
        """A path from the config, taken relative to the config file's folder."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self._base_dir / candidate

    def with_base_dir(self, base_dir: Path) -> Self:
        self._base_dir = base_dir
        return self

    def bidder(self, name: str) -> BidderConfig:
        for bidder in self.bidders:
            if bidder.name == name:
                return bidder
        raise KeyError(name)


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} '{value}' appears twice; each must be unique")
        seen.add(value)
