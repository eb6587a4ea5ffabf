"""Drafting letters: an OpenAI-compatible client, and the offline drafter that needs no network.

Both implement ``Drafter``; ``drafter_for`` picks one from the settings, like a plugin registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext

from bidflow.settings import Settings
from connectors.llm_openai import OpenAIDrafter
from connectors.llm_types import Drafter, DraftRequest, DraftResult, LLMError, MalformedReply
from prompts import render

__all__ = [
    "OFFLINE_MODEL",
    "DraftRequest",
    "DraftResult",
    "Drafter",
    "LLMError",
    "MalformedReply",
    "OfflineDrafter",
    "OpenAIDrafter",
    "draft_all",
    "drafter_for",
]

OFFLINE_MODEL = "offline"


class OfflineDrafter:
    """A deterministic letter from the job and the bidder's most relevant work; no network."""

    model = OFFLINE_MODEL

    async def draft(self, request: DraftRequest) -> DraftResult:
        return self.draft_now(request)

    def draft_now(self, request: DraftRequest, error: str | None = None) -> DraftResult:
        text = render("offline_letter.j2", **request.offline_variables).strip()
        return DraftResult(key=request.key, text=text, model=self.model, offline=True, error=error)


def drafter_for(settings: Settings) -> Drafter:
    """The LLM when one is configured, else the offline drafter."""
    return OpenAIDrafter(settings) if settings.llm_configured else OfflineDrafter()


async def draft_all(
    requests: Sequence[DraftRequest],
    drafter: Drafter,
    *,
    concurrency: int,
    on_done: Callable[[DraftResult], None] | None = None,
) -> list[DraftResult]:
    """Draft every request with at most ``concurrency`` in flight, in the order given. A request
    the LLM fails on gets the offline letter, flagged, so every job still ends with exactly one
    draft. The drafter's connections are closed at the end (it reconnects if used again)."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    offline = OfflineDrafter()
    gate = asyncio.Semaphore(concurrency)

    async def one(request: DraftRequest) -> DraftResult:
        async with gate:
            try:
                result = await drafter.draft(request)
            except Exception as exc:  # whatever went wrong, this job still gets a letter
                error = str(exc) if isinstance(exc, LLMError) else f"{type(exc).__name__}: {exc}"
                result = offline.draft_now(request, error=error[:500])
        if on_done is not None:
            on_done(result)
        return result

    # A drafter bound by a global limit takes the batch's slots in one go (see GlobalLimit).
    reserve: Callable[[int], AbstractAsyncContextManager[None]] | None = getattr(
        drafter, "reserve", None
    )
    batch = reserve(min(concurrency, len(requests))) if reserve else nullcontext()
    try:
        async with batch:
            return list(await asyncio.gather(*(one(request) for request in requests)))
    finally:
        close: Callable[[], Awaitable[None]] | None = getattr(drafter, "aclose", None)
        if close is not None:
            await close()
