"""Inbox sources the agency config declares: webhooks that push client messages and statuses
(``inbox_hooks``), and sources polled for them (``inbox``): Upwork's API and the marketplace's
notification emails."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator

from bidflow.config.base import ConfigModel
from bidflow.config.feeds import ImapMailboxConfig, parse_duration

_NAME = Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_.-]+$")


class InboxHookConfig(ConfigModel):
    """Messages pushed to ``POST /hooks/messages/<name>`` (Zapier, n8n, a mail rule...),
    signed like job webhooks: HMAC-SHA256 of the raw body with the secret in ``secret_env``."""

    name: Annotated[str, _NAME]
    secret_env: str = Field(description="Environment variable holding the HMAC secret.")
    enabled: bool = True

    @field_validator("secret_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not value.replace("_", "").isalnum():
            raise ValueError(
                f"'{value}' is not an environment variable name; use e.g. INBOX_SECRET"
            )
        return value


class InboxSourceBase(ConfigModel):
    """What every polled inbox source has: a unique name, whether it runs, how often."""

    name: Annotated[str, _NAME]
    enabled: bool = True
    poll_every: timedelta = timedelta(minutes=1)

    @field_validator("poll_every", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta:
        return parse_duration(value)


class UpworkInboxConfig(InboxSourceBase):
    """The agency's proposals on Upwork (``vendorProposals``: status) and their message rooms,
    read with the app credentials and tokens of the ``upwork_api`` feed named in ``feed``."""

    kind: Literal["upwork_api"]
    feed: Annotated[str, Field(min_length=1, description="Name of an upwork_api feed.")]
    statuses: bool = Field(default=True, description="Read proposal statuses.")
    messages: bool = Field(default=True, description="Read message rooms (messages scope).")
    max_pages: Annotated[int, Field(ge=1, le=100)] = 10


class EmailInboxConfig(InboxSourceBase, ImapMailboxConfig):
    """A mailbox receiving the marketplace's notification emails ("new message from …",
    "proposal viewed", "invited to interview", "offer"), read over IMAP without changing it."""

    kind: Literal["email"]


InboxSourceConfig = Annotated[UpworkInboxConfig | EmailInboxConfig, Field(discriminator="kind")]
