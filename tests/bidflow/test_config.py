"""The agency config: valid files load; every mistake names the file, line, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bidflow.config import AgencyConfig, load_agency_config, parse_agency_config
from bidflow.errors import ConfigError
from tests.factories import agency_dict, write_config

PACKAGE = Path(__file__).resolve().parents[2] / "bidflow"


@pytest.mark.parametrize(
    "path", [PACKAGE / "config" / "agency.example.yaml", PACKAGE / "samples" / "agency.yaml"]
)
def test_bundled_configs_are_valid(path: Path) -> None:
    config = load_agency_config(path)
    assert config.bidders
    assert {b.ruleset for b in config.bidders} <= set(config.rulesets)


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_agency_config(text, source=Path("agency.yaml"))
    return str(caught.value)


def test_wrong_type_names_line_path_value_and_fix() -> None:
    message = _error(
        "bidders:\n"
        "  - {name: A, title: T, skills: [x], hourly_rate: 10}\n"
        "  - name: B\n"
        "    title: T\n"
        "    skills: [x]\n"
        "    hourly_rate: 10\n"
        "    caps:\n"
        "      per_day: twenty\n"
    )
    assert message.startswith("agency.yaml:8: bidders[1].caps.per_day:")
    assert "'twenty'" in message and "whole number" in message
    assert "\n" not in message


def test_missing_bidder_field_is_named() -> None:
    message = _error("bidders:\n  - name: A\n    title: T\n    skills: [x]\n")
    assert message == "agency.yaml:2: bidders[0].hourly_rate: required field is missing — add it"


def test_unknown_feed_kind_lists_the_known_ones() -> None:
    message = _error(
        "bidders:\n  - {name: A, title: T, skills: [x], hourly_rate: 10}\n"
        "feeds:\n  - name: f\n    kind: gopher\n    url: x\n"
    )
    assert message.startswith("agency.yaml:4: feeds[0]: 'gopher' is not a known 'kind'")
    assert "'rss'" in message and "'files'" in message


def test_typo_in_a_key_is_an_error_not_ignored() -> None:
    message = _error("bidders:\n  - {name: A, title: T, skils: [x], hourly_rate: 10}\n")
    assert "bidders[0].skils: unknown field 'skils'" in message
    assert "bidders[0].skills: required field is missing" in message  # every mistake, one line each


def test_ruleset_reference_and_ranges_are_checked() -> None:
    data = agency_dict()
    data["bidders"][0]["ruleset"] = "nope"
    data["rulesets"]["default"]["budget"] = {"fixed_min": 900, "fixed_max": 100}
    import yaml

    message = _error(yaml.safe_dump(data))
    assert "rulesets.default.budget: fixed_min (900) is above fixed_max (100)" in message


def test_unknown_ruleset_name_is_explained(tmp_path: Path) -> None:
    data = agency_dict()
    data["bidders"][0]["ruleset"] = "nope"
    with pytest.raises(ConfigError, match="uses ruleset 'nope', which is not defined"):
        load_agency_config(write_config(tmp_path, data))


def test_yaml_syntax_error_gives_a_line() -> None:
    message = _error("bidders:\n  - name: [unclosed\n")
    assert message.startswith("agency.yaml:") and "not valid YAML" in message


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bidflow init"):
        load_agency_config(tmp_path / "absent.yaml")


def test_relative_paths_resolve_from_the_config_folder(tmp_path: Path) -> None:
    config = load_agency_config(write_config(tmp_path / "cfg"))
    assert config.resolve("feeds/jobs.json") == (tmp_path / "cfg" / "feeds" / "jobs.json").resolve()
    assert config.resolve("/abs/jobs.json") == Path("/abs/jobs.json")


def _ruleset_error(ruleset: dict[str, object], **extra: object) -> str:
    import yaml

    data = agency_dict(**extra)
    data["rulesets"]["default"] = ruleset
    return _error(yaml.safe_dump(data, sort_keys=False))


def test_unknown_rule_field_names_its_path() -> None:
    message = _ruleset_error({"client": {"min_spend": 5}})
    assert "rulesets.default.client.min_spend: unknown field 'min_spend'" in message
    assert "remove it or correct its spelling" in message


def test_min_above_max_names_both_fields() -> None:
    message = _ruleset_error({"budget": {"hourly_min": 90, "hourly_max": 40}})
    assert message.startswith("agency.yaml:")
    assert (
        "rulesets.default.budget: hourly_min (90) is above hourly_max (40); swap or fix" in message
    )


def test_broken_query_names_the_position_and_the_fix() -> None:
    message = _ruleset_error({"fit": {"query": "django AND (api OR rest"}})
    assert "rulesets.default.fit.query: unclosed parenthesis at character 12" in message
    assert "add the matching ')'" in message


def test_unknown_weight_lists_the_rules() -> None:
    message = _ruleset_error({"scoring": {"weights": {"budgett": 2}}})
    assert "rulesets.default.scoring.weights: ['budgett'] is not a rule; weigh any of" in message
    assert "budget, weekly_budget" in message


def test_bad_timezone_says_how_to_write_one() -> None:
    message = _ruleset_error({"client": {"timezones": ["UTC+25"]}})
    assert "rulesets.default.client.timezones" in message and "UTC-05:00" in message


def test_assignment_to_an_unknown_bidder_is_refused() -> None:
    message = _ruleset_error({}, assignments=[{"category": "Web", "bidder": "Zed"}])
    assert "names bidder 'Zed', which is not in bidders; use one of ['Ana', 'Ben']" in message


def test_scoring_threshold_is_the_threshold() -> None:
    import yaml

    data = agency_dict()
    data["rulesets"]["default"]["scoring"] = {"threshold": 0.8, "weights": {"fit": 3}}
    config = parse_agency_config(yaml.safe_dump(data), source=Path("agency.yaml"))
    assert config.rulesets["default"].threshold == 0.8
    assert config.rulesets["default"].weight("fit") == 3


def test_desk_users_name_real_bidders_in_the_right_role() -> None:
    am = {"email": "am@agency.test", "name": "Alex", "role": "account_manager"}
    unknown = _ruleset_error({}, users=[{**am, "bidders": ["Ana", "Zed"]}])
    assert "user 'am@agency.test' names bidder 'Zed', which is not in bidders" in unknown
    lead = {"email": "lead@agency.test", "name": "Sam", "role": "sales_lead", "bidders": ["Ana"]}
    misplaced = _ruleset_error({}, users=[lead])
    assert "a sales_lead user cannot have it" in misplaced
    assert AgencyConfig.model_validate(agency_dict(users=[{**am, "bidders": ["Ben"]}]))


def test_alert_recipients_must_be_desk_users() -> None:
    stranger = {"email": "who@agency.test", "channels": [{"url_env": "WHO_SLACK_URL"}]}
    message = _ruleset_error({}, notify={"recipients": [stranger]})
    assert "notify recipients ['who@agency.test'] are not in users" in message
    known = {"email": "am@agency.test", "name": "Alex", "role": "account_manager"}
    data = agency_dict(
        users=[known], notify={"recipients": [{**stranger, "email": known["email"]}]}
    )
    assert AgencyConfig.model_validate(data).notify.recipients[0].email == "am@agency.test"


def test_inbox_hooks_need_distinct_names_and_an_environment_variable() -> None:
    hook = {"name": "zapier", "secret_env": "INBOX_SECRET"}
    assert "inbox hook name" in _ruleset_error({}, inbox_hooks=[hook, hook])
    bad = _ruleset_error({}, inbox_hooks=[{"name": "z", "secret_env": "my secret"}])
    assert "inbox_hooks[0].secret_env" in bad and "not an environment variable name" in bad
