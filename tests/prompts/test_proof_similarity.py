"""Proof ranked by embeddings: similarity first, word overlap for near ties, a floor below which
nothing fits; and a prompt given its proof uses it instead of word overlap."""

from __future__ import annotations

import math

import pytest

from bidflow.config import PortfolioItem
from prompts.assemble import proposal_prompt
from prompts.proof import (
    JOB_TEXT_LIMIT,
    SIMILARITY_FLOOR,
    cosine,
    job_text,
    relevant_portfolio,
    similar_portfolio,
)
from tests.factories import agency_config, make_job

JOB = make_job(title="Stripe checkout fixes", description="Payments fail.", skills=["Stripe"])


def _at(similarity: float) -> list[float]:
    """A unit vector with this cosine to the job vector [1, 0]."""
    return [similarity, math.sqrt(1 - similarity**2)]


def test_most_similar_first_and_nothing_below_the_floor() -> None:
    items = [PortfolioItem(title=f"Item {n}") for n in range(4)]
    vectors = [_at(0.5), _at(0.9), _at(SIMILARITY_FLOOR - 0.01), _at(0.7)]
    assert similar_portfolio(JOB, [1.0, 0.0], items, vectors) == [items[1], items[3], items[0]]
    assert similar_portfolio(JOB, [1.0, 0.0], items, vectors, limit=1) == [items[1]]
    assert similar_portfolio(JOB, [1.0, 0.0], items, [_at(0.1)] * 4) == []


def test_near_equal_similarity_goes_by_word_overlap_then_order() -> None:
    plain = PortfolioItem(title="Clinic portal")
    stripe = PortfolioItem(title="Payments work", tags=["Stripe"])
    other = PortfolioItem(title="Another portal")
    ranked = similar_portfolio(JOB, [1.0, 0.0], [plain, stripe, other], [_at(0.801)] * 3)
    assert ranked == [stripe, plain, other]
    # A clearly more similar item wins over overlap.
    assert similar_portfolio(JOB, [1.0, 0.0], [stripe, plain], [_at(0.6), _at(0.9)])[0] == plain


def test_cosine_refuses_vectors_of_different_lengths() -> None:
    assert cosine([1.0, 0.0], [0.0, 0.0]) == 0.0
    assert cosine([3.0, 4.0], [3.0, 4.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="2 and 3 dimensions"):
        cosine([1.0, 0.0], [1.0, 0.0, 0.0])


def test_job_text_leads_with_title_and_skills_and_is_bounded() -> None:
    job = make_job(title="Shopify theme", skills=["Liquid"], description="x" * 10_000)
    text = job_text(job)
    assert text.startswith("Shopify theme\nLiquid\nxxx")
    assert len(text) == JOB_TEXT_LIMIT


def test_a_prompt_given_proof_uses_it_instead_of_overlap() -> None:
    agency = agency_config()
    bidder = agency.bidders[0]
    job = make_job(skills=["Django"])
    (overlap_pick,) = relevant_portfolio(job, bidder.portfolio)
    chosen = PortfolioItem(title="Chosen by meaning", summary="A store", tags=["Shopify"])

    given = proposal_prompt(job, bidder, agency, proof=[chosen])
    assert "Chosen by meaning" in given.user
    assert overlap_pick.title not in given.user
    assert given.offline_variables["portfolio"] == [chosen]

    empty = proposal_prompt(job, bidder, agency, proof=[])
    assert empty.offline_variables["portfolio"] == []
    assert "No past work in the catalogue matches this job" in empty.user
    assert proposal_prompt(job, bidder, agency).offline_variables["portfolio"] == [overlap_pick]
