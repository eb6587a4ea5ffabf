"""Drafting with proof ranked by embeddings, end to end: a real database and the fake OpenAI
server on 127.0.0.1 for both the embeddings and the letters."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Proposal
from bidflow.settings import Settings
from bidflow.store.bidders import sync_bidders
from bidflow.store.jobs import store_jobs
from bidflow.types import utcnow
from flows.context import FlowContext
from flows.draft import draft_backlog
from flows.regenerate import regenerate_proposal
from flows.triage import triage_backlog
from rules.triage import BidderSlot
from tests.connectors.fake_openai import Fail, FakeOpenAI, running_fake_openai
from tests.factories import agency_dict, make_job

STORE_TITLE, CANDLES_TITLE = "E-commerce store for a furniture maker", "Candle brand site"
STORE: dict[str, object] = {
    "title": STORE_TITLE,
    "summary": "Storefront, checkout and product pages",
    "tags": ["Shopify"],
}
CANDLES: dict[str, object] = {
    "title": CANDLES_TITLE,
    "summary": "Pages for a candle maker",
    "tags": ["Candles"],
}


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as fake:
        yield fake


def _context(url: str, fake: FakeOpenAI, **settings: Any) -> FlowContext:
    data = agency_dict()
    data["bidders"][0]["portfolio"] = [CANDLES, STORE]
    agency = AgencyConfig.model_validate(data)
    options: dict[str, Any] = {
        "openai_base_url": fake.base_url,
        "openai_api_key": "test",
        "llm_timeout_s": 2.0,
        "llm_max_attempts": 2,
        "llm_backoff_s": 0.01,
        "llm_concurrency_limit": "",  # no Prefect limit needed here
        "embedding_model": "text-embedding-3-small",
    }
    with db.session_scope(url) as session:
        rows = sync_bidders(session=session, bidders=agency.bidders)
        slots = tuple(BidderSlot(id=rows[b.name].id or 0, config=b) for b in agency.bidders)
    return FlowContext(
        settings=Settings(**{**options, **settings}), agency=agency, url=url, bidders=slots
    )


def _draft(context: FlowContext, jobs: int) -> int:
    """Store and triage ``jobs`` online-shop jobs, draft them; the number of proposals queued."""
    now = utcnow()
    posted = [
        make_job(
            title=f"Online shop for our candles #{n}",
            description="We sell handmade candles and want an online shop for customers.",
            posted_at=now - timedelta(hours=1),
            client_key=f"client-{n}",
        )
        for n in range(jobs)
    ]
    with db.session_scope(context.url) as session:
        store_jobs(session=session, jobs=posted)
    assert triage_backlog(context).routed == jobs
    return sum(draft_backlog(context, now=now).drafted.values())


def _users(fake: FakeOpenAI) -> list[str]:
    return [str(body["messages"][1]["content"]) for body in fake.bodies]


def test_one_embeddings_request_per_run_and_the_store_is_the_proof(
    sqlite_url: str, fake_llm: FakeOpenAI
) -> None:
    assert _draft(_context(sqlite_url, fake_llm), jobs=5) == 5

    ((texts),) = fake_llm.embedding_inputs
    assert len(texts) == 5 + 2  # every job, and both portfolio items (not yet cached)
    users = _users(fake_llm)
    assert len(users) == 5
    assert all(STORE_TITLE in user and CANDLES_TITLE not in user for user in users)


def test_embeddings_off_drafts_with_word_overlap_and_no_request(
    sqlite_url: str, fake_llm: FakeOpenAI
) -> None:
    assert _draft(_context(sqlite_url, fake_llm, embedding_model=""), jobs=3) == 3

    assert fake_llm.embedding_arrivals == []
    assert all(CANDLES_TITLE in u and STORE_TITLE not in u for u in _users(fake_llm))


def test_embeddings_down_still_drafts_every_job_with_word_overlap(
    sqlite_url: str, fake_llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_llm.enqueue_embeddings(Fail(502, "bad gateway"), Fail(502, "bad gateway"))
    with caplog.at_level(logging.WARNING, logger="bidflow.embeddings"):
        assert _draft(_context(sqlite_url, fake_llm), jobs=3) == 3

    assert len(fake_llm.embedding_arrivals) == 2  # llm_max_attempts tries, once per run
    assert all(CANDLES_TITLE in u and STORE_TITLE not in u for u in _users(fake_llm))
    ((record),) = [r for r in caplog.records if r.name == "bidflow.embeddings"]
    assert "bad gateway" in record.getMessage()


def test_regenerating_ranks_proof_by_embeddings_too(sqlite_url: str, fake_llm: FakeOpenAI) -> None:
    context = _context(sqlite_url, fake_llm, embedding_model="")
    assert _draft(context, jobs=1) == 1
    settings = context.settings.model_copy(update={"embedding_model": "text-embedding-3-small"})
    with db.session_scope(sqlite_url) as session:
        (proposal_id,) = session.exec(select(Proposal.id)).all()
    assert proposal_id is not None

    regenerate_proposal(
        settings=settings,
        agency=context.agency,
        url=sqlite_url,
        proposal_id=proposal_id,
        instruction="Shorter, please.",
        actor="rita",
    )

    assert len(fake_llm.embedding_arrivals) == 1
    first, again = _users(fake_llm)
    assert CANDLES_TITLE in first and STORE_TITLE not in first
    assert STORE_TITLE in again and CANDLES_TITLE not in again
