"""A batch of jobs judged column-wise: each distinct rule input is judged once per batch.

A rule's verdict depends only on a few job values (a budget, a country, whether some terms
appear), and a batch repeats those values a lot. So every rule is keyed on its inputs, taken a
column at a time, and the reference check in ``rules.checks`` runs once per distinct key,
on the first job that has it; its ``Reason`` (sentence included) is shared by every job with
that key. Text rules key on term columns from ``JobTexts``, where each distinct term is
scanned once per batch, for every ruleset and bidder.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from bidflow.config import BidderConfig, RulesetConfig
from bidflow.config.expression import terms_of
from bidflow.models import JobBase
from rules.checks import CHECKS, Subject, TriageContext
from rules.expression import JobTexts
from rules.reasons import Reason

# The job values each rule reads; rules absent here read the text (see ``_TEXT_TERMS``).
_INPUTS: dict[str, tuple[str, ...]] = {
    "budget": ("budget", "hourly_min", "hourly_max"),
    "weekly_budget": ("weekly_budget", "hourly_min", "hourly_max", "job_type"),
    "payment": ("client_payment_verified",),
    "client_spend": ("client_total_spent",),
    "client_hires": ("client_hires", "client_jobs_posted"),
    "client_feedback": ("client_feedback",),
    "client_reviews": ("client_reviews",),
    "client_age": ("client_member_since",),
    "country": ("client_country",),
    "timezone": ("client_timezone",),
    "blocklist": ("client_key", "client_name"),
    "previous_client": ("client_key",),
    "competition": ("proposals_bucket",),
    "interviewing": ("interviewing",),
    "invites": ("invites_sent",),
    "hired": ("job_hires",),
    "freshness": ("posted_at",),
    "category": ("category",),
    "experience": ("experience_level",),
}


def _text_terms(rule: str, ruleset: RulesetConfig) -> list[str]:
    if rule == "query":
        return [] if ruleset.fit.expression is None else terms_of(ruleset.fit.expression)
    if rule == "required_skills":
        return ruleset.fit.required_skills
    if rule == "excluded_skills":
        return ruleset.fit.excluded_skills
    return ruleset.fit.excluded_keywords  # "excluded_keywords"


class Batch:
    """Jobs of one triage batch, their columns and text, and the rules' verdicts so far."""

    def __init__(self, jobs: Sequence[JobBase], context: TriageContext) -> None:
        self.jobs = jobs
        self.context = context
        self.texts = JobTexts(jobs)
        self._fields: dict[str, list[Any]] = {}
        # Equal reasons found under different keys become one object, so later steps can
        # group jobs by the identity of their reasons.
        self._interned: dict[Reason, Reason] = {}

    def field(self, name: str) -> list[Any]:
        found = self._fields.get(name)
        if found is None:
            found = self._fields[name] = [getattr(job, name) for job in self.jobs]
        return found

    def keys(self, rule: str, ruleset: RulesetConfig, bidder: BidderConfig) -> Iterator[Hashable]:
        if rule == "fit":
            return self._term_keys(bidder.skills)
        if rule in _INPUTS:
            columns = [self.field(name) for name in _INPUTS[rule]]
            if rule == "freshness":
                # Only the age in whole minutes (what the sentence shows) and whether it is
                # over the limit matter, so jobs posted in the same minute share a verdict.
                now, limit = self.context.now, ruleset.freshness.max_age
                assert limit is not None
                return iter(
                    [
                        None if p is None else ((now - p) // _MINUTE, now - p > limit)
                        for p in columns[0]
                    ]
                )
            return iter(columns[0]) if len(columns) == 1 else zip(*columns, strict=True)
        return self._term_keys(_text_terms(rule, ruleset))

    def _term_keys(self, terms: list[str]) -> Iterator[Hashable]:
        if not terms:
            return iter([0] * len(self.jobs))
        # A bit per term: a job's key says which of the terms it has.
        code = np.zeros(len(self.jobs), dtype=object if len(terms) > 62 else np.int64)
        for bit, term in enumerate(terms):
            code += self.texts.column(term).astype(np.int64) << bit
        return iter(code.tolist())

    def reasons(self, rule: str, ruleset: RulesetConfig, bidder: BidderConfig) -> list[Reason]:
        """Rule ``rule``'s reason for every job (the rule must be enabled)."""
        check = CHECKS[rule]
        known: dict[Hashable, Reason] = {}
        out: list[Reason] = []
        for index, key in enumerate(self.keys(rule, ruleset, bidder)):
            reason = known.get(key)
            if reason is None:
                job = self.jobs[index]
                subject = Subject(job, self.texts.text_of(index))
                found = check(subject, bidder, ruleset, self.context)
                assert found is not None, f"{rule} is enabled"
                reason = known[key] = self._interned.setdefault(found, found)
            out.append(reason)
        return out


_MINUTE = timedelta(minutes=1)
