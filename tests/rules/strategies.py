"""Hypothesis strategies: jobs with every triage field possibly missing, and rulesets with
every rule possibly on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from bidflow.config import RulesetConfig
from bidflow.config.rulesets import PROPOSAL_BUCKETS, RULE_NAMES
from bidflow.models import Job
from tests.factories import make_job

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
WORDS = ["python", "django", "react", "wordpress", "machine learning", "api", "seo", "c++"]


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


_money = st.sampled_from([0.0, 50.0, 300.0, 1200.0, 5000.0, 25_000.0])
_count = st.integers(min_value=0, max_value=30)


@st.composite
def jobs(draw: st.DrawFn, job_id: int = 1) -> Job:
    hourly = draw(st.booleans())
    words = draw(st.lists(st.sampled_from(WORDS), max_size=4))
    fields: dict[str, Any] = {
        "title": " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=3))) or "job",
        "description": ". ".join(words),
        "skills": draw(st.lists(st.sampled_from(["Python", "Django", "React", "SEO"]), max_size=2)),
        "category": draw(_maybe(st.sampled_from(["Web Development", "Data Science", "Design"]))),
        "experience_level": draw(_maybe(st.sampled_from(["Entry", "Intermediate", "Expert"]))),
        "job_type": "hourly" if hourly else draw(_maybe(st.just("fixed"))),
        "budget": None if hourly else draw(_maybe(_money)),
        "hourly_min": draw(_maybe(st.sampled_from([10.0, 30.0]))) if hourly else None,
        "hourly_max": draw(_maybe(st.sampled_from([20.0, 60.0]))) if hourly else None,
        "weekly_budget": draw(_maybe(_money)) if hourly else None,
        "posted_at": draw(
            _maybe(st.sampled_from([NOW - timedelta(minutes=m) for m in (3, 90, 3000)]))
        ),
        "proposals_bucket": draw(_maybe(st.sampled_from(PROPOSAL_BUCKETS))),
        "interviewing": draw(_maybe(_count)),
        "invites_sent": draw(_maybe(_count)),
        "job_hires": draw(_maybe(st.integers(min_value=0, max_value=2))),
        "client_payment_verified": draw(_maybe(st.booleans())),
        "client_country": draw(_maybe(st.sampled_from(["United States", "India", "Germany"]))),
        "client_timezone": draw(_maybe(st.sampled_from(["UTC+01:00", "utc-5", "Europe/Berlin"]))),
        "client_total_spent": draw(_maybe(_money)),
        "client_hires": draw(_maybe(_count)),
        "client_jobs_posted": draw(_maybe(_count)),
        "client_feedback": draw(_maybe(st.sampled_from([3.0, 4.5, 5.0]))),
        "client_reviews": draw(_maybe(_count)),
        "client_member_since": draw(
            _maybe(st.sampled_from([NOW - timedelta(days=d) for d in (5, 400)]))
        ),
        "client_key": draw(_maybe(st.sampled_from(["id:1", "id:2", "fp:x"]))),
        "client_name": draw(_maybe(st.sampled_from(["Acme", "Globex"]))),
    }
    return Job(id=job_id, **make_job(**fields).model_dump())


_policy = st.sampled_from(["pass", "fail", "score"])


@st.composite
def rulesets(draw: st.DrawFn) -> RulesetConfig:
    def some(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(_maybe(strategy))

    def few(options: list[str]) -> list[str]:
        return draw(st.lists(st.sampled_from(options), max_size=2, unique=True))

    data: dict[str, Any] = {
        "budget": {
            "fixed_min": some(st.just(300.0)),
            "hourly_min": some(st.just(25.0)),
            "hourly_max": some(st.just(80.0)),
            "weekly_min": some(st.just(500.0)),
            "unknown": draw(_policy),
        },
        "client": {
            "payment_verified": draw(st.booleans()),
            "min_total_spent": some(st.just(1000.0)),
            "min_hires": some(st.just(2)),
            "min_hire_rate": some(st.just(0.3)),
            "min_feedback": some(st.just(4.0)),
            "min_reviews": some(st.just(3)),
            "min_member_days": some(st.just(30)),
            "countries_denied": few(["India"]),
            "countries_allowed": few(["United States", "Germany"]),
            "timezones": few(["UTC+01:00", "UTC-05:00"]),
            "blocklist": few(["id:2", "globex"]),
            "prefer_previous": draw(st.booleans()),
            "unknown": draw(_policy),
        },
        "competition": {
            "max_proposals": some(st.sampled_from(PROPOSAL_BUCKETS)),
            "max_interviewing": some(st.just(5)),
            "max_invites_sent": some(st.just(10)),
            "skip_if_hired": draw(st.booleans()),
            "unknown": draw(_policy),
        },
        "freshness": {"max_age": some(st.just("2h")), "unknown": draw(_policy)},
        "fit": {
            "query": some(st.sampled_from(["python OR react", 'NOT "machine learning" api'])),
            "required_skills": few(["python", "api"]),
            "excluded_skills": few(["wordpress"]),
            "categories": few(["web", "data"]),
            "experience_levels": few(["Expert", "Intermediate"]),
            "min_skill_overlap": draw(st.integers(min_value=0, max_value=2)),
            "excluded_keywords": few(["seo"]),
            "unknown": draw(_policy),
        },
        "scoring": {
            "weights": draw(
                st.dictionaries(st.sampled_from(RULE_NAMES), st.sampled_from([0.0, 0.5, 3.0]))
            )
        },
        "threshold": draw(st.sampled_from([0.0, 0.5, 0.8])),
    }
    return RulesetConfig.model_validate(data)
