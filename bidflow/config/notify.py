"""Alerts: who is told about a client's reply, through which apprise URLs, and when.

Secrets stay out of the config file: a channel names the environment variable that holds its
apprise URL (``url_env``), never the URL itself. ``docs/alerts.md`` describes routing,
quiet hours, digests and escalation.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from bidflow.config.base import ConfigModel, TimezoneName
from bidflow.config.feeds import parse_duration
from bidflow.config.quiet_hours import QuietHours, parse_quiet_hours

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL = r"^[^@\s]+@[^@\s]+$"
_OFF = ("off", "none", "never", "false", "no")


class Channel(ConfigModel):
    """One way to reach a person: the environment variable holding an apprise URL, like
    ``slack://…``, ``mailto://…``, ``json://…``."""

    url_env: str

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        # `channels: [SLACK_ALERTS_URL]` reads naturally; it means the same as url_env entries.
        return {"url_env": value} if isinstance(value, str) else value

    @field_validator("url_env")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        if "://" in value:
            raise ValueError(
                "url_env names the environment variable that holds the apprise URL, not the URL"
                " itself (URLs carry tokens and passwords); write e.g. url_env: SLACK_ALERTS_URL"
                " and export SLACK_ALERTS_URL=slack://…"
            )
        if not _ENV_NAME.match(value):
            raise ValueError(
                f"'{value}' is not an environment variable name; use letters, digits and _,"
                " not starting with a digit, like SLACK_ALERTS_URL"
            )
        return value


class Recipient(ConfigModel):
    """A team member's channels and quiet hours; ``email`` is one of the config's ``users``."""

    email: Annotated[str, Field(pattern=_EMAIL)]
    channels: Annotated[list[Channel], Field(min_length=1)]
    quiet_hours: QuietHours | None = Field(
        default=None,
        description="Alerts in this local window are held and sent as one digest when it ends.",
    )
    timezone: TimezoneName | None = Field(
        default=None, description="The recipient's timezone for quiet hours; default: agency's."
    )

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _window(cls, value: object) -> object:
        return None if value is None else parse_quiet_hours(value)

    @model_validator(mode="after")
    def _distinct_channels(self) -> Self:
        seen: set[str] = set()
        for channel in self.channels:
            if channel.url_env in seen:
                raise ValueError(
                    f"recipient '{self.email}' lists channel {channel.url_env} twice; every alert"
                    " would arrive twice"
                )
            seen.add(channel.url_env)
        return self


class DigestMode(StrEnum):
    """What happens to alerts held during a recipient's quiet hours when the hours end."""

    ONE_MESSAGE = "one_message"  # one digest listing every held alert
    EACH = "each"  # each held alert on its own, oldest first


class DigestConfig(ConfigModel):
    """The digest sent when a recipient's quiet hours end."""

    mode: DigestMode = DigestMode.ONE_MESSAGE
    max_items: Annotated[int, Field(ge=1, le=100)] = Field(
        default=20, description="Replies listed in one digest; it says how many more there are."
    )


class RetryConfig(ConfigModel):
    """Retries of a failed delivery: within one notifier run, each channel is tried
    ``attempts`` times with exponential backoff and full jitter; an alert no channel took is
    tried again by later runs (waits of 1, 2, 4, 8, 16, then 30 min) until ``runs`` runs tried
    it, and only then marked failed."""

    attempts: Annotated[int, Field(ge=1, le=10)] = 4
    backoff: timedelta = Field(
        default=timedelta(seconds=2), description="Ceiling of the first wait; doubles per try."
    )
    max_wait: timedelta = Field(default=timedelta(seconds=60), description="Longest wait.")
    runs: Annotated[int, Field(ge=1, le=50)] = Field(
        default=7,
        description="Notifier runs that try an alert before it is marked failed; the default"
        " keeps trying for about an hour (an outage of the chat service, a full mailbox).",
    )

    @field_validator("backoff", "max_wait", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta:
        return parse_duration(value)

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.backoff <= timedelta(0) or self.max_wait < self.backoff:
            raise ValueError(
                f"retry backoff ({self.backoff}) must be above zero and at most max_wait"
                f" ({self.max_wait})"
            )
        return self


class NotifyConfig(ConfigModel):
    """The agency config's ``notify:`` section: alert recipients and delivery behaviour.

    A client's reply alerts the account managers looking after the proposal's bidder (routing
    happens among the recipients listed here, so someone without channels is never chosen).
    An alert nobody acknowledged within ``escalate_after`` goes to the sales leads.
    """

    recipients: list[Recipient] = Field(default_factory=list)
    escalate_after: timedelta | None = Field(
        default=timedelta(minutes=15),
        description="Unacknowledged alerts go to the sales leads after this; 'off': never.",
    )
    digest: DigestConfig = Field(default_factory=DigestConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    dedupe_window: timedelta = Field(
        default=timedelta(minutes=10),
        description="The same text on the same proposal within this window alerts once (a reply"
        " seen by email and through the API).",
    )
    excerpt_chars: Annotated[int, Field(ge=40, le=2000)] = 280

    @field_validator("escalate_after", mode="before")
    @classmethod
    def _escalation(cls, value: object) -> timedelta | None:
        if value is None or (isinstance(value, str) and value.strip().lower() in _OFF):
            return None
        window = parse_duration(value)
        if window <= timedelta(0):
            raise ValueError(
                f"escalate_after must be a positive duration like 15m; write 'off' to never"
                f" escalate, not {value!r}"
            )
        return window

    @field_validator("dedupe_window", mode="before")
    @classmethod
    def _window(cls, value: object) -> timedelta:
        return parse_duration(value)

    @field_validator("digest", mode="before")
    @classmethod
    def _digest_shorthand(cls, value: object) -> object:
        # `digest: each` is the common case of changing only the mode.
        return {"mode": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _unique_recipients(self) -> Self:
        seen: set[str] = set()
        for recipient in self.recipients:
            email = recipient.email.casefold()
            if email in seen:
                raise ValueError(
                    f"notify recipient '{recipient.email}' appears twice; list each person once"
                    " with all their channels"
                )
            seen.add(email)
        return self

    def recipient(self, email: str) -> Recipient | None:
        """The recipient entry of ``email`` (compared case-insensitively), if any."""
        wanted = email.strip().casefold()
        return next((r for r in self.recipients if r.email.casefold() == wanted), None)

    def unknown_recipients(self, user_emails: list[str]) -> list[str]:
        """Recipients who are not users of the config: AgencyConfig reports them as errors."""
        users = {email.strip().casefold() for email in user_emails}
        return [r.email for r in self.recipients if r.email.casefold() not in users]
