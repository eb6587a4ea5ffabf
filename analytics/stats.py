"""The statistics behind the report's intervals and A/B verdicts, with the standard library only.

- ``wilson``: the Wilson score 95% interval of a proportion (good for small counts and for rates
  of 0 or 1, where the textbook "p ± 1.96·se" interval collapses to a point);
- ``two_proportion_test``: the two-sided two-proportion z-test with a pooled standard error
  (what R's ``prop.test(correct = FALSE)`` computes);
- ``sends_needed``: how many sends per variant a test needs to see a difference between two
  reply rates with 80% power at the 5% level (Fleiss' normal-approximation formula).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The two normal quantiles the report needs, hard-coded rather than computed: Φ⁻¹(0.975) for
# 95% two-sided confidence and Φ⁻¹(0.80) for 80% power (tests check them against ``normal_cdf``).
Z_95 = 1.959963984540054
Z_POWER_80 = 0.8416212335729143
ALPHA = 0.05


def normal_cdf(z: float) -> float:
    """Φ(z), the standard normal distribution function."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of ``successes / trials``; (NaN, NaN) for no trials."""
    if trials <= 0:
        return math.nan, math.nan
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # At p = 0 (or 1) the lower (upper) bound is exactly 0 (1); rounding would miss it.
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= trials else min(1.0, centre + half)
    return low, high


def wilson_bounds(
    successes: Sequence[int], trials: Sequence[int]
) -> tuple[list[float], list[float]]:
    """``wilson`` for each pair: the lower bounds and the upper bounds, as two lists."""
    pairs = [wilson(int(s), int(n)) for s, n in zip(successes, trials, strict=True)]
    return [low for low, _ in pairs], [high for _, high in pairs]


@dataclass(frozen=True)
class ProportionTest:
    difference: float  # rate b minus rate a
    z: float | None
    p_value: float | None  # None when a variant has no sends or every send got the same answer


def two_proportion_test(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int
) -> ProportionTest:
    """Is rate b different from rate a? Two-sided z-test with the pooled proportion."""
    if trials_a <= 0 or trials_b <= 0:
        rate_a = successes_a / trials_a if trials_a > 0 else math.nan
        rate_b = successes_b / trials_b if trials_b > 0 else math.nan
        return ProportionTest(rate_b - rate_a, None, None)
    rate_a, rate_b = successes_a / trials_a, successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    variance = pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b)
    if variance <= 0:  # all replies or no replies on both sides: nothing tells them apart
        return ProportionTest(rate_b - rate_a, None, None)
    z = (rate_b - rate_a) / math.sqrt(variance)
    return ProportionTest(rate_b - rate_a, z, math.erfc(abs(z) / math.sqrt(2.0)))


def sends_needed(rate_a: float, rate_b: float) -> int:
    """Sends per variant for an 80%-power, 5%-level two-sided test of ``rate_a`` vs ``rate_b``.

    Fleiss' formula without continuity correction; the caller keeps the rates inside (0, 1)
    and apart (equal rates would need infinitely many sends).
    """
    gap = abs(rate_b - rate_a)
    if gap <= 0:
        raise ValueError("equal rates cannot be told apart by any number of sends")
    mean = (rate_a + rate_b) / 2
    null_spread = Z_95 * math.sqrt(2 * mean * (1 - mean))
    alternative_spread = Z_POWER_80 * math.sqrt(rate_a * (1 - rate_a) + rate_b * (1 - rate_b))
    return math.ceil((null_spread + alternative_spread) ** 2 / gap**2)
