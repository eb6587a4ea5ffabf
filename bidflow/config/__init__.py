"""The agency config: bidders, feeds, rulesets, caps and team, read from one YAML file."""

from bidflow.config.feeds import FeedConfig, FilesFeedConfig, RssFeedConfig
from bidflow.config.loader import load_agency_config, parse_agency_config
from bidflow.config.rulesets import (
    BudgetRules,
    ClientRules,
    CompetitionRules,
    FitRules,
    RulesetConfig,
    UnknownPolicy,
)
from bidflow.config.schema import (
    AgencyConfig,
    AgencySettings,
    BidderCaps,
    BidderConfig,
    PortfolioItem,
    Role,
    UserConfig,
)

__all__ = [
    "AgencyConfig",
    "AgencySettings",
    "BidderCaps",
    "BidderConfig",
    "BudgetRules",
    "ClientRules",
    "CompetitionRules",
    "FeedConfig",
    "FilesFeedConfig",
    "FitRules",
    "PortfolioItem",
    "Role",
    "RssFeedConfig",
    "RulesetConfig",
    "UnknownPolicy",
    "UserConfig",
    "load_agency_config",
    "parse_agency_config",
]
