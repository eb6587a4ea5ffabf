"""The agency's LLM prices: what a draft costs, from the tokens the server reports."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bidflow.config.base import ConfigModel

Price = Annotated[float, Field(ge=0)]


class ModelPrice(ConfigModel):
    """US dollars per million tokens for one model; cached input is the part of the prompt the
    provider served from its prompt cache (billed at a discount)."""

    input_per_million: Price
    cached_input_per_million: Price
    output_per_million: Price


def _list_prices() -> dict[str, ModelPrice]:
    # OpenAI's public list prices (standard tier) when this was written.
    return {
        "gpt-4o-mini": ModelPrice(
            input_per_million=0.15, cached_input_per_million=0.075, output_per_million=0.60
        ),
        "gpt-4o": ModelPrice(
            input_per_million=2.50, cached_input_per_million=1.25, output_per_million=10.00
        ),
    }


class LLMConfig(ConfigModel):
    """Settings of the agency's LLM use that belong with the agency rather than the machine."""

    prices: dict[str, ModelPrice] = Field(
        default_factory=_list_prices,
        description="Price per model name; listing any replaces the defaults"
        " (gpt-4o-mini, gpt-4o).",
    )

    def price_for(self, model: str) -> ModelPrice | None:
        """The price of ``model``: its own entry, else the longest name it starts with (servers
        report dated snapshots such as gpt-4o-mini-2024-07-18), else None."""
        if model in self.prices:
            return self.prices[model]
        names = [name for name in self.prices if model.startswith(f"{name}-")]
        return self.prices[max(names, key=len)] if names else None
