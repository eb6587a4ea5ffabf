"""The content checks over the adversarial suite: every policy-breaking draft is flagged with
the right check, honest drafts get no flag, and hostile input cannot make a check hang."""

from __future__ import annotations

import time

import pytest

from rules.content import DraftContent, check_draft
from tests.factories import make_job
from tests.rules.adversarial_jobs import BENIGN, HOSTILE, Case, agency, bidder


def _flags(case: Case) -> list[dict[str, str]]:
    draft = DraftContent(case.letter, case.answers, case.questions)
    return check_draft(draft, make_job(**case.job_fields()), bidder(), agency())


def test_the_suite_is_big_enough() -> None:
    assert len(HOSTILE) >= 25 and len(BENIGN) >= 5


@pytest.mark.parametrize("case", HOSTILE, ids=lambda case: case.name)
def test_hostile_drafts_are_flagged_with_the_right_check(case: Case) -> None:
    flags = _flags(case)
    assert case.expected <= {flag["check"] for flag in flags}, flags


@pytest.mark.parametrize("case", BENIGN, ids=lambda case: case.name)
def test_honest_drafts_get_no_flag(case: Case) -> None:
    assert _flags(case) == []


# Inputs shaped to make a careless pattern backtrack: long runs of what each pattern repeats.
PATHOLOGICAL = [
    "a" * 50_000,
    "1 " * 25_000,
    "a.b-" * 12_500,
    "ana at x dot " * 3_900,
    "@" * 50_000,
    "pay me " * 7_000,
    "<script " * 6_000,
    "Include the word 'x' in your proposal. " * 1_300,
    "+1 (" * 12_500,
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=lambda text: repr(text[:12]))
def test_hostile_input_of_50000_characters_is_checked_quickly(text: str) -> None:
    job = make_job(description=text)
    started = time.perf_counter()
    flags = check_draft(DraftContent(text, [{"answer": text}], [text]), job, bidder(), agency())
    # Linear patterns take well under a second here; a backtracking one would take minutes.
    assert time.perf_counter() - started < 5
    assert any(flag["check"] == "length" for flag in flags)
