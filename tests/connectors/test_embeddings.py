"""Proof by embeddings against the fake OpenAI server on 127.0.0.1: ranking by meaning, one
batched request per run, portfolio vectors cached on disk, and word overlap when it fails."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bidflow.config import PortfolioItem
from bidflow.models import JobBase
from connectors.embeddings import ranked_proofs
from prompts.proof import item_text, job_text, relevant_portfolio
from tests.connectors.fake_embeddings import DIMENSIONS
from tests.connectors.fake_openai import Fail, FakeOpenAI, Malformed
from tests.connectors.llm_helpers import fake_settings
from tests.factories import make_job

MODEL = "text-embedding-3-small"
CANDLES = PortfolioItem(
    title="Handmade candle brand site",
    summary="Brand pages and a blog for a candle maker",
    tags=["WordPress", "Candles"],
)
FURNITURE_STORE = PortfolioItem(
    title="E-commerce store for a furniture maker",
    summary="Storefront, checkout and product pages",
    tags=["Shopify"],
)
ETL = PortfolioItem(title="Warehouse ETL", summary="Nightly pandas pipeline", tags=["Pandas"])
PORTFOLIO = [CANDLES, FURNITURE_STORE, ETL]


def _shop_job(n: int = 0) -> JobBase:
    return make_job(
        title=f"Online shop for our candles #{n}",
        description="We sell handmade candles and want an online shop where customers buy them.",
        skills=[],
    )


def test_an_online_shop_job_gets_the_e_commerce_store_as_proof(fake_openai: FakeOpenAI) -> None:
    job = _shop_job()
    # Word overlap sees only "candles"; the store shares no word with the job.
    assert relevant_portfolio(job, PORTFOLIO) == [CANDLES]

    proofs = ranked_proofs(fake_settings(fake_openai, embedding_model=MODEL), [(job, PORTFOLIO)])

    assert proofs == [[FURNITURE_STORE]]  # the candle site and the ETL are below the floor
    ((request),) = fake_openai.embedding_arrivals
    assert request.path == "/v1/embeddings"
    assert request.body["model"] == MODEL


def test_portfolio_vectors_are_fetched_once_across_runs(
    fake_openai: FakeOpenAI, bidflow_home: Path
) -> None:
    settings = fake_settings(fake_openai, embedding_model=MODEL)
    first, second = _shop_job(1), _shop_job(2)

    ranked_proofs(settings, [(first, PORTFOLIO)])
    again = ranked_proofs(settings, [(second, PORTFOLIO)])

    items = [item_text(item) for item in PORTFOLIO]
    assert fake_openai.embedding_inputs == [[job_text(first), *items], [job_text(second)]]
    assert again == [[FURNITURE_STORE]]  # cached vectors rank as fresh ones did
    assert len(list((bidflow_home / "embeddings").glob("*.json"))) == len(PORTFOLIO)


def test_one_request_embeds_every_job_of_a_run(fake_openai: FakeOpenAI) -> None:
    jobs = [_shop_job(n) for n in range(7)]
    wanted = [(job, PORTFOLIO) for job in jobs] + [(jobs[0], PORTFOLIO[:1])]  # a second bidder
    wanted.append((_shop_job(8), []))  # a bidder with no portfolio: nothing to rank, not sent

    proofs = ranked_proofs(fake_settings(fake_openai, embedding_model=MODEL), wanted)

    assert proofs == [[FURNITURE_STORE]] * 7 + [[], []]
    ((texts),) = fake_openai.embedding_inputs
    expected = [job_text(job) for job in jobs] + [item_text(item) for item in PORTFOLIO]
    assert sorted(texts) == sorted(expected)


def test_no_embedding_model_or_no_server_means_no_request(fake_openai: FakeOpenAI) -> None:
    wanted = [(_shop_job(), PORTFOLIO)]
    assert ranked_proofs(fake_settings(fake_openai), wanted) is None
    offline = fake_settings(fake_openai, embedding_model=MODEL, openai_base_url=None)
    offline = offline.model_copy(update={"openai_api_key": None})
    assert ranked_proofs(offline, wanted) is None
    assert fake_openai.embedding_arrivals == []


@pytest.mark.parametrize(
    ("failures", "requests", "reason"),
    [
        ([Fail(503, "embeddings down")] * 3, 3, "embeddings down"),  # every try fails
        ([Fail(400, "unknown model")], 1, "unknown model"),  # not worth another try
        ([Malformed()], 1, "not valid JSON"),
        ([Malformed(b'{"object": "list", "data": []}')], 1, "asked for 4 vectors"),
    ],
)
def test_a_failure_means_word_overlap_for_the_run_logged_once(
    fake_openai: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
    failures: list[Fail | Malformed],
    requests: int,
    reason: str,
) -> None:
    fake_openai.enqueue_embeddings(*failures)
    settings = fake_settings(fake_openai, embedding_model=MODEL)
    with caplog.at_level(logging.WARNING, logger="bidflow.embeddings"):
        assert ranked_proofs(settings, [(_shop_job(), PORTFOLIO)]) is None
    assert len(fake_openai.embedding_arrivals) == requests
    ((record),) = caplog.records
    assert "word overlap" in record.getMessage() and reason in record.getMessage()


def test_a_transient_failure_is_tried_again(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue_embeddings(Fail(429, "slow down"))
    proofs = ranked_proofs(
        fake_settings(fake_openai, embedding_model=MODEL), [(_shop_job(), PORTFOLIO)]
    )
    assert proofs == [[FURNITURE_STORE]]
    assert len(fake_openai.embedding_arrivals) == 2


def test_azure_embeds_through_the_deployment(fake_openai: FakeOpenAI) -> None:
    settings = fake_settings(
        fake_openai,
        embedding_model="embed-deploy",
        openai_base_url=None,
        azure_openai_endpoint=fake_openai.azure_endpoint,
    )
    assert ranked_proofs(settings, [(_shop_job(), PORTFOLIO)]) == [[FURNITURE_STORE]]
    ((request),) = fake_openai.embedding_arrivals
    assert request.path.startswith("/openai/deployments/embed-deploy/embeddings?api-version=")


def test_a_damaged_cache_file_is_embedded_again(
    fake_openai: FakeOpenAI, bidflow_home: Path
) -> None:
    settings = fake_settings(fake_openai, embedding_model=MODEL)
    ranked_proofs(settings, [(_shop_job(1), PORTFOLIO)])
    for path in (bidflow_home / "embeddings").glob("*.json"):
        path.write_text('["half a vec', encoding="utf-8")

    assert ranked_proofs(settings, [(_shop_job(2), PORTFOLIO)]) == [[FURNITURE_STORE]]
    assert len(fake_openai.embedding_inputs[1]) == 1 + len(PORTFOLIO)
    for path in (bidflow_home / "embeddings").glob("*.json"):
        assert len(json.loads(path.read_text(encoding="utf-8"))) == DIMENSIONS  # stored afresh
