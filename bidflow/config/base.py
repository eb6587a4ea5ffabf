"""Base of every config model: unknown keys are errors, so a typo never silently does nothing."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict


class ConfigModel(BaseModel):
    """A strict, immutable piece of the agency config."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def known_timezone(value: str) -> str:
    """``value`` if it is an IANA timezone name, else a ValueError saying how to write one."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{value}' is not a known timezone; use an IANA name like America/New_York"
        ) from None
    return value


TimezoneName = Annotated[str, AfterValidator(known_timezone)]
