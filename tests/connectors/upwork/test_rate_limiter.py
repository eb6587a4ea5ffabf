"""The client-side rate limiter on a fake clock: bursts up to the limit, then the window."""

from __future__ import annotations

import pytest

from connectors.feeds.upwork_http import RateLimiter


class Clock:
    """A clock for the limiter that moves only when it sleeps or a test moves it."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _limiter(per_second: float, clock: Clock) -> RateLimiter:
    return RateLimiter(per_second, clock=clock.monotonic, sleep=clock.sleep)


def _starts(limiter: RateLimiter, clock: Clock, count: int, work_s: float = 0.01) -> list[float]:
    """When each of ``count`` back-to-back requests started, each taking ``work_s``."""
    starts = []
    for _ in range(count):
        limiter.acquire()
        starts.append(round(clock.now - 100.0, 6))
        clock.now += work_s
    return starts


def _most_in_any_second(starts: list[float]) -> int:
    # A start exactly one second after another is in the next window (1e-9: float rounding).
    return max(sum(1 for s in starts if first <= s < first + 1.0 - 1e-9) for first in starts)


def test_a_poll_goes_back_to_back_until_the_second_is_full(clock: Clock) -> None:
    starts = _starts(_limiter(10, clock), clock, 25)

    assert starts[:10] == [round(0.01 * i, 6) for i in range(10)]  # no wait within the limit
    assert starts[10] == pytest.approx(1.0)  # the 11th waits for the first to leave the window
    assert _most_in_any_second(starts) == 10


@pytest.mark.parametrize(("per_second", "most"), [(2.5, 2), (1, 1), (0.5, 1)])
def test_a_fractional_or_slow_rate_is_never_exceeded(
    clock: Clock, per_second: float, most: int
) -> None:
    starts = _starts(_limiter(per_second, clock), clock, 12)

    assert _most_in_any_second(starts) == most
    assert (len(starts) - 1) / (starts[-1] - starts[0]) <= per_second


def test_slowing_down_applies_to_the_requests_already_made(clock: Clock) -> None:
    limiter = _limiter(10, clock)
    _starts(limiter, clock, 5)
    limiter.slow_to(2)
    limiter.slow_to(8)  # the slowest rate asked for wins

    starts = _starts(limiter, clock, 4)

    assert limiter.per_second == 2
    assert _most_in_any_second([0.0, 0.01, 0.02, 0.03, 0.04, *starts]) <= 5
    assert _most_in_any_second(starts) == 2
