"""The agency config's ``reports:`` section: defaults, shorthands, recipients, the schedule as
cron, and mistakes reported on their YAML line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bidflow.config import load_agency_config
from bidflow.config.reports import ReportsConfig, parse_formats
from bidflow.errors import ConfigError
from tests.factories import agency_config, agency_dict

USERS = [
    {"email": "owner@agency.test", "name": "Olga", "role": "owner"},
    {"email": "lead@agency.test", "name": "Lee", "role": "sales_lead"},
    {"email": "partner@agency.test", "name": "Pat", "role": "owner"},
]


def test_defaults_write_everything_and_email_the_owners_on_monday_at_eight() -> None:
    config = agency_config(users=USERS)
    reports = config.reports
    assert reports.formats == ["html", "pdf", "csv"]
    assert reports.email and reports.channels == []
    assert reports.cron == "0 8 * * 1"
    assert reports.recipients_among(config.users) == ["owner@agency.test", "partner@agency.test"]


def test_listed_recipients_replace_the_owners() -> None:
    config = agency_config(users=USERS, reports={"recipients": ["books@agency.test"]})
    assert config.reports.recipients_among(config.users) == ["books@agency.test"]


def test_yaml_shorthands_read_as_they_look() -> None:
    reports = ReportsConfig.model_validate(
        yaml.safe_load(
            "formats: PDF, csv\nchannels: [REPORTS_SLACK_URL]\nweekday: Friday\ntime: 17:30\n"
        )
    )
    assert reports.formats == ["pdf", "csv"]
    assert [c.url_env for c in reports.channels] == ["REPORTS_SLACK_URL"]
    assert reports.time == "17:30"  # YAML reads an unquoted 17:30 as 1050 minutes
    assert reports.cron == "30 17 * * 5"
    assert ReportsConfig(weekday="sunday", time="7:05").cron == "5 7 * * 0"


def test_mistakes_are_reported_on_their_line_with_the_fix(tmp_path: Path) -> None:
    data = agency_dict()
    data["reports"] = {"formats": ["html", "docx"], "time": "25:00"}
    path = tmp_path / "agency.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        load_agency_config(path)

    formats, clock = str(raised.value).splitlines()
    assert formats.startswith(f"{path}:")  # the line of the bad entry
    assert "reports.formats[1]: Input should be 'html', 'pdf' or 'csv'" in formats
    assert clock.startswith(f"{path}:") and int(clock.split(":")[1]) > int(formats.split(":")[1])
    assert "reports.time: time '25:00' is not a time of day; write it as HH:MM, like 08:00" in clock


def test_a_channel_must_name_a_variable_not_hold_the_url() -> None:
    with pytest.raises(ValueError, match="not the URL"):
        ReportsConfig.model_validate({"channels": ["slack://T000/B000/XXXX"]})


def test_format_lists_from_the_command_line() -> None:
    assert parse_formats("pdf, HTML,pdf") == ["pdf", "html"]
    with pytest.raises(ValueError, match="'docx' is not a report format; use html, pdf or csv"):
        parse_formats("html,docx")
    with pytest.raises(ValueError, match="no format given"):
        parse_formats(" , ")
