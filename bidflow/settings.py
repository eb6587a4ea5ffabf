"""Process settings, read from the environment (prefix ``BIDFLOW_``) and an optional ``.env`` file.

Built lazily by :func:`get_settings` so that importing bidflow never reads the environment.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bidflow.config.base import TimezoneName
from bidflow.errors import ConfigError


class Settings(BaseSettings):
    """Everything that varies between machines; the agency's own choices live in the config file."""

    model_config = SettingsConfigDict(
        env_prefix="BIDFLOW_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(
        default=Path("~/.bidflow"),
        description="Folder for bidflow's own files: the SQLite database, demo feeds, tokens.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of bidflow's database. Default: SQLite file $BIDFLOW_HOME/bidflow.db. "
            "For several workers use PostgreSQL: postgresql+psycopg://user:pass@host:5432/bidflow."
        ),
    )
    config: Path | None = Field(
        default=None,
        description="Agency config (YAML). Default: $BIDFLOW_HOME/agency.yaml.",
    )
    openai_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "BIDFLOW_OPENAI_API_KEY"),
        description="LLM API key. With neither this nor a base URL, the offline drafter runs.",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "BIDFLOW_OPENAI_BASE_URL"),
        description="Any OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 for Ollama.",
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name sent to the LLM server.")
    llm_timeout_s: float = Field(default=60.0, gt=0, description="Per-request LLM timeout.")
    llm_concurrency: int = Field(
        default=8,
        ge=1,
        description="LLM requests in flight at once, per process and (in flow runs) across all"
        " workers through the Prefect global concurrency limit.",
    )
    llm_concurrency_limit: str = Field(
        default="bidflow-llm",
        description="Name of the Prefect global concurrency limit shared by every worker's LLM"
        " calls; empty: bound each process only.",
    )
    upwork_concurrency: int = Field(
        default=4,
        ge=1,
        description="Upwork API requests in flight at once across all workers, in flow runs"
        " (Prefect global concurrency limit; each process also spaces its own requests).",
    )
    upwork_concurrency_limit: str = Field(
        default="bidflow-upwork",
        description="Name of the Prefect global concurrency limit shared by every worker's"
        " Upwork API requests; empty: only each process's own rate limiter applies.",
    )
    llm_max_attempts: int = Field(
        default=4,
        ge=1,
        description="Tries per LLM request on 429, 5xx, timeouts, lost connections.",
    )
    llm_backoff_s: float = Field(
        default=1.0,
        gt=0,
        description="First retry's backoff ceiling; doubles per try, with full jitter.",
    )
    llm_retry_after_max_s: float = Field(
        default=60.0, gt=0, description="Longest wait between tries, even if Retry-After says more."
    )
    azure_openai_endpoint: str | None = Field(
        default=None,
        description="Azure OpenAI resource, e.g. https://my-resource.openai.azure.com;"
        " the deployment is BIDFLOW_LLM_MODEL and the key OPENAI_API_KEY.",
    )
    azure_openai_api_version: str = Field(
        default="2024-10-21", description="Azure OpenAI API version (api-version)."
    )
    embedding_model: str = Field(
        default="",
        description="Embedding model (or Azure deployment) that ranks each job's proof by"
        " similarity, e.g. text-embedding-3-small; empty: word overlap only. Needs an LLM server.",
    )
    ingest_workers: int | None = Field(
        default=None,
        ge=0,
        description="Processes that normalise large polls while they are stored"
        " (default: one fewer than the CPUs; 0: none).",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the review desk listens on.")
    web_port: int = Field(default=8765, ge=1, le=65535, description="Port of the review desk.")
    desk_url: str | None = Field(
        default=None,
        description="Public address of the review desk for links in alerts, e.g."
        " https://desk.agency.example; default http://BIDFLOW_WEB_HOST:BIDFLOW_WEB_PORT.",
    )
    timezone: TimezoneName = Field(
        default="UTC", description="Agency timezone (IANA name) for days, weeks and quiet hours."
    )
    # The weekly report's email (config `reports:`); the server and its password are per
    # machine and secret, so they are settings, never part of the agency config.
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that emails the weekly report, e.g. smtp.agency.test.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        description="starttls (port 587), ssl (implicit TLS, port 465) or none (local relays).",
    )
    smtp_user: str | None = Field(default=None, description="SMTP login; unset: no login.")
    smtp_password: str | None = Field(default=None, repr=False, description="SMTP password.")
    smtp_from: str | None = Field(
        default=None, description="Sender address of the report, e.g. reports@agency.test."
    )

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url", mode="after")
    @classmethod
    def _normalise_database_url(cls, value: str | None) -> str | None:
        # People paste the URLs their hosting shows; SQLAlchemy needs the driver named.
        if value is None or not value.strip():
            return None
        value = value.strip()
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if not value.startswith(("sqlite:///", "postgresql+psycopg://")):
            raise ValueError(
                f"'{value.split('://')[0]}' databases are not supported; use"
                " sqlite:///path/to/bidflow.db or postgresql+psycopg://user:pass@host:5432/db"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'bidflow.db'}"

    @property
    def config_path(self) -> Path:
        return (self.config or self.home / "agency.yaml").expanduser()

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url or self.azure_openai_endpoint)

    @property
    def embeddings_configured(self) -> bool:
        return bool(self.embedding_model.strip()) and self.llm_configured

    @property
    def workers(self) -> int:
        """Ingest worker processes: as configured, else one per CPU beyond the poller's."""
        if self.ingest_workers is not None:
            return self.ingest_workers
        return max((os.cpu_count() or 1) - 1, 0)

    @property
    def review_url(self) -> str:
        return f"http://{self.web_host}:{self.web_port}/queue"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use; a bad value is a ConfigError naming the
    environment variable and what to write instead."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "setting"
            variable = name.upper() if name.startswith("OPENAI_") else f"BIDFLOW_{name.upper()}"
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{variable}={error.get('input')!r}: {message}")
        raise ConfigError("\n".join(lines)) from None
