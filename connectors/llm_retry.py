"""When to try an LLM request again, and how long to wait first."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import openai

from bidflow.settings import Settings

# 408 and 409 are what OpenAI's own client retries besides 429 and 5xx.
_RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, a server's Retry-After taking precedence."""

    attempts: int  # tries in all, the first included
    base_s: float  # ceiling of the first wait; doubles per try
    max_s: float  # no wait is longer, whatever the server asks

    @classmethod
    def configured(cls, settings: Settings) -> Backoff:
        """The tries, base wait and cap the settings give every LLM server call."""
        return cls(
            attempts=settings.llm_max_attempts,
            base_s=settings.llm_backoff_s,
            max_s=settings.llm_retry_after_max_s,
        )

    def delay(self, tries: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after ``tries`` failed tries."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_s)
        # Full jitter spreads out clients that failed together, so they do not retry together.
        return rng.uniform(0.0, min(self.max_s, self.base_s * 2 ** (tries - 1)))


def retryable(exc: openai.OpenAIError) -> bool:
    """Whether trying again may succeed: rate limits, server errors, timeouts, lost connections."""
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500
    return False


def retry_after_s(exc: openai.OpenAIError, now: datetime | None = None) -> float | None:
    """The wait the server asked for, in seconds, if it said (``retry-after-ms``, or
    ``Retry-After`` as seconds or an HTTP date)."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    return parse_retry_after(exc.response.headers, now)


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from these response headers, or None if they do not say."""
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - (now or datetime.now(UTC))).total_seconds()


def server_url(settings: Settings) -> str:
    """The LLM server calls go to, as error messages name it."""
    return settings.azure_openai_endpoint or settings.openai_base_url or "https://api.openai.com/v1"
