"""Structured output, screening answers, Azure OpenAI, and what each draft costs."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from bidflow.config import AgencyConfig
from bidflow.config.llm import LLMConfig, ModelPrice
from connectors.llm import DraftResult, OpenAIDrafter, drafter_for
from connectors.llm_cost import cost_usd
from connectors.llm_reply import REPLY_SCHEMA
from tests.connectors.fake_openai import FakeOpenAI, Say
from tests.connectors.llm_helpers import draft_one, draft_request, fake_settings
from tests.factories import agency_dict


def test_structured_fields_and_screening_answers(fake_openai: FakeOpenAI) -> None:
    # The model paraphrases the questions; answers are filed under the client's wording.
    answers = (("Django?", "Yes, five years of it."), ("Start date?", "Monday."))
    fake_openai.enqueue(
        Say(
            "Dear client.",
            suggested_bid=45.0,
            rationale="Close fit.",
            questions=("Deadline?",),
            answers=answers,
        )
    )
    questions = ("Have you used Django?", "Can you start Monday?")
    request = draft_request(questions=questions, title="Django clinic API")

    result = draft_one(OpenAIDrafter(fake_settings(fake_openai)), request)

    assert result.text == "Dear client."
    assert result.screening_answers == (
        ("Have you used Django?", "Yes, five years of it."),
        ("Can you start Monday?", "Monday."),
    )
    assert (result.suggested_bid, result.rationale, result.client_questions) == (
        45.0,
        "Close fit.",
        ("Deadline?",),
    )
    user = fake_openai.bodies[0]["messages"][1]["content"]
    fenced = user[user.index("<<<JOB_POSTING") : user.index("JOB_POSTING>>>")]
    assert all(question in fenced for question in questions)  # asked, as data
    schema = fake_openai.bodies[0]["response_format"]["json_schema"]
    assert (schema["strict"], schema["schema"]) == (True, REPLY_SCHEMA)


def test_answers_keep_the_models_wording_when_they_do_not_pair_up(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.enqueue(Say("Dear client.", answers=(("Django?", "Yes."),)))
    request = draft_request(questions=("Have you used Django?", "Can you start Monday?"))
    result = draft_one(OpenAIDrafter(fake_settings(fake_openai)), request)
    assert result.screening_answers == (("Django?", "Yes."),)


def test_server_without_json_schema_gets_json_object_once_and_for_all(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.rejects_json_schema = True
    drafter = OpenAIDrafter(fake_settings(fake_openai))

    first = draft_one(drafter, draft_request(key=1))
    second = draft_one(drafter, draft_request(key=2))

    assert (first.offline, second.offline) == (False, False)
    formats = [body["response_format"]["type"] for body in fake_openai.bodies]
    assert formats == ["json_schema", "json_object", "json_object"]  # remembered per drafter
    system = fake_openai.bodies[1]["messages"][0]["content"]
    assert json.dumps(REPLY_SCHEMA, separators=(",", ":")) in system


def test_azure_client_is_built_from_settings(fake_openai: FakeOpenAI) -> None:
    settings = fake_settings(
        fake_openai,
        openai_base_url=None,
        openai_api_key="azure-key",
        azure_openai_endpoint=fake_openai.azure_endpoint,
        azure_openai_api_version="2024-10-21",
        llm_model="bidflow-4o-mini",
    )
    drafter = drafter_for(settings)
    assert isinstance(drafter, OpenAIDrafter) and drafter.azure

    result = draft_one(drafter, draft_request())

    assert not result.offline
    (arrival,) = fake_openai.arrivals
    assert arrival.path == (
        "/openai/deployments/bidflow-4o-mini/chat/completions?api-version=2024-10-21"
    )
    assert fake_openai.server is not None
    assert fake_openai.server.requests[0].headers["api-key"] == "azure-key"


def _result(model: str, tokens_in: int, cached: int, tokens_out: int) -> DraftResult:
    return DraftResult(
        key=1,
        text="x",
        model=model,
        offline=False,
        tokens_in=tokens_in,
        tokens_cached=cached,
        tokens_out=tokens_out,
    )


def test_cost_counts_cached_input_at_its_own_price() -> None:
    llm = LLMConfig()
    # 1M prompt tokens of which 400k cached, 100k out, at gpt-4o-mini's list prices.
    cost = cost_usd(_result("gpt-4o-mini-2024-07-18", 1_000_000, 400_000, 100_000), llm)
    assert cost == pytest.approx(0.6 * 0.15 + 0.4 * 0.075 + 0.1 * 0.60)
    assert cost_usd(_result("gpt-4o", 2_000, 0, 1_000), llm) == pytest.approx(0.005 + 0.01)


def test_configured_prices_replace_the_defaults() -> None:
    llm = LLMConfig(
        prices={
            "llama3.1": ModelPrice(
                input_per_million=1, cached_input_per_million=0.5, output_per_million=2
            )
        }
    )
    assert cost_usd(_result("llama3.1", 1_000_000, 1_000_000, 1_000_000), llm) == 2.5
    assert llm.price_for("gpt-4o") is None


def test_unknown_model_costs_nothing_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bidflow.llm"):
        costs = [cost_usd(_result("mystery-model-7b", 500, 0, 500), LLMConfig()) for _ in "abc"]
    assert costs == [0.0, 0.0, 0.0]
    warnings = [r.getMessage() for r in caplog.records if "mystery-model-7b" in r.getMessage()]
    assert len(warnings) == 1 and "llm.prices" in warnings[0]


def test_offline_drafts_cost_nothing() -> None:
    offline = DraftResult(key=1, text="x", model="offline", offline=True)
    assert cost_usd(offline, LLMConfig()) == 0.0


def test_the_price_table_is_read_from_the_agency_config() -> None:
    data = agency_dict()
    price = {"input_per_million": 0.2, "cached_input_per_million": 0.1, "output_per_million": 0.8}
    data["llm"] = {"prices": {"llama3.1": price}}
    assert AgencyConfig.model_validate(data).llm.price_for("llama3.1") == ModelPrice(**price)
    data["llm"]["prices"]["llama3.1"] = {**price, "output_per_milion": 1}
    with pytest.raises(ValidationError, match="output_per_milion"):
        AgencyConfig.model_validate(data)
