"""The report's statistics against published values.

Wilson intervals: Newcombe (1998), "Two-sided confidence intervals for the single proportion:
comparison of seven methods", Statistics in Medicine 17, Table II, method 3 (score, no
continuity correction). The z-test: R's ``prop.test(c(30, 45), c(100, 100), correct = FALSE)``
gives X-squared = 4.8, p-value = 0.02846. Sample size: Fleiss' formula for 10% vs 15% at 80%
power and 5% two-sided gives the textbook 686 per group.
"""

from __future__ import annotations

import math

import pytest

from analytics.stats import (
    Z_95,
    Z_POWER_80,
    normal_cdf,
    sends_needed,
    two_proportion_test,
    wilson,
    wilson_bounds,
)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe(successes: int, trials: int, low: float, high: float) -> None:
    found = wilson(successes, trials)
    assert found == pytest.approx((low, high), abs=0.00005)


def test_wilson_edges() -> None:
    assert all(math.isnan(bound) for bound in wilson(0, 0))
    zero_low, zero_high = wilson(0, 10)
    assert zero_low == 0.0 and zero_high == pytest.approx(Z_95**2 / (10 + Z_95**2))
    all_low, all_high = wilson(10, 10)
    assert all_high == 1.0 and all_low == pytest.approx(10 / (10 + Z_95**2))
    lows, highs = wilson_bounds([0, 81], [0, 263])
    assert math.isnan(lows[0]) and math.isnan(highs[0])
    assert (round(lows[1], 4), round(highs[1], 4)) == (0.2553, 0.3662)


def test_the_hard_coded_quantiles_are_the_normal_ones() -> None:
    assert normal_cdf(Z_95) == pytest.approx(0.975, abs=1e-12)
    assert normal_cdf(Z_POWER_80) == pytest.approx(0.80, abs=1e-12)
    assert normal_cdf(0.0) == 0.5


def test_two_proportion_test_matches_prop_test() -> None:
    result = two_proportion_test(30, 100, 45, 100)
    assert result.difference == pytest.approx(0.15)
    assert result.z is not None and result.z**2 == pytest.approx(4.8)
    assert result.p_value == pytest.approx(0.02846, abs=0.000005)
    swapped = two_proportion_test(45, 100, 30, 100)
    assert swapped.difference == pytest.approx(-0.15) and swapped.p_value == result.p_value


def test_two_proportion_test_unequal_sizes() -> None:
    # 30% of 200 vs 20% of 600: pooled 180/800 = 0.225;
    # se = sqrt(0.225 * 0.775 * (1/200 + 1/600)) = 0.0340955; z = -0.1 / se = -2.93294;
    # p = 2 * (1 - Φ(2.93294)) = 0.003358 (prop.test gives X-squared = 8.6022, p = 0.003358)
    result = two_proportion_test(60, 200, 120, 600)
    assert result.z is not None
    assert result.z == pytest.approx(-2.93294, abs=1e-5)
    assert result.z**2 == pytest.approx(8.6022, abs=1e-4)
    assert result.p_value == pytest.approx(0.003358, abs=1e-6)


def test_two_proportion_test_cannot_decide_without_variation_or_sends() -> None:
    for found in (
        two_proportion_test(0, 40, 0, 35),  # nobody replied to either
        two_proportion_test(12, 12, 9, 9),  # everybody replied to both
        two_proportion_test(0, 0, 3, 10),  # a variant without sends
    ):
        assert found.p_value is None and found.z is None
    assert two_proportion_test(0, 40, 0, 35).difference == 0.0
    assert math.isnan(two_proportion_test(0, 0, 3, 10).difference)


def test_sends_needed_matches_the_textbook() -> None:
    assert sends_needed(0.10, 0.15) == 686
    assert sends_needed(0.15, 0.10) == 686
    # 20% vs 30%: ((1.96 * sqrt(2 * .25 * .75) + .8416 * sqrt(.16 + .21)) / .1)^2 = 293.2
    assert sends_needed(0.20, 0.30) == 294
    with pytest.raises(ValueError, match="equal rates"):
        sends_needed(0.2, 0.2)
