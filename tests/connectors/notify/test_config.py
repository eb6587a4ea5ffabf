"""The notify config: what it accepts, and errors that say what to write instead."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from bidflow.config.notify import DigestMode, NotifyConfig

PERSON = {"email": "ana@agency.test", "channels": [{"url_env": "ANA_SLACK_URL"}]}


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        NotifyConfig.model_validate(data)
    return str(caught.value)


def test_defaults_escalate_after_15_minutes_and_digest_in_one_message() -> None:
    config = NotifyConfig.model_validate({"recipients": [PERSON]})
    assert config.escalate_after == timedelta(minutes=15)
    assert config.digest.mode is DigestMode.ONE_MESSAGE
    assert (config.retry.attempts, config.retry.runs) == (4, 7)
    assert config.recipient("ANA@agency.test") is not None


def test_shorthands_for_channels_digest_and_quiet_hours() -> None:
    config = NotifyConfig.model_validate(
        {
            "recipients": [
                {**PERSON, "channels": ["A_URL", "B_URL"], "quiet_hours": "22:00-07:00"}
            ],
            "digest": "each",
            "escalate_after": "off",
        }
    )
    (person,) = config.recipients
    assert [c.url_env for c in person.channels] == ["A_URL", "B_URL"]
    assert person.quiet_hours is not None and person.quiet_hours.start == time(22)
    assert config.digest.mode is DigestMode.EACH
    assert config.escalate_after is None


def test_a_url_in_place_of_a_variable_name_is_refused_without_echoing_it() -> None:
    message = _error(
        {"recipients": [{**PERSON, "channels": [{"url_env": "slack://T000/B000/secret"}]}]}
    )
    assert "names the environment variable" in message
    assert "SLACK_ALERTS_URL" in message


def test_a_malformed_variable_name_is_refused() -> None:
    assert "is not an environment variable name" in _error(
        {"recipients": [{**PERSON, "channels": ["9-LIVES"]}]}
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"recipients": [PERSON, PERSON]}, "appears twice"),
        ({"recipients": [{**PERSON, "channels": ["A", "A"]}]}, "lists channel A twice"),
        ({"recipients": [{**PERSON, "channels": []}]}, "at least 1 item"),
        ({"recipients": [{**PERSON, "quiet_hours": "late"}]}, "is not a quiet-hours window"),
        ({"recipients": [{**PERSON, "timezone": "Mars/Olympus"}]}, "not a known timezone"),
        ({"escalate_after": "0s"}, "escalate_after must be a positive duration"),
        ({"escalate_after": "soon"}, "is not a duration"),
        ({"retry": {"backoff": "10s", "max_wait": "1s"}}, "at most max_wait"),
        ({"retry": {"runs": 0}}, "greater than or equal to 1"),
        ({"digest": "weekly"}, "'one_message' or 'each'"),
        ({"recipients": [{**PERSON, "phone": "123"}]}, "Extra inputs are not permitted"),
    ],
)
def test_mistakes_are_precise_errors(data: dict[str, Any], expected: str) -> None:
    assert expected in _error(data)


def test_recipients_who_are_not_users_are_listed() -> None:
    config = NotifyConfig.model_validate({"recipients": [PERSON]})
    assert config.unknown_recipients(["Ana@Agency.test"]) == []
    assert config.unknown_recipients(["lead@agency.test"]) == ["ana@agency.test"]
