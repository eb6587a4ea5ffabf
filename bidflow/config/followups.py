"""Follow-ups of a ruleset: when an unanswered proposal gets a short follow-up letter.

Off until ``after`` lists at least one delay, like every other rule; ``docs/followups.md``
describes how due times are computed and what stops them.
"""

from __future__ import annotations

from datetime import time, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from bidflow.config.base import ConfigModel
from bidflow.config.feeds import parse_duration
from bidflow.config.quiet_hours import parse_window

# A marketplace frowns on more than a couple of nudges; three is already persistent.
MOST_FOLLOW_UPS = 3


class Weekday(StrEnum):
    """A day of the week as the config writes it."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """The day as ``datetime.weekday()`` numbers it (Monday is 0)."""
        return list(Weekday).index(self)


WORKING_WEEK: tuple[Weekday, ...] = (
    Weekday.MON,
    Weekday.TUE,
    Weekday.WED,
    Weekday.THU,
    Weekday.FRI,
)


class BusinessHours(ConfigModel):
    """From ``start`` (inclusive) to ``end`` (exclusive) on one day, in the client's timezone."""

    start: time
    end: time

    @model_validator(mode="after")
    def _daytime(self) -> Self:
        if self.start >= self.end:
            raise ValueError(
                f"business hours {self} must end after they start (a window cannot run past"
                " midnight); give a daytime window on the 24-hour clock, like 09:00-17:00"
            )
        return self

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_business_hours(value: object) -> object:
    """``"09:00-17:00"`` as a window; a mapping or a window passes through to the model."""
    if isinstance(value, BusinessHours | dict):
        return value
    start, end = parse_window(value, "business-hours", "09:00-17:00")
    return {"start": start, "end": end}


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekday(value: object) -> object:
    """``"mon"``, ``"Monday"`` or a Weekday as a Weekday; a precise ValueError otherwise."""
    if isinstance(value, Weekday):
        return value
    name = value.strip().casefold() if isinstance(value, str) else ""
    for day, full_name in zip(Weekday, _DAY_NAMES, strict=True):
        if name in (day.value, full_name):
            return day
    days = ", ".join(day.value for day in Weekday)
    raise ValueError(f"'{value}' is not a day of the week; use {days}")


def _positive(delay: timedelta) -> timedelta:
    if delay <= timedelta(0):
        raise ValueError(f"a follow-up delay must be after the send, not {delay}; write e.g. 2d")
    return delay


Delay = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_positive)]
Day = Annotated[Weekday, BeforeValidator(parse_weekday)]


class FollowUpRules(ConfigModel):
    """How long after a send each follow-up is due, and when a client may receive one."""

    after: list[Delay] = Field(
        default_factory=list,
        description="Delays after the send, strictly increasing, e.g. [2d, 5d]; [] is off.",
    )
    business_hours: BusinessHours = Field(
        default_factory=lambda: BusinessHours(start=time(9), end=time(17)),
        description="Local window, in the client's timezone, a follow-up may be due in.",
    )
    business_days: list[Day] = Field(
        default_factory=lambda: list(WORKING_WEEK),
        description="Days, in the client's timezone, a follow-up may be due on.",
    )
    max: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Most follow-ups per proposal; every delay in `after` if unset."
    )

    @field_validator("after", mode="before")
    @classmethod
    def _a_list(cls, value: object) -> object:
        # `after: 2d` would otherwise fail as "not a valid list", which does not say what to write.
        if isinstance(value, str | int | float | timedelta):
            raise ValueError(f"write after as a list of delays, like [{value}], not a single one")
        return value

    @field_validator("business_hours", mode="before")
    @classmethod
    def _window(cls, value: object) -> object:
        return parse_business_hours(value)

    @field_validator("after")
    @classmethod
    def _cadence(cls, delays: list[timedelta]) -> list[timedelta]:
        if len(delays) > MOST_FOLLOW_UPS:
            raise ValueError(
                f"after lists {len(delays)} follow-ups; at most {MOST_FOLLOW_UPS} are allowed,"
                " drop the latest ones"
            )
        for earlier, later in zip(delays, delays[1:], strict=False):
            if later <= earlier:
                raise ValueError(
                    f"after must be strictly increasing, but {_spoken(later)} follows"
                    f" {_spoken(earlier)}; list each delay from the send, in order, e.g. [2d, 5d]"
                )
        return delays

    @field_validator("business_days")
    @classmethod
    def _days(cls, days: list[Weekday]) -> list[Weekday]:
        if not days:
            raise ValueError(
                "business_days is empty, so no follow-up could ever be due; list days like"
                " [mon, tue, wed, thu, fri]"
            )
        repeated = sorted({day.value for day in days if days.count(day) > 1})
        if repeated:
            raise ValueError(f"business_days lists {', '.join(repeated)} twice; list each once")
        return days

    @model_validator(mode="after")
    def _max_within_cadence(self) -> Self:
        if self.max is not None and self.max > len(self.after):
            raise ValueError(
                f"max is {self.max} but after lists {len(self.after)} delay(s); add delays to"
                " after or lower max"
            )
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.after)

    @property
    def limit(self) -> int:
        """How many follow-ups a proposal gets: ``max``, else one per delay."""
        return len(self.after) if self.max is None else self.max

    @property
    def weekdays(self) -> frozenset[int]:
        """The business days as ``datetime.weekday()`` numbers (Monday is 0)."""
        return frozenset(day.number for day in self.business_days)


def _spoken(delay: timedelta) -> str:
    """A delay the way a person wrote it in the config, as near as can be told."""
    seconds = int(delay.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
