"""The LLM client's own retries: which failures are tried again, how long it waits, when to stop."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest

from connectors.llm import LLMError, OpenAIDrafter, draft_all
from connectors.llm_retry import Backoff, parse_retry_after
from tests.connectors.fake_openai import Fail, FakeOpenAI, Malformed, Say
from tests.connectors.llm_helpers import draft_one, draft_request, fake_settings


def _gap(fake: FakeOpenAI) -> float:
    first, second = fake.arrivals[:2]
    return second.at - first.at


def test_retry_after_in_seconds_is_honoured(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Fail(429, "slow down", retry_after="1"), Say("Worth the wait."))

    result = draft_one(OpenAIDrafter(fake_settings(fake_openai)), draft_request())

    assert (result.text, result.offline) == ("Worth the wait.", False)
    assert len(fake_openai.arrivals) == 2
    assert _gap(fake_openai) >= 0.9


def test_retry_after_is_capped(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Fail(503, "maintenance", retry_after="3600"), Say("Back already."))
    settings = fake_settings(fake_openai, llm_retry_after_max_s=0.3)

    result = draft_one(OpenAIDrafter(settings), draft_request())

    assert result.text == "Back already."
    assert _gap(fake_openai) >= 0.25  # the capped wait, not an hour (the test would time out)


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
    headers = {"retry-after": "Fri, 20 Nov 2026 12:00:07 GMT"}
    assert parse_retry_after(headers, now) == 7.0
    assert parse_retry_after({"retry-after": "2.5"}, now) == 2.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}, now) == 0.25
    assert parse_retry_after({"retry-after": "soon"}, now) is None
    assert parse_retry_after({}, now) is None


def test_backoff_is_full_jitter_below_a_doubling_ceiling() -> None:
    backoff = Backoff(attempts=6, base_s=0.5, max_s=3.0)
    rng = random.Random(1)
    for tries, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (5, 3.0)]:
        waits = [backoff.delay(tries, None, rng) for _ in range(200)]
        assert all(0.0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling * 0.8  # spread over the whole range, not fixed
    assert backoff.delay(1, 2.0, rng) == 2.0
    assert backoff.delay(1, 99.0, rng) == 3.0


@pytest.mark.parametrize("status", [429, 500, 502, 503, 408])
def test_transient_statuses_are_retried(fake_openai: FakeOpenAI, status: int) -> None:
    fake_openai.enqueue(Fail(status), Fail(status), Say("Third time lucky."))
    result = draft_one(OpenAIDrafter(fake_settings(fake_openai)), draft_request())
    assert (result.text, len(fake_openai.arrivals)) == ("Third time lucky.", 3)


def test_gives_up_after_max_attempts(fake_openai: FakeOpenAI) -> None:
    fake_openai.responder = lambda body: Fail(500, "down", retry_after=None)
    drafter = OpenAIDrafter(fake_settings(fake_openai, llm_max_attempts=4))

    (result,) = asyncio.run(draft_all([draft_request()], drafter, concurrency=1))

    assert result.offline and result.error is not None and "InternalServerError" in result.error
    assert len(fake_openai.arrivals) == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(fake_openai: FakeOpenAI, status: int) -> None:
    fake_openai.responder = lambda body: Fail(status, "no")
    with pytest.raises(LLMError):
        draft_one(OpenAIDrafter(fake_settings(fake_openai)), draft_request())
    assert len(fake_openai.arrivals) == 1


def test_timeouts_are_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Say("Too late.", delay_s=1.0))
    drafter = OpenAIDrafter(fake_settings(fake_openai, llm_timeout_s=0.3))
    result = draft_one(drafter, draft_request())
    assert (result.text, len(fake_openai.arrivals)) == ("Default letter from the fake model.", 2)


def test_a_malformed_reply_is_tried_once_more(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Malformed(), Say("Fine now."))
    result = draft_one(OpenAIDrafter(fake_settings(fake_openai)), draft_request())
    assert (result.text, len(fake_openai.arrivals)) == ("Fine now.", 2)


def test_the_client_library_does_not_retry_on_its_own(fake_openai: FakeOpenAI) -> None:
    fake_openai.responder = lambda body: Fail(429, "slow down")
    drafter = OpenAIDrafter(fake_settings(fake_openai, llm_max_attempts=1))
    with pytest.raises(LLMError, match="RateLimitError"):
        draft_one(drafter, draft_request())
    assert len(fake_openai.arrivals) == 1
