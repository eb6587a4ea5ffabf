"""Drafting through the LLM client end to end: a real database, a fake OpenAI server on
127.0.0.1 that fails a share of the calls, and the Prefect global concurrency limit."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from sqlmodel import select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Job, Proposal, ProposalVersion
from bidflow.settings import Settings
from bidflow.store.bidders import sync_bidders
from bidflow.store.jobs import store_jobs
from bidflow.types import utcnow
from connectors.llm import DraftResult, OpenAIDrafter, draft_all
from flows import draft as draft_module
from flows.context import FlowContext
from flows.draft import draft_backlog
from flows.triage import triage_backlog
from rules.triage import BidderSlot
from tests.connectors.fake_openai import (
    Behaviour,
    Fail,
    FakeOpenAI,
    Malformed,
    Say,
    running_fake_openai,
)
from tests.connectors.llm_helpers import draft_request
from tests.factories import agency_dict, make_job


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    """A fake OpenAI server on 127.0.0.1 (the connector tests' ``fake_openai``)."""
    with running_fake_openai() as fake:
        yield fake


FAKE_PRICE = {"input_per_million": 1.0, "cached_input_per_million": 0.5, "output_per_million": 4.0}


def _context(url: str, settings: Settings) -> FlowContext:
    data = agency_dict()
    data["bidders"][0]["caps"] = {"per_hour": 500, "per_day": 500, "per_week": 500}
    data["llm"] = {"prices": {"gpt-fake-1": FAKE_PRICE}}
    agency = AgencyConfig.model_validate(data)
    with db.session_scope(url) as session:
        rows = sync_bidders(session=session, bidders=agency.bidders)
        slots = tuple(BidderSlot(id=rows[b.name].id or 0, config=b) for b in agency.bidders)
    return FlowContext(settings=settings, agency=agency, url=url, bidders=slots)


def _settings(fake: FakeOpenAI, **overrides: Any) -> Settings:
    options: dict[str, Any] = {
        "openai_base_url": fake.base_url,
        "openai_api_key": "test",
        "llm_timeout_s": 0.5,
        "llm_max_attempts": 2,
        "llm_backoff_s": 0.02,
        "llm_concurrency": 6,
    }
    return Settings(**{**options, **overrides})


def _triaged(context: FlowContext, jobs: list[Any]) -> None:
    with db.session_scope(context.url) as session:
        store_jobs(session=session, jobs=jobs)
    assert triage_backlog(context).routed == len(jobs)


def _stored(url: str) -> list[tuple[Proposal, list[ProposalVersion], Job]]:
    with db.session_scope(url) as session:
        rows = []
        for proposal, job in session.exec(select(Proposal, Job).where(Proposal.job_id == Job.id)):
            versions = session.exec(
                select(ProposalVersion).where(ProposalVersion.proposal_id == proposal.id)
            ).all()
            rows.append((proposal, list(versions), job))
    return rows


def test_every_job_gets_one_draft_when_30_percent_of_calls_fail(
    database_url: str, fake_llm: FakeOpenAI
) -> None:
    failures: list[Behaviour] = [
        Fail(429, "slow down", retry_after="0.05"),
        Fail(500, "upstream exploded", retry_after=None),
        Say("Too slow.", delay_s=1.5),  # past llm_timeout_s
        Malformed(),
    ]
    fake_llm.chaos(0.3, failures, seed=11)
    chaos = fake_llm.responder
    # Some jobs fail on every try, so the offline fallback is surely exercised.
    fake_llm.responder = lambda body: (
        Fail(503, "down for this one") if "Doomed" in str(body["messages"]) else chaos(body)
    )
    context = _context(database_url, _settings(fake_llm))
    now = utcnow()
    titles = [f"{'Doomed' if n % 10 == 0 else 'Django'} API job {n}" for n in range(30)]
    jobs = [
        make_job(title=t, posted_at=now - timedelta(hours=1), client_key=f"client-{n}")
        for n, t in enumerate(titles)
    ]
    _triaged(context, jobs)

    summary = draft_backlog(context, now=now)

    rows = _stored(database_url)
    assert sorted(job.title for _, _, job in rows) == sorted(titles)  # one proposal per job
    assert sum(summary.drafted.values()) == 30
    for proposal, versions, job in rows:
        checks = [flag["check"] for flag in proposal.flags]
        assert proposal.offline == ("offline" in checks)
        if "Doomed" in job.title:
            assert proposal.offline
        ((version),) = versions
        assert (version.version, version.kind, version.actor) == (1, "draft", "drafter")
        assert (version.text, version.flags) == (proposal.draft_text, proposal.flags)
    offline = [p for p, _, _ in rows if p.offline]
    assert summary.offline == summary.llm_failures == len(offline) >= 3
    assert len(offline) < 30  # the LLM wrote the rest, through the failures
    assert fake_llm.max_in_flight <= 6
    kinds = Counter(arrival.body["model"] for arrival in fake_llm.arrivals)
    assert kinds["gpt-4o-mini"] > 30  # retries happened


def test_structured_fields_cost_and_flags_are_stored(
    sqlite_url: str, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_llm.enqueue(
        Say(
            "Dear client, I have built three booking APIs.",
            prompt_tokens=2_000,
            cached_tokens=1_000,
            completion_tokens=500,
            suggested_bid=1400.0,
            rationale="Budget fits a two-week build.",
            questions=("Is there a design?",),
            answers=(("Stripe?", "Yes, Stripe Connect."), ("Start?", "Next Monday.")),
        )
    )
    seen: list[Any] = []

    def check_draft(draft: Any, job: Any, bidder: Any, agency: Any) -> list[dict[str, str]]:
        seen.append(draft)
        return [{"check": "claims", "reason": "mentions three projects; check the portfolio"}]

    monkeypatch.setattr(draft_module, "check_draft", check_draft)
    context = _context(sqlite_url, _settings(fake_llm))
    raw = {"questions": ["Have you used Stripe?", "When can you start?"]}
    _triaged(context, [make_job(raw=raw, client_key="acme")])

    draft_backlog(context)

    ((proposal, (version,), _),) = _stored(sqlite_url)
    assert proposal.draft_text == "Dear client, I have built three booking APIs."
    assert proposal.screening_answers == [
        {"question": "Have you used Stripe?", "answer": "Yes, Stripe Connect."},
        {"question": "When can you start?", "answer": "Next Monday."},
    ]
    assert proposal.client_questions == ["Is there a design?"]
    assert (proposal.suggested_bid, proposal.rationale) == (1400.0, "Budget fits a two-week build.")
    assert (proposal.tokens_in, proposal.tokens_cached, proposal.tokens_out) == (2000, 1000, 500)
    assert proposal.template_variant == "proposal"
    assert proposal.cost_usd == pytest.approx((1000 * 1.0 + 1000 * 0.5 + 500 * 4.0) / 1e6)
    flag = {"check": "claims", "reason": "mentions three projects; check the portfolio"}
    assert proposal.flags == [flag] and version.flags == [flag]
    (draft,) = seen
    assert draft.letter == proposal.draft_text
    assert draft.screening_answers == proposal.screening_answers
    assert draft.client_questions == ["Is there a design?"]


def test_offline_drafts_are_content_checked_too(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        draft_module, "check_draft", lambda *args: [{"check": "length", "reason": "too short"}]
    )
    context = _context(sqlite_url, Settings())  # no LLM configured: the offline drafter
    _triaged(context, [make_job(client_key="acme")])

    draft_backlog(context)

    ((proposal, (version,), _),) = _stored(sqlite_url)
    assert proposal.offline and proposal.cost_usd == 0.0
    assert proposal.flags == version.flags == [{"check": "length", "reason": "too short"}]


def test_llm_calls_hold_a_global_concurrency_slot_in_a_flow_run(fake_llm: FakeOpenAI) -> None:
    settings = _settings(fake_llm, llm_concurrency=3, llm_concurrency_limit="bidflow-llm-test")
    drafter = OpenAIDrafter(settings)

    @flow
    def drafting() -> list[DraftResult]:
        # As the draft flow does: a sync flow running the drafting in its own event loop.
        requests = [draft_request(key=n) for n in range(5)]
        return asyncio.run(draft_all(requests, drafter, concurrency=settings.llm_concurrency))

    results = drafting()

    assert [r.offline for r in results] == [False] * 5
    assert drafter.limit.state == "on"
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name("bidflow-llm-test")
    assert (limit.limit, limit.active_slots) == (3, 0)


def test_a_batch_takes_its_global_slots_once_for_all_its_letters(fake_llm: FakeOpenAI) -> None:
    """Two API calls per letter for a slot cost seconds on a busy Prefect server: a batch holds
    min(concurrency, letters) slots for its whole run, and gives them all back."""
    settings = _settings(
        fake_llm, llm_concurrency=3, llm_concurrency_limit="bidflow-llm-batch", llm_timeout_s=30
    )
    seen: list[int] = []

    def answer(body: dict[str, Any]) -> Say:
        with get_client(sync_client=True) as client:
            seen.append(
                client.read_global_concurrency_limit_by_name("bidflow-llm-batch").active_slots
            )
        return Say("A letter written while the batch holds its slots.")

    fake_llm.responder = answer

    @flow
    def drafting() -> list[DraftResult]:
        requests = [draft_request(key=n) for n in range(7)]
        return asyncio.run(draft_all(requests, OpenAIDrafter(settings), concurrency=3))

    assert [r.offline for r in drafting()] == [False] * 7
    assert seen == [3] * 7  # held from the first letter to the last, never more
    with get_client(sync_client=True) as client:
        after = client.read_global_concurrency_limit_by_name("bidflow-llm-batch")
    assert after.active_slots == 0


def test_outside_a_flow_run_the_semaphore_alone_bounds_calls(
    fake_llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    drafter = OpenAIDrafter(_settings(fake_llm))
    with caplog.at_level("INFO", logger="bidflow.llm"):
        asyncio.run(draft_all([draft_request(key=n) for n in range(4)], drafter, concurrency=2))
    assert drafter.limit.state == "off"
    notes = [r.getMessage() for r in caplog.records if "per process only" in r.getMessage()]
    assert len(notes) == 1 and "not inside a flow run" in notes[0]


def test_two_drafting_runs_at_once_on_sqlite_never_pay_for_a_letter_twice(
    database_url: str, fake_llm: FakeOpenAI
) -> None:
    """The ingest run's drafting and the every-minute one can overlap: on SQLite the second
    claims nothing (a lock file beside the database), on PostgreSQL they split the jobs."""
    fake_llm.responder = lambda body: Say("A letter written slowly enough to overlap.", delay_s=0.4)
    context = _context(database_url, _settings(fake_llm, llm_timeout_s=5, llm_concurrency=2))
    now = utcnow()
    jobs = [
        make_job(title=f"Django job {n}", posted_at=now - timedelta(minutes=5), client_key=f"c{n}")
        for n in range(6)
    ]
    _triaged(context, jobs)
    summaries: list[Any] = []

    def run() -> None:
        summaries.append(draft_backlog(context, now=now))

    runners = [threading.Thread(target=run) for _ in range(2)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=60)

    assert len(_stored(database_url)) == 6
    assert len(fake_llm.arrivals) == 6  # each letter was paid for once
    assert sorted(sum(s.drafted.values()) for s in summaries)[-1] >= 3
    assert sum(sum(s.drafted.values()) for s in summaries) == 6


def test_a_letter_joins_the_queue_while_slower_ones_are_still_being_written(
    sqlite_url: str, fake_llm: FakeOpenAI
) -> None:
    quick_one_queued = threading.Event()

    def answer(body: dict[str, Any]) -> Say:
        if "Slow" in str(body["messages"]):
            # Held until the quick letter is in the queue: a batch queued only at its end
            # would never get there, and the test would fail on the wait below.
            quick_one_queued.wait(timeout=10)
        return Say("A letter for this job, written with care and a plan.")

    fake_llm.responder = answer
    context = _context(sqlite_url, _settings(fake_llm, llm_timeout_s=20, llm_concurrency=2))
    now = utcnow()
    _triaged(
        context,
        [
            make_job(title=f"{kind} Django job", posted_at=now, client_key=kind)
            for kind in ("Slow", "Quick")
        ],
    )

    def watch() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not quick_one_queued.is_set():
            if any("Quick" in job.title for _, _, job in _stored(sqlite_url)):
                quick_one_queued.set()
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    summary = draft_backlog(context, now=now)
    watcher.join()

    assert quick_one_queued.is_set()
    assert sum(summary.drafted.values()) == 2
