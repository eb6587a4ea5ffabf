"""A batch of jobs judged column-wise: each distinct rule input is judged once per batch.

A rule's verdict depends only on a few job values (a budget, a country, whether some terms
appear), and a batch repeats those values a lot. So every rule is keyed on its inputs: each
input column is turned into integer codes (pandas' hash factorisation, in C), the codes of a
rule's inputs are combined into one code per job, and the reference check in ``rules.checks``
runs once per distinct code, on the first job that has it. Its ``Reason`` (sentence included)
is shared by every job with that code, so the per-job work is array arithmetic. Text rules key
on term columns from ``JobTexts``, where every term is searched once per batch.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from bidflow.config import BidderConfig, RulesetConfig
from bidflow.config.expression import terms_of
from bidflow.config.rulesets import RULE_NAMES
from bidflow.models import JobBase
from rules.checks import CHECKS, Subject, TriageContext
from rules.expression import JobTexts
from rules.reasons import Reason
from rules.values import job_columns

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


Codes = npt.NDArray[np.int64]


def _text_terms(rule: str, ruleset: RulesetConfig) -> list[str]:
    if rule == "query":
        return [] if ruleset.fit.expression is None else terms_of(ruleset.fit.expression)
    if rule == "required_skills":
        return ruleset.fit.required_skills
    if rule == "excluded_skills":
        return ruleset.fit.excluded_skills
    return ruleset.fit.excluded_keywords  # "excluded_keywords"


def batch_terms(rules: Sequence[str], ruleset: RulesetConfig, bidder: BidderConfig) -> list[str]:
    """Every term the enabled ``rules`` of ``ruleset`` look for, for ``bidder``."""
    terms = list(bidder.skills) if "fit" in rules else []
    for rule in rules:
        if rule != "fit" and rule not in _INPUTS:
            terms += _text_terms(rule, ruleset)
    return terms


def dense(keys: npt.NDArray[Any]) -> tuple[Codes, Codes]:
    """Codes ``0..k-1`` for the distinct ``keys`` (in order of first appearance) and the index
    of the first job with each code."""
    codes, uniques = pd.factorize(keys, use_na_sentinel=False)
    codes = codes.astype(np.int64, copy=False)
    # Codes count up in order of first appearance: a job is the first of its code where the
    # running maximum steps up. (Checked, as pandas may number a missing value last.)
    peak = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.concatenate(([True], peak[1:] > peak[:-1])) if codes.size else [])
    if first.size != len(uniques):
        first = np.unique(codes, return_index=True)[1]
    return codes, first.astype(np.int64)


@dataclass(frozen=True)
class RuleColumn:
    """One rule's reason for every job of a batch: a code per job into the distinct reasons."""

    rule: str
    codes: Codes
    reasons: list[Reason]

    def per_job(self, values: dict[str, float]) -> npt.NDArray[np.float64]:
        """``values[status]`` of each job's reason."""
        by_code = np.array([values[reason.status] for reason in self.reasons], dtype=np.float64)
        return by_code[self.codes]


class Batch:
    """Jobs of one triage batch, their columns and text, and the rules' verdicts so far."""

    def __init__(
        self, jobs: Sequence[JobBase], context: TriageContext, rules: Collection[str] = RULE_NAMES
    ) -> None:
        """``rules``: the rules that will be judged, so only their inputs are read up front."""
        self.jobs = jobs
        self.context = context
        self.texts = JobTexts(jobs)
        names = {"id"} | {name for rule in rules for name in _INPUTS.get(rule, ())}
        self._fields = job_columns(jobs, sorted(names))
        self._codes: dict[str, Codes] = {}
        self._columns: dict[tuple[str, str, str], RuleColumn] = {}
        # Equal reasons found under different keys become one object.
        self._interned: dict[Reason, Reason] = {}

    def field(self, name: str) -> npt.NDArray[Any]:
        """Every job's value of ``name`` as an object array (the values themselves)."""
        values = self._fields.get(name)
        if values is None:
            values = job_columns(self.jobs, [name])[name]
        column = np.empty(len(values), dtype=object)
        column[:] = values
        return column

    def _field_codes(self, name: str) -> Codes:
        found = self._codes.get(name)
        if found is None:
            found = self._codes[name] = dense(self.field(name))[0]
        return found

    def keys(self, rule: str, ruleset: RulesetConfig, bidder: BidderConfig) -> Codes:
        """A code per job that is equal for two jobs only when the rule's inputs are."""
        if rule == "fit":
            return self._term_keys(bidder.skills)
        if rule == "freshness":
            return self._freshness_keys(ruleset)
        if rule in _INPUTS:
            key = np.zeros(len(self.jobs), dtype=np.int64)
            for name in _INPUTS[rule]:
                codes = self._field_codes(name)
                # Re-densified after each step, so the product never leaves int64.
                key = dense(key * (int(codes.max(initial=0)) + 1) + codes)[0]
            return key
        return self._term_keys(_text_terms(rule, ruleset))

    def _freshness_keys(self, ruleset: RulesetConfig) -> Codes:
        """Only the age in whole minutes (what the sentence shows) and whether it is over the
        limit matter, so jobs posted in the same minute share a verdict."""
        now, limit = self.context.now, ruleset.freshness.max_age
        assert limit is not None
        posted, first = dense(self.field("posted_at"))
        ages = np.empty(first.size, dtype=object)
        for code, index in enumerate(first.tolist()):
            when = self.jobs[index].posted_at
            ages[code] = None if when is None else ((now - when) // _MINUTE, now - when > limit)
        return dense(ages)[0][posted]

    def _term_keys(self, terms: list[str]) -> Codes:
        if not terms:
            return np.zeros(len(self.jobs), dtype=np.int64)
        self.texts.find(*terms)
        found = np.column_stack([self.texts.column(term) for term in terms])
        if len(terms) > 62:  # more terms than bits: number the distinct rows instead
            return np.unique(found, axis=0, return_inverse=True)[1].astype(np.int64).ravel()
        # A bit per term: a job's key says which of the terms it has.
        bits = found.astype(np.int64) << np.arange(len(terms), dtype=np.int64)
        return np.asarray(bits.sum(axis=1), dtype=np.int64)

    def column(
        self, rule: str, ruleset_name: str, ruleset: RulesetConfig, bidder: BidderConfig
    ) -> RuleColumn:
        """Rule ``rule``'s reason for every job (the rule must be enabled)."""
        # Only the fit rule reads the bidder; the others are shared by the ruleset's bidders.
        cache_key = (rule, ruleset_name, bidder.name if rule == "fit" else "")
        found = self._columns.get(cache_key)
        if found is None:
            found = self._columns[cache_key] = self._judge(rule, ruleset, bidder)
        return found

    def _judge(self, rule: str, ruleset: RulesetConfig, bidder: BidderConfig) -> RuleColumn:
        check = CHECKS[rule]
        codes, first = dense(self.keys(rule, ruleset, bidder))
        reasons: list[Reason] = []
        for index in first.tolist():
            subject = Subject(
                self.jobs[index], self.texts.text_of(index), partial(self.texts.has, index)
            )
            reason = check(subject, bidder, ruleset, self.context)
            assert reason is not None, f"{rule} is enabled"
            reasons.append(self._interned.setdefault(reason, reason))
        return RuleColumn(rule, codes, reasons)


_MINUTE = timedelta(minutes=1)
