"""Properties of triage over generated jobs and rulesets: the batch path equals the per-job
reference, a job passes iff every enabled rule holds, reasons are complete, scores monotone."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bidflow.config import AgencyConfig, RulesetConfig
from bidflow.models import Job
from rules.checks import CHECKS, Subject, TriageContext
from rules.triage import BidderSlot, enabled_rules, evaluate, score_of, triage_jobs
from tests.factories import agency_dict
from tests.rules.strategies import NOW, jobs, rulesets

PREVIOUS = frozenset({"id:1"})
_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _agency(first: RulesetConfig, second: RulesetConfig) -> AgencyConfig:
    data = agency_dict()
    data["bidders"][1]["ruleset"] = "other"
    data["rulesets"]["other"] = {}
    agency = AgencyConfig.model_validate(data)
    return agency.model_copy(update={"rulesets": {"default": first, "other": second}})


@_settings
@given(st.lists(jobs(), min_size=1, max_size=6), rulesets(), rulesets())
def test_batch_path_equals_the_per_job_reference(
    batch: list[Job], first: RulesetConfig, second: RulesetConfig
) -> None:
    batch = [Job(**{**job.model_dump(), "id": n}) for n, job in enumerate(batch, 1)]
    agency = _agency(first, second)
    slots = [BidderSlot(id=n, config=b) for n, b in enumerate(agency.bidders, 1)]
    rows = triage_jobs(batch, slots, agency, now=NOW, previous_clients=PREVIOUS).rows
    assert len(rows) == len(batch) * len(slots)
    for row in rows:
        job = batch[row["job_id"] - 1]
        slot = slots[row["bidder_id"] - 1]
        ruleset = agency.rulesets[slot.config.ruleset]
        verdict = evaluate(job, slot.config, ruleset, now=NOW, previous_clients=PREVIOUS)
        assert (row["passed"], row["score"]) == (verdict.passed, verdict.score)
        assert row["reasons"] == [r.as_dict() for r in verdict.reasons]


@_settings
@given(jobs(), rulesets())
def test_passes_iff_every_enabled_rule_holds_and_reasons_are_complete(
    job: Job, ruleset: RulesetConfig
) -> None:
    bidder = AgencyConfig.model_validate(agency_dict()).bidders[0]
    verdict = evaluate(job, bidder, ruleset, now=NOW, previous_clients=PREVIOUS)
    on = enabled_rules(ruleset, bidder)
    rules = [r.rule for r in verdict.reasons if r.rule != "threshold"]
    assert rules == on  # one reason per enabled rule, none for the others, in order
    context = TriageContext(now=NOW, previous_clients=PREVIOUS)
    held = all(
        CHECKS[rule](Subject.of(job), bidder, ruleset, context).status != "failed"  # type: ignore[union-attr]
        for rule in on
    )
    assert verdict.passed == (held and verdict.score >= ruleset.threshold)
    assert ("threshold" in [r.rule for r in verdict.reasons]) == (
        held and verdict.score < ruleset.threshold
    )
    assert all(r.message for r in verdict.reasons)


@_settings
@given(jobs(), rulesets(), st.floats(min_value=0.1, max_value=10))
def test_more_weight_on_a_passed_rule_never_lowers_the_score(
    job: Job, ruleset: RulesetConfig, extra: float
) -> None:
    """Score = earned / at stake. Raising the weight of a rule the job passed adds the same
    amount to both, which can only move the score towards 1; raising a failed rule's weight
    only adds to what is at stake, which can only lower it."""
    bidder = AgencyConfig.model_validate(agency_dict()).bidders[0]
    reasons = evaluate(job, bidder, ruleset, now=NOW, previous_clients=PREVIOUS).reasons
    judged = [r for r in reasons if r.rule != "threshold"]
    before = score_of(judged, ruleset)
    for reason in judged:
        heavier = ruleset.scoring.model_copy(
            update={
                "weights": {
                    **ruleset.scoring.weights,
                    reason.rule: ruleset.weight(reason.rule) + extra,
                }
            }
        )
        after = score_of(judged, ruleset.model_copy(update={"scoring": heavier}))
        if reason.status == "passed":
            assert after >= before
        elif reason.status == "failed":
            assert after <= before
