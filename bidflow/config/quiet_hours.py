"""Quiet hours: a daily window of local time, possibly across midnight, when no draft is queued."""

from __future__ import annotations

import re
from datetime import time

from pydantic import model_validator

from bidflow.config.base import ConfigModel

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class QuietHours(ConfigModel):
    """From ``start`` (inclusive) to ``end`` (exclusive), in the bidder's timezone."""

    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError(
                f"quiet hours start and end at {self.start:%H:%M}; give a window like 22:00-07:00"
            )
        return self

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # across midnight

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet_hours(value: object) -> QuietHours:
    """``"22:00-07:00"`` (24-hour clock, start-end) as a window; a precise ValueError otherwise."""
    if isinstance(value, QuietHours):
        return value
    start, end = parse_window(value, "quiet-hours", "22:00-07:00")
    return QuietHours(start=start, end=end)


def parse_window(value: object, what: str, example: str) -> tuple[time, time]:
    """A daily ``start-end`` window on the 24-hour clock (``what`` and ``example`` word the
    error), e.g. ``"22:00-07:00"``."""
    match = _WINDOW.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"'{value}' is not a {what} window; write it as start-end on the 24-hour clock,"
            f" like {example}"
        )
    hour_a, minute_a, hour_b, minute_b = (int(part) for part in match.groups())
    for hour, minute in ((hour_a, minute_a), (hour_b, minute_b)):
        if hour > 23 or minute > 59:
            raise ValueError(
                f"'{value}' has {hour:02d}:{minute:02d}, which is not a time of day;"
                " hours run 00-23 and minutes 00-59"
            )
    return time(hour_a, minute_a), time(hour_b, minute_b)
