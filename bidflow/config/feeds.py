"""Feed entries of the agency config, one model per feed kind (the ``kind`` key picks it)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator

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


class RssFeedConfig(FeedBase):
    """An RSS 2.0 or Atom feed, by http(s) URL or by a file path relative to the config file."""

    kind: Literal["rss"]
    url: Annotated[str, Field(min_length=1)]


class FilesFeedConfig(FeedBase):
    """A CSV, JSON or JSONL file of jobs (path relative to the config file)."""

    kind: Literal["files"]
    path: Annotated[str, Field(min_length=1)]
    format: Literal["auto", "csv", "json", "jsonl"] = "auto"
    mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Job field -> column/key in the file, for files whose names differ.",
    )
    html: bool = Field(default=False, description="Descriptions are HTML (default: plain text).")


FeedConfig = Annotated[RssFeedConfig | FilesFeedConfig, Field(discriminator="kind")]

FEED_KINDS: frozenset[str] = frozenset(
    get_args(model.model_fields["kind"].annotation)[0] for model in (RssFeedConfig, FilesFeedConfig)
)
