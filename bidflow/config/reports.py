"""The owners' weekly report: which files it is written as, who gets it and when it is due.

Secrets stay out of the config, as for alerts: a channel names the environment variable that
holds its apprise URL, and the SMTP server's address and password are settings
(``BIDFLOW_SMTP_*``). ``docs/reports.md`` describes the report and its delivery.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time as TimeOfDay
from typing import Annotated, Literal, Protocol

from pydantic import Field, field_validator

from bidflow.config.base import ConfigModel
from bidflow.config.notify import Channel

ReportFormat = Literal["html", "pdf", "csv"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("html", "pdf", "csv")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_EMAIL = r"^[^@\s]+@[^@\s]+$"
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_formats(text: str) -> list[ReportFormat]:
    """ "html,pdf" as formats; ValueError naming an unknown one and the known ones."""
    formats: list[ReportFormat] = []
    for part in (part.strip().lower() for part in text.split(",")):
        if not part:
            continue
        known = next((f for f in REPORT_FORMATS if f == part), None)
        if known is None:
            raise ValueError(
                f"'{part}' is not a report format; use html, pdf or csv, like html,pdf"
            )
        if known not in formats:
            formats.append(known)
    if not formats:
        raise ValueError("no format given; use html, pdf or csv, like html,pdf")
    return formats


class TeamMember(Protocol):
    """What recipient defaults need of a config user (``UserConfig``; a Protocol because the
    schema module imports this one)."""

    @property
    def email(self) -> str: ...

    @property
    def role(self) -> str: ...


class ReportsConfig(ConfigModel):
    """The agency config's ``reports:`` section.

    The schedule is the wall clock of the agency's timezone. ``prefect.yaml`` cannot read this
    file, so its ``report`` deployment must be given the same cron and timezone (``cron`` below
    says which); ``docs/reports.md`` shows how.
    """

    formats: Annotated[list[ReportFormat], Field(min_length=1)] = Field(
        default_factory=lambda: list(REPORT_FORMATS),
        description="Files written each week: html, pdf (printed by Chromium), csv (per table).",
    )
    recipients: list[Annotated[str, Field(pattern=_EMAIL)]] = Field(
        default_factory=list,
        description="Who is emailed the report; empty: every user with role owner.",
    )
    email: bool = Field(
        default=True, description="Email the report over SMTP (the BIDFLOW_SMTP_* settings)."
    )
    channels: list[Channel] = Field(
        default_factory=list,
        description="Apprise URLs (named by environment variable) that get a summary and the PDF.",
    )
    weekday: Weekday = "monday"
    time: Annotated[str, Field(description="Local time the report is due, HH:MM.")] = "08:00"

    @field_validator("formats", mode="before")
    @classmethod
    def _format_list(cls, value: object) -> object:
        # `formats: html,pdf` reads like the CLI's --format; it means the same as a list.
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            return [part.lower() if isinstance(part, str) else part for part in value]
        return value

    @field_validator("formats")
    @classmethod
    def _distinct_formats(cls, value: list[ReportFormat]) -> list[ReportFormat]:
        return list(dict.fromkeys(value))

    @field_validator("weekday", mode="before")
    @classmethod
    def _weekday_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("time", mode="before")
    @classmethod
    def _clock(cls, value: object) -> str:
        # YAML reads an unquoted 08:00 as the number 480 (sexagesimal minutes).
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            value = f"{value // 60:02d}:{value % 60:02d}"
        match = _CLOCK.match(str(value).strip())
        if match is None:
            raise ValueError(f"time {value!r} is not a time of day; write it as HH:MM, like 08:00")
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    @property
    def due_at(self) -> TimeOfDay:
        hour, minute = self.time.split(":")
        return TimeOfDay(int(hour), int(minute))

    @property
    def cron(self) -> str:
        """The schedule as a cron line (minute hour * * weekday), for ``prefect.yaml``."""
        weekday = (WEEKDAYS.index(self.weekday) + 1) % 7  # cron counts Sunday as 0
        return f"{self.due_at.minute} {self.due_at.hour} * * {weekday}"

    def recipients_among(self, users: Sequence[TeamMember]) -> list[str]:
        """The email addresses that get the report: ``recipients`` if given, else the owners."""
        if self.recipients:
            return list(dict.fromkeys(self.recipients))
        return list(dict.fromkeys(u.email for u in users if str(u.role) == "owner"))
