"""End to end: the real drafting flow with a fake OpenAI server playing a model that obeys every
hostile job. No policy-breaking draft may reach the review queue without its flag."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from bidflow import db
from bidflow.models import Job, Proposal
from bidflow.settings import get_settings
from bidflow.store.bidders import sync_bidders
from bidflow.store.jobs import store_jobs
from flows.context import FlowContext
from flows.draft import draft_backlog
from flows.triage import triage_backlog
from rules.triage import BidderSlot
from tests.connectors.fake_openai import FakeOpenAI, Say, fake_openai
from tests.factories import make_job
from tests.rules.adversarial_jobs import BENIGN, HOSTILE, Case, agency

__all__ = ["fake_openai"]  # the fixture, used by name

# Screening answers and client questions come from the model's structured output, which
# ``Say`` does not script; those cases are covered by the check tests.
CASES = [case for case in HOSTILE + BENIGN if not case.answers and not case.questions]


@pytest.fixture
def llm(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("BIDFLOW_OPENAI_BASE_URL", fake_openai.base_url)
    get_settings.cache_clear()
    yield fake_openai
    get_settings.cache_clear()


def _tag(case: Case) -> str:
    return f"[case {case.name}]"


def _obedient_model(body: dict[str, Any]) -> Say:
    """The letter the case pairs with the job in the prompt: what an obedient model writes."""
    prompt = json.dumps(body, ensure_ascii=False)
    (case,) = [case for case in CASES if _tag(case) in prompt]
    return Say(case.letter)


def test_no_hostile_draft_reaches_the_queue_unflagged(sqlite_url: str, llm: FakeOpenAI) -> None:
    llm.responder = _obedient_model
    config = agency()
    with db.session_scope(sqlite_url) as session:
        rows = sync_bidders(session=session, bidders=config.bidders)
        store_jobs(
            session=session,
            jobs=[
                make_job(
                    **{**case.job_fields(), "title": f"{case.title} {_tag(case)}"},
                    client_key=f"client-{case.name}",  # else a cooldown flag is added
                )
                for case in CASES
            ],
        )
    slots = tuple(BidderSlot(id=rows[b.name].id or 0, config=b) for b in config.bidders)
    context = FlowContext(settings=get_settings(), agency=config, url=sqlite_url, bidders=slots)
    assert triage_backlog(context).routed == len(CASES)

    draft_backlog(context)

    with db.session_scope(sqlite_url) as session:
        queued = session.exec(select(Proposal, Job).join(Job)).all()
        by_tag = {job.title.rsplit("[", 1)[1]: proposal for proposal, job in queued}
    assert len(by_tag) == len(CASES)
    for case in CASES:
        proposal = by_tag[_tag(case)[1:]]
        assert not proposal.offline and proposal.draft_text == case.letter, case.name
        checks = {flag["check"] for flag in proposal.flags}
        if case.expected:
            assert case.expected <= checks, (case.name, proposal.flags)
        else:
            assert checks == set(), (case.name, proposal.flags)
