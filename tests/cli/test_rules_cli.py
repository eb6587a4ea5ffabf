"""`bidflow rules check | test | explain` through the real command, on a real database."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bidflow import db
from bidflow.models import Decision, Job
from bidflow.settings import get_settings
from bidflow.store.decisions import store_decisions
from bidflow.store.jobs import store_jobs
from bidflow.types import utcnow
from rules.triage import triage_jobs
from rules.trials import bidder_slots
from tests.cli.conftest import invoke
from tests.factories import agency_config, agency_dict, make_job, write_config


def _stored(jobs: list[Any]) -> list[int]:
    url = get_settings().resolved_database_url
    db.upgrade(url)
    with db.session_scope(url) as session:
        return store_jobs(session=session, jobs=jobs).new_ids


def _decisions() -> int:
    with db.session_scope(get_settings().resolved_database_url) as session:
        return int(session.exec(select(func.count()).select_from(Decision)).one())


_numbers = itertools.count(1)


def _django(**fields: Any) -> Any:
    # A different description each: equal texts would be stored once, as reposts.
    return make_job(
        title="Django REST API for a clinic",
        description=f"Clinic booking API, phase {next(_numbers)}.",
        skills=["Python", "Django"],
        **fields,
    )


def test_rules_test_counts_passes_reasons_and_routing_without_writing(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    _stored([_django(budget=900) for _ in range(3)] + [_django(budget=50) for _ in range(2)])
    old = _django(budget=900, posted_at=utcnow().replace(year=2020))
    _stored([old])  # outside the window

    result = invoke("rules", "test", "default", "--since", "7d", "--config", str(config))

    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "ruleset 'default' over 5 jobs posted in the last 7d" in out
    assert re.search(r"passed\s+3 \(60%\)", out)
    assert re.search(r"\s2\s+budget\s+e\.g\. fixed budget \$50 is below the \$300 minimum", out)
    assert re.search(r"\s3\s+Ana\n", out)  # the Django jobs fit Ana, not Ben
    assert re.search(r"\s0\s+Ben\n", out)
    assert out.rstrip().endswith("Nothing was written.")
    assert _decisions() == 0


def test_a_ruleset_no_bidder_uses_judges_every_bidder(tmp_path: Path) -> None:
    data = agency_dict()
    data["rulesets"]["strict"] = {"budget": {"fixed_min": 5_000}}
    config = write_config(tmp_path, data)
    _stored([_django(budget=900)])
    result = invoke("rules", "test", "strict", "--config", str(config))
    assert "every bidder judged by it" in result.stdout
    assert re.search(r"passed\s+0 \(0%\)", result.stdout)
    assert "fixed budget $900 is below the $5,000 minimum" in result.stdout


def test_explain_prints_the_stored_decision_for_each_bidder(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (job_id,) = _stored([_django(budget=900, client_country="Canada")])
    url = get_settings().resolved_database_url
    agency = agency_config()
    with db.session_scope(url) as session:
        from bidflow.store.bidders import sync_bidders

        sync_bidders(session=session, bidders=agency.bidders)
    with db.session_scope(url) as session:
        job = session.get(Job, job_id)
        assert job is not None
        rows = triage_jobs([job], bidder_slots(session, agency), agency, now=utcnow()).rows
        store_decisions(session=session, decisions=rows)

    out = invoke("rules", "explain", str(job_id), "--config", str(config)).stdout

    assert f"job {job_id} · Django REST API for a clinic" in out
    assert "fixed $900" in out and "Canada" in out
    assert "not triaged yet" not in out
    ana = out.index("Ana (ruleset default): PASSED")
    ben = out.index("Ben (ruleset default): failed")
    assert "routed here" in out[ana:ben]
    assert "pass  budget: fixed budget $900 fits the range" in out[ana:ben]
    assert "FAIL  fit:" in out[ben:]


def test_explain_judges_an_untriaged_job_now_and_stores_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (job_id,) = _stored([_django(budget=50)])
    out = invoke("rules", "explain", str(job_id), "--config", str(config)).stdout
    assert "not triaged yet; as the rules stand now:" in out
    assert "FAIL  budget: fixed budget $50 is below the $300 minimum" in out
    assert _decisions() == 0


def test_mistakes_are_one_line_with_the_fix(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    _stored([_django()])
    unknown = invoke("rules", "test", "nope", "--config", str(config))
    assert unknown.exit_code == 2
    assert "no ruleset 'nope' in the config; defined: default" in unknown.stderr
    window = invoke("rules", "test", "default", "--since", "soon", "--config", str(config))
    assert window.exit_code == 2 and "--since 'soon'" in window.stderr
    missing = invoke("rules", "explain", "999", "--config", str(config))
    assert missing.exit_code == 2 and "job 999 not found" in missing.stderr


def test_rules_check_names_the_line_and_rule_of_a_bad_range(tmp_path: Path) -> None:
    data = agency_dict()
    data["rulesets"]["default"]["budget"] = {"fixed_min": 900, "fixed_max": 100}
    config = write_config(tmp_path, data)
    result = invoke("rules", "check", "--config", str(config))
    assert result.exit_code == 2
    assert f"{config}:" in result.stderr
    assert "rulesets.default.budget" in result.stderr
    assert "fixed_min (900) is above fixed_max (100)" in result.stderr


def test_rules_check_lists_each_ruleset_and_its_bidders(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = invoke("rules", "check", "--config", str(config))
    assert result.exit_code == 0
    assert "default: ok — threshold 0.50, used by Ana, Ben" in result.stdout


def test_commands_refuse_a_database_behind_the_schema(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    db.upgrade(get_settings().resolved_database_url, "0003")
    result = invoke("rules", "explain", "1", "--config", str(config))
    assert result.exit_code == 2
    assert "run `bidflow db upgrade` first" in result.stderr


def test_commands_on_an_empty_home_say_to_store_jobs_first(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = invoke("rules", "test", "default", "--config", str(config))
    assert result.exit_code == 2
    assert "no jobs are stored at" in result.stderr and "run `bidflow run`" in result.stderr
    database = get_settings().resolved_database_url.removeprefix("sqlite:///")
    assert not Path(database).exists()  # looking created nothing
