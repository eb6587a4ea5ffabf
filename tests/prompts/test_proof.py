"""Proof that fits: the 1-3 portfolio items most relevant to a job, weighted by where they match."""

from __future__ import annotations

from bidflow.config import PortfolioItem
from prompts.proof import relevant_portfolio
from tests.factories import agency_config, make_job


def test_portfolio_proof_is_relevant_and_bounded() -> None:
    items = agency_config().bidders[0].portfolio
    assert relevant_portfolio(make_job(skills=["Django"]), items) == [items[0]]
    unrelated = make_job(title="Logo", description="A bakery logo", skills=["Illustrator"])
    assert relevant_portfolio(unrelated, items) == []


def test_portfolio_matches_on_words_of_multi_word_tags() -> None:
    design = PortfolioItem(title="Fitness onboarding redesign", tags=["UI/UX Design", "Figma"])
    other = PortfolioItem(title="Warehouse ETL", tags=["Pandas"])
    job = make_job(title="UI/UX designer for a pitch deck", description="Slides", skills=["UI/UX"])
    assert relevant_portfolio(job, [other, design]) == [design]


def test_tag_match_outranks_title_word_outranks_summary_word() -> None:
    by_summary = PortfolioItem(title="Clinic portal", summary="Stripe checkout for a clinic")
    by_title = PortfolioItem(title="Stripe billing revamp")
    by_tag = PortfolioItem(title="Payments work", tags=["Stripe"])
    job = make_job(title="Fix our Stripe webhooks", description="Payments fail.", skills=["Stripe"])
    ranked = relevant_portfolio(job, [by_summary, by_title, by_tag])
    assert ranked == [by_tag, by_title, by_summary]


def test_equal_fits_keep_portfolio_order_and_limit_applies() -> None:
    items = [PortfolioItem(title=f"Shopify store {n}", tags=["Shopify"]) for n in range(5)]
    job = make_job(title="Shopify theme fixes", skills=["Shopify"])
    assert relevant_portfolio(job, items) == items[:3]
    assert relevant_portfolio(job, items, limit=1) == items[:1]


def test_common_words_alone_do_not_make_work_relevant() -> None:
    item = PortfolioItem(title="Help build a new project", summary="Work using all the tools")
    job = make_job(title="Need help to build a new project", description="Work with us.", skills=[])
    assert relevant_portfolio(job, [item]) == []
