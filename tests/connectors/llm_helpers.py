"""Building draft requests and drafters for the LLM client tests."""

from __future__ import annotations

import asyncio
from typing import Any

from bidflow.settings import Settings
from connectors.llm import DraftRequest, DraftResult, OpenAIDrafter
from prompts import screening_questions
from prompts.assemble import proposal_prompt
from tests.connectors.fake_openai import FakeOpenAI
from tests.factories import agency_config, make_job


def draft_request(key: int = 1, questions: tuple[str, ...] = (), **job_fields: Any) -> DraftRequest:
    """A request for a job made from ``job_fields``, asking these screening questions."""
    agency = agency_config()
    if questions:
        job_fields["raw"] = {"questions": list(questions)}
    job = make_job(**job_fields)
    prompt = proposal_prompt(job, agency.bidders[0], agency)
    return DraftRequest(
        key=key,
        system=prompt.system,
        user=prompt.user,
        offline_variables=prompt.offline_variables,
        screening_questions=tuple(screening_questions(job)),
    )


def fake_settings(fake: FakeOpenAI, **overrides: Any) -> Settings:
    """Settings pointing at the fake server, with quick retries."""
    options: dict[str, Any] = {
        "openai_base_url": fake.base_url,
        "openai_api_key": "test",
        "llm_timeout_s": 2.0,
        "llm_model": "gpt-4o-mini",
        "llm_max_attempts": 3,
        "llm_backoff_s": 0.01,
    }
    return Settings(**{**options, **overrides})


def draft_one(drafter: OpenAIDrafter, request: DraftRequest) -> DraftResult:
    """One draft in a fresh event loop, connections closed after."""

    async def run() -> DraftResult:
        try:
            return await drafter.draft(request)
        finally:
            await drafter.aclose()

    return asyncio.run(run())
