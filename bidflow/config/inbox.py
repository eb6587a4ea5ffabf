"""Inbox sources the agency config declares: webhooks that push client messages and statuses."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from bidflow.config.base import ConfigModel


class InboxHookConfig(ConfigModel):
    """Messages pushed to ``POST /hooks/messages/<name>`` (Zapier, n8n, a mail rule...),
    signed like job webhooks: HMAC-SHA256 of the raw body with the secret in ``secret_env``."""

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
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
