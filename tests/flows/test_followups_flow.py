"""The follow-ups flow: a due follow-up is drafted from its proposal's letter and the fenced
job (by the LLM, or offline), checked like a proposal, and queued for review; a client answer
that arrives while the letter is being written wins; stuck claims are handed back; running
again drafts nothing twice."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Bidder, FollowUp, Proposal
from bidflow.settings import Settings
from bidflow.store.bidders import sync_bidders
from bidflow.store.events import events_for
from bidflow.store.followup_review import get_follow_up
from bidflow.store.followups import claim_due_follow_ups, follow_ups_of, schedule_follow_ups
from bidflow.store.jobs import store_jobs
from bidflow.store.outcomes import record_outcome
from bidflow.types import utcnow
from flows.context import FlowContext, flow_context
from flows.followup_batch import BatchResult
from flows.followups import batch_task, draft_due_follow_ups, followups_flow
from prompts import JOB_FENCE_CLOSE, JOB_FENCE_OPEN
from rules.triage import BidderSlot
from tests.connectors.fake_openai import Fail, FakeOpenAI, Say, running_fake_openai
from tests.factories import agency_dict, make_job, write_config

LETTER = (
    "Hi,\n\nYour booking API double-books when two patients pick the same slot; that is a"
    " locking problem, fixable in a day.\n\nAna"
)
TITLE = "Django REST API for a clinic booking app"
# A follow-up an LLM might write: short, about the job, ending with one question.
FOLLOW_UP = (
    "One idea for your Django booking API since my proposal: lock the slot row while a patient"
    " books, so PostgreSQL itself refuses the second booking. Would a short plan for that first"
    " fix help?"
)
_postings = itertools.count(1)
PRICE = {"input_per_million": 1.0, "cached_input_per_million": 0.5, "output_per_million": 4.0}


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as fake:
        yield fake


def _llm_settings(fake: FakeOpenAI, **overrides: Any) -> Settings:
    options: dict[str, Any] = {
        "openai_base_url": fake.base_url,
        "openai_api_key": "test",
        "llm_timeout_s": 5.0,
        "llm_max_attempts": 2,
        "llm_backoff_s": 0.01,
    }
    return Settings(**{**options, **overrides})


def _context(url: str, settings: Settings) -> FlowContext:
    data = agency_dict()
    data["llm"] = {"prices": {"gpt-fake-1": PRICE}}
    agency = AgencyConfig.model_validate(data)
    with db.session_scope(url) as session:
        rows = sync_bidders(session=session, bidders=agency.bidders)
        slots = tuple(BidderSlot(id=rows[b.name].id or 0, config=b) for b in agency.bidders)
    return FlowContext(settings=settings, agency=agency, url=url, bidders=slots)


def _due_follow_up(url: str, *, bidder: str = "Ana", due: datetime | None = None) -> int:
    """A proposal sent three days ago (``LETTER``) with one follow-up due an hour ago (or at
    ``due``); the follow-up's id."""
    now = utcnow()
    with db.session_scope(url) as session:
        # Each its own posting: the same text would be stored once, as one job.
        job = make_job(title=TITLE, description=f"Bookings for clinic {next(_postings)}.")
        (job_id,) = store_jobs(session=session, jobs=[job]).new_ids
        sender = session.exec(select(Bidder).where(Bidder.name == bidder)).one()
        assert sender.id is not None
        proposal = Proposal(
            job_id=job_id,
            bidder_id=sender.id,
            status="sent",
            draft_text="The first draft, before the reviewer's edit.",
            final_text=LETTER,
            model="offline",
            sent_at=now - timedelta(days=3),
        )
        session.add(proposal)
        session.flush()
        assert proposal.id is not None
        due_at = due or now - timedelta(hours=1)
        schedule_follow_ups(session=session, proposal_id=proposal.id, due_times=[due_at])
        (follow_up,) = follow_ups_of(session=session, proposal_id=proposal.id)
        assert follow_up.id is not None
        return follow_up.id


def _stored(url: str, follow_up_id: int) -> FollowUp:
    with db.session_scope(url) as session:
        return get_follow_up(session=session, follow_up_id=follow_up_id)


def _actions(url: str, follow_up_id: int) -> list[str]:
    with db.session_scope(url) as session:
        events = events_for(session=session, entity="followup", entity_id=follow_up_id)
        return [event.action for event in events]


def _checks(follow_up: FollowUp) -> list[str]:
    return [flag["check"] for flag in follow_up.flags]


def test_a_due_follow_up_is_drafted_from_the_letter_and_the_fenced_job(
    database_url: str, fake_llm: FakeOpenAI
) -> None:
    context = _context(database_url, _llm_settings(fake_llm))
    follow_up_id = _due_follow_up(database_url)
    fake_llm.enqueue(Say(FOLLOW_UP))

    run = draft_due_follow_ups(context)

    assert (run.claimed, run.queued, run.dropped, run.failed) == (1, 1, 0, 0)
    stored = _stored(database_url, follow_up_id)
    assert (stored.status, stored.draft_text, stored.flags) == ("queued", FOLLOW_UP, [])
    assert (stored.model, stored.offline) == ("gpt-fake-1", False)
    assert stored.cost_usd == pytest.approx((56 * 1.0 + 64 * 0.5 + 80 * 4.0) / 1_000_000)
    assert _actions(database_url, follow_up_id) == ["drafting", "queued"]
    (body,) = fake_llm.bodies
    system, user = (message["content"] for message in body["messages"])
    assert "Bidder profile" in system  # the bidder's proposal system message, shared
    assert f"<<<PROPOSAL\n{LETTER}\nPROPOSAL>>>" in user  # the letter as sent, not the draft
    fence = user[user.index(JOB_FENCE_OPEN) : user.index(JOB_FENCE_CLOSE)]
    assert f"Title: {TITLE}" in fence


def test_without_an_llm_the_offline_follow_up_is_queued(sqlite_url: str) -> None:
    context = _context(sqlite_url, Settings())
    follow_up_id = _due_follow_up(sqlite_url)

    run = draft_due_follow_ups(context)

    assert (run.queued, run.offline) == (1, 1)
    stored = _stored(sqlite_url, follow_up_id)
    assert (stored.status, stored.model, stored.offline, stored.cost_usd) == (
        "queued",
        "offline",
        True,
        0.0,
    )
    assert stored.draft_text is not None
    assert TITLE in stored.draft_text and "3 days ago" in stored.draft_text
    assert stored.draft_text.rstrip().endswith("Ana")
    assert stored.flags == []  # no LLM configured is not a failure, and the letter passes


def test_an_llm_failure_queues_the_offline_follow_up_flagged(
    sqlite_url: str, fake_llm: FakeOpenAI
) -> None:
    context = _context(sqlite_url, _llm_settings(fake_llm, llm_max_attempts=1))
    follow_up_id = _due_follow_up(sqlite_url)
    fake_llm.enqueue(Fail(400, "the model is not available"))  # not worth another try

    draft_due_follow_ups(context)

    stored = _stored(sqlite_url, follow_up_id)
    assert (stored.status, stored.model) == ("queued", "offline")
    assert _checks(stored) == ["offline"] and "400" in stored.flags[0]["reason"]


def test_a_draft_with_contact_details_is_queued_with_the_flag(
    sqlite_url: str, fake_llm: FakeOpenAI
) -> None:
    context = _context(sqlite_url, _llm_settings(fake_llm))
    follow_up_id = _due_follow_up(sqlite_url)
    fake_llm.enqueue(Say(f"{FOLLOW_UP} Or email me at ana.dev@gmail.com and we can talk there."))

    draft_due_follow_ups(context)

    stored = _stored(sqlite_url, follow_up_id)
    assert stored.status == "queued"
    assert "contact_details" in _checks(stored)


def test_a_reply_while_the_llm_writes_cancels_the_follow_up_and_drops_the_draft(
    sqlite_url: str, fake_llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    context = _context(sqlite_url, _llm_settings(fake_llm))
    follow_up_id = _due_follow_up(sqlite_url)
    with db.session_scope(sqlite_url) as session:
        proposal_id = get_follow_up(session=session, follow_up_id=follow_up_id).proposal_id
    asked, answered = threading.Event(), threading.Event()

    def blocked_until_the_client_answers(body: dict[str, Any]) -> Say:
        asked.set()
        assert answered.wait(10), "the reply was not stored while the LLM was writing"
        return Say(FOLLOW_UP)

    def client_answers() -> None:
        assert asked.wait(10)
        # With a transaction left open across the LLM call, this write would wait for it.
        with db.session_scope(sqlite_url) as session:
            record_outcome(
                session=session,
                proposal_id=proposal_id,
                status="replied",
                actor="sam@agency.test",
                message="Thanks, can you start Monday?",
            )
        answered.set()

    fake_llm.responder = blocked_until_the_client_answers
    client = threading.Thread(target=client_answers)
    client.start()
    with caplog.at_level(logging.INFO, logger="bidflow.followups"):
        run = draft_due_follow_ups(context)
    client.join()

    assert answered.is_set()
    assert (run.claimed, run.queued, run.dropped) == (1, 0, 1)
    stored = _stored(sqlite_url, follow_up_id)
    assert (stored.status, stored.draft_text) == ("cancelled", None)
    assert _actions(sqlite_url, follow_up_id) == ["drafting", "cancelled"]
    assert f"follow-up {follow_up_id}: draft dropped" in caplog.text


def test_a_follow_up_stuck_in_drafting_is_handed_back_and_drafted(sqlite_url: str) -> None:
    context = _context(sqlite_url, Settings())
    now = utcnow()
    stuck = _due_follow_up(sqlite_url, due=now - timedelta(hours=3))
    working = _due_follow_up(sqlite_url, due=now - timedelta(hours=3))
    with db.session_scope(sqlite_url, write=True) as session:
        # A worker that died two hours ago, and one still writing (claimed five minutes ago).
        (dead,) = claim_due_follow_ups(
            session=session, now=now - timedelta(hours=2), limit=1, actor="worker-1"
        )
        (alive,) = claim_due_follow_ups(
            session=session, now=now - timedelta(minutes=5), limit=1, actor="worker-2"
        )
    assert (dead.id, alive.id) == (stuck, working)

    run = draft_due_follow_ups(context)

    assert (run.recovered, run.claimed, run.queued) == (1, 1, 1)
    assert _stored(sqlite_url, stuck).status == "queued"
    assert _actions(sqlite_url, stuck) == ["drafting", "released", "drafting", "queued"]
    assert _stored(sqlite_url, working).status == "drafting"  # its worker is still on it


def test_due_follow_ups_are_drafted_in_batches(sqlite_url: str) -> None:
    context = _context(sqlite_url, Settings())
    ids = [_due_follow_up(sqlite_url) for _ in range(5)]
    batches: list[BatchResult] = []

    def recorded(context: FlowContext, now: datetime, size: int) -> BatchResult:
        batches.append(batch_task.fn(context, now, size))
        return batches[-1]

    run = draft_due_follow_ups(context, batch_size=2, run_batch=recorded)

    assert [batch.claimed for batch in batches] == [2, 2, 1]
    assert (run.claimed, run.queued) == (5, 5)
    assert {_stored(sqlite_url, i).status for i in ids} == {"queued"}


def test_a_follow_up_whose_bidder_left_the_config_is_handed_back(sqlite_url: str) -> None:
    context = _context(sqlite_url, Settings())
    with db.session_scope(sqlite_url) as session:
        session.add(Bidder(name="Cleo", title="Former bidder", hourly_rate=40))
    follow_up_id = _due_follow_up(sqlite_url, bidder="Cleo")

    run = draft_due_follow_ups(context)

    assert (run.claimed, run.queued, run.failed) == (1, 0, 1)
    assert _stored(sqlite_url, follow_up_id).status == "scheduled"
    assert _actions(sqlite_url, follow_up_id) == ["drafting", "released"]


def test_running_the_flow_twice_drafts_once(bidflow_home: Path) -> None:
    config = write_config(bidflow_home / "config", agency_dict())
    url = flow_context(str(config)).url
    follow_up_id = _due_follow_up(url)

    first = followups_flow(config_path=str(config))
    again = followups_flow(config_path=str(config))

    assert (first.claimed, first.queued) == (1, 1)
    assert (again.claimed, again.queued) == (0, 0)
    assert _actions(url, follow_up_id) == ["drafting", "queued"]
