"""Triage: each rule's verdict and reason, the score, and routing to one bidder."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from bidflow import db
from bidflow.models import Job
from bidflow.store.jobs import store_jobs
from rules.triage import BidderSlot, evaluate, triage_jobs
from tests.factories import agency_config, make_job

AGENCY = agency_config()
ANA = AGENCY.bidders[0]
RULES = AGENCY.rulesets["default"]


def _job(**overrides: Any) -> Job:
    return Job(id=overrides.pop("id", 1), **make_job(**overrides).model_dump())


def _reasons(job: Job) -> dict[str, tuple[str, str]]:
    verdict = evaluate(job, ANA, RULES)
    return {r.rule: (r.status, r.message) for r in verdict.reasons}


def test_a_good_job_passes_with_a_reason_per_rule() -> None:
    verdict = evaluate(_job(), ANA, RULES)
    assert verdict.passed and verdict.score == 1.0
    assert {r.rule for r in verdict.reasons} == {"budget", "payment", "competition", "fit"}
    assert all(r.status == "passed" for r in verdict.reasons)


def test_low_fixed_budget_fails_in_plain_words() -> None:
    reasons = _reasons(_job(budget=150.0))
    assert reasons["budget"] == ("failed", "fixed budget $150 is below the $300 minimum")
    assert not evaluate(_job(budget=150.0), ANA, RULES).passed


def test_hourly_range_uses_its_top_rate() -> None:
    job = _job(job_type="hourly", budget=None, hourly_min=15.0, hourly_max=30.0)
    assert _reasons(job)["budget"][0] == "passed"
    cheap = _job(job_type="hourly", budget=None, hourly_min=10.0, hourly_max=20.0)
    assert _reasons(cheap)["budget"] == ("failed", "hourly $10–$20/hr is below the $25/hr minimum")


def test_unverified_client_and_crowded_job_fail() -> None:
    assert _reasons(_job(client_payment_verified=False))["payment"][0] == "failed"
    crowded = _reasons(_job(proposals_bucket="50+"))["competition"]
    assert crowded == ("failed", "50+ proposals already; the limit is 20 to 50")


def test_missing_data_counts_half_and_says_so() -> None:
    verdict = evaluate(_job(budget=None, job_type=None), ANA, RULES)
    budget = next(r for r in verdict.reasons if r.rule == "budget")
    assert budget.status == "missing" and "not given" in budget.message
    assert verdict.score == round((1 + 1 + 2 + 0.5) / 5, 4)


def test_job_outside_the_bidders_skills_fails_fit() -> None:
    job = _job(title="Logo design", description="A logo for a bakery", skills=["Illustrator"])
    assert _reasons(job)["fit"][0] == "failed"


@given(
    budget=st.floats(min_value=0, max_value=100_000),
    verified=st.sampled_from([True, False, None]),
    bucket=st.sampled_from(["Less than 5", "5 to 10", "20 to 50", "50+", None]),
)
def test_passes_iff_no_rule_fails_and_threshold_met(
    budget: float, verified: bool | None, bucket: str | None
) -> None:
    verdict = evaluate(
        _job(budget=budget, client_payment_verified=verified, proposals_bucket=bucket), ANA, RULES
    )
    failed = [r for r in verdict.reasons if r.status == "failed"]
    assert verdict.passed == (not failed and verdict.score >= RULES.threshold)
    assert verdict.passed == (
        budget >= 300 and verified is not False and bucket != "50+" and verdict.score >= 0.5
    )


def test_routing_sends_each_job_to_one_best_fitting_bidder() -> None:
    slots = [BidderSlot(id=1, config=AGENCY.bidders[0]), BidderSlot(id=2, config=AGENCY.bidders[1])]
    python_job = _job(id=10)
    react_job = _job(
        id=11, title="React dashboard", description="Next.js and TypeScript", skills=["React"]
    )
    rows = triage_jobs([python_job, react_job], slots, AGENCY).rows
    assert len(rows) == 4
    routed = {(row["job_id"], row["bidder_id"]) for row in rows if row["routed"]}
    assert routed == {(10, 1), (11, 2)}
    assert all(row["reasons"] for row in rows)


def test_client_minimums_name_the_value_and_the_limit() -> None:
    strict = RULES.model_copy(
        update={
            "client": RULES.client.model_copy(
                update={"min_total_spent": 1000.0, "min_feedback": 4.5}
            )
        }
    )
    verdict = evaluate(_job(client_total_spent=250.0, client_feedback=4.9), ANA, strict)
    reasons = {r.rule: (r.status, r.message) for r in verdict.reasons}
    assert reasons["client_spend"] == (
        "failed",
        "client's total spend is $250, under the $1,000 minimum",
    )
    assert reasons["client_feedback"] == ("passed", "client's feedback score is 4.9")
    assert not verdict.passed


def test_rows_expired_by_a_commit_are_reloaded_not_misread(sqlite_url: str) -> None:
    """Triage reads job values from each row's ``__dict__`` for speed; a commit empties it,
    and the values must then come from the database, not be taken as missing."""
    slots = [BidderSlot(id=1, config=AGENCY.bidders[0]), BidderSlot(id=2, config=AGENCY.bidders[1])]
    jobs = [make_job(), make_job(budget=10.0, client_country="Nowhere")]
    with db.session_scope(sqlite_url) as session:
        store_jobs(session=session, jobs=jobs)
    with Session(db.get_engine(sqlite_url)) as session:  # expire_on_commit, the default
        stored = list(session.exec(select(Job).order_by(col(Job.id))).all())
        fresh = triage_jobs(stored, slots, AGENCY).rows
        session.commit()
        assert "budget" not in vars(stored[0])  # expired: only attribute access reloads it
        expired = triage_jobs(stored, slots, AGENCY).rows
    assert expired == fresh
    assert [row["passed"] for row in fresh] == [True, False, False, False]
