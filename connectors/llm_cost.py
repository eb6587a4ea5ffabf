"""What a draft cost, from the agency's price table and the tokens the server reported."""

from __future__ import annotations

import logging

from bidflow.config.llm import LLMConfig
from connectors.llm_types import DraftResult

log = logging.getLogger("bidflow.llm")
_unpriced: set[str] = set()  # models already warned about, so a run warns once per model


def cost_usd(result: DraftResult, llm: LLMConfig) -> float:
    """US dollars for ``result``: uncached input, cached input and output at their prices.
    Offline drafts cost nothing; so does a model missing from the table (warned once)."""
    if result.offline:
        return 0.0
    price = llm.price_for(result.model)
    if price is None:
        if result.model not in _unpriced:
            _unpriced.add(result.model)
            log.warning(
                "no price for LLM model %r in the agency config (llm.prices); its drafts are"
                " recorded as costing 0",
                result.model,
            )
        return 0.0
    # Servers count cached tokens inside the prompt tokens.
    cached = min(result.tokens_cached, result.tokens_in)
    dollars_per_million = (
        (result.tokens_in - cached) * price.input_per_million
        + cached * price.cached_input_per_million
        + result.tokens_out * price.output_per_million
    )
    return dollars_per_million / 1_000_000
