"""The one HTTP call every request to Upwork goes through: a POST spaced by a per-host rate
limiter and retried with backoff, and the Retry-After header it honours."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from bidflow.errors import FeedError

MAX_ATTEMPTS = 5
BACKOFF_BASE_S = 0.25  # first wait without Retry-After; doubles per attempt
MAX_WAIT_S = 60.0


class RateLimiter:
    """At most ``per_second`` request starts in any one-second window (a rolling window, so
    also in any calendar second): a poll's pages go back to back until the window is full,
    then each waits for the oldest start to leave it. Upwork allows 10 requests a second per
    IP; spacing every request 1/10 s apart would add most of a second to a nine-page poll
    for no safety gained."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self._set_rate(per_second)

    def _set_rate(self, per_second: float) -> None:
        self.per_second = per_second
        # Whole requests per second (a fraction rounds down, never up); below one, one start
        # per 1 / per_second.
        self.burst = max(1, int(per_second))
        self.window = max(1.0, 1.0 / per_second)

    def slow_to(self, per_second: float) -> None:
        with self._lock:
            if per_second < self.per_second:
                self._set_rate(per_second)
                while len(self._starts) > self.burst:
                    self._starts.popleft()

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            start = now
            if len(self._starts) >= self.burst:  # the window is full: wait for its oldest
                start = max(now, self._starts.popleft() + self.window)
            self._starts.append(start)  # reserved in order, so the deque stays sorted
        if start > now:
            self._sleep(start - now)


# One limiter per API host for the whole process: Upwork counts requests per IP, not per feed.
_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(url: str, per_second: float) -> RateLimiter:
    """The process's limiter for ``url``'s host; the slowest rate any feed asks for wins."""
    host = urlsplit(url).netloc.lower()
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(host)
        if limiter is None:
            limiter = _LIMITERS[host] = RateLimiter(per_second)
        else:
            limiter.slow_to(per_second)
        return limiter


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def post_with_retries(
    http: httpx.Client,
    url: str,
    *,
    feed: str,
    limiter: RateLimiter | None = None,
    data: Mapping[str, str] | None = None,
    json_body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST, retrying 429s, 5xx and network errors with exponential backoff and jitter (or as
    long as Retry-After says, up to a minute). Any other answer is returned for the caller."""
    failure = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if limiter is not None:
            limiter.acquire()
        wait: float | None = None
        try:
            response = http.post(url, data=data, json=json_body, headers=headers)
        except httpx.TransportError as exc:
            failure = f"cannot reach {urlsplit(url).netloc} ({str(exc) or type(exc).__name__})"
        else:
            if response.status_code != 429 and response.status_code < 500:
                return response
            failure = f"Upwork answered HTTP {response.status_code} {response.reason_phrase}"
            wait = retry_after_seconds(response.headers.get("Retry-After"))
        if attempt < MAX_ATTEMPTS:
            time.sleep(_backoff(attempt, wait))
    raise FeedError(f"{feed}: {failure} ({MAX_ATTEMPTS} tries); the next poll will try again")


def _backoff(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        # A little extra so that clients told the same moment do not all return at once.
        return min(MAX_WAIT_S, retry_after * random.uniform(1.0, 1.1))
    ceiling = min(MAX_WAIT_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)
