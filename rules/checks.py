"""The triage rules, one job for one bidder at a time: the readable reference.

Each check returns the rule's ``Reason``, or None when the ruleset leaves the rule off.
``rules.columns`` computes the same verdicts for a whole batch at once; a property test holds
the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bidflow.config import BidderConfig, RulesetConfig
from bidflow.config.rulesets import PROPOSAL_BUCKETS, normal_timezone
from bidflow.models import JobBase
from bidflow.wording import money
from rules.expression import has_term, haystack, matches
from rules.reasons import (
    LIMITS,
    Reason,
    age_message,
    fit_message,
    hires_on_job,
    hourly_range,
    listing,
    missing,
    over,
    stated,
    under,
)


@dataclass(frozen=True)
class TriageContext:
    """What triage knows besides the job: the time, and the clients the agency bid for."""

    now: datetime
    previous_clients: Collection[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Subject:
    """A job being judged, with its searchable text computed once."""

    job: JobBase
    text: bytes
    # In a batch, the batch's term columns answer instead of a search of ``text``.
    lookup: Callable[[str], bool] | None = None

    @classmethod
    def of(cls, job: JobBase) -> Subject:
        return cls(job, haystack(job))

    def has(self, term: str) -> bool:
        return has_term(self.text, term) if self.lookup is None else self.lookup(term)


Check = Callable[[Subject, BidderConfig, RulesetConfig, TriageContext], Reason | None]


def check_budget(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    rules, job = rs.budget, s.job
    if not rules.limits_rates:
        return None
    if job.hourly_min is not None or job.hourly_max is not None:
        top = job.hourly_max if job.hourly_max is not None else job.hourly_min
        low = job.hourly_min if job.hourly_min is not None else top
        assert top is not None and low is not None
        shown = hourly_range(low, top)
        if rules.hourly_min is not None and top < rules.hourly_min:
            return Reason(
                "budget",
                "failed",
                f"hourly {shown} is below the {money(rules.hourly_min)}/hr minimum",
            )
        if rules.hourly_max is not None and low > rules.hourly_max:
            return Reason(
                "budget",
                "failed",
                f"hourly {shown} is above the {money(rules.hourly_max)}/hr maximum",
            )
        return Reason("budget", "passed", f"hourly {shown} fits the rate range")
    if job.budget is not None:
        shown = f"fixed budget {money(job.budget)}"
        if rules.fixed_min is not None and job.budget < rules.fixed_min:
            return Reason(
                "budget", "failed", f"{shown} is below the {money(rules.fixed_min)} minimum"
            )
        if rules.fixed_max is not None and job.budget > rules.fixed_max:
            return Reason(
                "budget", "failed", f"{shown} is above the {money(rules.fixed_max)} maximum"
            )
        return Reason("budget", "passed", f"{shown} fits the range")
    return missing("budget", "budget", rules.unknown)


def is_hourly(job: JobBase) -> bool:
    hourly_rates = job.hourly_min is not None or job.hourly_max is not None
    return hourly_rates or (job.job_type or "").casefold() == "hourly"


def check_weekly(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    minimum, weekly = rs.budget.weekly_min, s.job.weekly_budget
    if minimum is None:
        return None
    if not is_hourly(s.job):
        return Reason("weekly_budget", "passed", "not an hourly job; no weekly budget applies")
    if weekly is None:
        return Reason("weekly_budget", "passed", "hourly job states no weekly budget")
    if weekly < minimum:
        return Reason(
            "weekly_budget", "failed", under("weekly budget", "${:,.0f}", weekly, minimum)
        )
    return Reason("weekly_budget", "passed", stated("weekly budget", "${:,.0f}", weekly))


def check_payment(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    if not rs.client.payment_verified:
        return None
    if s.job.client_payment_verified is None:
        return missing("payment", "payment verification", rs.client.unknown)
    if s.job.client_payment_verified:
        return Reason("payment", "passed", "client's payment method is verified")
    return Reason("payment", "failed", "client's payment method is not verified")


def _limit(rule: str) -> Check:
    """A check of one job value against one configured minimum or maximum."""
    job_field, config_field, what, shown, is_minimum = LIMITS[rule]

    def check(s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext) -> Reason | None:
        group = rs.client if rule.startswith("client") else rs.competition
        limit = getattr(group, config_field)
        value = getattr(s.job, job_field)
        if limit is None:
            return None
        if value is None:
            return missing(rule, what, group.unknown)
        if value < limit if is_minimum else value > limit:
            return Reason(
                rule, "failed", (under if is_minimum else over)(what, shown, value, limit)
            )
        return Reason(rule, "passed", stated(what, shown, value))

    return check


def check_hires(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    rules, job = rs.client, s.job
    if rules.min_hires is None and rules.min_hire_rate is None:
        return None
    if job.client_hires is None:
        return missing("client_hires", "client's hiring history", rules.unknown)
    if rules.min_hires is not None and job.client_hires < rules.min_hires:
        return Reason(
            "client_hires",
            "failed",
            f"client has made {job.client_hires} hires, under {rules.min_hires}",
        )
    # A client with no posts on record has no rate to judge; the hire count alone decides.
    if rules.min_hire_rate is not None and job.client_jobs_posted:
        rate = job.client_hires / job.client_jobs_posted
        if rate < rules.min_hire_rate:
            return Reason(
                "client_hires",
                "failed",
                f"client hires on {rate:.0%} of posts, under {rules.min_hire_rate:.0%}",
            )
    return Reason("client_hires", "passed", f"client has made {job.client_hires} hires")


def member_days(member_since: datetime, now: datetime) -> int:
    return (now - member_since) // timedelta(days=1)


def check_client_age(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, c: TriageContext
) -> Reason | None:
    minimum, since = rs.client.min_member_days, s.job.client_member_since
    if minimum is None:
        return None
    if since is None:
        return missing("client_age", "client's member-since date", rs.client.unknown)
    days = member_days(since, c.now)
    what, shown = "client's time on the marketplace", "{:,.0f} days"
    if days < minimum:
        return Reason("client_age", "failed", under(what, shown, days, minimum))
    return Reason("client_age", "passed", stated(what, shown, days))


def check_country(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    allowed = {country.casefold() for country in rs.client.countries_allowed}
    denied = {country.casefold() for country in rs.client.countries_denied}
    country = s.job.client_country
    if not allowed and not denied:
        return None
    if country is None:
        return missing("country", "client's country", rs.client.unknown)
    if country.casefold() in denied:
        return Reason("country", "failed", f"clients in {country} are excluded")
    if allowed and country.casefold() not in allowed:
        return Reason("country", "failed", f"{country} is not among the allowed countries")
    return Reason("country", "passed", f"client is in {country}")


def job_timezone(value: str) -> str:
    """A client timezone as the config spells it, so "utc+5:30" equals "UTC+05:30"."""
    try:
        return normal_timezone(value).casefold()
    except ValueError:
        return value.strip().casefold()


def check_timezone(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    allowed = rs.client.timezones
    zone = s.job.client_timezone
    if not allowed:
        return None
    if zone is None:
        return missing("timezone", "client's timezone", rs.client.unknown)
    if job_timezone(zone) in {z.casefold() for z in allowed}:
        return Reason("timezone", "passed", f"client's timezone {zone} is allowed")
    return Reason("timezone", "failed", f"client's timezone {zone} is not among {listing(allowed)}")


def check_blocklist(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    blocked = {entry.casefold() for entry in rs.client.blocklist}
    if not blocked:
        return None
    key, name = s.job.client_key, s.job.client_name
    if (key is not None and key.casefold() in blocked) or (
        name is not None and name.casefold() in blocked
    ):
        return Reason("blocklist", "failed", f"client {name or key} is on the blocklist")
    return Reason("blocklist", "passed", "client is not on the blocklist")


def check_previous(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, c: TriageContext
) -> Reason | None:
    if not rs.client.prefer_previous:
        return None
    if s.job.client_key is not None and s.job.client_key in c.previous_clients:
        return Reason("previous_client", "passed", "the agency has bid for this client before")
    # Not a failure: a new client simply earns less of this rule's weight.
    return Reason("previous_client", "missing", "a client the agency has not bid for before")


def check_competition(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    ceiling, bucket = rs.competition.max_proposals, s.job.proposals_bucket
    if ceiling is None:
        return None
    if bucket not in PROPOSAL_BUCKETS:
        return missing("competition", "proposal count", rs.competition.unknown)
    if PROPOSAL_BUCKETS.index(bucket) > PROPOSAL_BUCKETS.index(ceiling):
        return Reason(
            "competition", "failed", f"{bucket} proposals already; the limit is {ceiling}"
        )
    return Reason("competition", "passed", f"{bucket} proposals so far")


def check_hired(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    if not rs.competition.skip_if_hired:
        return None
    if s.job.job_hires is None:
        return missing("hired", "hires on this job", rs.competition.unknown)
    return Reason(
        "hired", "failed" if s.job.job_hires > 0 else "passed", hires_on_job(s.job.job_hires)
    )


def age_minutes(posted_at: datetime, now: datetime) -> int:
    return (now - posted_at) // timedelta(minutes=1)


def check_freshness(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, c: TriageContext
) -> Reason | None:
    limit, posted = rs.freshness.max_age, s.job.posted_at
    if limit is None:
        return None
    if posted is None:
        return missing("freshness", "posting time", rs.freshness.unknown)
    if c.now - posted > limit:
        return Reason("freshness", "failed", age_message(age_minutes(posted, c.now), limit))
    return Reason("freshness", "passed", age_message(age_minutes(posted, c.now), None))


def check_query(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    expression = rs.fit.expression
    if expression is None:
        return None
    if matches(expression, s.has):
        return Reason("query", "passed", f"matches the query {rs.fit.query}")
    return Reason("query", "failed", f"does not match the query {rs.fit.query}")


def check_required(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    required = rs.fit.required_skills
    if not required:
        return None
    absent = [skill for skill in required if not s.has(skill)]
    if absent:
        return Reason("required_skills", "failed", f"does not mention required {listing(absent)}")
    return Reason(
        "required_skills", "passed", f"mentions every required skill ({listing(required)})"
    )


def check_excluded_skills(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    excluded = rs.fit.excluded_skills
    if not excluded:
        return None
    present = [skill for skill in excluded if s.has(skill)]
    if present:
        return Reason("excluded_skills", "failed", f"asks for excluded {listing(present)}")
    return Reason("excluded_skills", "passed", "asks for none of the excluded skills")


def check_category(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    allowed, category = rs.fit.categories, s.job.category
    if not allowed:
        return None
    if category is None:
        return missing("category", "category", rs.fit.unknown)
    if any(wanted.casefold() in category.casefold() for wanted in allowed):
        return Reason("category", "passed", f"category {category} is wanted")
    return Reason("category", "failed", f"category {category} is not among {listing(allowed)}")


def check_experience(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    allowed, level = rs.fit.experience_levels, s.job.experience_level
    if not allowed:
        return None
    if level is None:
        return missing("experience", "experience level", rs.fit.unknown)
    if level.casefold() in {wanted.casefold() for wanted in allowed}:
        return Reason("experience", "passed", f"{level} level is wanted")
    return Reason("experience", "failed", f"{level} level is not among {listing(allowed)}")


def check_keywords(
    s: Subject, _b: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    keywords = rs.fit.excluded_keywords
    if not keywords:
        return None
    for keyword in keywords:
        if s.has(keyword):
            return Reason(
                "excluded_keywords", "failed", f"mentions '{keyword}', which this ruleset excludes"
            )
    return Reason("excluded_keywords", "passed", "mentions none of the excluded keywords")


def skill_matches(job: JobBase, skills: list[str]) -> list[str]:
    """The bidder skills the job mentions (in its skills, title or description)."""
    text = haystack(job)
    return [skill for skill in skills if has_term(text, skill)]


def check_fit(
    s: Subject, bidder: BidderConfig, rs: RulesetConfig, _c: TriageContext
) -> Reason | None:
    needed = rs.fit.min_skill_overlap
    if needed == 0:
        return None
    matched = [skill for skill in bidder.skills if s.has(skill)]
    enough, message = fit_message(bidder.name, matched, needed)
    return Reason("fit", "passed" if enough else "failed", message)


# In the order of ``DEFAULT_WEIGHTS``; the bidder-specific fit comes last.
CHECKS: dict[str, Check] = {
    "budget": check_budget,
    "weekly_budget": check_weekly,
    "payment": check_payment,
    "client_spend": _limit("client_spend"),
    "client_hires": check_hires,
    "client_feedback": _limit("client_feedback"),
    "client_reviews": _limit("client_reviews"),
    "client_age": check_client_age,
    "country": check_country,
    "timezone": check_timezone,
    "blocklist": check_blocklist,
    "previous_client": check_previous,
    "competition": check_competition,
    "interviewing": _limit("interviewing"),
    "invites": _limit("invites"),
    "hired": check_hired,
    "freshness": check_freshness,
    "query": check_query,
    "required_skills": check_required,
    "excluded_skills": check_excluded_skills,
    "category": check_category,
    "experience": check_experience,
    "excluded_keywords": check_keywords,
    "fit": check_fit,
}
