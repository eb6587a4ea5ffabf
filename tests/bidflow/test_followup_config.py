"""The `followups` section of a ruleset: off until configured; every mistake named with its fix."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bidflow.config import parse_agency_config
from bidflow.config.followups import FollowUpRules, Weekday
from bidflow.errors import ConfigError
from tests.factories import agency_dict


def _load(followups: dict[str, Any]) -> FollowUpRules:
    data = agency_dict()
    data["rulesets"]["default"]["followups"] = followups
    config = parse_agency_config(yaml.safe_dump(data), source=Path("agency.yaml"))
    return config.rulesets["default"].followups


def _error(followups: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(followups)
    return str(caught.value)


def test_follow_ups_are_off_unless_configured() -> None:
    rules = parse_agency_config(yaml.safe_dump(agency_dict()), source=Path("a.yaml"))
    default = rules.rulesets["default"].followups
    assert default.after == [] and not default.enabled and default.limit == 0


def test_a_full_section_loads_with_durations_hours_days_and_max() -> None:
    rules = _load(
        {
            "after": ["2d", "5d", "PT240H"],
            "business_hours": "08:30-18:00",
            "business_days": ["Monday", "tue", "SAT"],
            "max": 2,
        }
    )
    assert rules.after == [timedelta(days=2), timedelta(days=5), timedelta(days=10)]
    assert (rules.business_hours.start, rules.business_hours.end) == (time(8, 30), time(18))
    assert rules.business_days == [Weekday.MON, Weekday.TUE, Weekday.SAT]
    assert rules.weekdays == frozenset({0, 1, 5})
    assert rules.enabled and rules.limit == 2


def test_defaults_are_office_hours_on_weekdays_and_one_follow_up_per_delay() -> None:
    rules = _load({"after": ["3d"]})
    assert str(rules.business_hours) == "09:00-17:00"
    assert rules.weekdays == frozenset(range(5)) and rules.limit == 1


def test_a_bad_duration_names_its_place_and_how_to_write_one() -> None:
    message = _error({"after": ["2d", "five days"]})
    assert message.startswith("agency.yaml:")
    assert (
        "rulesets.default.followups.after[1]: 'five days' is not a duration; write it like 30s,"
        " 2m, 1h or 7d" in message
    )


def test_a_delay_of_zero_is_refused() -> None:
    assert "a follow-up delay must be after the send" in _error({"after": ["0s", "2d"]})


def test_delays_must_strictly_increase() -> None:
    for after, wrong in ((["5d", "2d"], "2d follows 5d"), (["2d", "48h"], "2d follows 2d")):
        message = _error({"after": after})
        assert "rulesets.default.followups.after: after must be strictly increasing" in message
        assert wrong in message and "e.g. [2d, 5d]" in message


def test_at_most_three_follow_ups() -> None:
    message = _error({"after": ["1d", "2d", "3d", "4d"]})
    assert "after lists 4 follow-ups; at most 3 are allowed" in message


def test_a_single_delay_must_still_be_a_list() -> None:
    assert "write after as a list of delays, like [2d]" in _error({"after": "2d"})


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("9-5", "'9-5' is not a business-hours window; write it as start-end"),
        ("09:00-24:00", "has 24:00, which is not a time of day"),
        ("17:00-09:00", "business hours 17:00-09:00 must end after they start"),
        ("09:00-09:00", "business hours 09:00-09:00 must end after they start"),
    ],
)
def test_bad_business_hours_are_explained(hours: str, expected: str) -> None:
    message = _error({"after": ["2d"], "business_hours": hours})
    assert "rulesets.default.followups.business_hours:" in message and expected in message


def test_bad_business_days_are_explained() -> None:
    assert "'funday' is not a day of the week; use mon, tue" in _error(
        {"after": ["2d"], "business_days": ["mon", "funday"]}
    )
    assert "business_days is empty" in _error({"after": ["2d"], "business_days": []})
    assert "lists mon twice" in _error({"after": ["2d"], "business_days": ["mon", "Monday"]})


def test_max_cannot_exceed_the_delays_or_be_zero() -> None:
    message = _error({"after": ["2d"], "max": 2})
    assert "rulesets.default.followups: max is 2 but after lists 1 delay(s)" in message
    assert "followups.max:" in _error({"after": ["2d"], "max": 0})


def test_an_unknown_key_is_an_error() -> None:
    assert "followups.delays: unknown field 'delays'" in _error({"delays": ["2d"]})


def test_a_config_written_back_out_loads_the_same() -> None:
    rules = FollowUpRules.model_validate(
        {"after": ["2d", "5d"], "business_hours": "10:00-16:00", "business_days": ["wed"]}
    )
    assert FollowUpRules.model_validate(rules.model_dump()) == rules
    assert FollowUpRules.model_validate(rules.model_dump(mode="json")) == rules
