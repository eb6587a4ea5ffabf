"""Feed entries of the agency config, one model per feed kind (the ``kind`` key picks it)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from bidflow.config.base import ConfigModel

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> timedelta:
    """``90``, ``"30s"``, ``"2m"``, ``"1h"`` or ``"7d"`` as a timedelta (bare numbers: seconds)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=float(value))
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])
    if isinstance(value, str) and value.strip().upper().startswith("P"):
        try:  # ISO 8601 ("PT2M"), as a config written out by a program has it
            return TypeAdapter(timedelta).validate_python(value.strip())
        except ValidationError:
            pass
    raise ValueError(f"'{value}' is not a duration; write it like 30s, 2m, 1h or 7d")


class FeedBase(ConfigModel):
    """What every feed has: a unique name, whether it runs, and how often it is polled."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    enabled: bool = True
    poll_every: timedelta = timedelta(minutes=2)

    @field_validator("poll_every", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta:
        return parse_duration(value)


def _mapping() -> Any:
    return Field(
        default_factory=dict,
        description="Job field -> key/column in the source's items, where they name it otherwise.",
    )


def _env_name(value: str | None) -> str | None:
    if value is not None and not value.replace("_", "").isalnum():
        raise ValueError(f"'{value}' is not an environment variable name; use e.g. UPWORK_SECRET")
    return value


class RssFeedConfig(FeedBase):
    """An RSS 2.0 or Atom feed, by http(s) URL or by a file path relative to the config file."""

    kind: Literal["rss"]
    url: Annotated[str, Field(min_length=1)]
    labels: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Extra 'Label: value' lines in descriptions and the job field each fills, e.g."
            " {Rate: hourly_rate, Client location: client_country}."
        ),
    )


class FilesFeedConfig(FeedBase):
    """A CSV, JSON or JSONL file of jobs (path relative to the config file)."""

    kind: Literal["files"]
    path: Annotated[str, Field(min_length=1)]
    format: Literal["auto", "csv", "json", "jsonl"] = "auto"
    mapping: dict[str, str] = _mapping()
    html: bool = Field(default=False, description="Descriptions are HTML (default: plain text).")


class UpworkSearch(ConfigModel):
    """One saved search, sent as a ``MarketplaceJobPostingsSearchFilter``."""

    name: Annotated[str, Field(min_length=1)]
    query: str | None = Field(default=None, description="searchExpression_eq (Lucene-like).")
    title: str | None = Field(default=None, description="titleExpression_eq.")
    skills: str | None = Field(default=None, description="skillExpression_eq.")
    category_ids: list[str] = Field(default_factory=list)
    job_type: Literal["HOURLY", "FIXED"] | None = None
    verified_payment_only: bool | None = None
    filters: dict[str, Any] = Field(
        default_factory=dict, description="Any other filter field, passed through as written."
    )


class UpworkApiFeedConfig(FeedBase):
    """Upwork's official GraphQL API (needs an approved API key; `bidflow connect upwork`)."""

    kind: Literal["upwork_api"]
    client_id: Annotated[str, Field(min_length=1)]
    client_secret_env: str = "UPWORK_CLIENT_SECRET"
    redirect_uri: str = "https://localhost/callback"
    tenant_id: str | None = Field(default=None, description="X-Upwork-API-TenantId (agency).")
    searches: Annotated[list[UpworkSearch], Field(min_length=1)]
    api_url: str = "https://api.upwork.com/graphql"
    token_url: str = "https://www.upwork.com/api/v3/oauth2/token"
    authorize_url: str = "https://www.upwork.com/ab/account-security/oauth2/authorize"
    requests_per_second: Annotated[float, Field(gt=0, le=10)] = 10.0
    page_size: Annotated[int, Field(ge=1, le=100)] = 50
    max_pages: Annotated[int, Field(ge=1, le=100)] = 10

    _secret_env = field_validator("client_secret_env")(_env_name)


class WebhookFeedConfig(FeedBase):
    """Jobs pushed to ``POST /hooks/jobs/<name>`` (job-alert services, n8n, Zapier, extensions)."""

    kind: Literal["webhook"]
    secret_env: str = Field(
        description="Environment variable holding the HMAC-SHA256 secret senders sign with."
    )
    mapping: dict[str, str] = _mapping()
    html: bool = False

    _secret_env = field_validator("secret_env")(_env_name)


class ImapMailboxConfig(ConfigModel):
    """An IMAP mailbox bidflow reads without changing it (nothing is marked read or deleted)."""

    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] = 993
    tls: Literal["ssl", "starttls", "none"] = "ssl"
    username: Annotated[str, Field(min_length=1)]
    password_env: str = "BIDFLOW_IMAP_PASSWORD"
    mailbox: str = "INBOX"
    from_contains: str | None = Field(default=None, description="Only mail whose From has this.")
    subject_contains: str | None = None
    max_messages: Annotated[int, Field(ge=1)] = 200

    _password_env = field_validator("password_env")(_env_name)


class EmailFeedConfig(FeedBase, ImapMailboxConfig):
    """A mailbox of marketplace job-alert emails, read over IMAP; mail is never deleted."""

    kind: Literal["email"]


class BrowserSelectors(ConfigModel):
    """CSS selectors: ``item`` finds each job on the page, the rest are read inside an item."""

    item: Annotated[str, Field(min_length=1)]
    title: Annotated[str, Field(min_length=1)]
    link: str | None = None
    description: str | None = None
    budget: str | None = None
    posted: str | None = None
    proposals: str | None = None
    client_country: str | None = None
    client_spent: str | None = None
    client_verified: str | None = None
    skills: str | None = None


class BrowserFeedConfig(FeedBase):
    """A web page of jobs read in Chromium, for sites whose terms permit it (never upwork.com)."""

    kind: Literal["browser"]
    url: Annotated[str, Field(pattern=r"^https?://")]
    selectors: BrowserSelectors
    wait_for: str | None = Field(default=None, description="Selector to wait for before reading.")
    login_state: str | None = Field(
        default=None, description="Playwright storage-state file of a signed-in session."
    )
    logged_out_selector: str | None = Field(
        default=None, description="Present only when signed out (e.g. a login form)."
    )
    min_interval: timedelta = timedelta(minutes=5)
    jitter: Annotated[float, Field(ge=0, le=1)] = 0.2
    respect_robots: bool = True
    timeout: timedelta = timedelta(seconds=30)

    @field_validator("min_interval", "timeout", mode="before")
    @classmethod
    def _durations(cls, value: object) -> timedelta:
        return parse_duration(value)


_FEED_MODELS = (
    RssFeedConfig,
    FilesFeedConfig,
    UpworkApiFeedConfig,
    WebhookFeedConfig,
    EmailFeedConfig,
    BrowserFeedConfig,
)
FeedConfig = Annotated[
    RssFeedConfig
    | FilesFeedConfig
    | UpworkApiFeedConfig
    | WebhookFeedConfig
    | EmailFeedConfig
    | BrowserFeedConfig,
    Field(discriminator="kind"),
]

FEED_KINDS: frozenset[str] = frozenset(
    get_args(model.model_fields["kind"].annotation)[0] for model in _FEED_MODELS
)
