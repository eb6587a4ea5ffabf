"""A/B verdicts in plain words, with the sends still needed worked out by hand (Fleiss'
formula, 80% power, 5% two-sided: n = (1.959964·√(2·p̄·q̄) + 0.841621·√(p₁q₁ + p₂q₂))² / (p₁ − p₂)²
per variant)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.ab import VariantSends, ab_results, more_sends_needed, verdict


def sides(a: tuple[int, int], b: tuple[int, int]) -> tuple[VariantSends, VariantSends]:
    """(replies, sends) of variant "proposal" and of "proposal_b"."""
    return VariantSends("proposal", a[1], a[0]), VariantSends("proposal_b", b[1], b[0])


def test_b_beats_a() -> None:
    # 20% of 200 vs 35% of 200: pooled .275, se = √(.275·.725·2/200) = .044651, z = 3.3594,
    # p = 0.00078.
    found = verdict(*sides((40, 200), (70, 200)))
    more = found.more_sends_needed
    assert found.text == "proposal_b beats proposal, 95% confidence"
    assert found.difference == pytest.approx(0.15) and more == 0
    assert found.p_value == pytest.approx(0.00078, abs=0.000005)


def test_a_beats_b() -> None:
    found = verdict(*sides((70, 200), (40, 200)))
    assert found.text == "proposal beats proposal_b, 95% confidence"
    assert found.difference == pytest.approx(-0.15)


def test_not_enough_data_names_the_sends_still_needed() -> None:
    # 75% of 4 vs 50% of 2 (p = 0.54): p̄ = .625; (1.959964·.684653 + .841621·.661438)² / .25²
    # = 57.67, so 58 per variant: 54 more for a and 56 for b.
    found = verdict(*sides((3, 4), (1, 2)))
    more = found.more_sends_needed
    assert found.p_value == pytest.approx(0.5403, abs=0.0001)
    assert more == 110
    assert found.text == "not enough data yet: about 110 more sends needed"


def test_zero_rates_are_planned_as_half_a_reply() -> None:
    # 0 of 30 and 0 of 25: no test is possible (p None). Planned at .5/31 = .016129 and
    # .5/26 = .019231, a gap under one point, so at .016129 vs .026129: p̄ = .021129,
    # (1.959964·.203386 + .841621·.203261)² / .01² = 3245.6 → 3246 per variant.
    found = verdict(*sides((0, 30), (0, 25)))
    more = found.more_sends_needed
    assert found.p_value is None and found.difference == 0.0
    assert more == (3246 - 30) + (3246 - 25)
    assert found.text == "not enough data yet: about 6,437 more sends needed"


def test_all_replied_is_planned_as_half_a_miss() -> None:
    # 5 of 5 and 3 of 3: planned at 5.5/6 = .9167 and 3.5/4 = .875; p̄ = .89583,
    # (1.959964·.432009 + .841621·.431003)² / .041667² = 842.6 → 843 per variant.
    assert more_sends_needed(*sides((5, 5), (3, 3))) == (843 - 5) + (843 - 3)


def test_equal_rates_are_planned_one_point_apart() -> None:
    # 10% vs 11%: (1.959964·√(2·.105·.895) + .841621·√(.09 + .0979))² / .01² = 14750.1
    found = verdict(*sides((10, 100), (10, 100)))
    more = found.more_sends_needed
    assert found.p_value == pytest.approx(1.0)
    assert more == 2 * (14751 - 100)


def test_no_clear_difference_once_past_the_planned_size() -> None:
    found = verdict(*sides((20_000, 200_000), (20_050, 200_000)))
    more = found.more_sends_needed
    assert found.p_value is not None and found.p_value > 0.05 and more == 0
    assert found.text == "no clear difference after 400,000 sends"


def test_every_pair_of_variants_with_sends_in_name_order() -> None:
    by_variant = pd.DataFrame(
        {
            "variant": ["proposal_story", "proposal", "proposal_short", "proposal_unsent"],
            "sent": [200, 200, 10, 0],
            "cohort_replied": [70, 40, 2, 0],
        }
    )
    verdicts, table = ab_results(by_variant)
    assert [(v.a, v.b) for v in verdicts] == [
        ("proposal", "proposal_short"),
        ("proposal", "proposal_story"),
        ("proposal_short", "proposal_story"),
    ]
    assert table["comparison"].tolist() == [
        "proposal vs proposal_short",
        "proposal vs proposal_story",
        "proposal_short vs proposal_story",
    ]
    story = table.iloc[1]
    assert story["verdict"] == "proposal_story beats proposal, 95% confidence"
    assert (story["sends_b"], story["replies_b"], story["reply_rate_b"]) == (200, 70, 0.35)
    # Wilson 95% for 40 of 200: z²/n = .019207; centre (.2 + .009604) / 1.019207 = .205654;
    # half-width 1.959964 / 1.019207 · √(.0008 + .000024) = .055201.
    assert (story["reply_rate_a_low"], story["reply_rate_a_high"]) == pytest.approx(
        (0.150453, 0.260855), abs=0.000001
    )
    assert story["more_sends_needed"] == 0
    assert table.iloc[0]["more_sends_needed"] > 0 and not math.isnan(table.iloc[0]["p_value"])


def test_no_pairs_without_two_variants() -> None:
    verdicts, table = ab_results(pd.DataFrame({"variant": ["proposal"], "sent": [5],
                                               "cohort_replied": [1]}))  # fmt: skip
    assert verdicts == [] and table.empty and "verdict" in table.columns
